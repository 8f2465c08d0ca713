"""The console's status bar: who is signed in (always in sight, since every action is recorded
under that person), the database, the media service with its recording alarm, the camera counts,
and the lock's countdown. Short texts that fit a 1920-pixel bar; the whole of each in its
tooltip."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar

from app.governance.identity import current_user
from app.video.media_status import ALARM as MEDIA_ALARM
from app.views.plain import plain_label, plain_tooltip
from app.views.subscriptions import subscribe

if TYPE_CHECKING:
    from app.console.events import PurposeGranted
    from app.console.session import Session

SIMULATOR_CHECK_MS = 2000


def short_database(line: str) -> str:
    """ "Database: sqlite:////long/path/demo.sqlite" → "Database: demo.sqlite" (the rest in the tooltip)."""
    head, _, url = line.partition(": ")
    if not url:
        return line
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    return f"{head}: {name or url}"


def short_media(line: str) -> str:
    """The media service's line, short enough for the status bar. An alarm is never shortened:
    it must be read across the room."""
    if line.startswith(MEDIA_ALARM) or line.endswith(" not answering"):
        return line
    short = re.sub(r"^Media service: \S+ · ", "Media: ", line)
    short = short.replace(" camera stream(s) pulled", " pulled").replace(" viewer(s)", " viewers")
    short = re.sub(
        r" · (\d+) camera clock\(s\) not trusted, placed by arrival.*", r" · \1 clock(s) not trusted", short
    )
    return re.sub(r" camera\(s\), \d+ segment\(s\)", "", short)


class ConsoleStatus:
    """The permanent widgets of a status bar (the bar's passing messages stay the bar's own)."""

    def __init__(self, bar: QStatusBar, database: str, media_service: str, simulator: str = "",
                 simulator_running: Callable[[], bool] | None = None) -> None:  # fmt: skip
        self.simulator: QLabel | None = None
        if simulator:
            self.simulator = sim = plain_label(simulator.split(" on ", 1)[0], bar)
            sim.setObjectName("simulator_state")
            sim.setToolTip(plain_tooltip(simulator))
            bar.addPermanentWidget(sim)
            if simulator_running is not None:
                # The demo's cameras come from a child process: if it dies, say so in red rather
                # than keep naming cameras that no longer send a picture.
                self._sim_timer = QTimer(bar)
                self._sim_timer.setInterval(SIMULATOR_CHECK_MS)
                self._sim_timer.timeout.connect(lambda: self._check_simulator(simulator_running))
                self._sim_timer.start()
        self.database = plain_label(short_database(database), bar)
        self.database.setToolTip(plain_tooltip(database))
        self.media = plain_label(media_service, bar)
        self.counts = plain_label("Cameras: loading…", bar)
        self.user = plain_label(f"Signed in: {current_user()} (workstation user, no accounts)", bar)
        self.user.setObjectName("signed_in")
        # Calls from dispatch no rule opened, not yet opened here (none: hidden).
        self.queued = plain_label(parent=bar)
        self.queued.setObjectName("queued_calls")
        self.queued.setStyleSheet("color: #ff8c1a; font-weight: bold;")
        self.queued.hide()
        self.purpose = plain_label(parent=bar)  # the purpose last stated (none yet: hidden)
        self.purpose.setObjectName("purpose_stated")
        self.purpose.hide()
        self.lock = QLabel(bar)  # the lock's warning, in the place of passing messages
        self.lock.setObjectName("lock_warning")
        self.lock.setStyleSheet("font-weight: bold; color: #e0a000;")
        bar.addWidget(self.lock, 1)
        self.lock.hide()
        # The database stopped answering: red across the room until it is back.
        self.database_down = QLabel(bar)
        self.database_down.setObjectName("database_down")
        self.database_down.setTextFormat(Qt.TextFormat.PlainText)
        self.database_down.setStyleSheet(
            "color: white; background: #b00020; font-weight: bold; padding: 0 6px;"
        )
        bar.addWidget(self.database_down)
        self.database_down.hide()
        for widget in (self.queued, self.user, self.purpose, self.database, self.media, self.counts):
            bar.addPermanentWidget(widget)

    def follow(self, session: Session) -> None:
        """The counts, the media services' line, the signed-in person and the purpose last
        stated, as the session's events tell them."""
        bar = self.user.parentWidget()
        assert bar is not None
        subscribe(bar, session.events.cameras_changed, lambda _e: self.show_counts(session.counts))
        subscribe(bar, session.events.media_changed, lambda media: self.show_media(media.line))
        subscribe(bar, session.events.signed_in, lambda who: self.show_signed_in(who.username, who.role))
        subscribe(bar, session.events.purpose_granted, self.show_purpose)
        subscribe(bar, session.events.feed_connection, lambda c: self.show_database_state(c.connected, c.why))

    def show_purpose(self, granted: PurposeGranted) -> None:
        """Why this console is watching: the purpose last stated, and for how many cameras."""
        count = len(granted.camera_ids)
        self.purpose.setText(f"Purpose: {granted.purpose.split('; ')[0][:40]}")
        self.purpose.setToolTip(plain_tooltip(f"{granted.purpose}\nstated for {count} camera(s)"))
        self.purpose.show()

    def _check_simulator(self, running: Callable[[], bool]) -> None:
        if self.simulator is None or running():
            return
        self._sim_timer.stop()
        self.simulator.setText("Simulator stopped")
        self.simulator.setToolTip(plain_tooltip(
            "The camera simulator exited: the demo's cameras send no pictures. Its last output is in "
            "the console's log; restart the demo (./run demo)."
        ))  # fmt: skip
        self.simulator.setStyleSheet("color: white; background: #b00020; font-weight: bold; padding: 0 6px;")

    def show_signed_in(self, username: str, role: str) -> None:
        self.user.setText(f"Signed in: {username} ({role})")

    def show_lock_warning(self, seconds_left: int) -> None:
        self.lock.setText(f"Locking in {seconds_left} s: move the mouse or press a key to stay signed in")
        self.lock.show()

    def hide_lock_warning(self) -> None:
        self.lock.hide()

    def show_database_state(self, connected: bool, why: str) -> None:
        """The change feed lost or regained the database (other workstations' changes, and
        saving, wait for it)."""
        if connected:
            self.database_down.hide()
            return
        self.database_down.setText("Database not answering: retrying each second; changes are not saved")
        self.database_down.setToolTip(plain_tooltip(why))
        self.database_down.show()

    def show_counts(self, counts: dict[str, int]) -> None:
        self.counts.setText(
            f"{counts['total']} cameras · {counts['active']} active · {counts['offline']} offline"
        )
        self.counts.setToolTip(
            plain_tooltip(
                f"Cameras: {counts['total']} registered · {counts['active']} active · "
                f"{counts['offline']} offline · {counts['retired']} retired · {counts['divisions']} divisions"
            )
        )

    def show_media(self, line: str) -> None:
        self.media.setText(short_media(line))
        self.media.setToolTip(plain_tooltip(line))
        # A recording alarm, or a service that stopped answering (no live video, no recording),
        # must be seen across the room: red, bold, until it clears.
        alarm = line.startswith(MEDIA_ALARM) or line.endswith(" not answering")
        # A camera clock the recorder does not trust is a warning, not an alarm: its footage is
        # still recorded, placed by arrival.
        warning = "camera clock(s) not trusted" in line
        style = "color: white; background: #b00020; font-weight: bold;" if alarm else ""
        self.media.setStyleSheet(style or ("color: #ff8c1a; font-weight: bold;" if warning else ""))
