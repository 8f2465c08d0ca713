"""One wall tile: a header with the camera and its state, over two native video surfaces.

Two surfaces let a tile switch streams (sub-stream in the grid, main stream when maximised)
without a black gap: the new stream starts on the hidden surface and is raised only once it has
shown its first picture. The tile polls libVLC's state and statistics on the GUI thread and runs
the state machine: connecting → live → stalled → reconnecting (with backoff) → live.

"Live" is a claim about the glass: it holds only while new pictures reach the screen. A second and a
half without one, the tile says "stalled, last picture N s ago" over a dimmed copy of that picture; a
stalled tile comes back to "live" only when pictures arrive on two polls in a row, because a stalled
stream can still flush a few old frames from a buffer (measured: three frames five seconds into a
freeze), and those must neither count as live nor postpone the reconnect.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QPoint, QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDrag,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QMouseEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import QFrame, QMenu, QSizePolicy, QStackedLayout, QVBoxLayout, QWidget

from app.governance.gate import why_not_live
from app.models.rows import CameraRow
from app.registry.credentials import KeyringUnavailable
from app.video.sources import camera_source
from app.video.vlc_player import Player, PlayerStats, VlcEngine
from app.views.camera_list import CAMERA_MIME
from app.views.plain import plain_label, plain_tooltip
from app.views.tasks import TaskRunner
from app.views.video_surface import SOFTWARE_SIZE, SoftwareSurface, native_embedding_works
from app.views.wall.delay import Delay, camera_clock_delay_ms, estimated_delay_ms

log = logging.getLogger(__name__)

TILE_MIME = "application/x-rtcc-tile-index"
MAP_DRAG_PREFIX = "rtcc-camera"
# No new picture for this long: the tile says "stalled". Measured: frames in flight still arrive
# for 0.6 s after a camera freezes, and libVLC's counter moves about every 0.27 s; with 2 s and a
# 400 ms poll the tile said so 2.9-3.3 s after the freeze, too late for an operator (target 3 s).
STALL_SHOW_S = 1.5
STALL_S = 4.0  # stalled for this long in all: reconnect
DELAY_EVERY_S = 2.0  # how often a tile showing its statistics reads its delay (a screen grab)
# A first picture may take longer than a stall: the media service opens the camera on demand
# (RTSP set-up, then a keyframe). Giving up at 4 s restarted every tile of a busy demo once.
CONNECT_S = 10.0
# Retries of a tile whose stream ended: a camera that comes back is on the wall again within a
# retry and a connection (the soak measured 12-15 s with retries up to 15 s apart; the target is
# 10 s). Each retry asks the local media service, which answers at once for a camera still down.
BACKOFF_S = (1.0, 2.0, 4.0)
# libVLC 3 holds on to a little of every stream it plays (about 1.5 kB/s per player, measured
# with bare players; freed when the input closes: docs/notes.md). A tile live this long hands
# over to a fresh connection on its spare player, which takes over at its first picture: no gap
# on screen, and what libVLC holds for one input stays bounded over a shift. The media service
# records the hand-over as one view ending and the next starting, as it happened.
RENEW_AFTER_S = 30 * 60.0


class TileState(StrEnum):
    EMPTY = "empty"
    CONNECTING = "connecting"
    LIVE = "live"
    STALLED = "stalled"
    RECONNECTING = "reconnecting"
    REVOKED = "access revoked"


# The same states on a light background: darker, so the green "live" stays readable.
LIGHT_STATE_COLOURS = {
    TileState.EMPTY: "#5b606a",
    TileState.CONNECTING: "#7a5f00",
    TileState.LIVE: "#17701a",
    TileState.STALLED: "#a84600",
    TileState.RECONNECTING: "#a84600",
    TileState.REVOKED: "#b02a2a",
}

# States in which the tile has a stream open and watches it.
PLAYING_STATES = (TileState.LIVE, TileState.STALLED, TileState.CONNECTING, TileState.RECONNECTING)

STATE_COLOURS = {
    TileState.EMPTY: "#6b707a",
    TileState.CONNECTING: "#e0c15d",
    TileState.LIVE: "#7ed957",
    TileState.STALLED: "#ff8c1a",
    TileState.RECONNECTING: "#ff8c1a",
    TileState.REVOKED: "#e05d5d",
}


class _Surface(QWidget):
    """A native child window that libVLC draws into."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#000000"))
        self.setPalette(palette)


