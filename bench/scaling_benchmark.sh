#!/usr/bin/env bash
# How training scales over ranks, each figure beside the one-core kernel measured in the same run
# (machines differ and are shared: compare ratios, not absolute figures):
#  1. pairs/s of the layouts on this machine's cores (one rank with one thread and with two), as a
#     multiple of ampcf_bench's one-core kernel figure, with the workers' share of time blocked on
#     a peer, their time outside the kernel and the bytes per positive pair (metrics.jsonl's
#     counters);
#  2. bytes per positive pair at W = 1, 2, 4, 8 workers (oversubscribed) and 1 server, for the
#     synchronous mode and the fast mode (per-worker batches, cached rows, 16-bit wire);
#  3. with MAX_W set (a machine with many cores: the device tool), the fast mode's scaling curve
#     W = 1 .. MAX_W on one node beside the one-node cost model (docs/scale-out.md): a clock takes
#     max(c_w * max(1, (W + 1) / P), W * c_s) on P cores, c_w and c_s (a worker's compute per step,
#     the server's per worker step) measured at W = 1.
#   bench/scaling_benchmark.sh [DATA]   default: NCF ML-1M from ../shared/data, else generated
# EPOCHS (1) epochs per run; AMPCF_BUILD=DIR the build folder (build); SKIP_LAYOUTS=1 skips 1.
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
echo "kernel on $(nproc) threads: $("$build/ampcf_bench" 2 "$(nproc)" | sed -n 's/.*: \([0-9]*\) pairs\/s$/\1/p') pairs/s"

# run LABEL NP ARGS...: one training run; prints its figures from metrics.jsonl's last epoch line.
run() {
  local label=$1 np=$2 bind=()
  shift 2
  if [ "${1:-}" = --bind-to ]; then bind=(--bind-to "$2"); shift 2; fi
  mpirun "${bind[@]}" -np "$np" "$build/ampcf" train "${data[@]}" --epochs "$epochs" --patience 0 --quiet --out "$out/run" "$@" > /dev/null
  python3 bench/epoch_figures.py "$out/run/metrics.jsonl" "$label" "$kernel"
  rm -rf "$out/run"
}

if [ -z "${SKIP_LAYOUTS:-}" ]; then
echo "--- layouts"
# --bind-to none: mpirun binds a rank of a small job to one core, which leaves its threads one core.
run "1 rank, 1 thread" 1 --threads 1
run "1 rank, 2 threads" 1 --bind-to none --threads 2
run "1 server + 1 worker, synchronous" 2 --servers 1 --staleness 0
run "1 server + 2 workers, synchronous" 3 --servers 1 --staleness 0
run "1 server + 3 workers, synchronous" 4 --servers 1 --staleness 0
run "1 server + 2 workers, asynchronous, no cache, 32-bit" 3 --servers 1 --cache-steps 1 --wire-bits 32
run "1 server + 2 workers, fast" 3 --servers 1
run "1 server + 2 workers, fast with --staleness 2" 3 --servers 1 --staleness 2
run "1 server + 3 workers, fast" 4 --servers 1
fi

echo "--- bytes per positive pair against the worker count (1 server, oversubscribed)"
for w in 1 2 4 8; do
  run "W = $w, synchronous" $((w + 1)) --servers 1 --staleness 0
  run "W = $w, fast" $((w + 1)) --servers 1
done

if [ -n "${MAX_W:-}" ]; then
  echo "--- the fast mode's scaling curve on one node ($(nproc) cores) beside the cost model"
  for w in $(seq 1 "$MAX_W"); do
    mpirun -np $((w + 1)) "$build/ampcf" train "${data[@]}" --epochs "$epochs" --patience 0 --quiet --out "$out/run" \
      --servers 1 > /dev/null
    [ "$w" -eq 1 ] && cp "$out/run/metrics.jsonl" "$out/w1.jsonl"
    python3 - "$out/w1.jsonl" "$out/run/metrics.jsonl" "$w" "$(nproc)" <<'PY'
import json, sys
def last(path):
    return [json.loads(l) for l in open(path) if l.startswith('{"epoch"')][-1]
one, now, W, P = last(sys.argv[1]), last(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
steps = one["pairs_per_s"] * one["seconds"] / 256
c_w = [r for r in one["ranks"] if r["role"] != "server"][0]["compute_s"] / steps
c_s = [r for r in one["ranks"] if r["role"] == "server"][0]["compute_s"] / steps
model = W * 256 / max(c_w * max(1.0, (W + 1) / P), W * c_s)
print(f"W = {W:2d}: {now['pairs_per_s']:9.0f} pairs/s  model {model:9.0f}  {now['bytes_per_pair']:6.0f} B/pair")
PY
    rm -rf "$out/run"
  done
fi
