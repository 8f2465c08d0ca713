"""The offline review window: verdict first, then footage in lock-step, summary and custody.

Opened by ``rtcc review PACKAGE`` on a machine with no network and no registry database. The
package is verified on a worker thread before anything is shown; the verdict stays on top in
colour. The summary is rendered by us from the verified manifest (escaped, no script), never the
package's own ``report.html``. The footage tab plays every window's working copy on one clock
through the wall's player driver (libVLC; frames painted by Qt where no native window can host
it): seeking or stepping moves all of them together.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWebEngineCore import QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.evidence.report import render_report
from app.evidence.review import ReviewClip, ReviewPackage, open_for_review, record_review
from app.governance.identity import current_user
from app.video.vlc_player import Player, VlcEngine
from app.views.plain import plain_label, show_message
from app.views.scrub.controls import SPEEDS
from app.views.tasks import TaskRunner
from app.views.video_surface import SOFTWARE_SIZE, SoftwareSurface, native_embedding_works

log = logging.getLogger(__name__)

# How long a clip may take to open before a seek is tried anyway (a loaded machine takes seconds).
SETTLE_S = 60.0
REDRAW_WAITS = 100  # a resized paused tile waits up to 15 s for its pause to land
# A paused picture is drawn again this long after it was first drawn: on a busy machine libVLC
# can take in a new window size after it drew the paused frame, which then stays at the old size.
REDRAW_AGAIN_MS = (1000, 3000)

BANNER_STYLE = {
    "valid": "background:#1d6b34; color:white;",
    "tampered": "background:#a11d1d; color:white;",
    "incomplete": "background:#8a5a00; color:white;",
    "contradicted": "background:#8a5a00; color:white;",
    "checking": "background:#3a3f47; color:white;",
}


class _ClipTile(QWidget):
    """One working copy on the review's clock, through the same player driver and surfaces as the
    wall's tiles: a native window on X11 and Windows, frames painted by Qt elsewhere."""

    def __init__(self, clip: ReviewClip, engine: VlcEngine | None, parent: QWidget | None = None,
                 mode: str = "auto") -> None:  # fmt: skip
        super().__init__(parent)
        self.clip = clip
        self.mode = ("native" if native_embedding_works() else "software") if mode == "auto" else mode
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.caption = plain_label(clip.camera, self)
        self.player: Player | None = None
        self.surface: QWidget
        if self.mode == "software":
            soft = SoftwareSurface(self)
            self.surface = soft
            if engine is not None:
                self.player = Player(engine, SOFTWARE_SIZE)
                soft.sink = self.player.sink
                self._paint_timer = QTimer(self)
                self._paint_timer.setInterval(33)
                self._paint_timer.timeout.connect(soft.refresh)
                self._paint_timer.start()
        else:
            self.surface = QWidget(self)
            self.surface.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
            self.surface.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
            self.surface.setStyleSheet("background:black;")
            if engine is not None:
                self.player = Player(engine)
                self.player.set_window(int(self.surface.winId()))
        self._target: tuple[int, bool] | None = None  # (offset ms, playing) not yet applied
        self._settling = False
        self._playing = False  # what the newest applied target asked for
        # The offset of the newest applied target, what a redraw draws again (None after a frame
        # step, which moves the picture without a target: then the player's own time).
        self._shown_ms: int | None = 0
        self._redraw_waits = 0
        self._redraw_pass = 0  # how many of REDRAW_AGAIN_MS are done
        # libVLC's X11 output does not redraw a paused picture at a new size: a tile resized
        # while paused (the window still laying out on a busy machine) showed the old picture's
        # rows sheared across the new size. The same frame is asked for again once resizing stops.
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(150)
        self._redraw.timeout.connect(self._redraw_paused)
        self.surface.setMinimumSize(320, 180)
        layout.addWidget(self.surface, 1)
        layout.addWidget(self.caption)
        if self.player is not None:
            self.player.open_file(clip.path)

    @property
    def duration_ms(self) -> int:
        return int((self.clip.end - self.clip.start).total_seconds() * 1000)

    def show_time(self, when: datetime, playing: bool) -> None:
        if self.player is None:
            return
        offset = int((when - self.clip.start).total_seconds() * 1000)
        inside = 0 <= offset <= self.duration_ms
        self.caption.setText(f"{self.clip.camera}" + ("" if inside else "  (no footage at this time)"))
        offset = max(0, min(offset, self.duration_ms - 1))
        self._target = (offset, playing)
        if self.player.needs_start():
            # A clip that played to its end must be started again before it can seek.
            self.player.start()
        self._settle(time.monotonic() + SETTLE_S)

    def _settle(self, deadline: float) -> None:
        """Apply the newest target once the input runs: libVLC ignores seeks and pauses while it
        opens, which on a busy machine can take seconds (a fixed number of tries left clips
        playing to their end and black). A newer target replaces an older one still waiting."""
        if self.player is None or self._target is None:
            return
        # Buffering after a seek (the input ran already: it has a time) honours a pause or a
        # play; waiting for it to end left a paused clip 'buffering' and Play did nothing.
        state = self.player.state()
        opening = state == "opening" or (state == "buffering" and self.player.time_ms() < 0)
        waiting = self.player.needs_start() or opening
        if waiting and time.monotonic() < deadline:
            if not self._settling:
                self._settling = True
                QTimer.singleShot(100, self, lambda: self._retry(deadline))
            return
        offset, playing = self._target
        self._target = None
        self._playing = playing
        self._shown_ms = offset
        self.player.seek_ms(offset)
        self.player.set_paused(not playing)
        if not playing and self.mode == "native":
            self._schedule_redraw(0)

    def _schedule_redraw(self, done: int) -> None:
        """Draw the paused picture again later (``done`` of the later redraws are over)."""
        if done >= len(REDRAW_AGAIN_MS):
            return
        self._redraw_pass = done
        self._redraw_waits = 0
        self._redraw.setInterval(REDRAW_AGAIN_MS[done])
        self._redraw.start()

    def _retry(self, deadline: float) -> None:
        self._settling = False
        self._settle(deadline)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.player is not None and self.mode == "native":
            # Once resizing stops, and again later (see REDRAW_AGAIN_MS).
            self._redraw_waits = 0
            self._redraw_pass = -1
            self._redraw.setInterval(150)
            self._redraw.start()

    def _redraw_paused(self) -> None:
        if self.player is None or self._target is not None or self._playing:
            return  # playing pictures redraw themselves; a pending target draws when applied
        if self.player.state() != "paused":
            # libVLC pauses asynchronously: on a busy machine the pause asked for just before the
            # resize had not landed yet, and the picture stayed drawn at the old size.
            self._redraw_waits += 1
            pending = self.player.state() in ("playing", "opening", "buffering")
            if pending and self._redraw_waits < REDRAW_WAITS:
                self._redraw.start(150)
            return
        # The applied offset, not the player's time: a paused player's time can sit a frame
        # away from the frame it shows, and a redraw must not move the picture.
        at = self._shown_ms if self._shown_ms is not None else self.player.time_ms()
        if at >= 0:
            self.player.seek_ms(at)
        self._schedule_redraw(self._redraw_pass + 1)

    def next_frame(self) -> None:
        """One frame on; the later redraws of the frame it leaves are called off."""
        if self.player is None:
            return
        self._redraw.stop()
        self._shown_ms = None
        self.player.next_frame()

    def release(self) -> None:
        if self.player is not None:
            self.player.release()
            self.player = None


