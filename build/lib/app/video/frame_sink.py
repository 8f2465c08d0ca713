"""libVLC frame callbacks into a memory buffer, for tiles that cannot embed a native window.

Where native embedding cannot work (Wayland, Qt's offscreen platform, macOS under Qt 6) libVLC
decodes into this buffer and Qt paints it. The callbacks run on libVLC's threads; they touch
only this buffer, a lock and a counter (never Qt), and the tile repaints from a GUI-thread
timer when the counter moves.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

import numpy as np
import vlc


class FrameSink:
    def __init__(self, player: vlc.MediaPlayer, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.buffer = np.zeros((height, width, 4), np.uint8)  # BGRA ("RV32")
        self.lock = threading.Lock()
        self.frames = 0
        # Keep the ctypes callbacks referenced: libVLC holds only their addresses.
        self._callbacks = (
            vlc.CallbackDecorators.VideoLockCb(self._on_lock),
            vlc.CallbackDecorators.VideoUnlockCb(self._on_unlock),
            vlc.CallbackDecorators.VideoDisplayCb(self._on_display),
        )
        # A non-NULL opaque pointer and an integer picture id keep None out of the per-frame
        # ctypes traffic (see the note on QImage in app/views/wall/tile.py).
        self._opaque = ctypes.c_int(0)
        player.video_set_callbacks(
            *self._callbacks, ctypes.cast(ctypes.pointer(self._opaque), ctypes.c_void_p)
        )
        player.video_set_format("RV32", width, height, width * 4)

    def _on_lock(self, _opaque: Any, planes: Any) -> int:
        self.lock.acquire()
        address = self.buffer.ctypes.data
        planes[0] = ctypes.c_void_p(address)
        return int(address)  # the picture id libVLC hands back to unlock and display

    def _on_unlock(self, _opaque: Any, _picture: Any, _planes: Any) -> None:
        self.lock.release()

    def _on_display(self, _opaque: Any, _picture: Any) -> None:
        self.frames += 1

    def copy(self) -> np.ndarray:
        with self.lock:
            return self.buffer.copy()
