"""The synchronized scrub view: an incident's cameras' recordings in a grid on one clock.

It opens at the reported time minus a margin. Every tile shows the frame its camera recorded at
the shared playhead, decoded frame-exactly by :class:`app.playback.reader.FrameReader` on worker
threads (one request per tile in flight, the newest wins), so the GUI thread never decodes. The
timeline shows each camera's recordings, gaps and damaged segments, the incident marker,
bookmarks and the in/out marks; dragging it scrubs all tiles together, hovering shows a
thumbnail (:mod:`.preview`). Marked footage goes into a case (legal hold) and from there to an
export, or to the officers (:mod:`.evidence`); the commands and their keys are :mod:`.controls`.
"""

from __future__ import annotations

import functools
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QInputDialog,
    QMainWindow,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.console.session import Session as ConsoleSession
from app.governance.purpose import Purpose
from app.models.rows import CameraRow
from app.playback.reader import FrameReader, FrameResult
from app.playback.timeline import CameraTimeline
from app.views.handoff_dialog import HandoffDialog
from app.views.plain import plain_label, plain_tooltip
from app.views.scrub.controls import SPEEDS, add_commands, button_row
from app.views.scrub.evidence import HandoffTarget, ScrubEvidence, ScrubScope
from app.views.scrub.loading import ScrubRecordings, grow, open_for_scrub
from app.views.scrub.marks import Bookmark, Marks
from app.views.scrub.preview import HoverPreview
from app.views.scrub.tile import FrameTile
from app.views.scrub.timeline import TimelineWidget
from app.views.shortcuts import ShortcutsDialog
from app.views.tasks import TaskRunner

log = logging.getLogger(__name__)


