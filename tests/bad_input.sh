#!/usr/bin/env bash
# The bad-input corpus: every reader and file kind (text formats, NCF's files, user lists,
# config files, prepared datasets, model.h5, checkpoints, taste.h5), each case on 2 ranks. A case
# passes when the job ends promptly with a non-zero status and one error line that names the
# file and its line, or the file and the HDF5 path or attribute at fault.
set -uo pipefail
ampcf=$(realpath "${1:?usage: bad_input.sh path/to/ampcf}")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
python=/usr/bin/python3  # Debian's, with h5py (python3-h5py)
passed=0 failed=0
# expect NAME EXPECTED-TEXT ARGS...: ampcf ARGS on 2 ranks fails with one line holding the text.
expect() {
  local name=$1 expected=$2 out rc lines
  shift 2
  out=$(timeout 60 mpirun --oversubscribe -np 2 "$ampcf" "$@" 2>&1 < /dev/null); rc=$?
  lines=$(printf '%s\n' "$out" | grep -cE '^ampcf: (rank [0-9]+: )?error' || true)
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$lines" -eq 1 ] && printf '%s' "$out" | grep -F -- "$expected" > /dev/null; then
    echo "ok: $name"; passed=$((passed + 1))
  else
    echo "FAILED: $name (exit $rc, $lines error lines; expected: $expected)"; printf '%s\n' "$out" | grep -v '^\s*$' | head -4
    failed=$((failed + 1))
  fi
}
# h5edit SRC DST PYTHON: a copy of SRC edited with h5py (f: the file; R(path, data) replaces a dataset).
h5edit() {
  cp "$1" "$2"
  "$python" -c "import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'r+')
def R(p, d):
    del f[p]; f.create_dataset(p, data=d)
$3
f.close()" "$2"
}

