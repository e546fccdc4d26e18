#!/usr/bin/env bash
# Training across an emulated cluster (launch/emulated-cluster.sh; root): the same 4 ranks
# (1 server + 3 workers, mapped by node over 3 nodes: worker 0 and the server share node0) with
# links limited to 10 Gbit/s and to 1 Gbit/s, beside the same ranks on one node, in synchronous
# mode and in the fast mode, the default (per-worker batches, cached rows, 16-bit wire). Prints pairs/s, the
# workers' share of time blocked on a peer, bytes per positive pair (bench/epoch_figures.py)
# and each placement's pairs/s as a multiple of the one-node figure of the same mode and build.
#   bench/cluster_benchmark.sh [DATA]   default: NCF ML-1M from ../shared/data, else generated
# EPOCHS (1) epochs per run; AMPCF_BUILD=DIR the build folder (build); BASELINE=DIR another
# build (an older commit's) run beside it with BASELINE_MODES ("label|flags" lines).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
build=$(realpath "${AMPCF_BUILD:-build}")
[ -x "$build/ampcf" ] || bash launch/setup.sh
if [ -n "${1:-}" ]; then
  data=(--data "$(realpath "$1")")
elif [ -d ../shared/data/ml-1m/ncf ]; then
  data=(--data "$(realpath ../shared/data/ml-1m/ncf)")
else
  data=(--data synthetic --synthetic-users 30000 --synthetic-items 3700)
fi
epochs=${EPOCHS:-1}
out=$(mktemp -d)
cluster=
trap '[ -z "$cluster" ] || launch/emulated-cluster.sh down "$cluster"; rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "data: ${data[*]}; $epochs epoch(s) per run; pairs/s over training time (evaluation excluded)"
# Runs: "label|build|flags". --threads 1: the emulated nodes share this machine's cores, but a rank
# alone on its node would take them all.
runs=("synchronous: --staleness 0|$build|--servers 1 --staleness 0 --threads 1" "fast: the default|$build|--servers 1 --threads 1")
if [ -n "${BASELINE:-}" ]; then
  baseline=$(realpath "$BASELINE")
  while IFS= read -r mode; do
    [ -n "$mode" ] && runs+=("baseline ${mode%%|*}|$baseline|--servers 1 ${mode#*|}")
  done <<< "${BASELINE_MODES:-synchronous|
--staleness -1 --dense-every 8|--staleness -1 --dense-every 8}"
fi

declare -A one_node
# run PLACEMENT LAUNCHER...: every run of the table under one launcher.
run_all() {
  local placement=$1
  shift
  for entry in "${runs[@]}"; do
    IFS='|' read -r label binary flags <<< "$entry"
    # shellcheck disable=SC2086
    "$@" "$binary/ampcf" train "${data[@]}" --epochs "$epochs" --patience 0 --quiet --out "$out/run" $flags \
      < /dev/null > /dev/null
    local line rate
    line=$(python3 "$root/bench/epoch_figures.py" "$out/run/metrics.jsonl" "$placement, $label")
    rate=$(python3 -c "import json; print([json.loads(l) for l in open('$out/run/metrics.jsonl') if l.startswith('{\"epoch\"')][-1]['pairs_per_s'])")
    rm -rf "$out/run"
    [ -n "${one_node[$label]:-}" ] || one_node[$label]=$rate
    echo "$line  $(python3 -c "print(f'{$rate / ${one_node[$label]}:.2f}')")x one node"
  done
}

run_all "one node" mpirun -np 4
for rate in 10gbit 1gbit; do
  cluster=$(launch/emulated-cluster.sh up 3 "$rate")
  run_all "3 nodes at $rate" launch/emulated-cluster.sh mpirun "$cluster" -np 4 --map-by node
  launch/emulated-cluster.sh down "$cluster"
  cluster=
done