GROW_EVERY_MS = 10_000  # how often a view whose window reaches past now reads its recordings again


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
        self.session = session
        self.cameras = cameras[:16]
        self.reported_at = reported_at.astimezone(UTC)
        self.time_zone = time_zone
        self.refusals: dict[int, str | None] = {}
        self._loaded = False
        self.start = self.reported_at - span
        self.window_end = self.reported_at + span  # the view reaches this far once it is recorded
        self.end = max(min(datetime.now(UTC), self.window_end), self.start + timedelta(minutes=1))
        self.position = max(self.start, self.reported_at - margin)
        self.rate, self.playing, self.fps = 1.0, False, 15.0
        self.marks = Marks()
        self.readers: list[FrameReader | None] = [None] * len(self.cameras)
        self._inflight = [False] * len(self.cameras)
        self._pending = [False] * len(self.cameras)
        self._seek_started: float | None = None
        self._seek_target: datetime | None = None
        self.seek_latencies_ms: list[float] = []
        self.tasks = TaskRunner(self, workers=4)
        self.setWindowTitle(f"Recordings — {title}" if title else "Recordings")
        # What the access is for: by default the incident the view was opened from.
        scope = ScrubScope(session, recordings, self.cameras, purpose or Purpose.of_incident(case_number),
                           time_zone, incident_id, handoff)  # fmt: skip
        self.evidence = ScrubEvidence(self, self.tasks, scope, self.marks, self, case_number)
        self.preview = HoverPreview(self.tasks)
        self._build_view()
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._tick)
        self._last_tick = time.monotonic()
        self._show_clock()
        self.statusBar().showMessage("Loading the recordings index …")
        cameras_, start, end, why, until = self.cameras, self.start, self.end, scope.purpose, self.window_end
        self.recordings = recordings
        # The window reaches past now: its timeline grows as the cameras record (it was frozen
        # at the moment the view opened).
        self._grow = QTimer(self)
        self._grow.setInterval(GROW_EVERY_MS)
        self._grow.timeout.connect(self._grow_timeline)
        self.tasks.run(
            lambda: open_for_scrub(session, recordings, cameras_, start, end, why, until),
            self._on_loaded,
            lambda exc: self.statusBar().showMessage(f"Cannot read the recordings index: {exc}"),
        )

    def _build_view(self) -> None:
        """The clock line, the grid of tiles, the timeline, and the button row with the speed."""
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
        self.timeline.sig_hover.connect(self.preview.hover)
        self.timeline.sig_leave.connect(self.preview.leave)
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
        self.marks_label.setObjectName("scrub_marks")
        # Its text grows with every mark: it takes the room there is and never widens the window
        # (it did, a mark at a time); the whole of it is in its tooltip.
        self.marks_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.marks_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.actions_by_name = add_commands(self)
        controls, buttons = button_row(self, self.actions_by_name)
        self.play_button = buttons["play"]
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

    # -- loading ----------------------------------------------------------------------------
    def _on_loaded(self, loaded: ScrubRecordings) -> None:
        timelines, self.refusals = loaded.timelines, loaded.refusals
        self.readers = [
            None if self.refusals.get(c.id) else FrameReader(timelines[c.id]) for c in self.cameras
        ]
        self.preview.readers = {c.id: FrameReader(timelines[c.id]) for c in self.cameras}
        for tile in self.tiles:
            refusal = self.refusals.get(tile.camera.id)
            if refusal:
                tile.status = f"NOT SHOWN: {refusal}"
                tile.update()
        self._loaded = True
        self.timelines = timelines
        self.timeline.set_rows([(c.name, timelines[c.id]) for c in self.cameras])
        if self.end < self.window_end:
            self._grow.start()
        self.statusBar().showMessage(loaded.summary(self.cameras))
        self.seek(self.position)

    @property
    def loaded(self) -> bool:
        return self._loaded

    def _grow_timeline(self) -> None:
        """Read the recordings again up to now, within the window checked when the view opened."""
        new_end = min(datetime.now(UTC), self.window_end)
        if new_end - self.end < timedelta(seconds=2):
            return
        allowed = [c.id for c in self.cameras if not self.refusals.get(c.id)]
        session, recordings, start = self.session, self.recordings, self.start

        def grown(read: dict[int, CameraTimeline]) -> None:
            for camera_id, newer in read.items():
                self.timelines[camera_id].take(newer)
            self.end = new_end
            self.timeline.end = new_end
            self.timeline.update()
            if new_end >= self.window_end:
                self._grow.stop()

        self.tasks.run(lambda: grow(session, recordings, allowed, start, new_end), grown, lambda exc: None)

    # -- clock ------------------------------------------------------------------------------
    def cameras_shown(self) -> list[int]:
        """The cameras whose tile shows a recorded frame now (a hand-off's first choice)."""
        return [
            c.id for c, t in zip(self.cameras, self.tiles, strict=True) if t.frame_time and t.status == "ok"
        ]

    def seek(self, when: datetime) -> None:
        self.position = max(self.start, min(when, self.end))
        self.timeline.set_position(self.position)
        self._seek_started, self._seek_target = time.monotonic(), self.position
        self._show_clock()
        self._request_all()

    def seek_incident(self) -> None:
        self.seek(self.reported_at)

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
        summary = self.marks.summary()
        self.marks_label.setText(summary)
        self.marks_label.setToolTip(plain_tooltip(summary))

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

    # -- marks, bookmarks, cases ------------------------------------------------------------
    def set_mark_in(self) -> None:
        self.marks.set_in(self.position)
        self._show_marks()

    def set_mark_out(self) -> None:
        refusal = self.marks.set_out(self.position)
        if refusal:
            self.statusBar().showMessage(refusal, 5000)
        self._show_marks()

    def _show_marks(self) -> None:
        self.timeline.mark_in, self.timeline.mark_out = self.marks.mark_in, self.marks.mark_out
        self.timeline.bookmarks = [b.at for b in self.marks.bookmarks]
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
        if focus is not None:
            self.marks.bookmarks.append(Bookmark(focus.camera.id, at, note))
            self._show_marks()

    def go_to_bookmark(self, direction: int) -> None:
        """The playhead to the next (1) or previous (-1) bookmark; H then sends it to officers."""
        found = self.marks.next_bookmark(self.position, direction)
        if found is None:
            where = "after" if direction > 0 else "before"
            self.statusBar().showMessage(f"No bookmark {where} the playhead.", 5000)
            return
        self.seek(found.at)
        self.statusBar().showMessage(f"Bookmark: {found.note or '(no note)'}", 8000)

    def add_to_case(self, number: str | None = None, note: str = "") -> None:
        self.evidence.add_to_case(number, note)

    def send_to_officers(self) -> HandoffDialog | None:
        return self.evidence.send_to_officers()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(list(self.actions_by_name.values()), self).exec()

    def closeEvent(self, event: Any) -> None:
        self._timer.stop()
        self.tasks.wait(5000)
        self.preview.close()
        for reader in self.readers:
            if reader is not None:
                reader.close()
        super().closeEvent(event)
