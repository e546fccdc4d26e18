#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang++ and runs each for SECONDS (default 20).
# Fails on any crash, hang (-timeout), memory blow-up (-rss_limit_mb), leak or sanitizer report.
#   tests/fuzz.sh [SECONDS] [BUILD_DIR]      (BUILD_DIR defaults to build-fuzz-clang)
#   AMPCF_FUZZ_TARGETS="ncf prepared" tests/fuzz.sh 600    long runs by hand, some targets only
# The seed corpus (tests/fuzz/corpus/TARGET) is only read; what the fuzzer adds goes to
# BUILD_DIR/fuzz-work/corpus/TARGET and crashing inputs to BUILD_DIR/fuzz-work/artifacts/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
seconds="${1:-20}"
build="$(realpath -m "${2:-$root/build-fuzz-clang}")"

clangxx="$(command -v clang++ || true)"
if [ -z "$clangxx" ]; then
  echo "SKIP: clang++ not found (Debian: apt-get install clang)"; exit 0
fi
probe="$(mktemp -d)"; trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' > "$probe/p.cc"
if ! "$clangxx" -fsanitize=fuzzer,address,undefined "$probe/p.cc" -o "$probe/p" 2> /dev/null; then
  echo "SKIP: $clangxx cannot link libFuzzer (Debian: apt-get install libclang-rt-dev)"; exit 0
fi

launcher=(); command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$clangxx" -DCMAKE_C_COMPILER=clang \
  -DAMPCF_FUZZ=ON -DAMPCF_BUILD_TESTS=OFF -DAMPCF_NATIVE=OFF "${launcher[@]}" > /dev/null
cmake --build "$build" -j"${AMPCF_FUZZ_JOBS:-2}" --target fuzz_targets > /dev/null

targets=(${AMPCF_FUZZ_TARGETS:-$(ls "$here/fuzz/corpus")})
work="$build/fuzz-work"
# halt_on_error: the first UBSan report ends the run as a crash; leaks are reported at exit.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
# The targets' scratch files: libFuzzer may end a process without running atexit handlers, so
# the folders go in one place that is removed here.
export TMPDIR="$work/tmp"
rm -rf "$TMPDIR"; mkdir -p "$TMPDIR"
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
  log="$work/$target.log"
  if "$build/tests/fuzz/fuzz_$target" "$work/corpus/$target" "$here/fuzz/corpus/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
      -artifact_prefix="$work/artifacts/$target/" -print_final_stats=1 > "$log" 2>&1; then
    echo "ok   $target: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$') runs in ${seconds} s," \
         "$(grep -o 'exec/s: [0-9]*' "$log" | tail -1)"
  else
    echo "FAIL $target (log: $log, inputs: $work/artifacts/$target/)"; tail -40 "$log"
    failed+=("$target")
  fi
done
rm -rf "$TMPDIR"
[ ${#failed[@]} -eq 0 ] || { echo "fuzz failures: ${failed[*]}"; exit 1; }
