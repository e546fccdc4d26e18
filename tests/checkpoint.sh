#!/usr/bin/env bash
# Checkpoints under mpirun, on generated data (deterministic mode, so "exact" means bitwise):
#  - 4 epochs straight == 2 epochs, stop, resume, 2 more; also from a mid-epoch checkpoint, and
#    with --average-decay (the running average is in the checkpoint);
#  - --refit on the checkpoint of a finished run == --refit straight;
#  - elastic: a checkpoint of 1 server + 2 workers resumes on 1 rank and on 2 servers + 2 workers;
#  - SIGTERM to every rank and to launch/ampcf-run: a checkpoint, exit 143, and resuming gives
#    the uninterrupted result; to a plain mpirun: the checkpoint (mpirun itself exits 1);
#  - --checkpoint-minutes checkpoints at step boundaries; default cadence; --checkpoint-epochs;
#  - SIGKILL of one rank: the job ends promptly naming the lost rank; --resume auto finishes it;
#  - eval reads a checkpoint on 1 and on 2 ranks alike;
#  - a corrupted or truncated newest checkpoint: a warning and the one before; inspect refuses it;
#  - a checkpoint of another dataset or model shape is refused with a one-line error.
set -euo pipefail
ampcf=${1:?usage: checkpoint.sh path/to/ampcf}
source "$(dirname "$0")/lib.sh"
newest() { ls "$1"/checkpoints/checkpoint-*.h5 | tail -1; }

common=(--data synthetic --synthetic-users 600 --synthetic-items 300 --quiet --deterministic --patience 0)
three=(-np 3 "$ampcf" train "${common[@]}" --servers 1)

run "${three[@]}" --epochs 4 --out "$work/straight" > /dev/null
run "${three[@]}" --epochs 2 --out "$work/split" > /dev/null
run "${three[@]}" --epochs 4 --out "$work/split" --resume auto > /dev/null
check "2 + 2 epochs with a resume == 4 epochs (bitwise)" same_model "$work/straight" "$work/split"

# 76 steps per epoch here: step 100 is inside epoch 2.
run "${three[@]}" --epochs 4 --out "$work/mid" --checkpoint-every 30 --stop-after-steps 100 2> "$work/mid.err" > /dev/null
check "--stop-after-steps says where it wrote" grep -q "checkpoint-000000000100.h5" "$work/mid.err"
run "${three[@]}" --epochs 4 --out "$work/mid" --resume auto > /dev/null
check "resume from a mid-epoch checkpoint == straight (bitwise)" same_model "$work/straight" "$work/mid"
check "--keep-checkpoints 3 keeps three" test "$(ls "$work/mid/checkpoints" | wc -l)" -eq 3

# Parameter averaging: the running average is part of the checkpoint, so a mid-epoch resume
# is still exact; and the averaged model is not the plain one.
avg=(--epochs 4 --average-decay 0.5)
run "${three[@]}" "${avg[@]}" --out "$work/avg_straight" > /dev/null
run "${three[@]}" "${avg[@]}" --out "$work/avg_mid" --stop-after-steps 100 > /dev/null 2>&1
run "${three[@]}" "${avg[@]}" --out "$work/avg_mid" --resume auto > /dev/null
check "--average-decay: resume from a mid-epoch checkpoint == straight (bitwise)" same_model "$work/avg_straight" "$work/avg_mid"
check "--average-decay 0.5 tests another model than no averaging" bash -c "! h5diff -q '$work/straight/model.h5' '$work/avg_straight/model.h5' /users/personas"

# --refit on a finished run: resuming its last checkpoint with --refit skips the search (early
# stopping had fired: validation NDCG falls within the first epochs here) and refits as a
# straight --refit run.
stopping=(--epochs 8 --patience 1)
run "${three[@]}" "${stopping[@]}" --refit --out "$work/refit_straight" > /dev/null
run "${three[@]}" "${stopping[@]}" --out "$work/refit_later" > /dev/null
searched=$(grep -c '"epoch"' "$work/refit_later/metrics.jsonl")
check "early stopping fired ($searched of 8 epochs)" test "$searched" -lt 8
run "${three[@]}" "${stopping[@]}" --refit --out "$work/refit_later" --resume auto > "$work/refit_later.log" 2>&1
check "resuming the finished run trains no further epoch" test "$(grep -c '"epoch"' "$work/refit_later/metrics.jsonl")" -eq "$searched"
check "--refit added on resume is not reported as a changed option" bash -c "! grep -q -- ' was ' '$work/refit_later.log'"
check "--refit on a finished run's checkpoint == --refit straight (bitwise)" same_model "$work/refit_straight" "$work/refit_later"

