#!/usr/bin/env bash
# Drives the real vkchat under Xvfb as a person would (xdotool types two chats on stories260K),
# then saves the screen: the end-to-end check by eye, and how docs/screenshot.png is made.
# Usage: scripts/gui-screenshot.sh [OUT.png] (default: build/gui-screenshot.png). Needs xvfb-run,
# xdotool, ImageMagick's import and sqlite3; the automated end-to-end test is ui_tests' EngineFlow.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/gui-session.sh
gui_setup gui-screenshot build/gui-screenshot.png "$@"
gui_setting defaults.max_tokens 90  # shorter answers make a tidier picture
gui_run "--model $SHARED/models/stories260K.gguf" '
  say "Tell me a story about a dragon"
  xdotool key ctrl+n; sleep 1
  say "Once upon a time, a little fox found a red ball"
  say "What did the fox do with the ball?"
'
