"""The synchronized scrub view: an incident's cameras' recordings in a grid on one clock.

It opens at the reported time minus a margin. Every tile shows the frame its camera recorded at
the shared playhead, decoded frame-exactly by :class:`app.playback.reader.FrameReader` on worker
threads (one request per tile in flight, the newest wins), so the GUI thread never decodes. The
timeline shows each camera's recordings, gaps and damaged segments, the incident marker,
bookmarks and the in/out marks; dragging it scrubs all tiles together, hovering shows a
thumbnail. Marked footage goes into a case (legal hold) and from there to an export.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QRectF, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.console import use_cases
from app.console.session import Session as ConsoleSession
from app.evidence.handoff import HandoffRequest, HandoffResult
from app.governance.purpose import Purpose
from app.models.rows import CameraRow
from app.playback.reader import FrameReader, FrameResult
from app.playback.timeline import CameraTimeline, load_timelines, recording_extent
from app.views.handoff_dialog import HandoffDialog
from app.views.plain import plain_label, show_message
from app.views.scrub.timeline import TimelineWidget
from app.views.shortcuts import ShortcutsDialog
from app.views.tasks import TaskRunner

log = logging.getLogger(__name__)

CASE_TITLE = "Put footage into a case"
SPEEDS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
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


@dataclass
class Bookmark:
    camera_id: int
    at: datetime
    note: str


@dataclass(frozen=True)
class HandoffTarget:
    """Where the scrub view's hand-offs go: the folder the mobile data system watches, and the
    address of the media service that serves a camera's hand-off links."""

    folder: Path
    link_base: Callable[[int], str]