D=(--data synthetic --synthetic-users 50 --synthetic-items 30)
"$ampcf" train "${D[@]}" --epochs 1 --quiet --checkpoint-epochs 1 --out base > /dev/null 2>&1
"$ampcf" prepare "${D[@]}" --out prepared.h5 > /dev/null 2>&1
M=base/model.h5 T=base/taste.h5 P=prepared.h5
K=$(ls base/checkpoints/*.h5 | head -1)
mkdir -p t c u

# Text readers: the file and the line.
printf 'userId,movieId,rating,timestamp\n1,10,4,100\n1,11,nan,101\n' > t/nan.csv
expect "movielens csv: rating not a number" "t/nan.csv:3: rating 'nan'" train --data t/nan.csv
printf 'userId,movieId,rating,timestamp\n1,10,4,100\n1,11,4\n' > t/short.csv
expect "movielens csv: short line" "t/short.csv:3: expected at least 4 fields" train --data t/short.csv
printf 'userId,movieId,rating,timestamp\n1,10,4,100\n1,11,4,1e9\n' > t/stamp.csv
expect "movielens csv: timestamp" "t/stamp.csv:3: timestamp '1e9'" train --data t/stamp.csv
printf 'userId,movieId,rating,timestamp\n1,10,4,100\n1,1\0001,4,101\n' > t/nul.csv
expect "a NUL byte" "t/nul.csv:3: a NUL byte" train --data t/nul.csv
: > t/empty.csv
expect "an empty file" "t/empty.csv: no interactions" train --data t/empty.csv
mkdir -p t/dat && printf '1::10::4::100\n1:11:4:101\n' > t/dat/ratings.dat
expect "movielens dat: separator" "t/dat/ratings.dat:2: expected at least 4 fields separated by '::'" train --data t/dat
mkdir -p t/k100 && printf '1\t10\t4\t100\n1 11 4 101\n' > t/k100/u.data
expect "movielens 100k: spaces for tabs" "t/k100/u.data:2: expected at least 4 fields" train --data t/k100
mkdir -p t/lfm && printf 'userID\tartistID\tweight\n2\t51\t13883\n2\t52\tmany\n' > t/lfm/user_artists.dat
expect "last.fm: weight" "t/lfm/user_artists.dat:3:" train --data t/lfm
printf '1\t10\t90\n1\tx\t80\n' > t/ydata-ymusic-test.txt
expect "yahoo: item id" "t/ydata-ymusic-test.txt:2: item id 'x'" train --data t/ydata-ymusic-test.txt
printf '1 10\n1 11 12\n' > t/events.log
expect "log: three fields" "t/events.log:2: expected 'user item' (log)" train --data t/events.log --format log
printf 'A1,B1,5.0,100\nA1,B2,5.0\n' > t/ratings_Books.csv
expect "amazon csv: three fields" "t/ratings_Books.csv:2: expected user,item,rating,timestamp" train --data t/ratings_Books.csv
printf '{"reviewerID": "A1", "asin": "B1", "overall": 5.0, "unixReviewTime": 100}\n{"reviewerID": "A1", "overall": 5.0, "unixReviewTime": 101}\n' > t/reviews.json
expect "amazon json: no asin" "t/reviews.json:2: no \"asin\" field" train --data t/reviews.json
printf 'u1;i1;5\nu1;i2\n' > t/plain.txt
expect "delimited: short line" "t/plain.txt:2: expected at least 3 fields separated by ';'" \
  train --data t/plain.txt --format delimited --delimiter ';' --columns 0,1,2
printf 'user_id:token\titem_id:token\ttimestamp:float\n1\t10\t100.0\n1\t11\tsoon\n' > t/bad_ts.inter
expect "recbole: timestamp" "t/bad_ts.inter:3: timestamp 'soon'" train --data t/bad_ts.inter
printf 'user_id\titem_id\n1\t10\n' > t/untyped.inter
expect "recbole: untyped header" "t/untyped.inter:1: header field 'user_id' is not name:type" train --data t/untyped.inter
mkdir -p t/ncf && printf '0\t1\t5\t100\n0\tx\t5\t101\n' > t/ncf/ml.train.rating && printf '0\t2\t5\t102\n' > t/ncf/ml.test.rating &&
  printf '(0,2)\t3\t4\n' > t/ncf/ml.test.negative
expect "ncf: train line" "t/ncf/ml.train.rating:2: expected 'user<TAB>item" train --data t/ncf

# Lists of users, and config files: the file and the line.
"$ampcf" train --data synthetic --synthetic-users 50 --synthetic-items 30 --epochs 1 --quiet --out listed > /dev/null 2>&1
printf '0\n1\n\n99999\n' > u/unknown.txt
expect "--users: an unknown user" "--users u/unknown.txt:4: user '99999'" eval "${D[@]}" --model listed/model.h5 --users u/unknown.txt
printf '500 2\n500 3\n501\n' > u/short.txt
expect "--new-users: one field" "--new-users u/short.txt:3: expected 'user item'" \
  recommend "${D[@]}" --model listed/model.h5 --new-users u/short.txt --out u/rec.csv
printf 'epochs = 1\npersonas = \n' > c/syntax.toml
expect "config: syntax" "c/syntax.toml:2:" train --config c/syntax.toml "${D[@]}"
printf 'epochs = 1\nquiet = true\nfrobnicate = 3\n' > c/unknown.toml
expect "config: unknown option" "c/unknown.toml:3: unknown option 'frobnicate'" train --config c/unknown.toml "${D[@]}"
printf 'epochs = 1\nquiet = true\n[trian]\npersonas = 0\n' > c/section.toml
expect "config: a misspelt section" "c/section.toml:3: 'trian' is a table" train --config c/section.toml "${D[@]}"
mkdir -p c/folder
expect "config: a folder" "--config c/folder: not a file" train --config c/folder "${D[@]}"

# Item titles (movies.csv beside the ratings), read after setup by explain and similar-items.
"$ampcf" generate --users 60 --items 40 --out gen > /dev/null 2>&1
mkdir -p t/titled && cp gen/ratings.csv t/titled/ && printf 'movieId,title,genres\n0,A,B\n1,Bad\000T,C\n' > t/titled/movies.csv
"$ampcf" train --data t/titled --epochs 1 --quiet --out titled > /dev/null 2>&1
expect "item titles: a NUL byte (explain)" "t/titled/movies.csv:3: a NUL byte" explain --data t/titled --model titled/model.h5 --user 0
expect "item titles: a NUL byte (similar-items)" "t/titled/movies.csv:3: a NUL byte" \
  similar-items --data t/titled --model titled/model.h5 --item 0

# Prepared datasets: the file and the array.
h5edit "$P" p_offsets.h5 "o = f['train/offsets'][:]; o[10], o[11] = o[11], o[10]; f['train/offsets'][:] = o"
expect "prepared: offsets not ascending" "p_offsets.h5: /train/offsets is not ascending" train --data p_offsets.h5 --epochs 1
head -c 6000 "$P" > p_truncated.h5
expect "prepared: truncated" "--data p_truncated.h5: not a prepared dataset" train --data p_truncated.h5 --epochs 1
h5edit "$P" p_version.h5 "f.attrs['version'] = np.int64(1)"
expect "prepared: version" "p_version.h5: prepared-data version 1" train --data p_version.h5 --epochs 1

# model.h5: the file and the dataset or attribute.
head -c 5000 "$M" > m_truncated.h5
expect "model: truncated" "m_truncated.h5: not a readable HDF5 file" eval "${D[@]}" --model m_truncated.h5
h5edit "$M" m_version.h5 "f.attrs['version'] = np.int64(7)"
expect "model: version" "m_version.h5: model format version 7" eval "${D[@]}" --model m_version.h5
h5edit "$M" m_missing.h5 "del f['items/embedding']"
expect "model: a missing array" "m_missing.h5: missing dataset /items/embedding" eval "${D[@]}" --model m_missing.h5
h5edit "$M" m_dense.h5 "R('attention/A_u', np.zeros((64, 32), 'f4'))"
expect "model: an attention map's shape" "m_dense.h5: /attention/A_u is 64 x 32" eval "${D[@]}" --model m_dense.h5
h5edit "$M" m_personas.h5 "f.attrs['personas'] = np.int64(2**40)"
expect "model: personas out of range" "m_personas.h5: attribute personas is 1099511627776" eval "${D[@]}" --model m_personas.h5
h5edit "$M" m_items.h5 "[R(p, f[p][:29]) for p in ('items/ids', 'items/bias', 'items/embedding', 'items/train_counts')]"
expect "model: fewer items than its dataset" "m_items.h5: /items/ids has 29 items" eval "${D[@]}" --model m_items.h5

# Checkpoints: the file and the dataset or attribute.
h5edit "$K" k_unfinished.h5 "del f.attrs['complete']"
expect "checkpoint: unfinished" "k_unfinished.h5: unfinished checkpoint" inspect k_unfinished.h5
h5edit "$K" k_history.h5 "R('history/val_ndcg', np.zeros(0))"
expect "checkpoint: history arrays of different lengths" "k_history.h5: the /history arrays differ" inspect k_history.h5
h5edit "$K" k_width.h5 "f.attrs['tables'] = np.bytes_('users 50 1000000000\nitems 30 65\nattention 128 64\n')"
expect "checkpoint: a table's width" "k_width.h5: attribute tables says users is 50 x 1000000000" inspect k_width.h5
h5edit "$K" k_rows.h5 "f.attrs['tables'] = np.bytes_('users -5 128\nitems 30 65\nattention 128 64\n')"
expect "checkpoint: negative rows" "k_rows.h5: attribute tables says users is -5 x 128" inspect k_rows.h5
h5edit "$K" k_personas.h5 "f.attrs['personas'] = np.int64(3)"
expect "checkpoint: personas against the users table" "k_personas.h5: table users of width 128" eval "${D[@]}" --model k_personas.h5
h5edit "$K" k_step.h5 "f.attrs['step'] = np.int64(50)"
expect "checkpoint: a position past its epoch" "k_step.h5: attributes epoch" train "${D[@]}" --resume k_step.h5 --epochs 3

# taste.h5 (eval --taste): the file and the dataset or attribute, on every rank.
h5edit "$T" t_fingerprint.h5 "f.attrs['dataset_fingerprint'] = np.int64(12345)"
expect "taste: another dataset" "t_fingerprint.h5: a taste space of another dataset" eval "${D[@]}" --model "$M" --taste t_fingerprint.h5
h5edit "$T" t_clusters.h5 "f.attrs['clusters'] = np.int64(0); R('centroids', np.zeros((0, f['centroids'].shape[1])))"
expect "taste: no clusters" "t_clusters.h5: attributes components" eval "${D[@]}" --model "$M" --taste t_clusters.h5
h5edit "$T" t_range.h5 "f['item_cluster'][:] = 1000"
expect "taste: a cluster out of range" "t_range.h5: /item_cluster[0] is 1000" eval "${D[@]}" --model "$M" --taste t_range.h5
h5edit "$T" t_short.h5 "R('item_cluster', f['item_cluster'][:29])"
expect "taste: too few item clusters" "t_short.h5: /item_cluster has 29 values" eval "${D[@]}" --model "$M" --taste t_short.h5
h5edit "$T" t_nan.h5 "f['item_coordinates'][:] = np.nan"
expect "taste: coordinates not finite" "t_nan.h5: /item_coordinates holds a value that is not finite" \
  eval "${D[@]}" --model "$M" --taste t_nan.h5

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -ge 30 ]
