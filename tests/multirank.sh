#!/usr/bin/env bash
# Multi-rank tests of the real binary under mpirun, on generated data:
#  - 1 rank and 3 ranks (1 server + 2 workers) both learn: test HR@10 well above chance, as do
#    the asynchronous modes (several steps a message, stopped mid-message and resumed, too);
#  - deterministic mode: two runs with the same seed and layout give byte-identical models;
#  - transfers split into small pieces (AMPCF_TEST_PIECE_LIMIT), and 3 compute threads per rank,
#    give the same model;
#  - text input parsed by every rank gives the model of the prepared file, bit for bit;
#  - eval of the saved model on 2 ranks reproduces train's test figures.
set -euo pipefail
ampcf=${1:?usage: multirank.sh path/to/ampcf}
source "$(dirname "$0")/lib.sh"

common=(--data synthetic --synthetic-users 600 --synthetic-items 300 --quiet)
run -np 1 "$ampcf" train "${common[@]}" --epochs 8 --out "$work/one" > "$work/one.txt"
run -np 3 "$ampcf" train "${common[@]}" --epochs 8 --servers 1 --staleness 0 --out "$work/three" > "$work/three.txt"
# Asynchronous modes: per-worker batches make as many server updates per epoch as one rank, on
# staler rows (all 300 items are read every step here): 16 epochs.
run -np 4 "$ampcf" train "${common[@]}" --epochs 16 --servers 2 --cache-steps 1 --wire-bits 32 --out "$work/async" > /dev/null
run -np 3 "$ampcf" train "${common[@]}" --epochs 16 --servers 1 --staleness 2 --cache-steps 4 --out "$work/stale" > /dev/null
# The fast mode (the default), with a longer cache and three pulls in flight, over two servers.
run -np 4 "$ampcf" train "${common[@]}" --epochs 16 --servers 2 --cache-steps 8 --pulls-in-flight 3 --out "$work/fast" > /dev/null
run -np 4 "$ampcf" train "${common[@]}" --epochs 16 --servers 2 --cache-steps 8 --pulls-in-flight 3 --wire-bits 16 \
  --out "$work/sixteen" > /dev/null
# Stopped mid-epoch with pulls in flight and gradients kept back, in the middle of a message's
# three steps (13 = 4 x 3 + 1), then resumed to the end.
run -np 4 "$ampcf" train "${common[@]}" --epochs 16 --servers 2 --cache-steps 8 --pulls-in-flight 3 \
  --steps-per-message 3 --stop-after-steps 13 --out "$work/fast_stopped" > /dev/null
run -np 4 "$ampcf" train "${common[@]}" --epochs 16 --servers 2 --cache-steps 8 --pulls-in-flight 3 \
  --steps-per-message 3 --resume auto --out "$work/fast_stopped" > /dev/null
run -np 4 "$ampcf" train "${common[@]}" --epochs 16 --servers 2 --average-decay 0.5 --out "$work/async_average" > /dev/null
# Chance is 10/100 = 0.10 for HR@10 in the sampled protocol.
check "1 rank learns (test HR@10 $(field "$work/one/metrics.jsonl" test_hr@10) > 0.3)" above "$(field "$work/one/metrics.jsonl" test_hr@10)" 0.3
check "3 ranks, synchronous, learn (test HR@10 $(field "$work/three/metrics.jsonl" test_hr@10) > 0.3)" above "$(field "$work/three/metrics.jsonl" test_hr@10)" 0.3

check "asynchronous without a cache, 2 servers learn (test HR@10 $(field "$work/async/metrics.jsonl" test_hr@10) > 0.3)" above "$(field "$work/async/metrics.jsonl" test_hr@10)" 0.3
check "asynchronous with --average-decay learns (test HR@10 $(field "$work/async_average/metrics.jsonl" test_hr@10) > 0.3)" \
  above "$(field "$work/async_average/metrics.jsonl" test_hr@10)" 0.3
check "staleness 2, --cache-steps 4 learns (test HR@10 $(field "$work/stale/metrics.jsonl" test_hr@10) > 0.3)" above "$(field "$work/stale/metrics.jsonl" test_hr@10)" 0.3
check "fast mode learns (test HR@10 $(field "$work/fast/metrics.jsonl" test_hr@10) > 0.3)" above "$(field "$work/fast/metrics.jsonl" test_hr@10)" 0.3
check "fast mode, 3 steps a message, stopped and resumed learns (test HR@10 $(field "$work/fast_stopped/metrics.jsonl" test_hr@10) > 0.3)" \
  above "$(field "$work/fast_stopped/metrics.jsonl" test_hr@10)" 0.3
check "3 steps a message: a worker sends under half the messages of one step a message" \
  python3 -c "import json,sys; m=[[json.loads(l)['ranks'][0]['messages_out'] for l in open(f) if l.startswith('{\"epoch\"')][-1] for f in sys.argv[1:]]; sys.exit(0 if m[0] < 0.5 * m[1] else 1)" \
  "$work/fast_stopped/metrics.jsonl" "$work/fast/metrics.jsonl"
check "fast mode: model.h5 holds float32 rows, not rows rounded for the wire" \
  /usr/bin/python3 -c "import h5py, numpy as np, sys; v = h5py.File(sys.argv[1])['items/embedding'][()]; sys.exit(0 if np.mean(v.astype(np.float16).astype(np.float32) != v) > 0.5 else 1)" \
  "$work/fast/model.h5"
