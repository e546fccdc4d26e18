#!/usr/bin/env bash
# Faults at random (by hand, not in ctest): JOBS training jobs (default 20) on an emulated cluster
# of 3 nodes (4 ranks: 2 on node0, 1 each on node1 and node2; launch/ampcf-run), each hit by one
# fault at a random time once training runs:
#   kill   SIGKILL of a random rank          stop  SIGSTOP of a random rank
#   link   a random node's link down (node1 or node2; mpirun runs on node0)
#   term   SIGTERM to mpirun while a checkpoint is being written
# Each job must end by itself (every process on every node gone, non-zero status) within
# --peer-timeout + 30 s, leave only whole checkpoints, and then `--resume auto` (on the nodes
# left, for a lost link) must finish it. Deterministic mode: each final model is compared with an
# uninterrupted run's, array by array (h5diff) and byte for byte (cmp).
#   tests/soak.sh build/ampcf [JOBS [SEED]]     (root: network namespaces)
set -euo pipefail
ampcf=$(realpath "${1:?usage: soak.sh path/to/ampcf [JOBS [SEED]]}")
jobs=${2:-20}
RANDOM=${3:-$$}
here=$(cd "$(dirname "$0")" && pwd)
cluster_sh=$here/../launch/emulated-cluster.sh
source "$here/lib.sh"
peer_timeout=10
export AMPCF_STOP_GRACE=5

cluster=
trap '[ -z "$cluster" ] || "$cluster_sh" down "$cluster"; rm -rf "$work"' EXIT
cluster=$("$cluster_sh" up 3 1gbit)
name=$(cat "$cluster/name")
printf 'node0 slots=2\nnode1 slots=1\nnode2 slots=1\n' > "$work/three_nodes"

common=(--data synthetic --synthetic-users 600 --synthetic-items 300 --quiet --deterministic --patience 0
        --servers 1 --epochs 40 --checkpoint-every 20 --checkpoint-minutes 0 --peer-timeout "$peer_timeout")
# on_cluster HOSTFILE ARGS...: ampcf-run across the emulated nodes of HOSTFILE.
on_cluster() {
  HOSTFILE=$1 AMPCF_MPIRUN="$cluster_sh mpirun $cluster" AMPCF="$ampcf" timeout -k 10 300 \
    "$here/../launch/ampcf-run" 4 -- train "${@:2}"
}
job_processes() {  # what runs in the cluster's nodes, as "3 ampcf 1 orted"
  for n in 0 1 2; do ip netns pids "$name-n$n"; done | xargs -r -I{} cat /proc/{}/comm 2> /dev/null | sort | uniq -c | xargs
}
comm=$(basename "$ampcf" | cut -c1-15)  # what /proc/PID/comm calls the ranks
rank_pid() {  # rank_pid RANK: its process, on whichever node
  local pid
  for n in 0 1 2; do
    for pid in $(ip netns pids "$name-n$n"); do
      [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = "$comm" ] || continue
      tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null | grep -x "OMPI_COMM_WORLD_RANK=$1" > /dev/null && { echo "$pid"; return 0; }
    done
  done
  return 1
}

# Every run writes to the same --out with --resume auto, which model.h5 records among its options.
common+=(--out "$work/run" --resume auto)
out=$work/run
on_cluster "$work/three_nodes" "${common[@]}" > /dev/null 2>&1
mv "$out" "$work/straight"
ended=0 resumed=0 same_arrays=0 same_bytes=0
faults=(kill stop link term)
for j in $(seq "$jobs"); do
  fault=${faults[$((RANDOM % 4))]}
  on_cluster "$work/three_nodes" "${common[@]}" > "$work/job$j.log" 2>&1 &
  launcher=$!
  for _ in $(seq 600); do ls "$out"/checkpoints/*.h5 > /dev/null 2>&1 && break; sleep 0.05; done
  sleep "$((RANDOM % 8)).$((RANDOM % 10))"
  detail=
  case $fault in
    kill|stop)
      rank=$((RANDOM % 4))
      pid=$(rank_pid "$rank") || pid=
      detail="rank $rank"
      [ -n "$pid" ] && kill -"${fault^^}" "$pid" 2> /dev/null || detail+=" (gone already)"
      ;;
    link)
      node=$((1 + RANDOM % 2))
      detail="node$node"
      ip -n "$name-n$node" link set eth0 down
      ;;
    term)
      caught=no
      for _ in $(seq 2000); do compgen -G "$out/checkpoints/*.tmp" > /dev/null && { caught=yes; break; }; done
      pkill -TERM -x mpirun || true
      detail="during a checkpoint write: $caught"
      ;;
  esac
  start=$SECONDS left=
  for _ in $(seq $((peer_timeout + 60))); do
    left=$(job_processes)
    [ -z "$left" ] && ! kill -0 "$launcher" 2> /dev/null && break
    sleep 1
  done
  elapsed=$((SECONDS - start))
  status=0; wait "$launcher" || status=$?
  whole=yes
  for f in "$out"/checkpoints/*; do
    [[ $f == *.h5 ]] && "$ampcf" inspect "$f" > /dev/null 2>&1 || whole="no ($f)"
  done
  clean=no
  if [ -z "$left" ] && [ "$elapsed" -le $((peer_timeout + 30)) ] && [ "$status" -ne 0 ] && [ "$whole" = yes ]; then
    clean=yes; ended=$((ended + 1))
  fi
  # Whatever is left goes before the resume; a lost node stays lost.
  for n in 0 1 2; do ip netns pids "$name-n$n" | xargs -r kill -KILL 2> /dev/null || true; done
  hosts=$work/three_nodes
  if [ "$fault" = link ]; then
    printf 'node0 slots=2\nnode%d slots=2\n' $((3 - node)) > "$work/two_nodes"
    hosts=$work/two_nodes
  fi
  rstatus=0
  on_cluster "$hosts" "${common[@]}" > "$work/job$j.resume.log" 2>&1 || rstatus=$?
  [ "$fault" = link ] && ip -n "$name-n$node" link set eth0 up
  arrays=no bytes=no
  if [ "$rstatus" -eq 0 ] && [ -e "$out/model.h5" ]; then
    resumed=$((resumed + 1))
    same_model "$work/straight" "$out" && { arrays=yes; same_arrays=$((same_arrays + 1)); }
    cmp -s "$work/straight/model.h5" "$out/model.h5" && { bytes=yes; same_bytes=$((same_bytes + 1)); }
  fi
  echo "job $j: $fault $detail: ended in ${elapsed}s, status $status, left: ${left:-none}, checkpoints whole: $whole;" \
    "clean: $clean | resume status $rstatus, model arrays equal: $arrays, bytes equal: $bytes"
  [ "$clean" = yes ] || grep -m2 "^ampcf" "$work/job$j.log" | cut -c1-300 || true
  [ "$rstatus" -eq 0 ] || grep -m2 "^ampcf" "$work/job$j.resume.log" | cut -c1-300 || true
  mv "$out" "$work/job$j"
done
echo "$jobs jobs: $ended ended cleanly, $resumed resumed to completion, $same_arrays with the uninterrupted run's" \
  "arrays, $same_bytes byte for byte"
[ "$ended" -eq "$jobs" ] && [ "$resumed" -eq "$jobs" ] && [ "$same_arrays" -eq "$jobs" ]
