#!/usr/bin/env bash
# train --init-from: a new run starts from a trained model's rows, matched by original id, on
# data with more users and items and on another rank layout. With the smallest learning rate
# (1e-12: Adam moves a row by about that much a step), the new run's model.h5 shows its
# starting rows: with --init-shrink 1 --init-perturb 0, every known user's and item's rows are
# the source's, and every new one's are those a fresh run starts from, to 1e-7 (rows start
# about 0.1 apart); by default, known rows are 0.65 x the source's + 0.1 x the fresh ones.
# Then: it learns from them (better than a fresh run after one epoch), and wrong sources are
# one-line errors.
set -euo pipefail
ampcf=${1:?usage: init_from.sh path/to/ampcf}
source "$(dirname "$0")/lib.sh"
python=/usr/bin/python3  # Debian's, with h5py (python3-h5py)

old=(--data synthetic --synthetic-users 600 --synthetic-items 300 --quiet --patience 0)
new_data=(--data synthetic --synthetic-users 900 --synthetic-items 450 --patience 0)
new=("${new_data[@]}" --quiet)
run -np 3 "$ampcf" train "${old[@]}" --epochs 2 --out "$work/old" > /dev/null
checkpoint=$(ls "$work"/old/checkpoints/checkpoint-*.h5 | tail -1)
still=(--epochs 1 --lr 1e-12)
kept=(--init-shrink 1 --init-perturb 0)
run -np 1 "$ampcf" train "${new[@]}" "${still[@]}" --out "$work/fresh" > /dev/null
run -np 1 "$ampcf" train "${new_data[@]}" "${still[@]}" "${kept[@]}" --out "$work/from_model" \
  --init-from "$work/old/model.h5" > "$work/from_model.log" 2>&1
run -np 4 "$ampcf" train "${new[@]}" "${still[@]}" "${kept[@]}" --servers 2 --deterministic --out "$work/from_checkpoint" \
  --init-from "$checkpoint" > /dev/null
run -np 3 "$ampcf" train "${new[@]}" "${still[@]}" --out "$work/blended" --init-from "$work/old/model.h5" > /dev/null

# starts_from SOURCE RUN [SHRINK PERTURB]: RUN/model.h5's rows are SHRINK x SOURCE's + PERTURB x
# fresh/model.h5's for the ids SOURCE has (a model file or a checkpoint's current rows; 1 and 0
# by default) and fresh/model.h5's for the others; its attention maps are SOURCE's.
starts_from() {
  "$python" - "$1" "$2/model.h5" "$work/fresh/model.h5" "${3:-1}" "${4:-0}" <<'PY'
import sys, h5py, numpy as np
source, started, fresh = (h5py.File(p, "r") for p in sys.argv[1:4])
shrink, perturb = float(sys.argv[4]), float(sys.argv[5])
def model_rows(f):
    items = np.concatenate([f["items/embedding"][:], f["items/bias"][:][:, None]], axis=1)
    users = f["users/personas"][:].reshape(len(f["users/ids"]), -1)
    return items, users, np.concatenate([f["attention/A_u"][:], f["attention/A_v"][:]])
if "personas" in source["users"]:
    src_items, src_users, src_attention = model_rows(source)
else:
    src_items, src_users, src_attention = (source[t + "/values"][:] for t in ("items", "users", "attention"))
ok = True
for table, src_rows, column in (("items", src_items, 0), ("users", src_users, 1)):
    src = {int(i): r for i, r in zip(source[table + "/ids"][:], src_rows)}
    ids = started[table + "/ids"][:]
    rows, fresh_rows = model_rows(started)[column], model_rows(fresh)[column]
    known = [k for k, i in enumerate(ids) if int(i) in src]
    if len(known) != len(src) or len(known) == len(ids):
        print(f"{table}: {len(known)} known of {len(ids)}, source {len(src)}"); ok = False
    for k, i in enumerate(ids):
        want = shrink * src[int(i)] + perturb * fresh_rows[k] if int(i) in src else fresh_rows[k]
        if not np.allclose(rows[k], want, rtol=0, atol=1e-7):
            print(f"{table} {i}: not its starting row"); ok = False; break
ok = ok and np.allclose(model_rows(started)[2], src_attention, rtol=0, atol=1e-7)
sys.exit(0 if ok else 1)
PY
}
check "from model.h5, 1 rank: known rows are the model's, new rows fresh" starts_from "$work/old/model.h5" "$work/from_model"
check "from a checkpoint, 2 servers + 2 workers: known rows are its rows, new rows fresh" \
  starts_from "$checkpoint" "$work/from_checkpoint"
check "by default, 3 ranks: known rows are 0.65 x the model's + 0.1 x fresh ones, new rows fresh" \
  starts_from "$work/old/model.h5" "$work/blended" 0.65 0.1
