#!/usr/bin/env bash
# An emulated cluster on one Linux machine (root), for running ampcf across "nodes" without them:
#   launch/emulated-cluster.sh run N [RATE [DELAY]] -- MPIRUN-ARGS...  up, mpirun in node0, down
#   launch/emulated-cluster.sh up N [RATE [DELAY]]    prints the cluster's folder DIR
#   launch/emulated-cluster.sh mpirun DIR MPIRUN-ARGS...  mpirun in node0 across the nodes
#   launch/emulated-cluster.sh exec DIR NODE CMD...   CMD on NODE (node0 .. node<N-1>)
#   launch/emulated-cluster.sh measure DIR            latency and bandwidth node0 -> node1
#   launch/emulated-cluster.sh down DIR               removes everything `up` made
# e.g. launch/emulated-cluster.sh run 3 1gbit -- -np 4 --map-by node build/ampcf train --servers 1 --out runs/c
#
# Each node is a network namespace NAME-nI whose eth0, with the one address 10.77.0.(I+1)/24, is
# one end of a veth pair; the other end is on a bridge in a namespace NAME-sw of its own. The
# root namespace gets no address, interface or route, and two clusters (NAME is unique) never
# meet. RATE (tc syntax, default 1gbit) is a tbf limit on both ends of every veth, so each
# direction of each node's link is limited like a LAN port. DELAY (say 100us) adds netem delay
# where the kernel has netem (untried: the VM this was written on has none); without it the
# latency is the veth's own (measured with `measure`: docs/usage.md, "Launching across machines").
# Commands run on a node in its network namespace, in UTS and mount namespaces of their own with
# the node's hostname, an /etc/hosts naming every node (so hostfiles use plain names) and a
# /dev/shm of their own; TMPDIR is DIR/tmp, so Open MPI's session folders go with the cluster.
# Every other path is shared by all nodes, as on a cluster with a shared filesystem.
#
# `mpirun` starts mpirun in node0 with DIR/hostfile (every node, slots=2; another with
# HOSTFILE=...) and launch/emulated-cluster-rsh as Open MPI's rsh agent: it enters the host's
# namespaces instead of ssh'ing into it, with an environment as bare as ssh's. The byte
# transport between ranks is TCP over the veths across nodes (btl tcp, restricted to 10.77.0.0/24
# as is the out-of-band channel), shared memory (btl vader) between ranks of one node: ranks of
# one node are children of one orted, and Open MPI picks vader only for peers of the same node.
# Checked with --mca btl_base_verbose 100 ("Using vader btl for send to ... on node node0",
# "Using tcp btl ..." to the others) and by the veths' byte counters (`ip -n NAME-sw -s link`).
#
# Every name (namespaces, the folder) carries NAME, a prefix with a random part. `down` (and `run`
# on any exit: failure, SIGINT, SIGTERM) kills every process left in the namespaces, deletes the
# namespaces (which removes their veths and bridge) and the folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
subnet_prefix=10.77.0

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# The namespaces of a cluster, from its folder's name file.
cluster_namespaces() {
  local name
  name=$(cat "$1/name" 2> /dev/null) || return 0
  ip netns list | awk '{print $1}' | grep -x -e "$name-sw" -e "$name-n[0-9]*" || true
}

down() {
  local dir=$1 ns
  [ -d "$dir" ] || return 0
  if [[ $(basename "$dir") != ampcf-cluster.* ]]; then
    echo "emulated-cluster: $dir is not a cluster's folder (ampcf-cluster.*)" >&2; return 2
  fi
  # Twice: a process may start another while the first pass kills it (mpirun and its orteds).
  for _ in 1 2; do
    for ns in $(cluster_namespaces "$dir"); do
      ip netns pids "$ns" | xargs -r kill -KILL 2> /dev/null || true
    done
  done
  for ns in $(cluster_namespaces "$dir"); do ip netns del "$ns" 2> /dev/null || true; done
  rm -rf "$dir"
}

# A tc rate (100mbit, 1gbit, 10gbit, 125mbps: whole numbers) in bytes per second.
rate_bytes() {
  local value unit scale
  if ! [[ ${1,,} =~ ^([0-9]+)([kmgt]?)(bit|bps)$ ]]; then
    echo "emulated-cluster: cannot read the rate '$1' (say 1gbit or 100mbit)" >&2; return 2
  fi
  value=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
  case $unit in k) scale=1000 ;; m) scale=1000000 ;; g) scale=1000000000 ;; t) scale=1000000000000 ;; *) scale=1 ;; esac
  if [ "${BASH_REMATCH[3]}" = bit ]; then echo $(( value * scale / 8 )); else echo $(( value * scale )); fi
}

