"""Where libVLC draws: a native window on X11 and Windows, or, where a native window cannot host
it (Wayland, Qt's offscreen platform, macOS under Qt 6), frames decoded into memory and painted
by Qt. The wall's tiles and the review window's clips both draw through these."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtWidgets import QWidget

from app.video.frame_sink import FrameSink

SOFTWARE_SIZE = (960, 540)  # a software surface's decode size; Qt scales it to the widget


def native_embedding_works() -> bool:
    """Native windows can host libVLC output on X11 and Windows; not on Wayland, offscreen or macOS."""
    platform = QGuiApplication.platformName()
    return platform in ("xcb", "windows") and sys.platform != "darwin"


class SoftwareSurface(QWidget):
    """Paints the frames libVLC decoded into memory (a software tile); ``refresh`` from a
    GUI-thread timer repaints when a new frame arrived."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.sink: FrameSink | None = None
        self._shown = -1
        self.painted = 0
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def refresh(self) -> None:
        if self.sink is not None and self.sink.frames != self._shown:
            self.update()

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        if self.sink is None or self.sink.frames == 0:
            return
        self._shown = self.sink.frames
        pixels = self.sink.copy()
        h, w = pixels.shape[:2]
        # From bytes, not the array's memoryview: with a memoryview-backed QImage (PySide 6.12,
        # Python 3.11) the interpreter aborted at exit ("deallocating None") after a few thousand
        # painted frames; with bytes it did not, in repeated runs.
        data = pixels.tobytes()
        image = QImage(data, w, h, w * 4, QImage.Format.Format_RGB32)
        target = QRect(0, 0, w, h)
        target.setSize(QSize(w, h).scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio))
        target.moveCenter(self.rect().center())
        painter.drawImage(target, image)
        self.painted += 1
