#!/usr/bin/env bash
# Training throughput in positive pairs/s over all ranks (r=2, d=64, |N|=4, batch 256), for the
# AMP-CF kernel alone and for `ampcf train` on 1 rank and on 1 server + W workers; and the
# seconds of full-ranking evaluation on one core, per user and in blocks (ampcf_bench_eval).
#   bench/benchmark.sh [DATA]     default: ML-1M from ../shared/data if present, else synthetic
# AMPCF_BUILD=DIR measures the binaries of another build folder (e.g. an older build, for a
# paired comparison on the same machine).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
build=${AMPCF_BUILD:-build}
[ -x "$build/ampcf" ] || bash launch/setup.sh
shared=../shared/data/ml-1m/ncf
if [ -n "${1:-}" ]; then
  data=(--data "$1")
elif [ -d "$shared" ]; then
  data=(--data "$shared")
else
  data=(--data synthetic --synthetic-users 30000 --synthetic-items 3700)
fi
epochs=${EPOCHS:-3}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "data: ${data[*]}; $epochs epochs each (the figure is pairs over train time, evaluation excluded)"
"$build/ampcf_bench" 2
"$build/ampcf_bench_eval" "${data[@]}"  # full-ranking evaluation, per user and in blocks
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {
  local label=$1; shift
  "$@" train "${data[@]}" --epochs "$epochs" --patience 0 --quiet --out "$out/run" > /dev/null
  python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(f'{sys.argv[2]:<40} {r[\"pairs_per_s\"]:>10.0f} pairs/s')" "$out/run/metrics.jsonl" "$label"
  rm -rf "$out/run"
}
run "ampcf train, 1 rank" "$build/ampcf"
for workers in 1 2 3; do
  AMPCF="$build/ampcf" run "ampcf train, 1 server + $workers worker(s)" launch/ampcf-run $((workers + 1)) --
done
