#!/usr/bin/env bash
# Training across an emulated cluster (launch/emulated-cluster.sh; root): the same 4 ranks
# (1 server + 3 workers, mapped by node over 3 nodes: worker 0 and the server share node0) with
# links limited to 10 Gbit/s and to 1 Gbit/s, beside the same ranks on one node, each in
# synchronous mode and with per-worker batches and cached attention maps. Prints pairs/s, the
# workers' share of time blocked on a peer and bytes per positive pair (launch/epoch_figures.py).
#   launch/cluster_benchmark.sh [DATA]   default: NCF ML-1M from ../shared/data, else generated
# EPOCHS (1) epochs per run; AMPCF_BUILD=DIR the build folder (build).
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
modes=("synchronous|--servers 1" "--staleness -1 --dense-every 8|--servers 1 --staleness -1 --dense-every 8")

# figures LABEL: the last run's line.
figures() { python3 "$root/launch/epoch_figures.py" "$out/run/metrics.jsonl" "$1"; rm -rf "$out/run"; }
train_args() { echo "$build/ampcf train ${data[*]} --epochs $epochs --patience 0 --quiet --out $out/run $1"; }

for mode in "${modes[@]}"; do
  # shellcheck disable=SC2046
  mpirun -np 4 $(train_args "${mode#*|}") > /dev/null
  figures "one node, ${mode%%|*}"
done
for rate in 10gbit 1gbit; do
  cluster=$(launch/emulated-cluster.sh up 3 "$rate")
  for mode in "${modes[@]}"; do
    # shellcheck disable=SC2046
    launch/emulated-cluster.sh mpirun "$cluster" -np 4 --map-by node $(train_args "${mode#*|}") > /dev/null
    figures "3 nodes at $rate, ${mode%%|*}"
  done
  launch/emulated-cluster.sh down "$cluster"
  cluster=
done
