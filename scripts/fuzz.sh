#!/usr/bin/env bash
# Runs the GGUF reader fuzzer for N seconds (default 60), seeded with the shared GGUF files.
# Usage: scripts/fuzz.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
SHARED=${VKCHAT_SHARED_DIR:-../shared}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ -DVKCHAT_FUZZ=ON -DVKCHAT_BUILD_GUI=OFF >/dev/null
cmake --build build-fuzz --target fuzz_gguf
CORPUS=build-fuzz/corpus-gguf
mkdir -p "$CORPUS"
# Seed with the small real files (the big vocabularies slow every iteration down).
find "$SHARED/models" "$SHARED/tokenizer" -name '*.gguf' -size -2M -exec cp -n {} "$CORPUS/" \;
build-fuzz/fuzz/fuzz_gguf "$CORPUS" -max_total_time="$SECS" -max_len=2000000 -rss_limit_mb=4096
