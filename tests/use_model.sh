#!/usr/bin/env bash
# Using a trained model under mpirun: `recommend` (the same lists on 1 and 3 ranks, in HDF5 and
# CSV, equal to `explain`'s), fold-in of held-out and of new users (and from Python),
# `similar-items`, and data as recommender libraries' users have it
# (string ids in a delimited file, RecBole's atomic files); bad input refused with one line.
set -uo pipefail
ampcf=${1:?usage: use_model.sh path/to/ampcf}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@" > "$work/check.out" 2>&1; then echo "ok: $name"; passed=$((passed+1));
  else echo "FAILED: $name"; head -5 "$work/check.out"; failed=$((failed+1)); fi
}
expect_error() {  # expect_error NAME EXPECTED-TEXT ARGS...: non-zero exit, one error line holding the text
  local name=$1 expected=$2; shift 2
  local out rc lines
  out=$(timeout 60 mpirun -np 2 "$ampcf" "$@" 2>&1); rc=$?
  lines=$(printf '%s\n' "$out" | grep -c "ampcf: error" || true)
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && printf '%s' "$out" | grep -- "$expected" > /dev/null && [ "$lines" -eq 1 ]; then
    echo "ok: $name"; passed=$((passed+1))
  else
    echo "FAILED: $name (exit $rc, $lines error lines)"; printf '%s\n' "$out" | head -5; failed=$((failed+1))
  fi
}

"$ampcf" generate --users 300 --items 200 --seed 3 --out "$work/gen" > /dev/null
data=(--data "$work/gen/ratings.csv")
"$ampcf" train "${data[@]}" --personas 2 --epochs 3 --quiet --out "$work/amp2" > /dev/null 2>&1
model=$work/amp2/model.h5

mpirun -np 1 "$ampcf" recommend "${data[@]}" --model "$model" --out "$work/one.h5" > /dev/null 2>&1
mpirun -np 3 "$ampcf" recommend "${data[@]}" --model "$model" --out "$work/three.h5" > /dev/null 2>&1
# The same lists; scores equal up to float rounding (a rank scores its users in other GEMM blocks).
check "recommend: 1 and 3 ranks write the same HDF5" /usr/bin/python3 - "$work/one.h5" "$work/three.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as a, h5py.File(sys.argv[2]) as b:
    assert a.attrs["format"] in (b"ampcf-recommendations", "ampcf-recommendations") and a["items"].shape == (300, 10)
    for name in ("users", "items", "persona"):
        assert (a[name][:] == b[name][:]).all(), name
    for name in ("scores", "weight"):
        assert np.allclose(a[name][:], b[name][:], rtol=1e-5, atol=1e-6), name
PY
mpirun -np 1 "$ampcf" recommend "${data[@]}" --model "$model" --top 7 --out "$work/one.csv" > /dev/null 2>&1
mpirun -np 3 "$ampcf" recommend "${data[@]}" --model "$model" --top 7 --out "$work/three.csv" > /dev/null 2>&1
check "recommend: 1 and 3 ranks write the same CSV" cmp "$work/one.csv" "$work/three.csv"
check "recommend: CSV has a header and 7 lines per user" \
  bash -c "[ \"\$(head -1 '$work/one.csv')\" = user,rank,item,score,persona,weight ] && [ \$(wc -l < '$work/one.csv') -eq \$((300 * 7 + 1)) ]"

# The lists are explain's: the same items, order and explaining personas, training items left out.
user=$(awk -F, 'NR == 2 { print $1 }' "$work/one.csv")
"$ampcf" explain "${data[@]}" --model "$model" --user "$user" --out "$work/explain.h5" > /dev/null 2>&1
check "recommend: user $user's list is explain's (items, personas)" /usr/bin/python3 - "$work/one.h5" "$work/explain.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as r, h5py.File(sys.argv[2]) as e:
    row = int(np.nonzero(r["users"][:] == int(e.attrs["user"]))[0][0])
    assert (r["items"][row] == e["recommendations/items"][:]).all(), (r["items"][row], e["recommendations/items"][:])
    assert (r["persona"][row] == e["recommendations/persona"][:]).all()
    assert len(set(r["persona"][:].ravel())) == 2, "an AMP-2 model explains by both personas"
    assert not set(r["items"][row]) & set(e["history/items"][:]), "a training item was recommended"
PY

