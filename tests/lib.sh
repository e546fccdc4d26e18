# Shared by the multi-rank test scripts: a scratch folder, mpirun with a time limit, checks
# that count, and reading a field of the last JSON line of a file.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { timeout 300 mpirun --oversubscribe "$@"; }
passed=0 failed=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if "$@"; then echo "ok: $name"; passed=$((passed+1)); else echo "FAILED: $name"; failed=$((failed+1)); fi
}
field() { python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])" "$@"; }
# metrics.jsonl without what varies from run to run: timings and the per-rank counters.
metrics_without_timings() {
  sed 's/"pairs_per_s[^,}]*//; s/"seconds[^,}]*//; s/"train_seconds[^,}]*//; s/, "bytes_per_pair".*\]//' "$1"
}
# same_model A B: the same parameters (every array of A/model.h5 and B/model.h5) and the same
# metrics, timings and traffic counts aside (they differ between an interrupted run and a straight one).
same_model() {
  local d
  for d in /items/embedding /items/bias /attention/A_u /attention/A_v /users/personas; do
    h5diff -q "$1/model.h5" "$2/model.h5" "$d" || return 1
  done
  diff <(metrics_without_timings "$1/metrics.jsonl") <(metrics_without_timings "$2/metrics.jsonl") > /dev/null
}
# above A B: A > B
above() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$1" "$2"; }
# close A B TOLERANCE: |A - B| <= TOLERANCE
close() { python3 -c "import sys; sys.exit(abs(float(sys.argv[1]) - float(sys.argv[2])) > float(sys.argv[3]))" "$@"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