mid_checkpoint="$work/mid_copy.h5"
run -np 3 "$ampcf" train "${common[@]}" --servers 1 --epochs 4 --out "$work/mid2" --stop-after-steps 100 > /dev/null 2>&1
cp "$(newest "$work/mid2")" "$mid_checkpoint"
run -np 1 "$ampcf" train "${common[@]}" --epochs 4 --out "$work/elastic1" --resume "$mid_checkpoint" > "$work/elastic1.log" 2>&1
run -np 4 "$ampcf" train "${common[@]}" --servers 2 --epochs 4 --out "$work/elastic4" --resume "$mid_checkpoint" > /dev/null
straight_hr=$(field "$work/straight/metrics.jsonl" test_hr@10)
for layout in elastic1 elastic4; do
  hr=$(field "$work/$layout/metrics.jsonl" test_hr@10)
  check "elastic resume on $layout: test HR@10 $hr within 0.03 of $straight_hr" close "$hr" "$straight_hr" 0.03
done
run -np 1 "$ampcf" train "${common[@]}" --epochs 3 --lr 0.002 --out "$work/relr" --resume "$mid_checkpoint" > "$work/relr.log" 2>&1
check "a resume with another --lr says so" grep -q -- "--lr was 0.001, now 0.002" "$work/relr.log"
check "a resume with the same options warns of nothing" bash -c "! grep -q -- ' was ' '$work/elastic1.log'"
check "a resumed run in a new folder gets the earlier epochs' metrics" test "$(grep -c '"epoch"' "$work/elastic1/metrics.jsonl")" -eq 4

# eval reads a checkpoint on any number of ranks, with the same figures.
run -np 1 "$ampcf" eval --data synthetic --synthetic-users 600 --synthetic-items 300 --model "$mid_checkpoint" > "$work/eval1.json"
run -np 2 "$ampcf" eval --data synthetic --synthetic-users 600 --synthetic-items 300 --model "$mid_checkpoint" > "$work/eval2.json"
check "eval of a checkpoint on 1 and 2 ranks agree" \
  test "$(field "$work/eval1.json" test_ndcg@10)" = "$(field "$work/eval2.json" test_ndcg@10)"

# SIGTERM to every rank (as a batch scheduler does): checkpoint, exit 128 + 15.
long=(--epochs 12 --checkpoint-every 20)
run "${three[@]}" "${long[@]}" --out "$work/long" > /dev/null
run "${three[@]}" "${long[@]}" --out "$work/term" > /dev/null 2> "$work/term.err" &
launcher=$!
for _ in $(seq 300); do ls "$work"/term/checkpoints/checkpoint-*.h5 > /dev/null 2>&1 && break; sleep 0.05; done
pkill -TERM -f "^$ampcf train.*out $work/term" || true
status=0; wait $launcher || status=$?
check "SIGTERM: non-zero exit ($status) and a checkpoint" grep -q "stopped by signal 15" "$work/term.err"
run "${three[@]}" "${long[@]}" --out "$work/term" --resume auto > /dev/null
check "resume after SIGTERM == uninterrupted (bitwise)" same_model "$work/long" "$work/term"

# SIGTERM to the launcher alone (what scancel and a time limit do to mpirun): launch/ampcf-run
# passes it on to every rank at once; a checkpoint, exit 143, and resuming gives the
# uninterrupted result.
AMPCF=$ampcf "$(dirname "$0")/../launch/ampcf-run" 3 -- train "${common[@]}" --servers 1 "${long[@]}" \
  --out "$work/launcher_term" > /dev/null 2> "$work/launcher_term.err" &
launcher=$!
for _ in $(seq 300); do ls "$work"/launcher_term/checkpoints/checkpoint-*.h5 > /dev/null 2>&1 && break; sleep 0.05; done
kill -TERM "$launcher"
status=0; wait $launcher || status=$?
check "SIGTERM to launch/ampcf-run: exit 143 (got $status)" test "$status" -eq 143
check "... and the message names the checkpoint" \
  grep -q "stopped by signal 15; wrote $work/launcher_term/checkpoints/checkpoint-[0-9]*.h5" "$work/launcher_term.err"
run "${three[@]}" "${long[@]}" --out "$work/launcher_term" --resume auto > /dev/null
check "resume after SIGTERM to the launcher == uninterrupted (bitwise)" same_model "$work/long" "$work/launcher_term"

# SIGTERM to a plain mpirun: Open MPI sends SIGCONT, waits odls_base_sigkill_timeout seconds,
# sends SIGTERM, waits as long again, then SIGKILL, and exits 1 whatever the ranks return. With
# a wait longer than a checkpoint (5 s here, for a checkpoint of 0.1 s) the ranks still write it.
# mpirun may drop the ranks' last output once it is killing them, so the test looks for the
# checkpoint itself: without periodic checkpoints, the only one is the stop's (3000 epochs, about
# a minute of training here: the run is still training when the SIGTERM reaches the ranks, 5 s
# after mpirun's). Resuming from a stop checkpoint is checked above.
mpirun --oversubscribe --mca odls_base_sigkill_timeout 5 "${three[@]}" --epochs 3000 --out "$work/mpirun_term" \
  > /dev/null 2> "$work/mpirun_term.err" &
