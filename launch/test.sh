#!/usr/bin/env bash
# Runs the whole test suite: unit tests, multi-rank tests under mpirun and bad-input tests on
# the Release build, then the unit tests again under AddressSanitizer and UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -x build/ampcf ] || bash launch/setup.sh
cmake --build build -j"$(nproc)" > /dev/null
if [ "${AMPCF_SKIP_SANITIZERS:-0}" != 1 ]; then
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DAMPCF_SANITIZE=ON -DAMPCF_NATIVE=OFF > /dev/null
  cmake --build build-sanitize -j"$(nproc)" --target ampcf_tests > /dev/null
  echo "== unit tests under AddressSanitizer + UBSan"
  # Open MPI's own start-up allocations are not ours to report.
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 build-sanitize/tests/ampcf_tests --gtest_brief=1
fi
echo "== test suite (Release)"
ctest --test-dir build --output-on-failure
