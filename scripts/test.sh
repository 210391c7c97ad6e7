#!/usr/bin/env bash
# Builds and runs every test: the main build (RelWithDebInfo), an ASan+UBSan build of the
# engine tests and the fuzzers (scripts/fuzz.sh, 60 s each). Ends with ctest's summary of the main
# build's tests. The main build goes first so the sanitizer build can reuse its SPIR-V
# (VKCHAT_SPIRV_DIR) instead of compiling every shader twice.
# Usage: scripts/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD=${1:-build}
JOBS=$(nproc)
status=0
stamp() { echo "test.sh: $1 at $(( $(date +%s) - start )) s"; }
start=$(date +%s)

# 1. The main build: everything.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$JOBS"
stamp "main build done"

# 2. Sanitizers: the engine's CPU suites (engine_tests) under ASan+UBSan.
cmake -S . -B "$BUILD-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVKCHAT_SANITIZE=ON \
      -DVKCHAT_BUILD_GUI=OFF -DVKCHAT_SPIRV_DIR="$PWD/$BUILD/shaders" >/dev/null
cmake --build "$BUILD-asan" -j "$JOBS" --target engine_tests vkchat-cli
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$BUILD-asan" --output-on-failure -j "$JOBS" \
      -L '^engine_tests$' --timeout 900 || status=1
stamp "sanitizer suites done"

# 3. Fuzzing: each libFuzzer target (GGUF reader, chat templates) for 60 s on its ASan+UBSan
#    build; any finding fails the run.
VKCHAT_FUZZ_BUILD="$BUILD-fuzz" scripts/fuzz.sh 60 || status=1
stamp "fuzzing done"

# 4. Every test of the main build; its ctest summary is the last thing printed.
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --timeout 900 || status=1
stamp "all done"
exit $status
