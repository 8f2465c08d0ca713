#!/usr/bin/env bash
# Build the self-contained Linux bundle: installer/dist/rtcc/ and installer/dist/rtcc-linux-x86_64.tar.gz.
# Needs the checkout's set-up (./run setup) and libVLC from Debian (libvlc5, vlc-plugin-base).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
.venv/bin/python -m pip install -q -e '.[installer]'
rm -rf installer/build installer/dist
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath installer/dist --workpath installer/build \
  installer/linux/rtcc.spec
bundle=installer/dist/rtcc
mkdir -p "$bundle/share/applications" "$bundle/share/systemd" "$bundle/docs"
sed 's|^Exec=rtcc|Exec=/opt/rtcc/rtcc|; s|^Icon=rtcc|Icon=/opt/rtcc/_internal/resources/icons/rtcc.svg|' \
  installer/linux/rtcc-console.desktop > "$bundle/share/applications/rtcc-console.desktop"
cp installer/linux/rtcc-media.service "$bundle/share/systemd/"
cp docs/*.md "$bundle/docs/"
tar -C installer/dist -czf installer/dist/rtcc-linux-x86_64.tar.gz rtcc
du -sh "$bundle" installer/dist/rtcc-linux-x86_64.tar.gz