# python/ampcf/model.py (numpy, h5py) gives the CLI's scores, lists and explaining personas.
check "the ampcf package: every user's scores and personas are the CLI's; user $user's list too" \
  /usr/bin/python3 - "$(dirname "$0")/../python" "$model" "$work/one.h5" "$work/explain.h5" <<'PY'
import sys, h5py, numpy as np
sys.path.insert(0, sys.argv[1])
from ampcf import AmpcfModel
model = AmpcfModel(sys.argv[2])
with h5py.File(sys.argv[3]) as r, h5py.File(sys.argv[4]) as e:
    for user, items, scores, persona in zip(r["users"][:], r["items"][:], r["scores"][:], r["persona"][:]):
        mine, attention = model.scores(int(user), [model.item_index(int(i)) for i in items])
        assert np.allclose(mine, scores, rtol=1e-4, atol=1e-5), (user, mine, scores)
        assert (attention.argmax(axis=1) == persona).all(), user
    listed = model.recommend(int(e.attrs["user"]), 10, seen=e["history/items"][:])
    assert [item for item, _, _, _ in listed] == list(e["recommendations/items"][:]), listed
    own = model.explain(int(e.attrs["user"]), 10, seen=e["history/items"][:])["personas"]
    assert [[item for item, _ in k] for k in own] == e["personas/items"][:].tolist()
PY

printf '%s\n\n%s\n' "$user" "$user" > "$work/users.txt"
mpirun -np 2 "$ampcf" recommend "${data[@]}" --model "$model" --users "$work/users.txt" --out "$work/listed.csv" > /dev/null 2>&1
check "recommend --users FILE: the listed user once" bash -c "[ \$(wc -l < '$work/listed.csv') -eq 11 ] && grep -q '^$user,1,' '$work/listed.csv'"
printf '%s\n999999\n' "$user" > "$work/unknown.txt"
expect_error "recommend: an unknown user names the file's line" "unknown.txt:2: user '999999'" \
  recommend "${data[@]}" --model "$model" --users "$work/unknown.txt" --out "$work/x.csv"
"$ampcf" generate --users 100 --items 50 --seed 4 --out "$work/other" > /dev/null
expect_error "recommend: a model of another dataset is refused" "trained on another dataset" \
  recommend --data "$work/other/ratings.csv" --model "$model" --out "$work/x.csv"
expect_error "recommend: --out is required" "--out is required" recommend "${data[@]}" --model "$model"

# recommend --ann: on 200 items a wide search finds the exact lists, built in memory or read
# from export-index's file, on 1 and 3 ranks; a model without an inner-product score, or an
# index of another model, is refused.
"$ampcf" export-index --model "$model" --out "$work/amp2.hnsw" > "$work/export.json"
check "export-index writes an index of 200 items of d + 1 = 65 floats" \
  /usr/bin/python3 -c "import json,sys; f=json.load(open(sys.argv[1])); sys.exit(f['items'] != 200 or f['dim'] != 65)" "$work/export.json"
mpirun -np 1 "$ampcf" recommend "${data[@]}" --model "$model" --ann --ann-breadth 400 --out "$work/ann1.h5" > "$work/ann1.json" 2>&1
mpirun -np 3 "$ampcf" recommend "${data[@]}" --model "$model" --ann --ann-index "$work/amp2.hnsw" --ann-breadth 400 \
  --out "$work/ann3.h5" > /dev/null 2>&1
for ann in ann1 ann3; do
  check "recommend --ann ($ann): the exact lists" /usr/bin/python3 - "$work/one.h5" "$work/$ann.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1]) as a, h5py.File(sys.argv[2]) as b:
    assert (a["items"][:] == b["items"][:]).all() and (a["persona"][:] == b["persona"][:]).all()
PY
done
check "recommend --ann reports latency percentiles" grep -q '"p99_ms"' "$work/ann1.json"
if /usr/bin/python3 -c "import hnswlib" 2> /dev/null; then
  check "Python's hnswlib loads the exported index and finds a persona's best item" /usr/bin/python3 - "$work/amp2.hnsw" "$model" <<'PY'
import sys, h5py, hnswlib, numpy as np
index = hnswlib.Index(space="ip", dim=65)
index.load_index(sys.argv[1])
with h5py.File(sys.argv[2]) as m:
    items = np.concatenate([m["items/embedding"][:], m["items/bias"][:][:, None]], axis=1)
    u = m["users/personas"][0, 0]
