#!/usr/bin/env bash
# Drives the real vkchat under Xvfb as a person would (xdotool types two chats on stories260K),
# then saves the screen: the end-to-end check by eye, and how docs/screenshot.png is made.
# Usage: scripts/gui-screenshot.sh [OUT.png] (default: build/gui-screenshot.png). Needs xvfb-run,
# xdotool and ImageMagick's import; the automated end-to-end test is ui_tests' EngineFlow.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-build/gui-screenshot.png}")
MODEL=$(realpath "${VKCHAT_SHARED_DIR:-../shared}/models/stories260K.gguf")
for tool in xvfb-run xdotool import; do
  command -v "$tool" >/dev/null || { echo "gui-screenshot: $tool is missing" >&2; exit 1; }
done
DB=$(mktemp -d)/chats.sqlite
trap 'rm -rf "$(dirname "$DB")"' EXIT
# A first start creates the history; shorter answers make a tidier picture.
xvfb-run -a build/app/vkchat --db "$DB" --screenshot "$(dirname "$DB")/first.png" 2>/dev/null
sqlite3 "$DB" "INSERT OR REPLACE INTO settings(key, value) VALUES ('defaults.max_tokens', '90')"

export MODEL DB OUT
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  build/app/vkchat --model "$MODEL" --db "$DB" 2>/dev/null &
  app=$!
  sleep 6
  say() { xdotool type --delay 15 "$1"; xdotool key Return; sleep 5; }
  say "Tell me a story about a dragon"
  xdotool key ctrl+n; sleep 1
  say "Once upon a time, a little fox found a red ball"
  say "What did the fox do with the ball?"
  import -window root "$OUT"
  kill $app
'
echo "gui-screenshot: $OUT"
