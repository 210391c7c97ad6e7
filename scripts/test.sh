#!/usr/bin/env bash
# Builds and runs every test: the main build (optimized, without debug info), an ASan+UBSan build
# of the engine tests and the fuzzers (scripts/fuzz.sh, 30 s each). Ends with ctest's summary of
# the main build's tests, after the sanitizer suites' one-line summary. The engine's CPU suites
# (engine_tests) run only in the sanitizer build: the main build leaves them out
# (VKCHAT_ENGINE_TESTS=OFF) rather than compile and run them twice. The main build goes first so the sanitizer build can reuse its SPIR-V
# (VKCHAT_SPIRV_DIR) and its vkchat-cli (VKCHAT_TEST_CLI) instead of building them twice.
# Usage: scripts/test.sh [build-dir]   (default build-test, apart from README's app build)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD=${1:-build-test}
JOBS=$(nproc)
status=0
stamp() { echo "test.sh: $1 at $(( $(date +%s) - start )) s"; }
start=$(date +%s)

# 1. The main build: everything, at -O2 like RelWithDebInfo but without -g, which costs half again
#    the compile time and which no test needs.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DVKCHAT_ENGINE_TESTS=OFF >/dev/null
# Our sources are clang-formatted (the repository's .clang-format): a file that is not fails.
cmake --build "$BUILD" --target format-check || status=1
cmake --build "$BUILD" -j "$JOBS"
stamp "main build done"

# 2. Sanitizers: the engine's CPU suites (engine_tests) under ASan+UBSan; the few that drive the
#    CLI run the main build's.
cmake -S . -B "$BUILD-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVKCHAT_SANITIZE=ON \
      -DVKCHAT_BUILD_GUI=OFF -DVKCHAT_SPIRV_DIR="$PWD/$BUILD/shaders" \
      -DVKCHAT_TEST_CLI="$PWD/$BUILD/app/vkchat-cli" >/dev/null
cmake --build "$BUILD-asan" -j "$JOBS" --target engine_tests
SAN_LOG=$(mktemp)
trap 'rm -f "$SAN_LOG"' EXIT
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$BUILD-asan" --output-on-failure -j "$JOBS" \
      -L '^engine_tests$' --timeout 900 2>&1 | tee "$SAN_LOG" || status=1
stamp "sanitizer suites done"

# 3. Fuzzing: each libFuzzer target (GGUF reader, chat templates) for 30 s on its ASan+UBSan
#    build; any finding fails the run.
VKCHAT_FUZZ_BUILD="$BUILD-fuzz" scripts/fuzz.sh 30 || status=1
stamp "fuzzing done"

# 4. Every test of the main build; its ctest summary is the last thing printed.
echo "test.sh: sanitizer suites (engine_tests, ASan+UBSan): $(grep -m1 'tests passed' "$SAN_LOG")"
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --timeout 900 || status=1
stamp "all done"
exit $status