index.set_ef(200)
labels, _ = index.knn_query(np.concatenate([u, [1.0]])[None, :].astype(np.float32), k=1)
assert index.get_current_count() == 200 and labels[0, 0] == np.argmax(items @ np.concatenate([u, [1.0]]))
PY
else
  echo "skipped: loading the index from Python needs python3-hnswlib (launch/setup.sh installs it)"
fi
"$ampcf" train "${data[@]}" --model gmf --epochs 1 --quiet --out "$work/gmf" > /dev/null 2>&1
expect_error "recommend --ann: a model without an inner-product score is refused" "--model gmf: its score is not bounded" \
  recommend "${data[@]}" --model "$work/gmf/model.h5" --ann --out "$work/x.csv"
"$ampcf" train "${data[@]}" --personas 2 --epochs 1 --seed 9 --quiet --out "$work/amp2b" > /dev/null 2>&1
expect_error "recommend --ann-index: another model's index is refused" "is not this model's" \
  recommend "${data[@]}" --model "$work/amp2b/model.h5" --ann --ann-index "$work/amp2.hnsw" --out "$work/x.csv"

# Fold-in: users held out of training get rows fitted from their items, every other parameter
# frozen; their validation ranking then beats the rows they were left with.
awk -F, 'NR > 1 && $1 % 10 == 3 { print $1 }' "$work/gen/ratings.csv" | sort -un > "$work/held.txt"
"$ampcf" train "${data[@]}" --personas 2 --epochs 3 --quiet --exclude-users "$work/held.txt" --out "$work/held" > /dev/null 2>&1
val_ndcg() { sed -n 's/.*"val_ndcg@10": \([0-9.]*\).*/\1/p'; }
before=$(mpirun -np 2 "$ampcf" eval "${data[@]}" --model "$work/held/model.h5" --users "$work/held.txt" 2>/dev/null | val_ndcg)
after=$(mpirun -np 2 "$ampcf" eval "${data[@]}" --model "$work/held/model.h5" --users "$work/held.txt" --fold-in 2>/dev/null | val_ndcg)
check "eval --fold-in: held-out users rank better folded in ($before -> $after)" \
  /usr/bin/python3 -c "import sys; sys.exit(0 if float('$after') > float('$before') + 0.02 else 1)"
one=$(mpirun -np 1 "$ampcf" eval "${data[@]}" --model "$work/held/model.h5" --users "$work/held.txt" --fold-in 2>/dev/null | val_ndcg)
check "eval --fold-in: the same figures on 1 and 2 ranks" test "$one" = "$after"
mpirun -np 2 "$ampcf" recommend "${data[@]}" --model "$work/held/model.h5" --users "$work/held.txt" --fold-in \
  --out "$work/folded.csv" > /dev/null 2>&1
check "recommend --fold-in: lists for the folded-in users" \
  bash -c "[ \$(wc -l < '$work/folded.csv') -eq \$((\$(wc -l < '$work/held.txt') * 10 + 1)) ]"
# Fold-in of users the dataset lacks, from a file of 'user item' lines: the held-out users again,
# under new names, one unknown item and one user with no known item.
awk -F, 'NR > 1 && $1 % 10 == 3 { print "new-" $1, $2 }' "$work/gen/ratings.csv" > "$work/new.txt"
printf 'new-3 999999\nghost 999998\n' >> "$work/new.txt"
n_new=$(cut -d' ' -f1 "$work/new.txt" | grep -v ghost | sort -u | wc -l)
mpirun -np 1 "$ampcf" recommend "${data[@]}" --model "$work/held/model.h5" --new-users "$work/new.txt" \
  --out "$work/new1.csv" > "$work/new1.log" 2>&1
mpirun -np 3 "$ampcf" recommend "${data[@]}" --model "$work/held/model.h5" --new-users "$work/new.txt" \
  --out "$work/new3.csv" > /dev/null 2>&1
mpirun -np 2 "$ampcf" recommend "${data[@]}" --model "$work/held/model.h5" --new-users "$work/new.txt" \
  --out "$work/new.h5" > /dev/null 2>&1
# (Scores may differ in the last digit: a rank scores its users in other GEMM blocks.)
check "recommend --new-users: lists for every file user with a known item, the same on 1 and 3 ranks" \
  bash -c "cmp <(cut -d, -f1-3,5 '$work/new1.csv') <(cut -d, -f1-3,5 '$work/new3.csv') && [ \$(wc -l < '$work/new1.csv') -eq \$(($n_new * 10 + 1)) ] && grep -q '^new-3,1,' '$work/new1.csv'"
