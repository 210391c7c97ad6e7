#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan; only the fuzz targets and the modules they
# link) and runs each for N seconds (default 60), both at once. Fails on any finding: a crash,
# a sanitizer report, an input slower than 10 s or one that makes the process exceed its RSS
# limit. The seed corpora are generated at run time in a temporary folder, from ../shared.
# Usage: scripts/fuzz.sh [seconds]   (VKCHAT_FUZZ_BUILD names the build folder, default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
SHARED=$(realpath "${VKCHAT_SHARED_DIR:-../shared}")
BUILD=${VKCHAT_FUZZ_BUILD:-build-fuzz}
start=$(date +%s)
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ -DVKCHAT_FUZZ=ON -DVKCHAT_BUILD_GUI=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target fuzz_gguf fuzz_template
echo "fuzz: build took $(( $(date +%s) - start )) s"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/gguf" "$WORK/template"
# GGUF seeds: the small real files (the big vocabularies slow every iteration down).
find "$SHARED/models" "$SHARED/tokenizer" -name '*.gguf' -size -2M -exec cp {} "$WORK/gguf/" \;
# Template seeds: the real templates, each behind the options byte (trim_blocks|lstrip_blocks).
for f in "$SHARED"/templates/*.jinja; do
  { printf '\003'; cat "$f"; } >"$WORK/template/$(basename "$f")"
done
[ -n "$(ls "$WORK/gguf")" ] && [ -n "$(ls "$WORK/template")" ] || {
  echo "fuzz: no seed files under $SHARED" >&2
  exit 1
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run() {  # run TARGET CORPUS EXTRA...: libFuzzer's own exit status is the verdict
  local target=$1 corpus=$2
  shift 2
  "$BUILD/fuzz/$target" "$corpus" -max_total_time="$SECS" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$BUILD/$target-" "$@" >"$WORK/$target.log" 2>&1
}
status=0
run fuzz_gguf "$WORK/gguf" -max_len=2000000 -rss_limit_mb=4096 &
gguf=$!
run fuzz_template "$WORK/template" -max_len=8192 -rss_limit_mb=1024 -dict=fuzz/template.dict &
tmpl=$!
for t in gguf:$gguf template:$tmpl; do
  name=${t%%:*} pid=${t#*:}
  if wait "$pid"; then
    echo "fuzz: fuzz_$name: no finding in $SECS s ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$WORK/fuzz_$name.log" | grep -o '[0-9]*$') runs)"
  else
    status=1
    echo "fuzz: fuzz_$name FOUND A PROBLEM (input saved as $BUILD/fuzz_$name-*):" >&2
    tail -n 60 "$WORK/fuzz_$name.log" >&2
  fi
done
echo "fuzz: took $(( $(date +%s) - start )) s in all"
exit $status
