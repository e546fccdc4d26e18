#!/usr/bin/env bash
# Training across machines, on an emulated cluster (launch/emulated-cluster.sh: 3 nodes, each a
# network namespace with its own hostname and address, on a bridge through 1 Gbit/s tbf links):
#  - tc limits a node's link to the rate (measured with one TCP stream; latency printed);
#  - 4 ranks, 2 on node0 and 1 each on node1 and node2: ranks of node0 talk through shared memory
#    (vader), the rest through TCP across the veths (btl_base_verbose and the links' counters);
#  - SIGKILL of the rank on node2 ends the job promptly, naming the rank and the node;
#  - node2's link taken down mid-run (launch/ampcf-run): every process of the job, mpirun and
#    every node's daemon included, is gone within --peer-timeout + 30 s;
#  - node2 gone, --resume auto on node0 and node1 with the same 4 ranks == an uninterrupted
#    single-machine run (bitwise, deterministic mode), and on 3 ranks (elastic) it finishes.
# Skips (exit 77) where network namespaces, veths, bridges or tbf are not allowed (not root).
set -euo pipefail
ampcf=${1:?usage: multinode.sh path/to/ampcf}
here=$(cd "$(dirname "$0")" && pwd)
cluster_sh=$here/../launch/emulated-cluster.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"

