"""The URL to pull a camera stream from, with its credentials put back at the last moment."""

from __future__ import annotations

import glob
import sys

from app.models.rows import CameraRow
from app.registry import credentials


def camera_source(camera: CameraRow, stream: str) -> str:
    """The camera's own URL for ``stream`` (sub falls back to main), credentials injected from
    the keyring. Raises :class:`~app.registry.credentials.KeyringUnavailable`."""
    use_sub = stream == "sub" and bool(camera.sub_url)
    url = camera.sub_url if use_sub else camera.main_url
    if camera.has_credentials:
        url = credentials.inject(url, camera.uid, "sub" if use_sub else "main")
    return url


def libvlc_opens_rtsp() -> bool:
    """Whether this machine's libVLC has its RTSP module (live555). Debian's does not; the
    official Windows and macOS builds do."""
    if sys.platform in ("win32", "darwin"):
        return True
    patterns = (
        "/usr/lib/*/vlc/plugins/*/liblive555_plugin.so",
        "/usr/lib/vlc/plugins/*/liblive555_plugin.so",
        "/usr/local/lib/vlc/plugins/*/liblive555_plugin.so",
    )
    return any(glob.glob(p) for p in patterns)
