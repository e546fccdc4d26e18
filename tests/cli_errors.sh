#!/usr/bin/env bash
# Bad input on 2 MPI ranks: each case must end promptly (no hang) with a non-zero exit and a
# one-line error that names the problem.
set -uo pipefail
ampcf=${1:?usage: cli_errors.sh path/to/ampcf}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'userId,movieId,rating,timestamp\n1,10,4,100\n1,oops,4,101\n' > "$work/bad.csv"
printf '1,10,4,100\n1,11,4,101\n2,10,4,100\n2,11,4,101\n' > "$work/two_items.csv"
passed=0 failed=0
expect_error() {  # expect_error NAME EXPECTED-TEXT ARGS...
  local name=$1 expected=$2; shift 2
  local out rc
  out=$(timeout 60 mpirun --oversubscribe -np "${NP:-2}" "$ampcf" "$@" 2>&1); rc=$?
  local lines; lines=$(printf '%s\n' "$out" | grep -c "ampcf: error" || true)
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && printf '%s' "$out" | grep -- "$expected" > /dev/null && [ "$lines" -eq 1 ]; then
    echo "ok: $name"; passed=$((passed+1))
  else
    echo "FAILED: $name (exit $rc, $lines error lines)"; printf '%s\n' "$out" | head -5; failed=$((failed+1))
  fi
}
expect_error "missing file" "no such file" train --data "$work/absent.csv"
expect_error "unparsable line" "bad.csv:3: item id 'oops'" train --data "$work/bad.csv"
expect_error "unknown option" "--frobnicate" train --frobnicate 3
expect_error "r = 0" "personas" train --personas 0
expect_error "dimension 0" "dim" train --dim 0
expect_error "unknown model" "--model nmf: no such model (amp-cf, bpr-mf" train --model nmf
expect_error "another model's option" "--model gmf's options: ampcf train --model gmf --help" train --model gmf --personas 2
expect_error "--pretrained for a model that pretrains nothing" "--model bpr-mf starts from random rows" train --model bpr-mf --pretrained "$work/none.h5"
expect_error "a recipe's bad option before its pretraining" "--mlp-layers 33,8" train --model neumf --mlp-layers 33,8
NP=4 expect_error "more servers than items" "more than the dataset's 2 items" train --data "$work/two_items.csv" --servers 3
expect_error "more servers than ranks" "leaves no worker" train --servers 2
expect_error "more servers than ranks, text parsed by every rank" "leaves no worker" train --data "$work/two_items.csv" --servers 2
expect_error "no server among ranks, text parsed by every rank" "--servers must be at least 1" train --data "$work/two_items.csv" --servers 0
expect_error "missing model" "no such file" eval --model "$work/none.h5"
expect_error "missing checkpoint" "no such file" train --resume "$work/none.h5"
expect_error "--resume auto without --out" "needs --out" train --resume auto
expect_error "not a checkpoint" "bad.csv: not a readable HDF5 file" inspect "$work/bad.csv"
"$ampcf" train --data "$work/two_items.csv" --epochs 1 --quiet --out "$work/tiny" > /dev/null 2>&1
expect_error "explain: unknown user" "--user 99: no such user" explain --data "$work/two_items.csv" --model "$work/tiny/model.h5" --user 99
# Ranks started with different options: every rank reaches the check that compares them (no
# collective before it is skipped by a rank's own --threads).
out=$(timeout 60 mpirun --oversubscribe -np 1 "$ampcf" train --data "$work/two_items.csv" --threads 2 --out "$work/mixed" \
      : -np 1 "$ampcf" train --data "$work/two_items.csv" --out "$work/mixed" 2>&1); rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && printf '%s' "$out" | grep "rank 1 has different options than rank 0" > /dev/null; then
  echo "ok: ranks with different options"; passed=$((passed+1))
else
  echo "FAILED: ranks with different options (exit $rc)"; printf '%s\n' "$out" | head -5; failed=$((failed+1))
fi
# A diverging run ends at its first non-finite loss on every rank, naming the epoch, the step and
# the last good checkpoint, which stays intact.
"$ampcf" train --data synthetic --epochs 1 --quiet --out "$work/diverge" > /dev/null 2>&1
out=$(timeout 60 mpirun --oversubscribe -np 2 "$ampcf" train --data synthetic --servers 1 --epochs 2 --lr 1e30 \
      --quiet --out "$work/diverge" --resume auto 2>&1); rc=$?
good=$(ls "$work"/diverge/checkpoints/*.h5 2>/dev/null | head -1)
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && printf '%s' "$out" | grep "loss is not finite at epoch 2, step" > /dev/null &&
   printf '%s' "$out" | grep "last good checkpoint is $good" > /dev/null && "$ampcf" inspect "$good" > /dev/null 2>&1; then
  echo "ok: non-finite loss"; passed=$((passed+1))
else
  echo "FAILED: non-finite loss (exit $rc)"; printf '%s\n' "$out" | head -5; failed=$((failed+1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