probe=ampcf-probe-$$ cluster=
cleanup() {
  ip netns del "$probe" 2> /dev/null || true
  [ -z "$cluster" ] || "$cluster_sh" down "$cluster"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# probe WHAT COMMAND...: skip, saying what is missing and why, when COMMAND fails.
probe() {
  local what=$1 error
  shift
  error=$("$@" 2>&1) && return 0
  echo "SKIP: multinode needs $what: $* said: ${error:-nothing}"
  exit 77
}
probe "ip (iproute2)" command -v ip
probe "tc (iproute2)" command -v tc
probe "network namespaces (root, or CAP_SYS_ADMIN)" ip netns add "$probe"
probe "bridges (CAP_NET_ADMIN)" ip -n "$probe" link add br0 type bridge
probe "veth pairs" ip -n "$probe" link add v0 type veth peer name v1
probe "tc's tbf" tc -n "$probe" qdisc add dev v0 root tbf rate 1gbit burst 64k latency 20ms
probe "UTS and mount namespaces" nsenter --net="/run/netns/$probe" unshare --uts --mount --propagation private -- \
  sh -c 'hostname probe && mount -t tmpfs shm /dev/shm'
ip netns del "$probe"

cluster=$("$cluster_sh" up 3 1gbit)
name=$(cat "$cluster/name")
printf 'node0 slots=2\nnode1 slots=1\nnode2 slots=1\n' > "$work/three_nodes"
printf 'node0 slots=2\nnode1 slots=2\n' > "$work/two_nodes"
printf 'node0 slots=2\nnode1 slots=1\n' > "$work/two_nodes_three_ranks"
# cluster_run HOSTFILE MPIRUN-ARGS...
# (SIGKILL 10 s after the time limit's SIGTERM: an mpirun that lost a node may not end on SIGTERM.)
cluster_run() { HOSTFILE=$1 timeout -k 10 120 "$cluster_sh" mpirun "$cluster" "${@:2}"; }
# link_bytes I: bytes through the switch's end of node I's link, both ways.
link_bytes() {
  local stats=/sys/class/net/vn$1/statistics rx tx
  { read -r rx; read -r tx; } < <(ip netns exec "$name-sw" cat "$stats/rx_bytes" "$stats/tx_bytes")
  echo $((rx + tx))
}

"$cluster_sh" measure "$cluster" | tee "$work/measure.txt"
mbit=$(sed -n 's/^bandwidth.*: \([0-9]*\) Mbit\/s$/\1/p' "$work/measure.txt")
check "tc holds node0 -> node1 to 1 Gbit/s (one TCP stream: $mbit Mbit/s)" test "${mbit:-99999}" -le 1050

# 152 steps; the first checkpoint (step 10) comes early, so the run is still training at the kill.
common=(--data synthetic --synthetic-users 600 --synthetic-items 300 --quiet --deterministic --patience 0
        --servers 1 --epochs 2 --checkpoint-every 10)
run -np 4 "$ampcf" train "${common[@]}" --out "$work/local" > /dev/null

before=$(( $(link_bytes 1) + $(link_bytes 2) ))
cluster_run "$work/three_nodes" -np 4 --mca btl_base_verbose 100 "$ampcf" train "${common[@]}" \
  --out "$work/cluster" > "$work/cluster.out" 2>&1 &
launcher=$!
for _ in $(seq 600); do
  ls "$work"/cluster/checkpoints/checkpoint-*.h5 > /dev/null 2>&1 && break
  kill -0 "$launcher" 2> /dev/null || break
  sleep 0.1
done
victim=
for pid in $(ip netns pids "$name-n2"); do
  [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = ampcf ] && victim=$pid
done
start=$(date +%s)
[ -n "$victim" ] && kill -KILL "$victim"
status=0; wait "$launcher" || status=$?
elapsed=$(( $(date +%s) - start ))
crossed=$(( ($(link_bytes 1) + $(link_bytes 2) - before) / 1000000 ))
check "a checkpoint, then SIGKILL of the rank on node2 (pid ${victim:-none})" test -n "$victim"
check "... ends the job in ${elapsed}s (<= 30) with status $status" test "$elapsed" -le 30 -a "$status" -ne 0
check "... and mpirun names the rank and its node" grep -q "rank 3 .*on node node2" "$work/cluster.out"
check "ranks 0 and 1 (node0) use shared memory between them" \
  test "$(grep -c 'Using vader btl for send to \[\[[0-9]*,1\],[01]\] on node node0' "$work/cluster.out")" -eq 2
check "every other pair uses TCP" test "$(grep -c 'Using tcp btl for send to' "$work/cluster.out")" -eq 10
check "node1's and node2's links carried the traffic ($crossed MB)" test "$crossed" -ge 1

# node2's link goes down mid-run: the job ends, all of it, mpirun included (launch/ampcf-run ends
# an mpirun that waits on a lost node's daemon).
peer_timeout=10
cp -r "$work/cluster" "$work/link"
HOSTFILE=$work/three_nodes AMPCF_MPIRUN="$cluster_sh mpirun $cluster" AMPCF="$ampcf" timeout -k 10 200 \
  "$here/../launch/ampcf-run" 4 -- train "${common[@]}" --epochs 400 --peer-timeout "$peer_timeout" \
  --out "$work/link" --resume auto > "$work/link.out" 2>&1 &
launcher=$!
# The job trains once a checkpoint newer than the copied ones is written.
copied=$(ls "$work"/link/checkpoints/ | tail -1)
for _ in $(seq 600); do
  [ "$(ls "$work"/link/checkpoints/ | tail -1)" != "$copied" ] && break
  kill -0 "$launcher" 2> /dev/null || break
  sleep 0.1
done
ip -n "$name-n2" link set eth0 down
start=$(date +%s) left=unknown
for _ in $(seq 100); do
  left=$(for n in 0 1 2; do ip netns pids "$name-n$n"; done | xargs -r -I{} cat /proc/{}/comm 2> /dev/null | sort | uniq -c | xargs)
  [ -z "$left" ] && ! kill -0 "$launcher" 2> /dev/null && break
  sleep 1
done
elapsed=$(( $(date +%s) - start ))
status=0; wait "$launcher" || status=$?
check "node2's link down: every process of the job is gone in ${elapsed}s (<= $peer_timeout + 30; left: ${left:-none}), status $status" \
  test -z "$left" -a "$elapsed" -le $((peer_timeout + 30)) -a "$status" -ne 0
check "... a rank names the ranks that stopped answering" grep -q "no answer to a roll call from rank.* 3 " "$work/link.out"
grep -m1 "^ampcf-run:" "$work/link.out" || true

# node2 is lost: the job resumes on node0 and node1.
cp -r "$work/cluster" "$work/elastic"
cluster_run "$work/two_nodes" -np 4 "$ampcf" train "${common[@]}" --out "$work/cluster" --resume auto \
  > /dev/null
check "resumed on 2 nodes (4 ranks) == uninterrupted on one machine (bitwise)" \
  same_model "$work/local" "$work/cluster"
cluster_run "$work/two_nodes_three_ranks" -np 3 "$ampcf" train "${common[@]}" --out "$work/elastic" \
  --resume auto > /dev/null
check "resumed on 2 nodes with 3 ranks (elastic): model.h5" test -e "$work/elastic/model.h5"
hr=$(field "$work/elastic/metrics.jsonl" test_hr@10 2> /dev/null || echo none)
local_hr=$(field "$work/local/metrics.jsonl" test_hr@10)
check "... test HR@10 $hr within 0.03 of $local_hr" close "$hr" "$local_hr" 0.03

finish
