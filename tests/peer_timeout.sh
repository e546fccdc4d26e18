#!/usr/bin/env bash
# No silent hang: a rank that stops answering without dying (SIGSTOP here; a network partition
# alike) ends the job within --peer-timeout plus 10 s, with a message naming the stopped rank.
# Once for a worker (its peers wait on the servers and the collectives), once for the server.
# A job whose ranks all answer but whose steps stop (a livelock, injected with AMPCF_FAULTS) ends
# as promptly, with one line naming what each rank waits for.
set -euo pipefail
ampcf=${1:?usage: peer_timeout.sh path/to/ampcf}
source "$(dirname "$0")/lib.sh"
timeout_s=5
stopped_pids=()
trap 'for p in "${stopped_pids[@]}"; do kill -KILL "$p" 2> /dev/null || true; done; rm -rf "$work"' EXIT

# The pid of world rank $2 of the run writing to $1.
pid_of_rank() {
  local pid
  for pid in $(pgrep -f "^$ampcf train.*out $1( |$)"); do
    if tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null | grep -x "OMPI_COMM_WORLD_RANK=$2" > /dev/null; then
      echo "$pid"; return 0
    fi
  done
  return 1
}

# stop_rank NAME RANK: trains 1 server + 2 workers (ranks 0, 1 workers, 2 the server), stops
# RANK once training runs, and checks how the job ends.
stop_rank() {
  local name=$1 rank=$2 out="$work/$1"
  run -np 3 "$ampcf" train --data synthetic --synthetic-users 600 --synthetic-items 300 --servers 1 --quiet \
    --epochs 100000 --patience 0 --peer-timeout "$timeout_s" --out "$out" > "$out.log" 2>&1 &
  local launcher=$!
  # Training runs once the first epoch's line is written.
  for _ in $(seq 600); do [ -s "$out/metrics.jsonl" ] && break; sleep 0.05; done
  local victim
  victim=$(pid_of_rank "$out" "$rank") || { echo "FAILED: no process of rank $rank"; failed=$((failed+1)); return; }
  stopped_pids+=("$victim")
  kill -STOP "$victim"
  local start=$SECONDS status=0
  wait "$launcher" || status=$?
  local elapsed=$((SECONDS - start))
  check "$name stopped: the job ends in ${elapsed}s (<= $timeout_s + 10) with status $status" \
    test "$elapsed" -le $((timeout_s + 10)) -a "$status" -ne 0
  check "$name stopped: the message names rank $rank" grep -q "no answer to a roll call from rank $rank " "$out.log"
  grep -m1 "peer-timeout" "$out.log" || true
  kill -KILL "$victim" 2> /dev/null || true
}

stop_rank worker 1
stop_rank server 2

for mode in "--staleness 0" "--staleness -1"; do
  start=$SECONDS status=0
  run -np 3 -x AMPCF_FAULTS=stall-at-clock=20 "$ampcf" train --data synthetic --synthetic-users 600 \
    --synthetic-items 300 --servers 1 $mode --quiet --epochs 100 --peer-timeout "$timeout_s" > "$work/stall.log" 2>&1 ||
    status=$?
  elapsed=$((SECONDS - start))
  check "steps stall, every rank answers ($mode): the job ends in ${elapsed}s (<= $timeout_s + 10) with status $status" \
    test "$elapsed" -le $((timeout_s + 10)) -a "$status" -ne 0
  check "... with one line" test "$(grep -c '^ampcf: rank' "$work/stall.log")" -eq 1
  check "... naming the stall and what each rank waits for" grep -q \
    "every rank answered a roll call.*; rank 0 worker 0 after step 20: .*; rank 1 worker 1 after step 20: .*; rank 2 server 0: waits" \
    "$work/stall.log"
  grep -m1 '^ampcf: rank' "$work/stall.log" || true
done
finish
