# Sourced by the gui-screenshot scripts: the real vkchat under Xvfb on a fresh history, driven by
# xdotool, the screen saved with ImageMagick's import. One place for the setup they share.
#
#   source scripts/gui-session.sh
#   gui_setup NAME build/NAME.png "$@"     # OUT (the picture), SHARED, DB (a new history)
#   gui_setting defaults.max_tokens 60     # a setting in that history
#   gui_run "--model $SHARED/models/stories260K.gguf" 'xdotool ...; sleep 1'
#
# gui_run starts vkchat with the given arguments (and --db), waits for it to load, runs the
# actions (a bash snippet; say TEXT types a message and sends it), saves the screen to OUT and
# quits. Needs xvfb-run, xdotool, import and sqlite3.

gui_setup() {
  GUI_NAME=$1
  OUT=$(realpath -m "${3:-$2}")
  SHARED=$(realpath "${VKCHAT_SHARED_DIR:-../shared}")
  for tool in xvfb-run xdotool import sqlite3; do
    command -v "$tool" >/dev/null || { echo "$GUI_NAME: $tool is missing" >&2; exit 1; }
  done
  GUI_DIR=$(mktemp -d)
  DB=$GUI_DIR/chats.sqlite
  trap 'rm -rf "$GUI_DIR"' EXIT
  # A first start creates the history, so that settings can be written into it.
  xvfb-run -a build/app/vkchat --db "$DB" --screenshot "$GUI_DIR/first.png" 2>/dev/null
}

gui_setting() {
  sqlite3 "$DB" "INSERT OR REPLACE INTO settings(key, value) VALUES ('$1', '$2')"
}

gui_run() {
  GUI_ARGS=$1 GUI_ACTIONS=$2 DB=$DB OUT=$OUT xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    eval "build/app/vkchat $GUI_ARGS --db \"\$DB\"" 2>/dev/null &
    app=$!
    sleep 6
    say() { xdotool type --delay 15 "$1"; xdotool key Return; sleep 5; }
    eval "$GUI_ACTIONS"
    import -window root "$OUT"
    kill $app
  '
  echo "$GUI_NAME: $OUT"
}