# shape NS DEV RATE DELAY: egress of DEV limited to RATE, after DELAY of netem where it exists.
shape() {
  local ns=$1 dev=$2 rate=$3 delay=$4 bytes burst parent=root
  bytes=$(rate_bytes "$rate")
  # A burst of 1 ms at the rate (at least 64 KiB, one GSO packet of the veth): tbf needs a burst
  # above the largest packet, and a longer one would let short transfers run above the rate.
  burst=$(( bytes / 1000 > 65536 ? bytes / 1000 : 65536 ))
  if [ -n "$delay" ]; then
    tc -n "$ns" qdisc add dev "$dev" root handle 1: netem delay "$delay"
    parent="parent 1:1"
  fi
  # shellcheck disable=SC2086  # $parent is one or two words
  tc -n "$ns" qdisc add dev "$dev" $parent handle 10: tbf rate "$rate" burst "$burst" latency 20ms
}

# Without IPv6 a node has only the address given it: no link-local ones besides.
no_ipv6() {
  nsenter --net="/run/netns/$1" sysctl -q -e -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# up N RATE DELAY: sets $cluster (the folder) and builds the cluster; on any failure, or a
# signal, removes what it built.
up() {
  local n=$1 rate=${2:-1gbit} delay=${3:-} name i ns
  if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 200 ]; then
    echo "emulated-cluster: N must be 1..200, not $n" >&2; exit 2
  fi
  rate_bytes "$rate" > /dev/null
  cluster=$(mktemp -d "${TMPDIR:-/tmp}/ampcf-cluster.XXXXXX")
  trap 'down "$cluster"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  name=ampcf-${cluster##*.}
  echo "$name" > "$cluster/name"
  echo "$rate" > "$cluster/rate"
  printf '127.0.0.1 localhost\n' > "$cluster/hosts"
  : > "$cluster/hostfile"
  for ((i = 0; i < n; i++)); do
    printf '%s.%d node%d\n' "$subnet_prefix" $((i + 1)) "$i" >> "$cluster/hosts"
    printf 'node%d slots=2\n' "$i" >> "$cluster/hostfile"
  done
  mkdir "$cluster/tmp"
  ip netns add "$name-sw"
  no_ipv6 "$name-sw"
  if [ -n "$delay" ]; then
    if tc -n "$name-sw" qdisc add dev lo root netem delay "$delay" 2> /dev/null; then
      tc -n "$name-sw" qdisc del dev lo root
    else
      echo "emulated-cluster: no netem in this kernel: DELAY $delay left out, the latency is the veth's" >&2
      delay=
    fi
  fi
  ip -n "$name-sw" link add br0 type bridge
  ip -n "$name-sw" link set br0 up
  for ((i = 0; i < n; i++)); do
    ns=$name-n$i
    ip netns add "$ns"
    no_ipv6 "$ns"
    ip link add eth0 netns "$ns" type veth peer name "vn$i" netns "$name-sw"
    ip -n "$name-sw" link set "vn$i" master br0 up
    ip -n "$ns" addr add "$subnet_prefix.$((i + 1))/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    shape "$ns" eth0 "$rate" "$delay"
    shape "$name-sw" "vn$i" "$rate" "$delay"
  done
}

node_index() {  # node_index DIR HOST: the index of node HOST (its name or address)
  local dir=$1 host=$2 address node
  while read -r address node; do
    if [ "$host" = "$node" ] || [ "$host" = "$address" ]; then
      [ "$node" = localhost ] && break
      echo "${node#node}"; return 0
    fi
  done < "$dir/hosts"
  echo "emulated-cluster: no node $host in $dir" >&2
  return 1
}

# enter DIR NODE CMD...: CMD in NODE's network namespace, with its hostname, /etc/hosts and a
# /dev/shm of its own (a node's shared memory is its own, and goes with its last process).
enter() {
  local dir=$1 node=$2 i name
  shift 2
  i=$(node_index "$dir" "$node")
  name=$(cat "$dir/name")
  # shellcheck disable=SC2016  # $1 and $2 are the inner shell's
  AMPCF_CLUSTER=$dir TMPDIR=$dir/tmp exec nsenter --net="/run/netns/$name-n$i" \
    unshare --uts --mount --propagation private -- sh -c \
    'hostname "$1" && mount --bind "$2" /etc/hosts && mount -t tmpfs -o mode=1777 shm /dev/shm && shift 2 && exec "$@"' \
    sh "node$i" "$dir/hosts" "$@"
}