check "recommend --new-users: the unknown item's line and the user left out are reported" \
  bash -c "grep -q 'new.txt:$(grep -n 999999 "$work/new.txt" | cut -d: -f1): item .999999. is not in' '$work/new1.log' && grep -q \"user 'ghost' has no item\" '$work/new1.log'"
check "recommend --new-users: a new user's items are left out of their list" /usr/bin/python3 - "$work/new.txt" "$work/new1.csv" <<'PY'
import sys, collections
items = collections.defaultdict(set)
for line in open(sys.argv[1]):
    user, item = line.split()
    items[user].add(item)
for line in list(open(sys.argv[2]))[1:]:
    user, _, item = line.split(",")[:3]
    assert item not in items[user], line
PY
"$ampcf" explain "${data[@]}" --model "$work/held/model.h5" --new-users "$work/new.txt" --user new-3 \
  --out "$work/new-explain.h5" > /dev/null 2>&1
check "explain --new-users: the folded-in user's list is recommend's" /usr/bin/python3 - "$work/new1.csv" "$work/new-explain.h5" <<'PY'
import sys, h5py
listed = [line.split(",")[2] for line in open(sys.argv[1]) if line.startswith("new-3,")]
with h5py.File(sys.argv[2]) as e:
    assert [str(i) for i in e["recommendations/items"][:]] == listed, (listed, e["recommendations/items"][:])
PY
# python/ampcf/model.py folds in as the CLI does: the same lists, scores to float rounding.
check "the ampcf package, fold_in: every new user's list and scores are the CLI's" \
  /usr/bin/python3 - "$(dirname "$0")/../python" "$work/held/model.h5" "$work/new.txt" "$work/new.h5" <<'PY'
import sys, collections, warnings, h5py, numpy as np
sys.path.insert(0, sys.argv[1])
from ampcf import AmpcfModel
model = AmpcfModel(sys.argv[2])
items = collections.defaultdict(list)
for line in open(sys.argv[3]):
    user, item = line.split()
    items[user].append(int(item))
with h5py.File(sys.argv[4]) as r:
    names = bytes(r["user_names"][:]).decode().split("\n")[:-1]
    assert len(r["users"]) == len(items) - 1
    for row, u in enumerate(r["users"][:]):
        with warnings.catch_warnings(record=True):
            personas = model.fold_in(names[u], items[names[u]])
        listed = model.recommend(personas=personas, seen=[i for i in items[names[u]] if i < 999998])
        assert [item for item, _, _, _ in listed] == list(r["items"][row]), names[u]
        assert np.allclose([s for _, s, _, _ in listed], r["scores"][row], rtol=1e-4, atol=1e-5), names[u]
PY
grep '^new-3 ' "$work/new.txt" | head -3 > "$work/one-new.txt"
mpirun -np 3 "$ampcf" recommend "${data[@]}" --model "$work/held/model.h5" --new-users "$work/one-new.txt" \
  --out "$work/one-new.h5" > /dev/null 2>&1
check "recommend --new-users: one named user on 3 ranks keeps their name in the HDF5" /usr/bin/python3 - "$work/one-new.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1]) as r:
    names = bytes(r["user_names"][:]).decode().split("\n")[:-1]
    assert [names[u] for u in r["users"][:]] == ["new-3"], (names, r["users"][:])
PY
awk -F, 'NR > 1 && $1 % 10 == 4 { print $1, $2; exit }' "$work/gen/ratings.csv" > "$work/known.txt"
expect_error "recommend --new-users: a user the dataset holds is refused, naming the line" "known.txt:1: user '" \
  recommend "${data[@]}" --model "$work/held/model.h5" --new-users "$work/known.txt" --out "$work/x.csv"
check "recommend --new-users --replace-users: a user the dataset holds is fitted anew" \
  mpirun -np 2 "$ampcf" recommend "${data[@]}" --model "$work/held/model.h5" --new-users "$work/known.txt" \
  --replace-users --out "$work/replaced.csv"
printf 'new-1\n' > "$work/one-field.txt"
expect_error "recommend --new-users: a line without an item names the line" "one-field.txt:1: expected 'user item'" \
  recommend "${data[@]}" --model "$work/held/model.h5" --new-users "$work/one-field.txt" --out "$work/x.csv"
