#!/usr/bin/env bash
# Training on a node that other work shares, as cluster nodes are: one rank's pairs/s on 1 and 2
# compute threads, alone, beside 1 and 3 busy processes (`yes`), and two 2-thread jobs at once.
# With OTHER set to a second build's ampcf (an older commit's, say), each run alternates the two
# binaries, so their figures compare side by side.
#   bench/busy_node_benchmark.sh [DATA]   default: ml-latest-small from ../shared/data, else generated
# EPOCHS (4) epochs per run, the first left out of the mean; ROUNDS (2) runs of each;
# AMPCF_BUILD=DIR the build folder (build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${AMPCF_BUILD:-build}
[ -x "$build/ampcf" ] || bash launch/setup.sh
if [ -n "${1:-}" ]; then
  data=(--data "$1")
elif [ -d ../shared/data/ml-latest-small ]; then
  data=(--data ../shared/data/ml-latest-small)
else
  data=(--data synthetic --synthetic-users 3000 --synthetic-items 2000)
fi
binaries=("$build/ampcf")
[ -n "${OTHER:-}" ] && binaries+=("$OTHER")
epochs=${EPOCHS:-4} rounds=${ROUNDS:-2}
out=$(mktemp -d)
busy=()
stop_busy() { [ ${#busy[@]} -eq 0 ] || kill "${busy[@]}" 2> /dev/null || true; busy=(); }
trap 'stop_busy; rm -rf "$out"' EXIT

# train BINARY THREADS FOLDER: one run; its mean pairs/s over epochs 2.. is printed by pairs_per_s.
train() {
  rm -rf "$3"
  "$1" train "${data[@]}" --epochs "$epochs" --patience 0 --quiet --threads "$2" --out "$3" > /dev/null
}
pairs_per_s() {
  python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if 'pairs_per_s' in l][1:]; print(round(sum(x['pairs_per_s'] for x in r) / len(r)))" "$1/metrics.jsonl"
}

echo "| busy processes | binary | 1 thread | 2 threads |"
echo "|---|---|---|---|"
for load in 0 1 3; do
  for _ in $(seq "$load"); do yes > /dev/null & busy+=($!); done
  for round in $(seq "$rounds"); do
    for binary in "${binaries[@]}"; do
      train "$binary" 1 "$out/one"
      train "$binary" 2 "$out/two"
      echo "| $load | $binary | $(pairs_per_s "$out/one") | $(pairs_per_s "$out/two") |"
    done
  done
  stop_busy
done

echo
echo "| two 2-thread jobs at once | binary | job 1 | job 2 |"
echo "|---|---|---|---|"
for round in $(seq "$rounds"); do
  for binary in "${binaries[@]}"; do
    train "$binary" 2 "$out/first" &
    first=$!
    train "$binary" 2 "$out/second"
    wait "$first"
    echo "| | $binary | $(pairs_per_s "$out/first") | $(pairs_per_s "$out/second") |"
  done
done
