"""The preview under the pointer on the scrub view's timeline: a small frame of the camera at
the time the pointer rests on, or why there is none (no recording, an outage and its reason)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel

from app.playback.reader import FrameReader, FrameResult
from app.views.scrub.tile import STATUS_TEXT, qimage_from_rgb
from app.views.tasks import TaskRunner

PREVIEW_SIZE = (192, 108)


class HoverPreview:
    """One decode in flight at a time; the newest hover wins."""

    def __init__(self, tasks: TaskRunner) -> None:
        self.tasks = tasks
        self.label = QLabel(None, Qt.WindowType.ToolTip)  # a tool-tip window, above the others
        self.label.setObjectName("scrub_thumbnail")
        self.readers: dict[int, FrameReader] = {}  # by camera id, once the recordings are read
        self.busy = False
        self._hover: tuple[int, datetime, QPoint] | None = None  # where the pointer rests

    def hover(self, camera_id: int, when: datetime, where: QPoint) -> None:
        self._hover = (camera_id, when, where)
        if not self.busy:
            self._request()

    def leave(self) -> None:
        self._hover = None
        self.label.hide()

    def close(self) -> None:
        self.label.close()
        for reader in self.readers.values():
            reader.close()

    def _request(self) -> None:
        """Decode a preview for the newest hover. One that comes back after the pointer has moved
        on is not shown: on a busy machine a late preview appeared after the pointer had left and
        stayed on screen, above every window."""
        if self._hover is None:
            return
        hover = camera_id, when, where = self._hover
        reader = self.readers.get(camera_id)
        if reader is None:
            return
        self.busy = True

        def done(result: FrameResult) -> None:
            self.busy = False
            if self._hover != hover:
                self._request()  # the pointer moved on, or left, while this decoded
                return
            if result.image is None:
                text = f"{when:%H:%M:%S} — {STATUS_TEXT.get(result.status, result.status)}"
                outage = reader.timeline.outage_at(when)
                if outage is not None:
                    until = f"{outage.end_at:%H:%M:%S}" if outage.end_at else "still down"
                    text += f"\n{outage.reason} ({outage.start_at:%H:%M:%S}–{until} UTC)"
                self.label.setText(text)
            else:
                self.label.setPixmap(QPixmap.fromImage(qimage_from_rgb(result.image)))
            self.label.adjustSize()
            self.label.move(where + QPoint(12, -self.label.height() - 12))
            self.label.show()

        def failed(_exc: BaseException) -> None:
            self.busy = False

        self.tasks.run(lambda: reader.frame_at(when, PREVIEW_SIZE, keyframes_only=True), done, failed)