class FootageView(QWidget):
    """Working copies in a grid on one clock, with the scrub controls of the console.

    Signals: ``sig_message(text)``, what happened (a still saved, or why not), for the status bar."""

    sig_message = Signal(str)

    def __init__(self, review: ReviewPackage, engine: VlcEngine | None, parent: QWidget | None = None,
                 mode: str = "auto") -> None:  # fmt: skip
        super().__init__(parent)
        self.review = review
        span = review.timeline
        self.start, self.end = span if span else (datetime.now(), datetime.now())
        grid = QGridLayout()
        self.tiles = [_ClipTile(c, engine, self, mode) for c in review.clips]
        columns = max(1, int(len(self.tiles) ** 0.5 + 0.999))
        for i, tile in enumerate(self.tiles):
            grid.addWidget(tile, i // columns, i % columns)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, max(1, int((self.end - self.start).total_seconds() * 1000)))
        self.slider.sliderMoved.connect(self._on_scrub)
        self.clock = plain_label(parent=self)
        self.play_button = QPushButton("Play", self)
        self.play_button.clicked.connect(self.toggle_play)
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed = QComboBox(self)
        self.speed.addItems([f"{s:g}x" for s in SPEEDS])
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(self._on_speed)
        controls = QHBoxLayout()
        for name, text, slot in (
            ("back60", "−1 min", lambda: self.jump(-60)), ("back10", "−10 s", lambda: self.jump(-10)),
            ("frame_prev", "◂ Frame", self.step_back), ("frame_next", "Frame ▸", self.step),
            ("fwd10", "+10 s", lambda: self.jump(10)), ("fwd60", "+1 min", lambda: self.jump(60)),
            ("still", "Save still", self.save_stills),
        ):  # fmt: skip
            button = QPushButton(text, self)
            button.setObjectName(f"review_{name}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and arrows belong to the shortcuts
            button.clicked.connect(slot)
            controls.addWidget(button)
        controls.insertWidget(0, self.play_button)
        controls.addWidget(self.speed)
        controls.addWidget(self.clock, 1)
        layout = QVBoxLayout(self)
        if not self.tiles:
            layout.addWidget(QLabel("This package has no working copies to play.", self))
        layout.addLayout(grid, 1)
        layout.addWidget(self.slider)
        layout.addLayout(controls)
        self.playing = False
        self.position = self.start
        # The shortcuts below need the keyboard inside this view; its buttons take no focus.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.tasks = TaskRunner(self, workers=1)
        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._tick)
        for key, slot in (("Space", self.toggle_play), ("Left", lambda: self.jump(-10)),
                          ("Right", lambda: self.jump(10)), ("Shift+Left", lambda: self.jump(-60)),
                          ("Shift+Right", lambda: self.jump(60)), (".", self.step), (",", self.step_back),
                          ("Ctrl+S", self.save_stills)):  # fmt: skip
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._show_clock()

    def start_playback(self) -> None:
        """Load every clip and hold it paused at the start of the timeline."""
        for tile in self.tiles:
            if tile.player is not None:
                tile.player.start()
        self.seek(self.start, playing=False)

    def toggle_play(self) -> None:
        self.seek(self.position, playing=not self.playing)

    def seek(self, when: datetime, playing: bool | None = None) -> None:
        """Move every tile to ``when``; ``playing`` also starts or pauses them together."""
        if playing is not None:
            self.playing = playing
            self.play_button.setText("Pause" if playing else "Play")
            (self._timer.start if playing else self._timer.stop)()
        self.position = max(self.start, min(when, self.end))
        for tile in self.tiles:
            tile.show_time(self.position, self.playing)
        self.slider.setValue(int((self.position - self.start).total_seconds() * 1000))
        self._show_clock()

    def jump(self, seconds: float) -> None:
        self.seek(self.position + timedelta(seconds=seconds))

    def step(self) -> None:
        if self.playing:
            self.seek(self.position, playing=False)
        for tile in self.tiles:
            tile.next_frame()
        self.position = min(self.end, self.position + self.frame_interval())
        self._show_clock()

    def frame_interval(self) -> timedelta:
        rates = [t.player.fps() for t in self.tiles if t.player is not None]
        fps = next((r for r in rates if r > 0), 15.0)
        return timedelta(seconds=1 / fps)

    def step_back(self) -> None:
        """One frame back (libVLC has no previous-frame: the players are set to the earlier time)."""
        self.seek(self.position - self.frame_interval(), playing=False)

    def save_stills(self) -> None:
        """A PNG of the frame on screen from every clip that covers the playhead, beside the
        package with its sidecar; the package itself is not touched. Decoding and hashing run off
        the GUI thread (a working copy can be hundreds of megabytes)."""
        from app.evidence.review import save_still, stills_folder

        if self.playing:
            self.seek(self.position, playing=False)
        at, review, user = self.position, self.review, current_user()
        clips = [t.clip for t in self.tiles if t.clip.start <= at <= t.clip.end]
        if not clips:
            self.sig_message.emit("No clip has footage at this time: no still saved.")
            return

        def work() -> tuple[int, list[str]]:
            written, problems = 0, []
            for clip in clips:
                try:
                    save_still(review, clip, at, user)
                    written += 1
                except (OSError, ValueError) as exc:
                    problems.append(f"{clip.camera}: {exc}")
            return written, problems

        def done(result: tuple[int, list[str]]) -> None:
            written, problems = result
            text = f"{written} still(s) saved in {stills_folder(review.source)}, each with its source's hash"
            self.sig_message.emit(text + (f"; not saved: {'; '.join(problems)}" if problems else "."))

        self.sig_message.emit("Saving the still(s) …")
        self.tasks.run(work, done, lambda exc: self.sig_message.emit(f"No still saved: {exc}"))

    def _on_scrub(self, value: int) -> None:
        self.seek(self.start + timedelta(milliseconds=value))

    def _on_speed(self, index: int) -> None:
        for tile in self.tiles:
            if tile.player is not None:
                tile.player.set_rate(SPEEDS[index])

    def _tick(self) -> None:
        # The first clip that covers the playhead is the clock; the others are pulled to it when
        # they drift more than a quarter of a second.
        for tile in self.tiles:
            if tile.player is not None and tile.clip.start <= self.position <= tile.clip.end:
                ms = tile.player.time_ms()
                if ms >= 0:
                    self.position = tile.clip.start + timedelta(milliseconds=ms)
                break
        for tile in self.tiles:
            if tile.player is None or not tile.clip.start <= self.position <= tile.clip.end:
                continue
            expected = (self.position - tile.clip.start).total_seconds() * 1000
            if abs(tile.player.time_ms() - expected) > 250:
                tile.player.seek_ms(int(expected))
        self.slider.setValue(int((self.position - self.start).total_seconds() * 1000))
        self._show_clock()

    def _show_clock(self) -> None:
        self.clock.setText(f"  {self.position:%Y-%m-%d %H:%M:%S.%f}"[:-3] + " UTC")

    def release(self) -> None:
        self._timer.stop()
        self.tasks.wait(10_000)  # a still being written finishes before the package goes
        for tile in self.tiles:
            tile.release()


class ReviewWindow(QMainWindow):
    def __init__(self, package: Path, engine: VlcEngine | None = None, parent: QWidget | None = None,
                 mode: str = "auto") -> None:  # fmt: skip
        """``mode``: where the clips draw, "native", "software" or "auto" (native where it works)."""
        super().__init__(parent)
        self.package = package
        self.engine = engine
        self.mode = mode
        self.review: ReviewPackage | None = None
        self.footage: FootageView | None = None
        self.setWindowTitle(f"Case package review — {package.name} (read-only)")
        self.banner = plain_label(f"Verifying {package.name} …", self)
        self.banner.setObjectName("verdict")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._set_banner("checking", f"Verifying {package.name}: checking every hash, the custody chain and "
                                     "the signature …")  # fmt: skip
        self.tabs = QTabWidget(self)
        self.review_button = QPushButton("Record review in sidecar…", self)
        self.review_button.setEnabled(False)
        self.review_button.clicked.connect(self._record_review)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.review_button)
        layout.addLayout(bottom)
        self.setCentralWidget(central)
        self.tasks = TaskRunner(self, workers=1)
        self.tasks.run(lambda: open_for_review(package), self._on_loaded, self._on_failed)

    def _set_banner(self, status: str, text: str) -> None:
        self.banner.setStyleSheet(
            f"QLabel#verdict {{ {BANNER_STYLE[status]} font-size: 15pt; padding: 10px; }}"
        )
        self.banner.setText(text)

    def _on_failed(self, exc: BaseException) -> None:
        self._set_banner("incomplete", f"INCOMPLETE: the package could not be read: {exc}")

    def _on_loaded(self, review: ReviewPackage) -> None:
        self.review = review
        self._set_banner(review.verdict.status, review.verdict.summary())
        manifest = review.manifest
        if not manifest:
            return
        self.footage = FootageView(review, self.engine, self, self.mode)
        self.footage.sig_message.connect(lambda text: self.statusBar().showMessage(text, 15_000))
        self.footage.setFocus()
        self.tabs.addTab(self.footage, "Footage")
        self.tabs.addTab(self._summary(review), "Summary and map")
        self.tabs.addTab(self._custody_table(review), "Chain of custody")
        self.review_button.setEnabled(True)
        if self.engine is not None:
            self.footage.start_playback()

    def _summary(self, review: ReviewPackage) -> QWidget:
        view = QWebEngineView(self)
        settings = view.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
        html = render_report(review.manifest, review.custody)
        view.setHtml(html, QUrl.fromLocalFile(str(review.root) + "/"))
        return view

    def _custody_table(self, review: ReviewPackage) -> QWidget:
        columns = ("at", "file", "action", "user", "workstation", "reason", "hash")
        table = QTableWidget(len(review.custody), len(columns), self)
        table.setHorizontalHeaderLabels(
            ["Time (UTC)", "File", "Action", "User", "Workstation", "Reason", "Hash"]
        )
        for row, event in enumerate(review.custody):
            for col, key in enumerate(columns):
                table.setItem(row, col, QTableWidgetItem(str(event.get(key, ""))))
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.resizeColumnsToContents()
        return table

    def _record_review(self) -> None:
        if self.review is None:
            return
        name, ok = QInputDialog.getText(self, "Record review", "Reviewer (your name):", text=current_user())
        if not ok:
            return
        note, ok = QInputDialog.getText(self, "Record review", "Note (why, on whose request):")
        if not ok:
            return
        try:
            path = record_review(self.review, name, note)
        except (OSError, ValueError) as exc:
            show_message(self, "Record review", f"The review was not recorded: {exc}", warning=True)
            return
        show_message(self, "Record review", f"Review recorded beside the package in {path.name}; "
                                          "the package itself is unchanged.")  # fmt: skip

    def closeEvent(self, event: Any) -> None:
        if self.footage is not None:
            self.footage.release()
        if self.review is not None:
            self.review.close()
        super().closeEvent(event)