class _StalledView(QWidget):
    """The last picture a stalled tile showed, dimmed, with how old it is written across it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("tile_stalled_view")
        self.picture: QImage | None = None
        self.text = ""
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        if self.picture is not None and not self.picture.isNull():
            target = QRect(
                QPoint(0, 0), self.picture.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            )
            target.moveCenter(self.rect().center())
            painter.drawImage(target, self.picture)
            painter.fillRect(self.rect(), QColor(0, 0, 0, 150))  # dimmed: not a live picture
        font = painter.font()
        font.setPointSizeF(max(10.0, min(22.0, self.height() / 14)))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(STATE_COLOURS[TileState.STALLED]))
        painter.drawText(self.rect().adjusted(8, 8, -8, -8),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.text)  # fmt: skip


def map_camera_id(mime: QMimeData) -> int | None:
    """The camera dragged out of the map page: QtWebEngine hands over an HTML5 drag as plain
    text (custom MIME types stay inside Chromium), so the page writes ``rtcc-camera:<id>``."""
    text = mime.text().strip() if mime.hasText() else ""
    prefix, _, number = text.partition(":")
    return int(number) if prefix == MAP_DRAG_PREFIX and number.isdigit() and len(number) < 10 else None


# A camera's stream address: None while the console asks for leave to watch it (the tile looks
# again on its next poll); a refusal is raised as a ValueError carrying the reason.
UrlFor = Callable[[CameraRow, str], "str | None"]


class VideoTile(QFrame):
    """Signals: ``sig_clicked(tile)``, ``sig_double_clicked(tile)``, ``sig_camera_dropped(tile, id)``,
    ``sig_tile_dropped(target tile, source index)``, ``sig_state_changed(tile, state)``."""

    sig_clicked = Signal(object)
    sig_double_clicked = Signal(object)
    sig_camera_dropped = Signal(object, int)
    sig_tile_dropped = Signal(object, int)
    sig_state_changed = Signal(object, str)

    def __init__(self, index: int, engine: VlcEngine, url_for: UrlFor,
                 parent: QWidget | None = None, mode: str = "auto") -> None:  # fmt: skip
        super().__init__(parent)
        if mode == "auto":
            mode = "native" if native_embedding_works() else "software"
        self.mode = mode
        self.index = index
        self.engine = engine
        self.url_for = url_for
        self.camera: CameraRow | None = None
        self.direct = False  # play from the camera itself instead of the media service
        self.stream = "sub"
        self.state = TileState.EMPTY
        self.reason = ""
        # Why the recorder does not trust this camera's clock ("" while it does): set from the
        # media service's status; its times, live and recorded, are then placed by arrival.
        self.clock_fault = ""
        # How late the camera's pictures reach the media service, by its trusted clock (None: not
        # trusted or not recorded); with this player's buffering, the age of the picture shown.
        self.camera_delay_s: float | None = None
        # Set by the wall when the signed-in role may not view live video at all.
        self.role_refusal = ""
        self.show_stats = False
        self.attempt = 0
        self.selected = False
        self._retry_at = 0.0
        self._last_displayed = 0
        self._last_progress = 0.0
        self._streak = 0  # consecutive polls that saw new pictures
        self._stalled_since = 0.0
        self._awaiting_url = False  # no address yet: the console is asking for a grant
        self._pending: int | None = None  # surface index starting a new stream
        self._pending_url = ""
        self._pending_since = 0.0
        self._playing_since = 0.0  # when the active player's connection opened
        self._fps = 0.0
        self._fps_mark = (time.monotonic(), 0)
        self.delay: Delay | None = None
        self._delay_at = 0.0
        self._probing = False
        # The refusal probe runs on a task runner: its answer comes back on the GUI thread.
        self._tasks: TaskRunner | None = None
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.Box)
        self.setLineWidth(2)
        self.setObjectName(f"tile_{index}")

        self.header = plain_label(parent=self)
        self.header.setObjectName("tile_header")
        # A long state (a refusal's reason) must not widen its grid column; the tooltip has it all.
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.header.setWordWrap(True)  # statistics wrap onto a second line in a narrow tile
        self.header.setStyleSheet("padding: 2px 6px; font-weight: bold;")
        self.surfaces: list[QWidget]
        self.active = 0
        if mode == "software":
            soft = [SoftwareSurface(self), SoftwareSurface(self)]
            self.players = [Player(engine, SOFTWARE_SIZE), Player(engine, SOFTWARE_SIZE)]
            for player, soft_surface in zip(self.players, soft, strict=True):
                soft_surface.sink = player.sink
            self.surfaces = list(soft)
            self._paint_timer = QTimer(self)
            self._paint_timer.setInterval(20)
            self._paint_timer.timeout.connect(lambda: soft[self.active].refresh())
            self._paint_timer.start()
        else:
            self.surfaces = [_Surface(self), _Surface(self)]
            self.players = [Player(engine), Player(engine)]
            for player, native in zip(self.players, self.surfaces, strict=True):
                player.set_window(int(native.winId()))
        holder = QWidget(self)
        self.stack = QStackedLayout(holder)
        for surface in self.surfaces:
            self.stack.addWidget(surface)
        self.stalled_view = _StalledView(self)
        self.stack.addWidget(self.stalled_view)
        # "Drop a camera here" on an empty tile; on a refused one, why, readable across the room.
        self.placeholder_text = plain_label("Drop a camera here", self.surfaces[0])
        self.placeholder_text.setObjectName("tile_message")
        self.placeholder_text.setStyleSheet("color: #6b707a;")
        self.placeholder_text.setWordWrap(True)
        self.placeholder_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        QVBoxLayout(self.surfaces[0]).addWidget(self.placeholder_text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(holder, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self.poll)
        self._render_header()

    # -- assignment -------------------------------------------------------------------------
    def set_clock(self, fault: str, delay_s: float | None) -> None:
        """The recorder's word on this camera's clock: why it is not trusted ("" when it is, or is
        still being watched), and the delay it measured against it while trusted."""
        self.camera_delay_s = delay_s
        if fault != self.clock_fault:
            self.clock_fault = fault
            self._render_header()

    def assign(self, camera: CameraRow | None, stream: str = "sub") -> None:
        self._stop_all()
        if camera is None or self.camera is None or camera.id != self.camera.id:
            self.clock_fault, self.camera_delay_s = "", None
        self.camera = camera
        self.stream = stream
        self.attempt = 0
        self.placeholder_text.setVisible(camera is None)
        if camera is None:
            self._set_state(TileState.EMPTY)
            self.timer.stop()
            return
        refusal = self.role_refusal or why_not_live(camera)
        if refusal:
            self.reason = refusal
            self._set_state(TileState.REVOKED)
            self.timer.stop()
            return
        self._start(self.active)
        self.timer.start()

    def set_stream(self, stream: str) -> None:
        """Switch between sub and main: the new stream takes over once it shows a picture."""
        if self.camera is None or stream == self.stream or self.state == TileState.REVOKED:
            self.stream = stream
            return
        self.stream = stream
        if self.state != TileState.LIVE:
            self._stop_all()
            self._start(self.active)
            return
        try:
            url = self._url(stream)
        except ValueError as exc:
            self._refuse(str(exc))
            return
        if url is None:
            self._stop_all()
            self._start(self.active)
            return
        self._hand_over(url)

    def _hand_over(self, url: str) -> None:
        """Open ``url`` on the spare player; it takes the screen at its first picture."""
        target = 1 - self.active
        self._pending = target
        self._pending_url = url
        self._pending_since = time.monotonic()
        self.players[target].play(url)

    def _renew(self) -> None:
        """The same stream on a fresh connection (see RENEW_AFTER_S)."""
        self._playing_since = time.monotonic()  # once per period, even if this one fails
        try:
            url = self._url(self.stream)
            if url is None:  # a fresh grant is on its way: try again in a second
                self._playing_since = time.monotonic() - RENEW_AFTER_S + 1.0
                return
            self._hand_over(url)
        except (KeyringUnavailable, ValueError) as exc:
            self._pending = None
            log.info("tile %d: stream not renewed: %s", self.index + 1, exc)

    def current_url(self) -> str:
        return self.players[self.active].url

    def _url(self, stream: str) -> str | None:
        assert self.camera is not None
        return camera_source(self.camera, stream) if self.direct else self.url_for(self.camera, stream)

    def set_direct(self, direct: bool) -> None:
        """Open the camera's RTSP stream directly (where libVLC can), or go back to the relay."""
        self.direct = direct
        if self.camera is not None:
            self.assign(self.camera, self.stream)

    def _start(self, surface: int) -> None:
        assert self.camera is not None
        try:
            url = self._url(self.stream)
        except KeyringUnavailable as exc:
            self.reason = str(exc)
            self._set_state(TileState.REVOKED)
            return
        except ValueError as exc:  # the live-view use case said no
            self._refuse(str(exc))
            return
        self._awaiting_url = url is None
        if url is None:
            self._set_state(TileState.CONNECTING if self.attempt == 0 else TileState.RECONNECTING)
            return
        self.stack.setCurrentIndex(surface)
        self.active = surface
        self._last_displayed = 0
        self._last_progress = self._playing_since = time.monotonic()
        try:
            self.players[surface].play(url)
        except ValueError as exc:
            self.reason = str(exc)
            self._set_state(TileState.REVOKED)
            return
        self._set_state(TileState.CONNECTING if self.attempt == 0 else TileState.RECONNECTING)

    def _stop_all(self) -> None:
        for player in self.players:
            player.stop()
        self._pending = None
        self._awaiting_url = False

    def _refuse(self, reason: str) -> None:
        """Show why this camera may not be watched, and stop trying."""
        self._stop_all()
        self.timer.stop()
        self.reason = reason
        self._set_state(TileState.REVOKED)

    def release(self) -> None:
        self.timer.stop()
        for player in self.players:
            player.release()

    # -- state machine --------------------------------------------------------------------
    def stats(self) -> PlayerStats:
        return self.players[self.active].stats()

    def poll(self) -> None:
        if self._awaiting_url:
            self._start(self.active)
            return
        now = time.monotonic()
        if self._pending is not None:
            new = self.players[self._pending].stats()
            if new.displayed > 0:
                old = self.active
                self.stack.setCurrentIndex(self._pending)
                self.active = self._pending
                self._pending = None
                self.players[old].stop()
                self._last_displayed = new.displayed
                self._last_progress = self._playing_since = now
            elif now - self._pending_since > CONNECT_S:
                # The new connection showed nothing: keep the stream on screen as it is.
                self.players[self._pending].stop()
                self._pending = None
        stats = self.players[self.active].stats()
        player_state = self.players[self.active].state()
        if stats.displayed > self._last_displayed:
            self._last_displayed = stats.displayed
            self._last_progress = now
            self._streak += 1
            if self.state in (TileState.CONNECTING, TileState.RECONNECTING) or (
                self.state == TileState.STALLED and self._streak >= 2
            ):
                self.attempt = 0
                self._set_state(TileState.LIVE)
        else:
            self._streak = 0
        mark_t, mark_n = self._fps_mark
        if now - mark_t >= 2.0:
            self._fps = (stats.displayed - mark_n) / (now - mark_t)
            self._fps_mark = (now, stats.displayed)
        if self.state == TileState.LIVE and now - self._last_progress > STALL_SHOW_S:
            self._stalled_since = self._last_progress
            self._show_stalled(now)
        elif self.state == TileState.STALLED:
            self._show_stalled(now)
        renew_due = now - self._playing_since > RENEW_AFTER_S
        if self.state == TileState.LIVE and self._pending is None and renew_due:
            self._renew()
        if self.state in (TileState.LIVE, TileState.STALLED):
            stalled = self.state == TileState.STALLED and now - self._stalled_since > STALL_S
        else:
            stalled = now - self._last_progress > CONNECT_S
        ended = player_state in ("ended", "error", "stopped")
        if self.state in (
            TileState.LIVE,
            TileState.STALLED,
            TileState.CONNECTING,
            TileState.RECONNECTING,
        ) and (stalled or ended):
            if self._retry_at == 0.0:
                if ended:
                    self._probe_refusal(self.players[self.active].url)
                delay = BACKOFF_S[min(self.attempt, len(BACKOFF_S) - 1)]
                self._retry_at = now + delay
                self.attempt += 1
                self.players[self.active].stop()
                self._set_state(TileState.RECONNECTING)
            elif now >= self._retry_at:
                self._retry_at = 0.0
                self._start(self.active)
        if self.state == TileState.LIVE and now - self._delay_at >= DELAY_EVERY_S:
            # The picture's age is always known where it costs nothing (the camera's trusted
            # clock); reading a burned-in clock grabs the screen, so only with statistics shown.
            self._delay_at = now
            before = self.delay
            self.delay = self.measure_delay(grab=self.show_stats)
            if self.show_stats or before is None or self.delay is None or before.behind != self.delay.behind:
                self._render_header()
        elif self.show_stats:
            self._render_header()

    def _show_stalled(self, now: float) -> None:
        """Say how old the picture is, over a dimmed copy of it (grabbed once, when it stalls)."""
        if self.state != TileState.STALLED:
            self.stalled_view.picture = self._grab_picture()
            self._set_state(TileState.STALLED)
        age = now - self._last_progress
        self.stalled_view.text = f"STALLED\nlast picture {age:.0f} s ago"
        if self.stack.currentWidget() is not self.stalled_view:
            self.stack.setCurrentWidget(self.stalled_view)
        self.stalled_view.update()
        self._render_header()

    def _grab_picture(self) -> QImage | None:
        surface = self.surfaces[self.active]
        if self.mode == "software":
            return surface.grab().toImage()
        screen = surface.screen() or QGuiApplication.primaryScreen()
        return screen.grabWindow(int(surface.winId())).toImage() if screen is not None else None

    def measure_delay(self, grab: bool = True) -> Delay:
        """From the picture's burned-in clock when it has one (a screen grab), else from the
        camera's trusted clock (the delay the recorder measured, plus this player's buffering and
        a frame), else the buffering estimate."""
        buffering = estimated_delay_ms(self.engine.network_caching_ms, self._fps)
        measured = (
            camera_clock_delay_ms(self.surfaces[self.active], self.mode == "software") if grab else None
        )
        if measured is not None:
            return Delay(measured, True)
        if self.camera_delay_s is not None:
            return Delay(self.camera_delay_s * 1000 + buffering, True, "camera clock")
        return Delay(buffering, False)

    def _probe_refusal(self, url: str) -> None:
        """Ask the media service why a stream ended: libVLC only says "error", but an operator
        must read "owner revoked consent" or "a stated purpose is required" on the tile."""
        if self._probing or not url.startswith("http"):
            return
        self._probing = True

        def probe() -> tuple[str, str]:
            # HEAD: the media service answers with the verdict a GET would get, without opening
            # the camera or recording a second refusal or a view no one watched.
            reason = ""
            try:
                with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=3):
                    pass
            except urllib.error.HTTPError as exc:
                if exc.code in (403, 404):
                    # A HEAD has no body: the service says why in a header.
                    reason = (exc.headers.get("X-Reason") or "").strip()
            except OSError:
                pass  # unreachable: the ordinary reconnect with backoff goes on
            return url, reason

        if self._tasks is None:  # on the console's task manager, found up the parent chain
            self._tasks = TaskRunner(self, workers=1)
        self._tasks.run(probe, lambda answer: self._on_refused(*answer), lambda _e: self._on_refused(url, ""))

    def _on_refused(self, url: str, reason: str) -> None:
        self._probing = False
        if not reason or self.camera is None or url != self.players[self.active].url:
            return
        self._refuse(reason)

    def _set_state(self, state: TileState) -> None:
        changed = state != self.state
        if changed and self.state == TileState.STALLED and self.stack.currentWidget() is self.stalled_view:
            self.stack.setCurrentIndex(self.active)  # the live picture (or black) again, not the old one
        self.state = state
        self._render_header()
        if changed:
            self.sig_state_changed.emit(self, str(state))

    def _render_header(self) -> None:
        light = self.palette().color(QPalette.ColorRole.Window).lightness() > 128
        colour = (LIGHT_STATE_COLOURS if light else STATE_COLOURS)[self.state]
        name = self.camera.name if self.camera else f"Tile {self.index + 1}"
        state = str(self.state)
        if self.state == TileState.REVOKED and self.reason:
            state = f"{state}: {self.reason}"
        elif self.state == TileState.STALLED:
            state = f"stalled, last picture {time.monotonic() - self._last_progress:.0f} s ago"
        elif self.state == TileState.RECONNECTING and self.attempt:
            state = f"{state} (attempt {self.attempt})"
        text = f"{name}  ·  {state}"
        if self.camera and self.stream == "main":
            text += "  ·  main stream"
        if self.camera and self.direct:
            text += "  ·  direct"
        warning = (LIGHT_STATE_COLOURS if light else STATE_COLOURS)[TileState.STALLED]
        if self.camera and self.state == TileState.LIVE and self.delay is not None and self.delay.behind:
            text += f"  ·  behind by {self.delay.ms / 1000:.0f} s"
            colour = warning
        if self.camera and self.clock_fault and self.state != TileState.REVOKED:
            text += "  ·  clock not trusted"
            colour = warning
        if self.show_stats and self.state == TileState.LIVE:
            s = self.stats()
            text += f"  ·  {self._fps:.1f} fps  {s.input_kbps:.0f} kb/s  lost {s.lost}"
            if self.delay is not None:
                text += f"  ·  {self.delay.text()}"
        self.header.setText(text)
        tip = text
        if self.camera and self.clock_fault:
            tip += (
                f"\nThe recorder does not trust this camera's clock: {self.clock_fault}. Its pictures'"
                " times, live and recorded, are placed by their arrival less the measured delay."
            )
        self.header.setToolTip(plain_tooltip(tip))
        if self.state == TileState.REVOKED:
            self.stack.setCurrentIndex(0)
            self.placeholder_text.setText(f"Not shown: {self.reason}" if self.reason else "Not shown")
            self.placeholder_text.setStyleSheet("color: #e05d5d; font-size: 14pt; font-weight: bold;")
            self.placeholder_text.show()
        elif self.camera is None:
            self.placeholder_text.setText("Drop a camera here")
            self.placeholder_text.setStyleSheet("color: #6b707a;")
        else:
            self.placeholder_text.hide()
        self.header.setStyleSheet(
            f"padding: 2px 6px; font-weight: bold; color: {colour};"
            + (" background: #2f6fb3; color: #ffffff;" if self.selected else "")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._render_header()  # the theme changed: state colours for the new background
        super().changeEvent(event)

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self._render_header()

    # -- mouse and drops ------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.sig_clicked.emit(self)
        self._press_pos: QPointF | None = event.position()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        start = getattr(self, "_press_pos", None)
        if (
            self.camera is not None
            and start is not None
            and (event.position() - start).manhattanLength() > 12
        ):
            drag = QDrag(self)
            mime = QMimeData()
            mime.setData(TILE_MIME, QByteArray(str(self.index).encode()))
            drag.setMimeData(mime)
            self._press_pos = None
            drag.exec(Qt.DropAction.MoveAction)
        super().mouseMoveEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.sig_double_clicked.emit(self)
        super().mouseDoubleClickEvent(event)

    def retry(self) -> bool:
        """Try the camera again (Shift+F5, or the tile's right-click menu): a refused tile asks
        again (a purpose stated since, a grant renewed), a stalled or reconnecting one opens a
        fresh connection. False when there is no camera."""
        if self.camera is None:
            return False
        self.assign(self.camera, self.stream)
        return True

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if self.camera is None:
            return
        menu = QMenu(self.window())  # a tile is a native window (libVLC's): its popup must not be its child
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction("Retry (Shift+F5)", self.retry)
        menu.addAction("Clear the tile", lambda: self.assign(None))
        menu.exec(event.globalPos())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(CAMERA_MIME) or mime.hasFormat(TILE_MIME) or map_camera_id(mime) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        from_map = map_camera_id(mime)
        if mime.hasFormat(CAMERA_MIME):
            self.sig_camera_dropped.emit(self, int(bytes(mime.data(CAMERA_MIME).data()).decode()))
        elif from_map is not None:
            self.sig_camera_dropped.emit(self, from_map)
        elif mime.hasFormat(TILE_MIME):
            self.sig_tile_dropped.emit(self, int(bytes(mime.data(TILE_MIME).data()).decode()))
        event.acceptProposedAction()
