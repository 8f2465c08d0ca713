#!/usr/bin/env bash
# Start the built bundle under Xvfb against a scratch database, see its main window, quit it.
# Exit 0 when the window appeared and the program ended cleanly. Writes installer/dist/smoke.png.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
bundle=installer/dist/rtcc/rtcc
[ -x "$bundle" ] || { echo "smoke: build first (installer/build_linux.sh)" >&2; exit 2; }
scratch=$(mktemp -d)
display=:${SMOKE_DISPLAY:-91}
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$scratch"' EXIT
sleep 1
export DISPLAY=$display HOME=$scratch/home RTCC_DATA_DIR=$scratch/data RTCC_CONFIG_DIR=$scratch/config \
  RTCC_LOG_DIR=$scratch/log QTWEBENGINE_CHROMIUM_FLAGS=--disable-gpu
"$bundle" --version
"$bundle" --database "sqlite:///$scratch/scratch.sqlite" cameras list
"$bundle" --database "sqlite:///$scratch/scratch.sqlite" console >"$scratch/console.log" 2>&1 &
console=$!
window=""
for _ in $(seq 1 120); do
  window=$(xdotool search --name "RTCC Console" 2>/dev/null | head -1 || true)
  [ -n "$window" ] && break
  kill -0 $console 2>/dev/null || { cat "$scratch/console.log"; echo "smoke: the console exited" >&2; exit 1; }
  sleep 0.5
done
[ -n "$window" ] || { cat "$scratch/console.log"; echo "smoke: no main window in 60 s" >&2; exit 1; }
echo "smoke: main window $window is up: $(xdotool getwindowname "$window")"
sleep 3
if command -v ffmpeg >/dev/null; then
  ffmpeg -loglevel error -y -f x11grab -video_size 1600x1000 -i "$display" -frames:v 1 installer/dist/smoke.png
elif [ -x .venv/bin/python ]; then  # the checkout's PySide6 grabs the screen
  .venv/bin/python -c 'import sys; from PySide6.QtWidgets import QApplication as A; a = A(sys.argv)
a.primaryScreen().grabWindow(0).save("installer/dist/smoke.png")'
fi
# Quit as a person would: Ctrl+Q in the focused window (Xvfb has no window manager to activate it).
xdotool windowfocus --sync "$window"
xdotool key --clearmodifiers ctrl+q
for _ in $(seq 1 40); do kill -0 $console 2>/dev/null || break; sleep 0.5; done
if kill -0 $console 2>/dev/null; then echo "smoke: Ctrl+Q did not quit the console" >&2; kill -9 $console; exit 1; fi
if wait $console; then
  echo "smoke: quit cleanly (exit 0)"
else
  code=$?; cat "$scratch/console.log"; echo "smoke: the console exited with $code" >&2; exit 1
fi
