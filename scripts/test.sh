#!/usr/bin/env bash
# Builds and runs every test: the main build (RelWithDebInfo), an ASan+UBSan build of the
# engine tests and the fuzzers (scripts/fuzz.sh, 60 s each). Ends with ctest's summary of each.
# Usage: scripts/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD=${1:-build}
JOBS=$(nproc)
status=0

# 1. Sanitizers: the engine's CPU suites (engine_tests) under ASan+UBSan.
cmake -S . -B "$BUILD-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVKCHAT_SANITIZE=ON \
      -DVKCHAT_BUILD_GUI=OFF >/dev/null
cmake --build "$BUILD-asan" -j "$JOBS" --target engine_tests vkchat-cli
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$BUILD-asan" --output-on-failure -j "$JOBS" \
      -L '^engine_tests$' --timeout 900 || status=1

# 2. Fuzzing: each libFuzzer target (GGUF reader, chat templates) for 60 s on its ASan+UBSan
#    build; any finding fails the run.
VKCHAT_FUZZ_BUILD="$BUILD-fuzz" scripts/fuzz.sh 60 || status=1

# 3. Everything, in the release-like build; its ctest summary is the last thing printed.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$JOBS"
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --timeout 900 || status=1
exit $status
