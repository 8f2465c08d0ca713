"""A scrub view tile: one camera's recorded frame at the playhead, with its name above the
picture and any problem (no recording, altered, missing, not shown and why) spelled out."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget

from app.models.rows import CameraRow
from app.playback.reader import FrameResult

STATUS_TEXT = {
    "no recording": "No recording at this time",
    "altered": "ALTERED: this segment no longer matches the hash recorded when it closed. Not played.",
    "missing": "MISSING: this segment's file is gone (retention or removed). Not played.",
}


def qimage_from_rgb(image: np.ndarray) -> QImage:
    height, width = image.shape[:2]
    data = np.ascontiguousarray(image)
    return QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


NAME_BAR_H = 22


class FrameTile(QWidget):
    """One camera's recorded frame at the playhead, with its name and any problem spelled out."""

    def __init__(self, camera: CameraRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.camera = camera
        self.image: QImage | None = None
        self.status = "loading"
        self.frame_time: datetime | None = None
        self.setMinimumSize(240, 135)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def frame_size(self) -> tuple[int, int]:
        w, h = self.width(), self.height() - NAME_BAR_H
        w = min(w, int(h * 16 / 9))
        return max(64, w - w % 2), max(36, int(w * 9 / 16) - int(w * 9 / 16) % 2)

    def show_result(self, result: FrameResult) -> None:
        self.status = result.status
        self.frame_time = result.frame_time
        self.image = qimage_from_rgb(result.image) if result.image is not None else None
        self.update()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("black"))
        if self.image is not None:
            # Below the name bar, never under it: the bar covered the camera's own caption and
            # clock at the picture's top edge.
            area = self.rect().adjusted(0, NAME_BAR_H, 0, 0)
            scaled = self.image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = (area.width() - scaled.width()) // 2
            y = NAME_BAR_H + (area.height() - scaled.height()) // 2
            p.drawImage(QRectF(x, y, scaled.width(), scaled.height()), self.image)
        p.setPen(QColor("white"))
        name_bar = QRectF(6, 0, self.width() - 12, NAME_BAR_H)
        p.drawText(name_bar, Qt.AlignmentFlag.AlignVCenter, self.camera.name)
        if self.status != "ok":
            text = STATUS_TEXT.get(self.status, self.status)
            warn = self.status in ("altered", "missing") or self.status.startswith("NOT SHOWN")
            color = QColor("#ffb020") if warn else QColor("#c8c8c8")
            p.setPen(color)
            p.drawText(
                self.rect().adjusted(12, 24, -12, -4),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                text,
            )
        p.end()
