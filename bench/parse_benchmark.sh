#!/usr/bin/env bash
# Text input parsed by every rank (data/parallel_parse.h) against one rank parsing it all.
#  1. Load time (train's "parsed by ... in X s": until every rank holds its share) of a generated
#     file of about 20M lines on 1 rank and on 2 ranks, alternating, REPEATS times each; then
#     the same with one thread per rank; then one rank on the RSS file below, gzipped.
#  2. Each rank's peak RSS in a run of 20 steps (then a checkpoint) on about 14M lines (400k
#     users) at 1 rank and at 1 server + 3 workers (the largest rank against the one-rank job);
#     and at 1 server + 3 workers from the same file gzipped, which rank 0 parses alone.
# Prints one JSON line per run.
#   bench/parse_benchmark.sh
# Environment: USERS (570000: about 20M lines), RSS_USERS (400000), ITEMS (50000), REPEATS (2),
# WORK (a temporary folder), AMPCF (build/ampcf).
set -euo pipefail
cd "$(dirname "$0")/.."
ampcf=$(realpath "${AMPCF:-build/ampcf}")
users=${USERS:-570000} rss_users=${RSS_USERS:-400000} items=${ITEMS:-50000} repeats=${REPEATS:-2}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

generate() {  # users folder
  [ -f "$2/ratings.csv" ] || "$ampcf" generate --users "$1" --items "$items" --clusters 200 --seed 3 --out "$2" > /dev/null
}
# A few steps, then a checkpoint: the load-time runs train a small model, the RSS runs the
# default one.
few_steps=(--stop-after-steps 20)

# run RANKS DATA TAG [OPTIONS]: a job whose every rank writes its peak RSS (KiB) to $work/TAG.rss.RANK.
run() {
  local ranks=$1 data=$2 tag=$3
  shift 3
  rm -rf "$work/$tag.out" "$work/$tag".rss.*
  mpirun --oversubscribe --bind-to none -np "$ranks" bash -c \
    '/usr/bin/time -f %M -o "$0.rss.$OMPI_COMM_WORLD_RANK" "$@"' "$work/$tag" \
    "$ampcf" train --data "$data" "${few_steps[@]}" "$@" --out "$work/$tag.out" > "$work/$tag.log" 2>&1
  local seconds how rss
  seconds=$(sed -n 's/.*dataset .* in \([0-9.]*\) s$/\1/p' "$work/$tag.log" | head -1)
  how=$(sed -n 's/.*; \(parsed by [a-z0-9 ]*\) in .*/\1/p' "$work/$tag.log" | head -1)
  rss=$(cat "$work/$tag".rss.* | tr '\n' ',' | sed 's/,$//')
  echo "{\"run\": \"$tag\", \"ranks\": $ranks, \"data\": \"$data\", \"how\": \"$how\", \"load_seconds\": $seconds, \"peak_rss_kib_by_rank\": [$rss]}"
}

generate "$users" "$work/big"
echo "{\"lines\": $(wc -l < "$work/big/ratings.csv"), \"bytes\": $(stat -c %s "$work/big/ratings.csv")}"
for k in $(seq "$repeats"); do
  run 1 "$work/big/ratings.csv" "load1.$k" --dim 8 --att-dim 8
  run 2 "$work/big/ratings.csv" "load2.$k" --dim 8 --att-dim 8
done
for k in $(seq "$repeats"); do  # ranks against ranks alone: one thread each
  run 1 "$work/big/ratings.csv" "load1.threads1.$k" --dim 8 --att-dim 8 --threads 1
  run 2 "$work/big/ratings.csv" "load2.threads1.$k" --dim 8 --att-dim 8 --threads 1
done
generate "$rss_users" "$work/rss"
run 1 "$work/rss/ratings.csv" rss1
run 4 "$work/rss/ratings.csv" rss4
[ -f "$work/rss/ratings.csv.gz" ] || gzip -1 -k "$work/rss/ratings.csv"
for k in $(seq "$repeats"); do
  run 1 "$work/rss/ratings.csv.gz" "load1.gzip.$k" --dim 8 --att-dim 8
done
run 4 "$work/rss/ratings.csv.gz" rss4.gzip