check "16-bit wire learns (test HR@10 $(field "$work/sixteen/metrics.jsonl" test_hr@10) > 0.3)" above "$(field "$work/sixteen/metrics.jsonl" test_hr@10)" 0.3
# About 0.55x (69 B against 130 for a row, keys and headers alike); an epoch's figure moves with
# the flushes that time-based decisions add, so the mean over the epochs is compared.
check "fast mode (8-bit wire) moves under 0.7x the bytes per pair of the 16-bit wire" \
  python3 -c "import json,sys; b=[(lambda v: sum(v) / len(v))([json.loads(l)['bytes_per_pair'] for l in open(f) if l.startswith('{\"epoch\"')]) for f in sys.argv[1:]]; sys.exit(0 if b[0] < 0.7 * b[1] else 1)" \
  "$work/fast/metrics.jsonl" "$work/sixteen/metrics.jsonl"
check "fast mode moves fewer bytes per pair than asynchronous without a cache" \
  python3 -c "import json,sys; b=[[json.loads(l)['bytes_per_pair'] for l in open(f) if l.startswith('{\"epoch\"')][-1] for f in sys.argv[1:]]; sys.exit(0 if b[0] < 0.5 * b[1] else 1)" \
  "$work/fast/metrics.jsonl" "$work/async/metrics.jsonl"

# The same --out for both runs (the options are stored in model.h5); the first run is moved aside.
run -np 3 "$ampcf" train "${common[@]}" --servers 1 --deterministic --epochs 3 --out "$work/det" > /dev/null
mv "$work/det" "$work/det1"
run -np 3 "$ampcf" train "${common[@]}" --servers 1 --deterministic --epochs 3 --out "$work/det" > /dev/null
mv "$work/det" "$work/det2"
check "deterministic mode is bitwise reproducible (model.h5)" cmp -s "$work/det1/model.h5" "$work/det2/model.h5"
check "deterministic mode is bitwise reproducible (metrics)" \
  diff <(metrics_without_timings "$work/det1/metrics.jsonl") <(metrics_without_timings "$work/det2/metrics.jsonl")

# Every MPI transfer cut into pieces of 4096 elements (core/mpi_chunked.h): pulls, pushes, the
# gathered model and the evaluation report go through the pieces, and the model is unchanged.
run -np 3 -x AMPCF_TEST_PIECE_LIMIT=4096 "$ampcf" train "${common[@]}" --servers 1 --deterministic --epochs 3 \
  --out "$work/det" > /dev/null
mv "$work/det" "$work/det_pieces"
check "transfers in 4096-element pieces: the same model (bitwise)" cmp -s "$work/det1/model.h5" "$work/det_pieces/model.h5"

# Text input parsed by every rank (data/parallel_parse.h), its rows exchanged in 4096-element
# pieces: the same model as from the file prepared by one rank.
run -np 1 "$ampcf" generate --users 600 --items 300 --seed 5 --out "$work/gen" > /dev/null
run -np 1 "$ampcf" prepare --data "$work/gen/ratings.csv" --out "$work/gen/prepared.h5" > /dev/null
run -np 4 -x AMPCF_TEST_PIECE_LIMIT=4096 "$ampcf" train --data "$work/gen/ratings.csv" --servers 1 --deterministic \
  --epochs 2 --out "$work/text" > "$work/text.log" 2>&1
run -np 4 "$ampcf" train --data "$work/gen/prepared.h5" --servers 1 --deterministic --epochs 2 --quiet \
  --out "$work/prepared" > /dev/null
check "text input is parsed by every rank" grep -q "parsed by every rank" "$work/text.log"
check "text parsed by every rank: the same model as from the prepared file (bitwise)" \
  /usr/bin/python3 "$(dirname "$0")/../python/compare-h5.py" "$work/prepared/model.h5" "$work/text/model.h5"

# Each rank on 3 compute threads (core/parallel.h): the same arrays, bit for bit (model.h5's
# recorded options differ by --threads).
run -np 3 "$ampcf" train "${common[@]}" --servers 1 --deterministic --epochs 3 --threads 3 --out "$work/det" > /dev/null
mv "$work/det" "$work/det_threads"
check "3 compute threads per rank: the same model (bitwise)" \
  /usr/bin/python3 "$(dirname "$0")/../python/compare-h5.py" "$work/det1/model.h5" "$work/det_threads/model.h5"

run -np 2 "$ampcf" eval --data synthetic --synthetic-users 600 --synthetic-items 300 --model "$work/three/model.h5" > "$work/eval.json"
check "eval on 2 ranks reproduces train's test HR@10" \
  python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.loads(open(sys.argv[2]).read().splitlines()[-1]); sys.exit(0 if abs(a['test_hr@10']-b['test_hr@10'])<1e-9 and abs(a['test_full_ndcg@10']-b['test_full_ndcg@10'])<1e-9 else 1)" \
  "$work/eval.json" "$work/three/metrics.jsonl"

# eval.h5 and TDD: eval on 2 ranks, with train's taste space, gives train's TDD; eval.h5 is readable.
run -np 2 "$ampcf" eval --data synthetic --synthetic-users 600 --synthetic-items 300 --model "$work/three/model.h5" \
  --taste "$work/three/taste.h5" --out "$work/evalout" > "$work/eval2.json"
check "eval on 2 ranks in train's taste space reproduces train's TDD" \
  python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.loads(open(sys.argv[2]).read().splitlines()[-1]); sys.exit(0 if abs(a['tdd_js']-b['tdd_js'])<1e-6 and abs(a['tdd_hellinger']-b['tdd_hellinger'])<1e-6 else 1)" \
  "$work/eval2.json" "$work/three/metrics.jsonl"
check "eval.h5 holds every user's top list" \
  bash -c "h5ls '$work/evalout/eval.h5/users/top_items' | grep -q '{600, 30}'"

finish
