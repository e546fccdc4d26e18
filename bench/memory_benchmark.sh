#!/usr/bin/env bash
# Peak memory of every rank, and the checkpoint write time, as the worker count grows: on a
# generated dataset (default 2M users, 100k items, ~20M interactions), 1 server + W workers
# train a fixed number of steps and stop with a checkpoint (--stop-after-steps).
#   bench/memory_benchmark.sh [WORKDIR]          (default /tmp/ampcf-memory)
#   env: AMPCF_BUILD (build), USERS, ITEMS, MAX_INTERACTIONS, STEPS, WORKERS ("1 2 4 8"),
#        EXTRA (more train options, e.g. "--personas 4")
# Each rank's peak RSS comes from /usr/bin/time (one file per rank). Prints one line per rank
# and a summary per W; the memory model of docs/design.md ("Memory per rank") is checked against it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ampcf="$(realpath "${AMPCF_BUILD:-$root/build}")/ampcf"
work="${1:-/tmp/ampcf-memory}"
users=${USERS:-2000000} items=${ITEMS:-100000} steps=${STEPS:-20}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$work"
data="$work/data-$users-$items"
if [ ! -f "$data/prepared.h5" ]; then
  "$ampcf" generate --users "$users" --items "$items" --min-interactions 2 \
    --max-interactions "${MAX_INTERACTIONS:-18}" --out "$data" > /dev/null
  "$ampcf" prepare --data "$data" --out "$data/prepared.h5"
fi
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "W  ranks  worker_peak_MB(max)  server_peak_MB  total_MB  checkpoint_s  checkpoint_MB"
for w in ${WORKERS:-1 2 4 8}; do
  out="$work/run-w$w"
  rm -rf "$out"
  # Each rank reports its own peak RSS (kB) with its world rank; ranks 0..W-1 are workers.
  mkdir -p "$out"
  mpirun --oversubscribe --bind-to none -np $((w + 1)) --mca mpi_yield_when_idle 1 \
    sh -c 'exec /usr/bin/time -o "$0.$OMPI_COMM_WORLD_RANK" -f "%M" "$@"' "$out/peak_kb" \
    "$ampcf" train --data "$data/prepared.h5" --servers 1 --stop-after-steps "$steps" --out "$out" ${EXTRA:-} \
    > "$work/w$w.log" 2>&1 || true
  ls "$out"/peak_kb.* > /dev/null 2>&1 || { cat "$work/w$w.log"; exit 1; }
  python3 - "$work/w$w.log" "$w" "$out" <<'EOF'
import glob, os, re, sys
log, w, out = open(sys.argv[1]).read(), int(sys.argv[2]), sys.argv[3]
peaks = {int(f.rsplit(".", 1)[1]): int(open(f).read().split()[-1]) / 1024 for f in glob.glob(out + "/peak_kb.*")}
seconds = re.findall(r"checkpoint \S+ \(epoch \d+, step \d+\) in ([0-9.]+)s", log)
files = glob.glob(os.path.join(out, "checkpoints", "checkpoint-*.h5"))
size = sum(os.path.getsize(f) for f in files) / 2**20
for r in sorted(peaks):
    print(f"   rank {r} ({'worker' if r < w else 'server'}): {peaks[r]:.0f} MB")
workers = [peaks[r] for r in peaks if r < w]
print(f"{w:<2} {w + 1:<6} {max(workers):<20.0f} {peaks[w]:<15.0f} {sum(peaks.values()):<9.0f} "
      f"{seconds[-1] if seconds else '?':<13} {size:.0f}")
EOF
done
