#!/usr/bin/env bash
# Measures what the cost model of a training step is fitted on (bench/cost_model.py;
# docs/scale-out.md): the same 4 ranks (1 server + 3 workers) on one node and mapped by node over
# 2 and 3 emulated nodes (launch/emulated-cluster.sh; root) with links of 10 Gbit/s, 1 Gbit/s and
# 100 Mbit/s, in the fast mode at one step a message (the default) and at four
# (--steps-per-message 4: the same bytes in a quarter of the messages, which tells what a message
# costs from what a byte costs) and (except at 100 Mbit/s, where an epoch takes minutes) in
# synchronous mode, each cluster's TCP round trip measured beside it; then fits and predicts.
#   bench/cost_model.sh [OUT]   OUT keeps each run's metrics (default: a temporary folder)
# DATA (default NCF ML-1M from ../shared/data, else generated); AMPCF_BUILD (build).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
build=$(realpath "${AMPCF_BUILD:-build}")
if [ -n "${DATA:-}" ]; then
  data=(--data "$(realpath "$DATA")")
elif [ -d ../shared/data/ml-1m/ncf ]; then
  data=(--data "$(realpath ../shared/data/ml-1m/ncf)")
else
  data=(--data synthetic --synthetic-users 30000 --synthetic-items 3700)
fi
out=${1:-$(mktemp -d)}
mkdir -p "$out"
cluster=
trap '[ -z "$cluster" ] || launch/emulated-cluster.sh down "$cluster"' EXIT
declare -A modes=([fast]="" [synchronous]="--staleness 0" [fast-s4]="--steps-per-message 4")

# train NAME MODE NODES RATE RTT LAUNCHER...: one epoch of 1 server + 3 workers; NAME.jsonl
# keeps its metrics with a first line describing the placement.
train() {
  local name=$1 mode=$2 nodes=$3 rate=$4 rtt=$5
  shift 5
  rm -rf "$out/run"
  # shellcheck disable=SC2086
  # --threads 1: the emulated nodes share this machine's cores (a rank alone on one would take them all)
  "$@" -np 4 "$build/ampcf" train "${data[@]}" --servers 1 --epochs 1 --patience 0 --quiet --out "$out/run" \
    --threads 1 ${modes[$mode]} < /dev/null > /dev/null
  printf '{"placement": {"mode": "%s", "nodes": %s, "rate": "%s", "rtt_us": %s, "cores": %s}}\n' \
    "$mode" "$nodes" "$rate" "$rtt" "$(nproc)" > "$out/$name.jsonl"
  cat "$out/run/metrics.jsonl" >> "$out/$name.jsonl"
  rm -rf "$out/run"
  python3 "$root/bench/epoch_figures.py" "$out/$name.jsonl" "$name"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); data: ${data[*]}"
# The one-node time is what the model starts from: measured three times, before, between and
# after the cluster runs, and its median taken (bench/cost_model.py), since a shared machine's
# speed drifts by 20-40% from run to run.
one_node() {
  for mode in fast synchronous fast-s4; do
    train "1node-$mode-$1" "$mode" 1 none null mpirun
  done
}
one_node 1
for rate in 10gbit 1gbit 100mbit; do
  [ "$rate" = 100mbit ] && one_node 2
  for nodes in 2 3; do
    cluster=$(launch/emulated-cluster.sh up "$nodes" "$rate")
    rtt=$(launch/emulated-cluster.sh measure "$cluster" | sed -n 's/^TCP round trip.*: \([0-9]*\) us$/\1/p')
    for mode in fast synchronous fast-s4; do
      [ "$mode" = synchronous ] && [ "$rate" = 100mbit ] && continue
      train "${nodes}nodes-$rate-$mode" "$mode" "$nodes" "$rate" "$rtt" \
        launch/emulated-cluster.sh mpirun "$cluster" --map-by node
    done
    launch/emulated-cluster.sh down "$cluster"
    cluster=
  done
done
one_node 3
/usr/bin/python3 bench/cost_model.py "$out"
