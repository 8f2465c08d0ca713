"""The scrub view's timeline: one row per camera with its recordings, gaps and damaged
segments, the incident marker, bookmarks, the in/out marks and the shared playhead. Footage
placed by arrival because the camera's clock was not trusted carries an amber band, and its
camera's row says "times by arrival".

Pressing or dragging anywhere moves the playhead (``sig_seek``); hovering over a camera's row
asks for a thumbnail of that camera at that time (``sig_hover``), which the window shows under
the cursor.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from app.playback.timeline import ALTERED, MISSING, CameraTimeline

ROW_H = 22
LABEL_W = 170
AXIS_H = 20

COLORS = {
    "recorded": QColor("#2f8f4e"),
    "by_arrival": QColor("#ff8c1a"),  # the camera's clock was not trusted: times by arrival
    "gap": QColor("#5a2020"),
    "altered": QColor("#e08a00"),
    "missing": QColor("#8a3030"),
    "incident": QColor("#ff4040"),
    "bookmark": QColor("#f2d000"),
    "marks": QColor(60, 130, 240, 70),
    "playhead": QColor("#ffffff"),
}


BY_ARRIVAL = "times by arrival"


def row_label(name: str, timeline: CameraTimeline | None, start: datetime, end: datetime) -> str:
    """A camera's row name, saying so when some of its footage in view was placed by arrival."""
    shown = [s for s in (timeline.segments if timeline else []) if s.end > start and s.start < end]
    return f"{name} · {BY_ARRIVAL}" if any(s.placed_by_arrival for s in shown) else name


class TimelineWidget(QWidget):
    sig_seek = Signal(object)  # datetime
    sig_hover = Signal(int, object, QPoint)  # camera id, datetime, global position
    sig_leave = Signal()

    def __init__(self, start: datetime, end: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start, self.end = start, end
        self.rows: list[tuple[str, CameraTimeline | None]] = []
        self.position = start
        self.incident_at: datetime | None = None
        self.bookmarks: list[datetime] = []
        self.mark_in: datetime | None = None
        self.mark_out: datetime | None = None
        self.setMouseTracking(True)
        self.setMinimumHeight(AXIS_H + ROW_H * 2)

    def set_rows(self, rows: list[tuple[str, CameraTimeline | None]]) -> None:
        self.rows = rows
        self.setMinimumHeight(AXIS_H + ROW_H * max(2, len(rows)) + 4)
        self.update()

    def set_position(self, when: datetime) -> None:
        self.position = when
        self.update()

    # -- geometry ---------------------------------------------------------------------------
    def x_of(self, when: datetime) -> float:
        """The pixel column of ``when`` (the inverse of ``time_at``)."""
        span = (self.end - self.start).total_seconds() or 1.0
        return LABEL_W + (self.width() - LABEL_W - 6) * (when - self.start).total_seconds() / span

    def time_at(self, x: float) -> datetime:
        span = (self.end - self.start).total_seconds()
        frac = (x - LABEL_W) / max(1.0, self.width() - LABEL_W - 6)
        return self.start + timedelta(seconds=span * min(1.0, max(0.0, frac)))

    def row_at(self, y: float) -> int | None:
        row = int((y - AXIS_H) // ROW_H)
        return row if 0 <= row < len(self.rows) else None

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().base())
        text = self.palette().text().color()
        p.setPen(text)
        span = (self.end - self.start).total_seconds()
        step = next((s for s in (10, 30, 60, 120, 300, 600, 1800, 3600) if span / s <= 12), 7200)
        tick = self.start.replace(second=0, microsecond=0)
        while tick <= self.end:
            if tick >= self.start:
                x = self.x_of(tick)
                p.drawLine(int(x), AXIS_H - 5, int(x), AXIS_H)
                p.drawText(int(x) + 2, AXIS_H - 6, f"{tick:%H:%M:%S}")
            tick += timedelta(seconds=step)
        if self.mark_in is not None:
            x0 = self.x_of(self.mark_in)
            x1 = self.x_of(self.mark_out) if self.mark_out is not None else x0 + 2
            p.fillRect(QRectF(x0, AXIS_H, max(2.0, x1 - x0), ROW_H * len(self.rows)), COLORS["marks"])
        for i, (name, timeline) in enumerate(self.rows):
            y = AXIS_H + i * ROW_H
            p.setPen(text)
            label = row_label(name, timeline, self.start, self.end)
            p.setPen(COLORS["by_arrival"] if label != name else text)
            p.drawText(QRectF(4, y, LABEL_W - 8, ROW_H), Qt.AlignmentFlag.AlignVCenter, label)
            if timeline is None:
                continue
            for seg in timeline.segments:
                color = {ALTERED: COLORS["altered"], MISSING: COLORS["missing"]}.get(
                    seg.integrity, COLORS["recorded"]
                )
                x0, x1 = self.x_of(max(seg.start, self.start)), self.x_of(min(seg.end, self.end))
                if x1 > x0:
                    p.fillRect(QRectF(x0, y + 4, max(1.0, x1 - x0), ROW_H - 8), color)
                    if seg.placed_by_arrival:  # a band across the top: its times are arrival's
                        p.fillRect(QRectF(x0, y + 4, max(1.0, x1 - x0), 4), COLORS["by_arrival"])
            for a, b in timeline.gaps:
                x0, x1 = self.x_of(max(a, self.start)), self.x_of(min(b, self.end))
                if x1 > x0:
                    p.fillRect(QRectF(x0, y + 9, x1 - x0, ROW_H - 18), COLORS["gap"])
            for outage in timeline.outages:  # what the media service recorded as down, with why
                x0 = self.x_of(max(outage.start_at, self.start))
                x1 = self.x_of(min(outage.end_at or self.end, self.end))
                if x1 > x0:
                    p.fillRect(QRectF(x0, y + 7, x1 - x0, ROW_H - 14), COLORS["gap"])
        bottom = AXIS_H + ROW_H * len(self.rows)
        for when in self.bookmarks:
            x = self.x_of(when)
            p.setPen(QPen(COLORS["bookmark"], 2))
            p.drawLine(int(x), AXIS_H, int(x), bottom)
        if self.incident_at is not None and self.start <= self.incident_at <= self.end:
            x = self.x_of(self.incident_at)
            p.setPen(QPen(COLORS["incident"], 2, Qt.PenStyle.DashLine))
            p.drawLine(int(x), 0, int(x), bottom)
        x = self.x_of(self.position)
        p.setPen(QPen(COLORS["playhead"], 2))
        p.drawLine(int(x), 0, int(x), bottom)
        p.end()

    # -- mouse ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.sig_seek.emit(self.time_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x, y = event.position().x(), event.position().y()
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.sig_seek.emit(self.time_at(x))
        row = self.row_at(y)
        if row is not None and x > LABEL_W and self.rows[row][1] is not None:
            timeline = self.rows[row][1]
            assert timeline is not None
            self.sig_hover.emit(timeline.camera_id, self.time_at(x), event.globalPosition().toPoint())
        else:
            self.sig_leave.emit()

    def leaveEvent(self, _event: object) -> None:
        self.sig_leave.emit()
