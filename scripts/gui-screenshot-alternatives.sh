#!/usr/bin/env bash
# The real vkchat under Xvfb showing an answer token by token with one token's alternatives open:
# stories260K rendered with DeepSeek-R1's template (its generation prompt opens <think>, so the
# whole answer is reasoning, in italics); xdotool sends a question, opens the answer's tokens,
# tints them by probability and opens a token's alternatives, then the screen is saved. How
# docs/screenshot-alternatives.png is made. Usage: scripts/gui-screenshot-alternatives.sh [OUT.png]
# (default: build/gui-screenshot-alternatives.png). Needs xvfb-run, xdotool, ImageMagick's import
# and sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/gui-session.sh
gui_setup gui-screenshot-alternatives build/gui-screenshot-alternatives.png "$@"
gui_setting defaults.max_tokens 40
gui_setting defaults.seed_mode fixed
gui_setting defaults.seed 7
gui_run "--model $SHARED/models/stories260K.gguf \
         --chat-template-file $SHARED/templates/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja" '
  xdotool type --delay 15 "Tell me a story about a dragon"; xdotool key Return; sleep 6
  # The answer'"'"'s "Show the tokens" button (α) sits in its actions row, under the answer.
  xdotool mousemove ${TOKENS_X:-437} ${TOKENS_Y:-201} click 1; sleep 1
  # "Tint by probability", at the right of the token view'"'"'s header.
  xdotool mousemove ${TINT_X:-834} ${TINT_Y:-199} click 1; sleep 1
  # A token (the second "the", with the seed fixed at 7): its alternatives open under it.
  xdotool mousemove ${TOKEN_X:-361} ${TOKEN_Y:-228} click 1; sleep 1
'
