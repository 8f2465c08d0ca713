"""Where the simulator serves each camera's streams: kept apart from the simulator itself, which
needs GStreamer, so that the console and the tests that only address the simulator do not."""

from __future__ import annotations


def mount_path(index: int, stream: str) -> str:
    return f"/cam{index:03d}/{stream}"
