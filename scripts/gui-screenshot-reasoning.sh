#!/usr/bin/env bash
# The real vkchat under Xvfb answering with a model that thinks: stories260K rendered with
# DeepSeek-R1's template (its generation prompt opens <think>, so the whole answer is reasoning);
# xdotool sends a question and opens the Thinking section, then the screen is saved. How
# docs/screenshot-reasoning.png is made. Usage: scripts/gui-screenshot-reasoning.sh [OUT.png]
# (default: build/gui-screenshot-reasoning.png). Needs xvfb-run, xdotool, ImageMagick's import
# and sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/gui-session.sh
gui_setup gui-screenshot-reasoning build/gui-screenshot-reasoning.png "$@"
gui_setting defaults.max_tokens 60
gui_run "--model $SHARED/models/stories260K.gguf \
         --chat-template-file $SHARED/templates/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja" '
  xdotool type --delay 15 "Tell me a story about a dragon"; xdotool key Return; sleep 6
  # The Thinking header sits under the question, at the left of the answer column.
  xdotool mousemove 420 137 click 1; sleep 1
  xdotool mousemove 640 600; sleep 1
'