check "the run says how many rows it found" grep -q -- "--init-from .*: 300 of 450 items and 600 of 900 users" \
  "$work/from_model.log"

run -np 1 "$ampcf" train "${new[@]}" --epochs 1 --out "$work/fresh_epoch" > /dev/null
run -np 3 "$ampcf" train "${new[@]}" --epochs 1 --out "$work/warm_epoch" --init-from "$checkpoint" > /dev/null
fresh_ndcg=$(field "$work/fresh_epoch/metrics.jsonl" val_ndcg@10)
warm_ndcg=$(field "$work/warm_epoch/metrics.jsonl" val_ndcg@10)
check "one epoch from the old model ($warm_ndcg) beats one from fresh rows ($fresh_ndcg) in validation NDCG@10" \
  above "$warm_ndcg" "$fresh_ndcg"

# String ids are numbered by first appearance, which differs between files: rows are matched by
# name. The new file puts other users' lines first and adds users.
"$ampcf" generate --users 300 --items 200 --seed 3 --out "$work/gen" > /dev/null
awk -F, 'NR > 1 { print "user-" $1 ";item-" $2 ";" $4 }' "$work/gen/ratings.csv" > "$work/names_all.txt"
head -n 4000 "$work/names_all.txt" > "$work/names_old.txt"
{ tail -n +4001 "$work/names_all.txt"; cat "$work/names_old.txt"; } > "$work/names_new.txt"
names=(--format delimited --delimiter ";" --columns 0,1,2 --patience 0 --quiet)
run -np 1 "$ampcf" train --data "$work/names_old.txt" "${names[@]}" --epochs 2 --out "$work/names_old" > /dev/null
run -np 3 "$ampcf" train --data "$work/names_new.txt" "${names[@]}" "${still[@]}" --out "$work/names_fresh" > /dev/null
run -np 3 "$ampcf" train --data "$work/names_new.txt" "${names[@]}" "${still[@]}" "${kept[@]}" --out "$work/names_started" \
  --init-from "$work/names_old/model.h5" > /dev/null
check "string ids: known rows found by name, new rows fresh" "$python" - "$work/names_old/model.h5" \
  "$work/names_started/model.h5" "$work/names_fresh/model.h5" <<'PY'
import sys, h5py, numpy as np
old, started, fresh = (h5py.File(p, "r") for p in sys.argv[1:])
def rows(f, table):
    if table == "items":
        return np.concatenate([f["items/embedding"][:], f["items/bias"][:][:, None]], axis=1)
    return f["users/personas"][:].reshape(len(f["users/ids"]), -1)
def names(f, table):  # one line per row, newline-terminated (io/hdf5_util.h: WriteLines)
    return bytes(f[table + "/names"][:].astype(np.uint8)).decode().rstrip("\n").split("\n")
for table in ("items", "users"):
    source = dict(zip(names(old, table), rows(old, table)))
    names_started = names(started, table)
    assert len(names_started) == len(rows(started, table)), table
    known = sum(n in source for n in names_started)
    assert known > 0 and (table == "items" or known < len(names_started)), (table, known, len(names_started))
    for k, name in enumerate(names_started):
        want = source[name] if name in source else rows(fresh, table)[k]
        assert np.allclose(rows(started, table)[k], want, rtol=0, atol=1e-7), (table, name)
PY

# refuses NAME EXPECTED-MESSAGE ARGS...: exit status 2 and one error line naming the problem.
# DATA (an array name, default new) gives the data options.
refuses() {
  local name=$1 message=$2; shift 2
  local -n data_options=${DATA:-new}
  local status=0
  run -np 2 "$ampcf" train "${data_options[@]}" --epochs 1 "$@" > /dev/null 2> "$work/err" || status=$?
  check "$name: exit 2 ($status)" test "$status" -eq 2
  check "$name: one line: $message" bash -c "[ \$(grep -c 'ampcf: error' '$work/err') -eq 1 ] && grep -q -- '$message' '$work/err'"
}
refuses "another model" "--init-from .*a model of --model amp-cf; this run has --model bpr-mf" \
  --model bpr-mf --init-from "$work/old/model.h5"
refuses "another shape" "--init-from .*a model of shape" --dim 16 --init-from "$work/old/model.h5"
refuses "a missing file" "$work/none.h5" --init-from "$work/none.h5"
refuses "not a model" "$work/old/metrics.jsonl" --init-from "$work/old/metrics.jsonl"
refuses "with --refit" "--refit .*--init-from" --refit --init-from "$work/old/model.h5"
refuses "--init-shrink without --init-from" "--init-shrink and --init-perturb blend the rows of --init-from" --init-shrink 0.5
named=(--data "$work/names_new.txt" "${names[@]}")
DATA=named refuses "string ids from a checkpoint" "a checkpoint keeps none" \
  --init-from "$(ls "$work"/names_old/checkpoints/checkpoint-*.h5 | tail -1)"
finish