class ScrubWindow(QMainWindow):
    def __init__(
        self,
        session: ConsoleSession,
        recordings: Path,
        cameras: list[CameraRow],
        reported_at: datetime,
        *,
        title: str = "",
        time_zone: str = "UTC",
        margin: timedelta = timedelta(seconds=30),
        span: timedelta = timedelta(minutes=10),
        case_number: str = "",
        purpose: Purpose | None = None,
        parent: QWidget | None = None,
        incident_id: int | None = None,
        handoff: HandoffTarget | None = None,
    ) -> None:
        super().__init__(parent)
        self.incident_id = incident_id
        self.handoff = handoff  # where hand-offs go and how their links start (None: not offered)
        self.session = session
        self.sessions = sessions = session.sessions
        self.recordings = recordings
        self.cameras = cameras[:16]
        self.reported_at = reported_at.astimezone(UTC)
        self.time_zone = time_zone
        self.case_number = case_number
        # What the access is for: by default the incident the view was opened from.
        self.purpose = purpose or Purpose.of_incident(case_number)
        self.refusals: dict[int, str | None] = {}
        self._loaded = False
        now = datetime.now(UTC)
        self.start = self.reported_at - span
        self.end = min(now, self.reported_at + span)
        if self.end <= self.start:
            self.end = self.start + timedelta(minutes=1)
        self.position = max(self.start, self.reported_at - margin)
        self.rate = 1.0
        self.playing = False
        self.fps = 15.0
        self.mark_in: datetime | None = None
        self.mark_out: datetime | None = None
        self.bookmarks: list[Bookmark] = []
        self.readers: list[FrameReader | None] = [None] * len(self.cameras)
        self.thumb_readers: dict[int, FrameReader] = {}
        self._inflight = [False] * len(self.cameras)
        self._pending = [False] * len(self.cameras)
        self._thumb_busy = False
        self._hover: tuple[int, datetime, QPoint] | None = None  # where the pointer rests on the timeline
        self._seek_started: float | None = None
        self._seek_target: datetime | None = None
        self.seek_latencies_ms: list[float] = []
        self.tasks = TaskRunner(self, workers=4)
        self.setWindowTitle(f"Recordings — {title}" if title else "Recordings")

        self.tiles = [FrameTile(c, self) for c in self.cameras]
        grid = QGridLayout()
        grid.setSpacing(3)
        columns = next(n for n in range(1, 5) if n * n >= max(1, len(self.tiles)))
        for i, tile in enumerate(self.tiles):
            grid.addWidget(tile, i // columns, i % columns)
        self.timeline = TimelineWidget(self.start, self.end, self)
        self.timeline.incident_at = self.reported_at
        self.timeline.set_rows([(c.name, None) for c in self.cameras])
        self.timeline.sig_seek.connect(self.seek)
        self.timeline.sig_hover.connect(self._on_hover)
        self.thumbnail = QLabel(None, Qt.WindowType.ToolTip)
        self.timeline.sig_leave.connect(self._on_leave)
        self.thumbnail.setObjectName("scrub_thumbnail")
        self.clock = plain_label(parent=self)
        self.clock.setObjectName("scrub_clock")
        font = self.clock.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.clock.setFont(font)
        self.speed_box = QComboBox(self)
        self.speed_box.addItems([f"{s:g}x" for s in SPEEDS])
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.currentIndexChanged.connect(lambda i: self.set_speed(SPEEDS[i]))
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.marks_label = plain_label(parent=self)

        self.actions_by_name: dict[str, QAction] = {}
        menu = self.menuBar().addMenu("&Playback")
        for name, text, keys, slot in (
            ("play", "Play / pause", "Space", self.toggle_play),
            ("reverse", "Play backwards", "R", self.toggle_reverse),
            ("slower", "Slower", "[", lambda: self.step_speed(-1)),
            ("faster", "Faster", "]", lambda: self.step_speed(1)),
            ("frame_next", "Next frame", ".", lambda: self.step_frame(1)),
            ("frame_prev", "Previous frame", ",", lambda: self.step_frame(-1)),
            ("back10", "Back 10 s", "Left", lambda: self.jump(-10)),
            ("fwd10", "Forward 10 s", "Right", lambda: self.jump(10)),
            ("back60", "Back 1 min", "Shift+Left", lambda: self.jump(-60)),
            ("fwd60", "Forward 1 min", "Shift+Right", lambda: self.jump(60)),
            ("incident", "Jump to the incident time", "Home", lambda: self.seek(self.reported_at)),
            ("mark_in", "Mark in", "I", self.set_mark_in),
            ("mark_out", "Mark out", "O", self.set_mark_out),
            ("bookmark", "Bookmark with a note…", "B", self.add_bookmark),
            ("bookmark_next", "Next bookmark", "N", lambda: self.go_to_bookmark(1)),
            ("bookmark_prev", "Previous bookmark", "Shift+N", lambda: self.go_to_bookmark(-1)),
            ("to_case", "Put marked footage into a case…", "Ctrl+K", self.add_to_case),
            ("to_officers", "Send to officers…", "H", self.send_to_officers),
            ("help", "Keyboard shortcuts", "F1", self.show_shortcuts),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            # ``triggered`` passes ``checked``; the handlers take optional arguments of their own
            # (a case number, a note), so the flag must not reach them.
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            menu.addAction(action)
            self.addAction(action)
            self.actions_by_name[name] = action

        controls = QHBoxLayout()
        for label, name in (
            ("◀◀ 1 min", "back60"),
            ("◀ 10 s", "back10"),
            ("◀ frame", "frame_prev"),
            ("Play", "play"),
            ("frame ▶", "frame_next"),
            ("10 s ▶", "fwd10"),
            ("1 min ▶▶", "fwd60"),
            ("Incident", "incident"),
            ("In", "mark_in"),
            ("Out", "mark_out"),
            ("Bookmark", "bookmark"),
            ("To case…", "to_case"),
            ("To officers…", "to_officers"),
        ):
            button = QPushButton(label, self)
            button.setObjectName(f"scrub_{name}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(
                self.actions_by_name[name].text() + f" ({self.actions_by_name[name].shortcut().toString()})"
            )
            button.clicked.connect(self.actions_by_name[name].trigger)
            controls.addWidget(button)
            if name == "play":
                self.play_button = button
        controls.addWidget(self.speed_box)
        controls.addStretch(1)
        controls.addWidget(self.marks_label)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.clock)
        layout.addLayout(grid, 1)
        layout.addWidget(self.timeline)
        layout.addLayout(controls)
        self.setCentralWidget(central)
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._tick)
        self._last_tick = time.monotonic()
        self._show_clock()
        self.statusBar().showMessage("Loading the recordings index …")
        cameras_, start, end, purpose_ = self.cameras, self.start, self.end, self.purpose

        def load() -> tuple[dict[int, CameraTimeline], dict[int, str | None]]:
            # The core checks the owners' terms and the purpose, and audits the playback.
            refusals = use_cases.open_recordings(sessions, session.actor, cameras_, start, end, purpose_)
            allowed = [c.id for c in cameras_ if refusals[c.id] is None]
            timelines = load_timelines(sessions, recordings, allowed, start, end)
            for camera in cameras_:
                timelines.setdefault(camera.id, CameraTimeline(camera.id))
            return timelines, refusals

        self.tasks.run(
            load,
            self._on_timelines,
            lambda exc: self.statusBar().showMessage(f"Cannot read the recordings index: {exc}"),
        )

    # -- loading ----------------------------------------------------------------------------
    def _on_timelines(self, loaded: tuple[dict[int, CameraTimeline], dict[int, str | None]]) -> None:
        timelines, self.refusals = loaded
        self.readers = [
            None if self.refusals.get(c.id) else FrameReader(timelines[c.id]) for c in self.cameras
        ]
        self.thumb_readers = {c.id: FrameReader(timelines[c.id]) for c in self.cameras}
        for tile in self.tiles:
            refusal = self.refusals.get(tile.camera.id)
            if refusal:
                tile.status = f"NOT SHOWN: {refusal}"
                tile.update()
        self._loaded = True
        self.timeline.set_rows([(c.name, timelines[c.id]) for c in self.cameras])
        recorded = sum(1 for t in timelines.values() if t.segments)
        gaps = sum(len(t.gaps) for t in timelines.values())
        message = (
            f"{recorded} of {len(self.cameras)} camera(s) have recordings in this window; {gaps} gap(s)."
        )
        if not recorded:
            message = self._nothing_recorded_message()
        refused = sum(1 for r in self.refusals.values() if r)
        if refused:
            message += f" {refused} camera(s) not shown: the owner's terms or the purpose (see the tiles)."
        self.statusBar().showMessage(message)
        self.seek(self.position)

    def _nothing_recorded_message(self) -> str:
        extent = recording_extent(self.sessions, [c.id for c in self.cameras])
        if extent is None:
            return "None of these cameras has any recording kept (not recorded, or deleted by retention)."
        first, last = extent
        if self.end < first:
            return (
                f"No recordings this early: these cameras' kept recordings start at {first:%Y-%m-%d %H:%M} "
                "UTC (older footage was deleted by retention or never recorded)."
            )
        return (
            f"No recordings of these cameras between {self.start:%H:%M} and {self.end:%H:%M} UTC; kept "
            f"recordings run from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC."
        )

    @property
    def loaded(self) -> bool:
        return self._loaded

    # -- clock ------------------------------------------------------------------------------
    def seek(self, when: datetime) -> None:
        self.position = max(self.start, min(when, self.end))
        self.timeline.set_position(self.position)
        self._seek_started, self._seek_target = time.monotonic(), self.position
        self._show_clock()
        self._request_all()

    def jump(self, seconds: float) -> None:
        self.seek(self.position + timedelta(seconds=seconds))

    def toggle_play(self) -> None:
        self.playing = not self.playing
        self.play_button.setText("Pause" if self.playing else "Play")
        self._last_tick = time.monotonic()
        (self._timer.start if self.playing else self._timer.stop)()
        self._show_clock()  # the clock line says "paused" or the speed at once, not on the next tick

    def toggle_reverse(self) -> None:
        self.rate = -self.rate
        if not self.playing:
            self.toggle_play()
        self._show_clock()

    def set_speed(self, speed: float) -> None:
        self.rate = speed if self.rate >= 0 else -speed
        self._show_clock()

    def step_speed(self, direction: int) -> None:
        index = min(len(SPEEDS) - 1, max(0, self.speed_box.currentIndex() + direction))
        self.speed_box.setCurrentIndex(index)

    def step_frame(self, direction: int) -> None:
        """Show the lead tile's next (or previous) recorded frame, and put the playhead on its time.

        The step is by decoded frames, not by an assumed frame rate: a camera's real spacing
        varies, and a step of 1/fps could land on the same frame again."""
        if self.playing:
            self.toggle_play()
        lead = next(
            (i for i, t in enumerate(self.tiles) if self.readers[i] is not None and t.frame_time), None
        )
        if lead is None:
            self.seek(self.position + timedelta(seconds=direction / self.fps))
            return
        reader, shown = self.readers[lead], self.tiles[lead].frame_time
        assert reader is not None and shown is not None

        def found(when: datetime | None) -> None:
            if when is None:
                self.statusBar().showMessage("No recorded frame that way.", 4000)
            else:
                self.seek(when)

        self.tasks.run(lambda: reader.adjacent_frame_time(shown, direction), found,
                       lambda exc: self.statusBar().showMessage(f"Cannot step: {exc}", 6000))  # fmt: skip

    def _tick(self) -> None:
        now = time.monotonic()
        elapsed, self._last_tick = now - self._last_tick, now
        self.position += timedelta(seconds=elapsed * self.rate)
        if not self.start <= self.position <= self.end:
            self.position = max(self.start, min(self.position, self.end))
            self.toggle_play()
        self.timeline.set_position(self.position)
        self._show_clock()
        self._request_all()

    def _show_clock(self) -> None:
        from zoneinfo import ZoneInfo

        local = self.position.astimezone(ZoneInfo(self.time_zone))
        offset = (self.position - self.reported_at).total_seconds()
        direction = "▶" if self.rate > 0 else "◀"
        state = f"{direction} {abs(self.rate):g}x" if self.playing else "paused"
        self.clock.setText(
            f"{self.position:%Y-%m-%d %H:%M:%S.%f}"[:-3]
            + f" UTC   ·   {local:%H:%M:%S} {self.time_zone}   ·   "
            f"incident {offset:+.1f} s   ·   {state}"
        )
        marks = []
        if self.mark_in is not None:
            marks.append(f"in {self.mark_in:%H:%M:%S}")
        if self.mark_out is not None:
            marks.append(f"out {self.mark_out:%H:%M:%S}")
        marks.append(f"{len(self.bookmarks)} bookmark(s)")
        self.marks_label.setText(" · ".join(marks))

    # -- frames -----------------------------------------------------------------------------
    def _request_all(self) -> None:
        for i in range(len(self.tiles)):
            self._request(i)

    def _request(self, i: int) -> None:
        reader = self.readers[i]
        if reader is None:
            return
        if self._inflight[i]:
            self._pending[i] = True
            return
        self._inflight[i] = True
        when, size = self.position, self.tiles[i].frame_size()
        keyframes = self.playing and abs(self.rate) > 4
        self.tasks.run(
            lambda: reader.frame_at(when, size, keyframes),
            functools.partial(self._on_frame, i),
            functools.partial(self._on_frame_error, i),
        )

    def _on_frame(self, i: int, result: FrameResult) -> None:
        self._inflight[i] = False
        self.tiles[i].show_result(result)
        if self._seek_target is not None and self._seek_started is not None:
            done = [t.frame_time is not None or t.status != "ok" for t in self.tiles]
            if result.requested == self._seek_target and all(done) and not any(self._pending):
                self.seek_latencies_ms.append((time.monotonic() - self._seek_started) * 1000)
                self._seek_target = None
        if self._pending[i]:
            self._pending[i] = False
            self._request(i)

    def _on_frame_error(self, i: int, exc: BaseException) -> None:
        self._inflight[i] = False
        log.warning("scrub: camera %s: %s", self.cameras[i].name, exc)
        self.tiles[i].status = f"cannot decode: {exc}"
        self.tiles[i].update()

    def _on_hover(self, camera_id: int, when: datetime, where: QPoint) -> None:
        self._hover = (camera_id, when, where)
        if not self._thumb_busy:
            self._request_thumbnail()

    def _on_leave(self) -> None:
        self._hover = None
        self.thumbnail.hide()

    def _request_thumbnail(self) -> None:
        """Decode a preview for the newest hover. One that comes back after the pointer has moved
        on is not shown: on a busy machine a late preview appeared after the pointer had left and
        stayed on screen, above every window (it is a tool-tip window)."""
        if self._hover is None:
            return
        hover = camera_id, when, where = self._hover
        reader = self.thumb_readers.get(camera_id)
        if reader is None:
            return
        self._thumb_busy = True

        def done(result: FrameResult) -> None:
            self._thumb_busy = False
            if self._hover != hover:
                self._request_thumbnail()  # the pointer moved on, or left, while this decoded
                return
            if result.image is None:
                text = f"{when:%H:%M:%S} — {STATUS_TEXT.get(result.status, result.status)}"
                outage = reader.timeline.outage_at(when)
                if outage is not None:
                    until = f"{outage.end_at:%H:%M:%S}" if outage.end_at else "still down"
                    text += f"\n{outage.reason} ({outage.start_at:%H:%M:%S}–{until} UTC)"
                self.thumbnail.setText(text)
            else:
                self.thumbnail.setPixmap(QPixmap.fromImage(qimage_from_rgb(result.image)))
            self.thumbnail.adjustSize()
            self.thumbnail.move(where + QPoint(12, -self.thumbnail.height() - 12))
            self.thumbnail.show()

        def failed(_exc: BaseException) -> None:
            self._thumb_busy = False

        self.tasks.run(lambda: reader.frame_at(when, (192, 108), keyframes_only=True), done, failed)

    # -- marks, bookmarks, cases ------------------------------------------------------------
    def set_mark_in(self) -> None:
        self.mark_in = self.position
        if self.mark_out is not None and self.mark_out <= self.mark_in:
            self.mark_out = None
        self._show_marks()

    def set_mark_out(self) -> None:
        if self.mark_in is not None and self.position <= self.mark_in:
            self.statusBar().showMessage("The out mark must come after the in mark.", 5000)
            return
        self.mark_out = self.position
        self._show_marks()

    def _show_marks(self) -> None:
        self.timeline.mark_in, self.timeline.mark_out = self.mark_in, self.mark_out
        self.timeline.update()
        self._show_clock()

    def add_bookmark(self, note: str | None = None) -> None:
        at = self.position
        if note is None:
            text, ok = QInputDialog.getText(self, "Bookmark", f"Note for {at:%H:%M:%S.%f}"[:-3] + " UTC:")
            if not ok:
                return
            note = text
        focus = next((t for t in self.tiles if t.underMouse()), self.tiles[0] if self.tiles else None)
        if focus is None:
            return
        self.bookmarks.append(Bookmark(focus.camera.id, at, note))
        self.timeline.bookmarks = [b.at for b in self.bookmarks]
        self.timeline.update()
        self._show_clock()

    def go_to_bookmark(self, direction: int) -> None:
        """The playhead to the next (1) or previous (-1) bookmark; H then sends it to officers."""
        ahead = sorted(
            (b for b in self.bookmarks if (b.at - self.position).total_seconds() * direction > 0.001),
            key=lambda b: (b.at - self.position).total_seconds() * direction,
        )
        if not ahead:
            where = "after" if direction > 0 else "before"
            self.statusBar().showMessage(f"No bookmark {where} the playhead.", 5000)
            return
        self.seek(ahead[0].at)
        self.statusBar().showMessage(f"Bookmark: {ahead[0].note or '(no note)'}", 8000)

    def _bookmark_here(self) -> Bookmark | None:
        return next((b for b in self.bookmarks if abs((b.at - self.position).total_seconds()) < 0.001), None)

    def add_to_case(self, number: str | None = None, note: str = "") -> None:
        """Put the marked window of every tile's camera (and the bookmarks) into a case, on a worker:
        the result comes back in the status bar, and any camera left out is named."""
        if self.mark_in is None or self.mark_out is None:
            show_message(self, CASE_TITLE, "Mark in (I) and out (O) first.")
            return
        if number is None:
            text, ok = QInputDialog.getText(
                self,
                CASE_TITLE,
                "Case number (an existing one, or a new one to open):",
                text=self.case_number,
            )
            if not ok:
                return
            number = text
        marks = [(m.camera_id, m.at, m.note) for m in self.bookmarks]
        start, end, cameras = self.mark_in, self.mark_out, list(self.cameras)
        session, purpose = self.session, self.purpose
        self.statusBar().showMessage(f"Putting the marked footage into case {number.strip()} …")

        def work() -> use_cases.CaseFiling:
            return use_cases.file_marks_in_case(session.sessions, session.actor, number, cameras, start, end,
                                                marks, note, purpose)  # fmt: skip

        def failed(exc: BaseException) -> None:
            self.statusBar().clearMessage()
            show_message(self, CASE_TITLE, f"Nothing was put into case {number.strip()}: {exc}", warning=True)

        self.tasks.run(work, self._filed_in_case, failed)

    def _filed_in_case(self, filed: use_cases.CaseFiling) -> None:
        self.case_number = filed.number
        summary = (
            f"{filed.windows} camera window(s) and {filed.bookmarks} bookmark(s) put into case {filed.number}"
        )
        if filed.problems:
            show_message(
                self, CASE_TITLE, summary + "; not added:\n" + "\n".join(filed.problems), warning=True
            )
        self.statusBar().showMessage(summary + "; the footage is on legal hold.", 10_000)

    def send_to_officers(self) -> HandoffDialog | None:
        """A still or a clip around the playhead for the responding officers (H)."""
        if self.incident_id is None or self.handoff is None:
            self.statusBar().showMessage(
                "Sending to officers needs an incident: open the view from one.", 8000
            )
            return None
        target, session, at = self.handoff, self.session, self.position
        dialog = HandoffDialog(self.cameras, at, self.case_number, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        bookmark = self._bookmark_here()
        if bookmark is not None:  # sent from a bookmark: its camera and its note
            dialog.camera.setCurrentIndex(max(0, dialog.camera.findData(bookmark.camera_id)))
            dialog.note.setText(bookmark.note)
        incident_id = self.incident_id

        def send() -> None:
            camera_id, kind, note = dialog.choice()
            request = HandoffRequest(incident_id, camera_id, at, kind, note=note)
            dialog.busy()
            recordings, zone = self.recordings, self.time_zone

            def make() -> HandoffResult:
                return use_cases.hand_off(
                    session.sessions, session.actor, recordings, target.folder, request, zone
                )

            def made(result: HandoffResult) -> None:
                dialog.sent(result, f"{target.link_base(camera_id)}/h/{result.token}")

            self.tasks.run(make, made, lambda exc: dialog.failed(str(exc)))

        dialog.send_button.clicked.connect(send)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> None:
        ShortcutsDialog(list(self.actions_by_name.values()), self).exec()

    def closeEvent(self, event: Any) -> None:
        self._timer.stop()
        self.thumbnail.close()
        self.tasks.wait(5000)
        for reader in [*self.readers, *self.thumb_readers.values()]:
            if reader is not None:
                reader.close()
        super().closeEvent(event)
