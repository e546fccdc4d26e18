#!/usr/bin/env bash
# Training across an emulated cluster (launch/emulated-cluster.sh; root): the same 4 ranks
# (1 server + 3 workers, mapped by node over 3 nodes: worker 0 and the server share node0) with
# links limited to 10 Gbit/s and to 1 Gbit/s, beside the same ranks on one node, in synchronous
# mode and in the fast mode, the default (per-worker batches, cached rows, 8-bit wire). Prints
# one line per run (pairs/s, the workers' share of time blocked on a peer, bytes per positive
# pair: bench/epoch_figures.py), then per placement and mode the median pairs/s over the rounds
# and its multiple of the one-node median of the same mode and build.
#   bench/cluster_benchmark.sh [DATA]   default: NCF ML-1M from ../shared/data, else generated
# ROUNDS (3): every placement in turn, this many times (an epoch of ML-1M takes 1-2 s and a
# shared host moves one run's figure by half: compare medians, never one run); EPOCHS (1)
# epochs per run; MODES: "label|flags" lines replacing synchronous and fast; AMPCF_BUILD=DIR the
# build folder (build); BASELINE=DIR another build (an older commit's) run beside it with
# BASELINE_MODES ("label|flags" lines).
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
runs=()
while IFS= read -r mode; do
  [ -n "$mode" ] && runs+=("${mode%%|*}|$build|--servers 1 --threads 1 ${mode#*|}")
done <<< "${MODES:-synchronous: --staleness 0|--staleness 0
fast: the default|}"
if [ -n "${BASELINE:-}" ]; then
  baseline=$(realpath "$BASELINE")
  while IFS= read -r mode; do
    [ -n "$mode" ] && runs+=("baseline ${mode%%|*}|$baseline|--servers 1 ${mode#*|}")
  done <<< "${BASELINE_MODES:-synchronous|
--staleness -1 --dense-every 8|--staleness -1 --dense-every 8}"
fi

rates="$out/rates.tsv"  # placement, label, pairs/s: one line per run
# run_all PLACEMENT LAUNCHER...: every run of the table under one launcher.
run_all() {
  local placement=$1
  shift
  for entry in "${runs[@]}"; do
    IFS='|' read -r label binary flags <<< "$entry"
    # shellcheck disable=SC2086
    "$@" "$binary/ampcf" train "${data[@]}" --epochs "$epochs" --patience 0 --quiet --out "$out/run" $flags \
      < /dev/null > /dev/null
    local line
    line=$(python3 "$root/bench/epoch_figures.py" "$out/run/metrics.jsonl" "$placement, $label")
    echo "$line"
    printf '%s\t%s\t%s\n' "$placement" "$label" "$(grep -oE '[0-9]+ pairs/s' <<< "$line" | head -1 | cut -d' ' -f1)" >> "$rates"
    rm -rf "$out/run"
  done
}

for round in $(seq "${ROUNDS:-3}"); do
  echo "-- round $round"
  run_all "one node" mpirun -np 4
  for rate in 10gbit 1gbit; do
    cluster=$(launch/emulated-cluster.sh up 3 "$rate")
    run_all "3 nodes at $rate" launch/emulated-cluster.sh mpirun "$cluster" -np 4 --map-by node
    launch/emulated-cluster.sh down "$cluster"
    cluster=
  done
done
echo "-- medians over the rounds (pairs/s; range; the median's multiple of the same mode's one-node median)"
python3 - "$rates" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    placement, label, rate = line.rstrip("\n").split("\t")
    runs.setdefault((placement, label), []).append(float(rate))
for (placement, label), rates in runs.items():
    median = statistics.median(rates)
    one_node = statistics.median(runs[("one node", label)])
    print(f"{placement + ', ' + label:<52} {median:>9.0f} pairs/s  ({min(rates):.0f}-{max(rates):.0f})  {median / one_node:.2f}x one node")
PY
