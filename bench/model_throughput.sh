#!/usr/bin/env bash
# Training throughput of every model of `ampcf train --model`, in positive pairs/s on one rank,
# measured side by side: each model trains EPOCHS epochs (default 1) in turn, and the whole
# round runs twice, the second time in reverse order, so that a machine's drift touches every
# model alike. Prints one row per model: the two rounds and their mean.
#   bench/model_throughput.sh [DATA]   default: NCF ML-1M from ../shared/data if present, else synthetic
# AMPCF_BUILD=DIR measures another build folder's binary; AMPCF_MODELS=REGEX only the models
# whose label matches (e.g. 'MF|DeepICF').
set -euo pipefail
cd "$(dirname "$0")/.."
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
epochs=${EPOCHS:-1}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "data: ${data[*]}; $epochs epoch(s) a run, d = 64, each model's recipe (no pretraining), batch 256, one rank; pairs over train time"
# label|options
models=(
  "MF (amp-cf r=1)|--model amp-cf --personas 1"
  "AMP-2|--model amp-cf --personas 2"
  "AMP-4|--model amp-cf --personas 4"
  "BPR-MF|--model bpr-mf"
  "GMF|--model gmf"
  "MLP (256,128,64)|--model mlp"
  "NeuMF (GMF 64 + MLP 256,128,64)|--model neumf --pretrained none"
  "FISM (128 items a user)|--model fism"
  "DeepICF+a (attention 16, 128 items a user)|--model deepicf --pretrained none"
)
if [ -n "${AMPCF_MODELS:-}" ]; then
  chosen=()
  for entry in "${models[@]}"; do [[ ${entry%%|*} =~ $AMPCF_MODELS ]] && chosen+=("$entry"); done
  models=("${chosen[@]}")
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -A first second
measure() {
  local options=$1
  # shellcheck disable=SC2086
  "$build/ampcf" train "${data[@]}" $options --epochs "$epochs" --patience 0 --quiet --out "$out/run" > /dev/null
  python3 -c "import json,sys; print(round(json.loads(open(sys.argv[1]).read().splitlines()[-1])['pairs_per_s']))" \
    "$out/run/metrics.jsonl"
  rm -rf "$out/run"
}
for entry in "${models[@]}"; do first[${entry%%|*}]=$(measure "${entry#*|}"); done
for ((i = ${#models[@]} - 1; i >= 0; i--)); do entry=${models[$i]}; second[${entry%%|*}]=$(measure "${entry#*|}"); done
printf '| model | pairs/s, round 1 | round 2 | mean |\n|---|---|---|---|\n'
for entry in "${models[@]}"; do
  label=${entry%%|*}
  printf '| %s | %s | %s | %s |\n' "$label" "${first[$label]}" "${second[$label]}" $(((first[$label] + second[$label]) / 2))
done
