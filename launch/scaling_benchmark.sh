#!/usr/bin/env bash
# How training scales over ranks, each figure beside the one-core kernel measured in the same run
# (machines differ and are shared: compare ratios, not absolute figures):
#  1. pairs/s of the layouts on this machine's cores, as a multiple of ampcf_bench's one-core
#     kernel figure, with the workers' share of time blocked on a peer and the bytes per positive
#     pair (metrics.jsonl's counters);
#  2. bytes per positive pair at W = 1, 2, 4, 8 workers (oversubscribed) and 1 server, for the
#     synchronous mode and for per-worker batches with the attention maps cached (--dense-every).
#   launch/scaling_benchmark.sh [DATA]   default: NCF ML-1M from ../shared/data, else generated
# EPOCHS (1) epochs per run; AMPCF_BUILD=DIR the build folder (build).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
build=${AMPCF_BUILD:-build}
[ -x "$build/ampcf" ] || bash launch/setup.sh
if [ -n "${1:-}" ]; then
  data=(--data "$1")
elif [ -d ../shared/data/ml-1m/ncf ]; then
  data=(--data ../shared/data/ml-1m/ncf)
else
  data=(--data synthetic --synthetic-users 30000 --synthetic-items 3700)
fi
epochs=${EPOCHS:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "data: ${data[*]}; $epochs epoch(s) per run; pairs/s over training time (evaluation excluded)"
kernel=$("$build/ampcf_bench" 2 | sed -n 's/.*: \([0-9]*\) pairs\/s$/\1/p')
echo "kernel (ampcf_bench, forward+backward, one core): $kernel pairs/s"

# run LABEL NP ARGS...: one training run; prints its figures from metrics.jsonl's last epoch line.
run() {
  local label=$1 np=$2
  shift 2
  mpirun -np "$np" "$build/ampcf" train "${data[@]}" --epochs "$epochs" --patience 0 --quiet --out "$out/run" "$@" > /dev/null
  python3 launch/epoch_figures.py "$out/run/metrics.jsonl" "$label" "$kernel"
  rm -rf "$out/run"
}

echo "--- layouts"
run "1 rank" 1
run "1 server + 1 worker, synchronous" 2 --servers 1
run "1 server + 2 workers, synchronous" 3 --servers 1
run "1 server + 3 workers, synchronous" 4 --servers 1
run "1 server + 2 workers, --staleness -1" 3 --servers 1 --staleness -1
run "1 server + 2 workers, --staleness -1 --dense-every 8" 3 --servers 1 --staleness -1 --dense-every 8
run "1 server + 2 workers, --staleness 2 --dense-every 8" 3 --servers 1 --staleness 2 --dense-every 8
run "1 server + 3 workers, --staleness -1 --dense-every 8" 4 --servers 1 --staleness -1 --dense-every 8

echo "--- bytes per positive pair against the worker count (1 server, oversubscribed)"
for w in 1 2 4 8; do
  run "W = $w, synchronous" $((w + 1)) --servers 1
  run "W = $w, --staleness -1 --dense-every 8" $((w + 1)) --servers 1 --staleness -1 --dense-every 8
done
