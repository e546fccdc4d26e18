#!/usr/bin/env bash
# recommend --ann against exact scoring on a generated catalogue (about 1.13M items by default),
# one rank: users/s of both on the same users, recall of the exact top 10, per-user latency (p50,
# p99), the index's build time and memory, and each run's peak RSS. Prints one JSON line per
# setting of --ann-candidates and --ann-breadth.
#
#   bench/ann_benchmark.sh                                  # ~1.13M items, AMP-2, d = 64
#   ITEMS=100000 MODEL_ARGS="--model bpr-mf" bench/ann_benchmark.sh
#   DATA=../shared/data/ml-latest-small MODEL=runs/mls/model.h5 bench/ann_benchmark.sh   # a real dataset
# Environment: ITEMS (1400000: with 150,000 users and Zipf 0.8 inside each cluster, 1,131,139 of
# them occur; the others are dropped), USERS (150000), ZIPF (0.8; with 0 every item occurs but 3
# epochs leave the model at chance, and near-random vectors are no test of retrieval), SAMPLE
# (users scored, 1000), EPOCHS (3), MODEL_ARGS ("--personas 2"), SETTINGS ("candidates:breadth
# ..."), WORK (a temporary folder); DATA and MODEL: a dataset and a model trained on it, instead
# of generated ones.
set -euo pipefail
cd "$(dirname "$0")/.."
ampcf=${AMPCF:-build/ampcf}
items=${ITEMS:-1400000} users=${USERS:-150000} zipf=${ZIPF:-0.8} sample=${SAMPLE:-1000} epochs=${EPOCHS:-3}
model_args=${MODEL_ARGS:---personas 2}
settings=${SETTINGS:-"10:20 50:100 100:400"}
work=${WORK:-$(mktemp -d)}
python=/usr/bin/python3
mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

if [ -n "${MODEL:-}" ]; then
  data=(--data "${DATA:?DATA: the dataset MODEL was trained on}")
  model=$MODEL
else
  if [ ! -f "$work/gen/ratings.csv" ]; then
    "$ampcf" generate --users "$users" --items "$items" --clusters 200 --zipf "$zipf" --seed 11 --out "$work/gen" > /dev/null
  fi
  data=(--data "$work/gen/ratings.csv")
  if [ ! -f "$work/model/model.h5" ]; then
    "$ampcf" train "${data[@]}" $model_args --epochs "$epochs" --patience 0 --eval-users 200 --quiet \
      --out "$work/model" > "$work/train.log" 2>&1
  fi
  model=$work/model/model.h5
fi
# SAMPLE users: the first of the model's users.
"$python" -c "
import sys, h5py
ids = h5py.File(sys.argv[1])['users/ids'][:int(sys.argv[2])]
print('\n'.join(str(i) for i in ids))" "$model" "$sample" > "$work/users.txt"

peak_rss() { grep "Maximum resident" "$1" | awk '{print $NF * 1024}'; }
/usr/bin/time -v "$ampcf" recommend "${data[@]}" --model "$model" --users "$work/users.txt" --out "$work/exact.h5" \
  > "$work/exact.json" 2> "$work/exact.time"
/usr/bin/time -v "$ampcf" export-index --model "$model" --out "$work/items.hnsw" > "$work/export.json" 2> "$work/export.time"
for setting in $settings; do
  candidates=${setting%%:*} breadth=${setting##*:}
  /usr/bin/time -v "$ampcf" recommend "${data[@]}" --model "$model" --users "$work/users.txt" --ann \
    --ann-index "$work/items.hnsw" --ann-candidates "$candidates" --ann-breadth "$breadth" --out "$work/ann.h5" \
    > "$work/ann.json" 2> "$work/ann.time"
  "$python" - "$work" "$candidates" "$breadth" "$(peak_rss "$work/exact.time")" "$(peak_rss "$work/ann.time")" <<'PY'
import json, sys, h5py
work, candidates, breadth, exact_rss, ann_rss = sys.argv[1:]
exact = json.load(open(f"{work}/exact.json")); ann = json.load(open(f"{work}/ann.json"))
export = json.load(open(f"{work}/export.json"))
with h5py.File(f"{work}/exact.h5") as e, h5py.File(f"{work}/ann.h5") as a:
    hits = [len(set(x) & set(y)) / len(x) for x, y in zip(e["items"][:], a["items"][:])]
print(json.dumps({"items": exact["items"], "users": exact["users"], "candidates": int(candidates), "breadth": int(breadth),
                  "recall@10": round(sum(hits) / len(hits), 4),
                  "exact_users_per_second": exact["users_per_second"], "ann_users_per_second": ann["users_per_second"],
                  "speedup": round(ann["users_per_second"] / exact["users_per_second"], 1),
                  "p50_ms": ann["p50_ms"], "p99_ms": ann["p99_ms"], "index_build_seconds": export["build_seconds"],
                  "index_read_seconds": ann["index_read_seconds"], "index_bytes": export["index_bytes"],
                  "exact_peak_rss": int(exact_rss), "ann_peak_rss": int(ann_rss)}))
PY
done