launcher=$!
for _ in $(seq 600); do grep -qs '"epoch"' "$work"/mpirun_term/metrics.jsonl && break; sleep 0.05; done
kill -TERM "$launcher"
status=0; wait $launcher || status=$?
stopped=$(ls "$work"/mpirun_term/checkpoints/checkpoint-*.h5 2> /dev/null | wc -l)
check "SIGTERM to a plain mpirun: one checkpoint, at the stop, before the SIGKILL ($stopped; mpirun exit $status)" \
  bash -c "[ $stopped -eq 1 ] && [ ! -e '$work/mpirun_term/model.h5' ] && '$ampcf' inspect '$work'/mpirun_term/checkpoints/checkpoint-*.h5 > /dev/null"

# --checkpoint-minutes: a tiny period (60 ms) gives checkpoints at step boundaries inside the
# epochs as well; the run and a resume from its last checkpoint are still exact.
run "${three[@]}" --epochs 2 --checkpoint-minutes 0.001 --keep-checkpoints 1000 --out "$work/timed" > /dev/null
timed=$(ls "$work"/timed/checkpoints/checkpoint-*.h5 | wc -l)
mid=$(ls "$work"/timed/checkpoints | grep -v -c -e '-000000000076.h5' -e '-000000000152.h5' || true)
check "--checkpoint-minutes 0.001: $timed checkpoints in 2 epochs, $mid inside an epoch" test "$mid" -ge 1
run "${three[@]}" --epochs 4 --out "$work/timed" --resume auto > /dev/null
check "--checkpoint-minutes: resumed == straight (bitwise)" same_model "$work/straight" "$work/timed"
run "${three[@]}" --epochs 2 --out "$work/default_cadence" > /dev/null
check "by default a short run writes only its final checkpoint" \
  test "$(ls "$work"/default_cadence/checkpoints/checkpoint-*.h5 | wc -l)" -eq 1
run "${three[@]}" --epochs 3 --checkpoint-epochs 1 --checkpoint-minutes 0 --out "$work/per_epoch" > /dev/null
check "--checkpoint-epochs 1 checkpoints every epoch" test "$(ls "$work"/per_epoch/checkpoints/checkpoint-*.h5 | wc -l)" -eq 3

# SIGKILL of one worker rank: the job ends within 30 s, naming the rank; relaunching finishes it.
run "${three[@]}" "${long[@]}" --out "$work/kill" > "$work/kill.out" 2>&1 &
launcher=$!
for _ in $(seq 300); do ls "$work"/kill/checkpoints/checkpoint-*.h5 > /dev/null 2>&1 && break; sleep 0.05; done
victim=$(pgrep -f "^$ampcf train.*out $work/kill" | tail -1)
start=$(date +%s)
kill -KILL "$victim" || true
status=0; wait $launcher || status=$?
elapsed=$(( $(date +%s) - start ))
check "SIGKILL of one rank ends the job in ${elapsed}s (<= 30) with status $status" test "$elapsed" -le 30 -a "$status" -ne 0
check "the launcher names the lost rank" grep -qi "rank" "$work/kill.out"
run "${three[@]}" "${long[@]}" --out "$work/kill" --resume auto > /dev/null
check "relaunch with --resume auto == uninterrupted (bitwise)" same_model "$work/long" "$work/kill"

# A corrupted newest checkpoint (bytes flipped mid-file) and a truncated one.
cp -r "$work/mid2" "$work/corrupt"
latest=$(newest "$work/corrupt")
python3 - "$latest" <<'EOF'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
for i in range(len(data) // 2, len(data) // 2 + 64):
    data[i] ^= 0xFF
open(path, "wb").write(data)
EOF
status=0; "$ampcf" inspect "$latest" > /dev/null 2> "$work/inspect.err" || status=$?
check "inspect refuses a corrupted checkpoint (status $status)" test "$status" -eq 2
check "... naming the file" grep -q "$(basename "$latest")" "$work/inspect.err"
run -np 1 "$ampcf" train "${common[@]}" --epochs 4 --out "$work/corrupt" --resume auto > "$work/corrupt.out"
check "a corrupted newest checkpoint is skipped with a warning" grep -q "skipping" "$work/corrupt.out"
cp -r "$work/mid2" "$work/truncated"
latest=$(newest "$work/truncated")
truncate -s $(( $(stat -c %s "$latest") / 2 )) "$latest"
run -np 1 "$ampcf" train "${common[@]}" --epochs 4 --out "$work/truncated" --resume auto > "$work/truncated.out"
check "a truncated newest checkpoint is skipped with a warning" grep -q "skipping" "$work/truncated.out"

# Refusals: another dataset, another model shape.
status=0; run -np 1 "$ampcf" train --data synthetic --synthetic-users 500 --quiet --epochs 1 --out "$work/other" \
  --resume "$mid_checkpoint" 2> "$work/other.err" > /dev/null || status=$?
check "a checkpoint of another dataset is refused (status $status)" grep -q "another dataset" "$work/other.err"
status=0; run -np 1 "$ampcf" train "${common[@]}" --personas 3 --epochs 1 --out "$work/shape" \
  --resume "$mid_checkpoint" 2> "$work/shape.err" > /dev/null || status=$?
check "a checkpoint of another model shape is refused (status $status)" grep -q "a model of shape r=2" "$work/shape.err"

finish
