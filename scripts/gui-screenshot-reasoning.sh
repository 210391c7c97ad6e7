#!/usr/bin/env bash
# The real vkchat under Xvfb answering with a model that thinks: stories260K rendered with
# DeepSeek-R1's template (its generation prompt opens <think>, so the whole answer is reasoning);
# xdotool sends a question and opens the Thinking section, then the screen is saved. How
# docs/screenshot-reasoning.png is made. Usage: scripts/gui-screenshot-reasoning.sh [OUT.png]
# (default: build/gui-screenshot-reasoning.png). Needs xvfb-run, xdotool and ImageMagick's import.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-build/gui-screenshot-reasoning.png}")
SHARED=$(realpath "${VKCHAT_SHARED_DIR:-../shared}")
MODEL=$SHARED/models/stories260K.gguf
TEMPLATE=$SHARED/templates/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja
for tool in xvfb-run xdotool import sqlite3; do
  command -v "$tool" >/dev/null || { echo "gui-screenshot-reasoning: $tool is missing" >&2; exit 1; }
done
DB=$(mktemp -d)/chats.sqlite
trap 'rm -rf "$(dirname "$DB")"' EXIT
xvfb-run -a build/app/vkchat --db "$DB" --screenshot "$(dirname "$DB")/first.png" 2>/dev/null
sqlite3 "$DB" "INSERT OR REPLACE INTO settings(key, value) VALUES ('defaults.max_tokens', '60')"

export MODEL TEMPLATE DB OUT
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  build/app/vkchat --model "$MODEL" --chat-template-file "$TEMPLATE" --db "$DB" 2>/dev/null &
  app=$!
  sleep 6
  xdotool type --delay 15 "Tell me a story about a dragon"; xdotool key Return; sleep 6
  # The Thinking header sits under the question, at the left of the answer column.
  xdotool mousemove 420 137 click 1; sleep 1
  xdotool mousemove 640 600; sleep 1
  import -window root "$OUT"
  kill $app
'
echo "gui-screenshot-reasoning: $OUT"