# mpirun DIR ARGS...: becomes mpirun in node0 across the nodes of $HOSTFILE (default DIR/hostfile).
cluster_mpirun() {
  local dir=$1 root=()
  shift
  [ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
  enter "$dir" node0 mpirun --hostfile "${HOSTFILE:-$dir/hostfile}" \
    --mca plm_rsh_agent "$here/emulated-cluster-rsh" --mca plm_rsh_no_tree_spawn 1 \
    --mca btl tcp,vader,self --mca btl_tcp_if_include "$subnet_prefix.0/24" \
    --mca oob_tcp_if_include "$subnet_prefix.0/24" "${root[@]}" "$@"
}

# measure DIR: node0 -> node1, the TCP round trip of one byte (median of 2000) and the bandwidth
# of one TCP stream for about a second at the cluster's rate; ICMP ping too where installed.
measure() {
  local dir=$1 ready receiver megabytes
  node_index "$dir" node1 > /dev/null
  ready=$dir/tmp/receiver.ready
  megabytes=$(( $(rate_bytes "$(cat "$dir/rate")") >> 20 ))
  megabytes=$(( megabytes < 8 ? 8 : megabytes > 1024 ? 1024 : megabytes ))
  rm -f "$ready"
  ( enter "$dir" node1 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5201)); s.listen(1)
open(sys.argv[1], "w").close()
c, _ = s.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while b := c.recv(1): c.sendall(b)
c.close()
c, _ = s.accept()
while c.recv(1 << 20): pass
c.sendall(b"k"); c.close()' "$ready" ) &
  receiver=$!
  for _ in $(seq 200); do [ -e "$ready" ] && break; sleep 0.05; done
  [ -e "$ready" ] || { echo "emulated-cluster: the receiver on node1 did not start" >&2; return 1; }
  ( enter "$dir" node0 python3 -c '
import socket, statistics, sys, time
c = socket.create_connection(("node1", 5201)); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
rtts = []
for _ in range(2000):
    t = time.perf_counter(); c.sendall(b"x"); c.recv(1); rtts.append(time.perf_counter() - t)
c.close()
print(f"TCP round trip node0 <-> node1 (1 byte, median of 2000): {statistics.median(rtts) * 1e6:.0f} us")
c = socket.create_connection(("node1", 5201))
block = b"\0" * (1 << 20); total = int(sys.argv[1])
t = time.perf_counter()
for _ in range(total): c.sendall(block)
c.shutdown(socket.SHUT_WR); c.recv(1); elapsed = time.perf_counter() - t
print(f"bandwidth node0 -> node1 (one TCP stream, {total} MiB): {total * 8 * 1.048576 / elapsed:.0f} Mbit/s")' "$megabytes" )
  wait "$receiver"
  if command -v ping > /dev/null; then
    ( enter "$dir" node0 ping -q -c 50 -i 0.01 node1 ) | tail -1 | sed 's/^/ICMP ping node0 -> node1: /'
  fi
}

# stop_launcher STATUS (run's SIGINT and SIGTERM): mpirun gets SIGTERM and stops its ranks in
# its own way (SIGTERM to them after odls_base_sigkill_timeout: ampcf checkpoints on it), for up
# to STOP_GRACE (10) seconds; then the cluster goes.
stop_launcher() {
  trap '' INT TERM
  kill -TERM "$launcher" 2> /dev/null || true
  for _ in $(seq $(( ${STOP_GRACE:-10} * 10 ))); do kill -0 "$launcher" 2> /dev/null || break; sleep 0.1; done
  exit "$1"
}

[ $# -ge 1 ] || usage
command=$1; shift
case $command in
  up)
    [ $# -ge 1 ] || usage
    up "$@"
    trap - EXIT INT TERM
    echo "$cluster"
    ;;
  down) [ $# -eq 1 ] || usage; down "$1" ;;
  exec) [ $# -ge 3 ] || usage; enter "$@" ;;
  mpirun) [ $# -ge 2 ] || usage; cluster_mpirun "$@" ;;
  measure) [ $# -eq 1 ] || usage; measure "$1" ;;
  run)
    args=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
    if [ $# -lt 2 ] || [ ${#args[@]} -lt 1 ]; then usage; fi
    shift
    up "${args[@]}"  # its EXIT trap stays: the cluster goes when this script ends, however it ends
    # In the background, so that a signal to this script is handled at once, not after mpirun.
    cluster_mpirun "$cluster" "$@" &
    launcher=$!
    trap 'stop_launcher 130' INT
    trap 'stop_launcher 143' TERM
    status=0
    wait "$launcher" || status=$?
    exit "$status"
    ;;
  *) usage ;;
esac
