#!/usr/bin/env bash
# A file that cannot be written ends the run on every rank with one line naming the file and why;
# the file is removed, the previous checkpoint stays intact, and --resume auto, once there is
# room, finishes the run as if nothing had happened (bitwise, deterministic mode):
#  - a checkpoint on a full disk (a small tmpfs);
#  - a checkpoint past a file size limit (AMPCF_FAULTS=file-size-limit: RLIMIT_FSIZE in each rank,
#    as `ulimit -f` would set it; in the shell that starts mpirun it would stop MPI_Init);
#  - model.h5 on a full disk (the final checkpoint fits, the model file does not).
# Skips (exit 77) where a tmpfs cannot be mounted (not root).
set -euo pipefail
ampcf=${1:?usage: full_disk.sh path/to/ampcf}
source "$(dirname "$0")/lib.sh"
disk=$work/disk
mkdir -p "$disk"
if ! mount -t tmpfs -o size=1M ampcf-full-disk "$disk" 2> "$work/mount.err"; then
  echo "SKIP: full_disk needs to mount a tmpfs (root): $(cat "$work/mount.err")"
  exit 77
fi
trap 'umount "$disk" 2> /dev/null || true; rm -rf "$work"' EXIT
resize() { mount -o "remount,size=$1" "$disk"; }  # resize BYTES (rounded up to pages)

common=(--data synthetic --synthetic-users 600 --synthetic-items 300 --servers 1 --quiet --deterministic
        --patience 0 --epochs 3 --keep-checkpoints 1 --checkpoint-minutes 0)
# The uninterrupted run, on the tmpfs to measure what its files take there (HDF5 leaves holes).
resize 64M
run -np 3 "$ampcf" train "${common[@]}" --checkpoint-every 10 --out "$disk/straight" > /dev/null
allocated() { du -s --block-size=1 "$@" | tail -1 | cut -f1; }
checkpoint_bytes=$(allocated "$disk"/straight/checkpoints/*.h5)
model_bytes=$(allocated "$disk/straight/model.h5")
# What a finished run writes before model.h5 (the checkpoint, eval.h5, taste.h5, metrics.jsonl).
before_model_bytes=$(($(allocated "$disk/straight") - model_bytes))
mv "$disk/straight" "$work/straight"

# expect_failure NAME FILE-PATTERN WHY: the run of $work/$NAME.log ended on a write of FILE-PATTERN.
expect_failure() {
  local name=$1 pattern=$2 why=$3 status=$4
  check "$name: the run fails (status $status)" test "$status" -ne 0 -a "$status" -ne 124
  check "$name: one line names the file and why" \
    test "$(grep -c "^ampcf: rank [0-9]*: could not write $pattern: .*($why)" "$work/$name.log")" -eq 1
  grep -m1 "^ampcf: rank" "$work/$name.log" || true
}
# intact_checkpoint DIR NAME: DIR/checkpoints holds one whole checkpoint, and no temporary file.
intact_checkpoint() {
  local files
  files=$(ls "$1/checkpoints")
  check "$2: the earlier checkpoint is intact, no half-written file ($(echo $files))" \
    bash -c "[ \"$(echo $files | wc -w)\" = 1 ] && [[ '$files' == checkpoint-*.h5 ]] && '$ampcf' inspect '$1/checkpoints/$files' > /dev/null"
}

# A checkpoint on a full disk: room for one checkpoint, not for the next beside it.
resize $((checkpoint_bytes * 3 / 2))
status=0
run -np 3 "$ampcf" train "${common[@]}" --checkpoint-every 10 --out "$disk/run" > "$work/no_space.log" 2>&1 || status=$?
expect_failure no_space "$disk/run/checkpoints/checkpoint-000000000020.h5.tmp" "No space left on device" "$status"
intact_checkpoint "$disk/run" no_space
resize 64M
run -np 3 "$ampcf" train "${common[@]}" --checkpoint-every 10 --out "$disk/run" --resume auto > /dev/null
check "no_space: --resume auto with room finishes == the uninterrupted run (bitwise)" same_model "$work/straight" "$disk/run"
rm -rf "${disk:?}/run"

# A checkpoint past the file size limit (the first checkpoint, at step 10).
status=0
run -np 3 -x AMPCF_FAULTS=file-size-limit=$((checkpoint_bytes / 2)) "$ampcf" train "${common[@]}" --checkpoint-every 10 \
  --out "$work/too_large" > "$work/too_large.log" 2>&1 || status=$?
expect_failure too_large "$work/too_large/checkpoints/checkpoint-000000000010.h5.tmp" "File too large" "$status"
check "too_large: no half-written file" test -z "$(ls "$work/too_large/checkpoints")"
status=0
run -np 3 -x AMPCF_FAULTS=file-size-limit=$((checkpoint_bytes * 2)) "$ampcf" train "${common[@]}" --checkpoint-every 10 \
  --out "$work/too_large" --resume auto > /dev/null 2>&1 || status=$?
check "too_large: with a limit the files fit, the run finishes (status $status) == the uninterrupted run" \
  same_model "$work/straight" "$work/too_large"

# model.h5 on a full disk: only the end-of-search checkpoint is written; it and the evaluation's
# files fit, model.h5 does not.
resize $((before_model_bytes + 64 * 1024 + model_bytes / 2))
status=0
run -np 3 "$ampcf" train "${common[@]}" --out "$disk/run" > "$work/model_file.log" 2>&1 || status=$?
expect_failure model_file "$disk/run/model.h5.tmp" "No space left on device" "$status"
check "model_file: no half-written model file" test ! -e "$disk/run/model.h5.tmp" -a ! -e "$disk/run/model.h5"
intact_checkpoint "$disk/run" model_file
resize 64M
run -np 3 "$ampcf" train "${common[@]}" --out "$disk/run" --resume auto > /dev/null
check "model_file: --resume auto with room writes model.h5 == the uninterrupted run" same_model "$work/straight" "$disk/run"
finish