expect_error "train --exclude-users: an unknown user names the line" "unknown.txt:2: user '999999'" \
  train "${data[@]}" --epochs 1 --exclude-users "$work/unknown.txt"

item=$(awk -F, 'NR == 2 { print $3 }' "$work/one.csv")
check "similar-items: ten items, most similar first" bash -c \
  "'$ampcf' similar-items ${data[*]} --model '$model' --item $item > '$work/similar.txt' && [ \$(grep -c '^ *[0-9]*\. ' '$work/similar.txt') -eq 10 ] && ! grep -q '^ *[0-9]*\. .*item $item\$' '$work/similar.txt'"
expect_error "similar-items: an unknown item" "--item 999999: no such item" similar-items "${data[@]}" --model "$model" --item 999999

# String ids in a delimited file, kept as names through training and recommendation.
awk -F, 'NR > 1 { print "user-" $1 ";item-" $2 ";" $4 }' "$work/gen/ratings.csv" > "$work/names.txt"
names=(--data "$work/names.txt" --format delimited --delimiter ";" --columns 0,1,2)
"$ampcf" train "${names[@]}" --epochs 1 --quiet --out "$work/names" > /dev/null 2>&1
mpirun -np 2 "$ampcf" recommend "${names[@]}" --model "$work/names/model.h5" --out "$work/names.csv" > /dev/null 2>&1
check "delimited string ids: recommendations name users and items" grep -q '^user-[0-9]*,1,item-[0-9]*,' "$work/names.csv"
# experiments/fold_in_quality.py (issue 19's fold-in measurement) on the string-id dataset: its folds
# deal out every user once, each row of its table covers them all, a second call reruns nothing
# and a changed option only what it changes.
quality=(/usr/bin/python3 "$(dirname "$0")/../experiments/fold_in_quality.py" --ampcf "$ampcf" --data "$work/names.txt"
         --data-options "--format delimited --delimiter ; --columns 0,1,2" --out "$work/quality" --folds 3
         --eval-options "--fold-in-steps 10" -- --epochs 1)
"${quality[@]}" > "$work/quality.txt" 2>&1
check "fold_in_quality.py: the folds deal out every user once" \
  bash -c "[ \"\$(cat '$work'/quality/fold*.txt | sort)\" = \"\$(cut -d';' -f1 '$work/names.txt' | sort -u)\" ]"
check "fold_in_quality.py: every row covers all 300 users" \
  bash -c "[ \$(grep -c ' (300) |' '$work/quality.txt') -eq 4 ] && grep -q '^HR@10 and NDCG@10 within 0.02: ' '$work/quality.txt'"
touch -d '2000-01-01' "$work/quality/held0/train.log"
"${quality[@]}" > "$work/quality2.txt" 2>&1
check "fold_in_quality.py: a second call reuses the runs" \
  bash -c "diff -q '$work/quality.txt' '$work/quality2.txt' && [ \$(stat -c %Y '$work/quality/held0/train.log') -lt 1000000000 ]"
touch -d '2000-01-01' "$work/quality/eval/folded-fold0.log"
"${quality[@]:0:${#quality[@]}-3}" --eval-options "--fold-in-steps 5" -- --epochs 1 > /dev/null 2>&1
check "fold_in_quality.py: a changed eval option reruns the evaluations, not the training" \
  bash -c "[ \$(stat -c %Y '$work/quality/held0/train.log') -lt 1000000000 ] && [ \$(stat -c %Y '$work/quality/eval/folded-fold0.log') -gt 1000000000 ]"
# RecBole's atomic files: a folder holding DATASET.inter loads as it is.
mkdir -p "$work/recbole/gen"
awk -F, 'NR == 1 { print "user_id:token\titem_id:token\trating:float\ttimestamp:float"; next } { print $1 "\t" $2 "\t" $3 "\t" $4 ".0" }' \
  "$work/gen/ratings.csv" > "$work/recbole/gen/gen.inter"
"$ampcf" stats "${data[@]}" 2>/dev/null | grep -v "^\[" > "$work/stats.csv.txt"
"$ampcf" stats --data "$work/recbole/gen" 2>/dev/null | grep -v "^\[" > "$work/stats.inter.txt"
check "RecBole .inter: the same dataset as the CSV it came from" diff <(grep -iv "dataset\|name" "$work/stats.csv.txt") <(grep -iv "dataset\|name" "$work/stats.inter.txt")

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
