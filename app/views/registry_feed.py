"""The console's reader of the registry and the media services: it reads in a worker and hands
the read to the session, whose events the camera list, the map, the wall's tiles, the status bar
and the rules follow (none of them is told by hand). The registry is read once per change of its
mark: when the change feed says cameras changed, and besides every second (SQLite) or 30 s
(PostgreSQL) as a safety net, so a camera added, edited or retired elsewhere (the command line,
another workstation) reaches the console with no F5. The media services' status (what they pull
and record, their clocks) is fetched every 5 seconds."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow

from app.console.events import FeedChanged, FeedConnection, MediaChanged
from app.console.session import RegistryRead, Session
from app.video.media_directory import ServiceEntry, read_directory
from app.video.media_status import clock_delays, clock_faults, describe_services, recording_states
from app.video.media_status import describe as describe_media
from app.video.media_status import fetch_status as fetch_media_status
from app.views.console_part import ConsolePart
from app.views.subscriptions import subscribe
from app.views.tasks import TaskRunner

# The status line, each camera's recording state, the cameras whose clocks are not trusted (with
# why) and the delays measured against the trusted ones, and the media directory's services
# (None: it could not be read).
MediaFindings = tuple[MediaChanged, list[ServiceEntry] | None]


class RegistryFeed(ConsolePart):
    def __init__(self, window: QMainWindow, session: Session, tasks: TaskRunner) -> None:
        super().__init__(window)
        self.session, self.tasks = session, tasks
        self._poll_busy = False
        self._again = False  # asked to read while a read was running: once more after it
        self._home_checked = False
        self.timer = QTimer(self)
        # The change feed brings other workstations' camera changes at once; the change mark is
        # read besides, as a safety net: every second on SQLite (a local file), every 30 s on a
        # shared PostgreSQL server, where ten consoles reading the mark of 100,000 cameras each
        # second would cost the server a core for nothing.
        shared = session.sessions.kw["bind"].dialect.name == "postgresql"
        self.timer.setInterval(30_000 if shared else 1000)
        self.timer.timeout.connect(self.poll_now)
        self.media_timer = QTimer(self)
        self.media_timer.setInterval(5000)
        self.media_timer.timeout.connect(self.poll_media_status)
        if session.media_url:
            self.media_timer.start()
        subscribe(self, session.events.feed_changed, self._on_feed_changed)
        subscribe(self, session.events.feed_connection, self._on_connection)

    def _on_feed_changed(self, event: FeedChanged) -> None:
        if event.kind == "cameras":
            self.poll_now()
        elif event.kind == "media":  # a media service started or stopped
            self.poll_media_status()

    def _on_connection(self, event: FeedConnection) -> None:
        if event.connected:
            self.poll_now()  # whatever changed while away

    def refresh(self) -> None:
        """Read the registry now, whether or not its mark moved (the first read, F5)."""
        self._read(force=True)

    def stop(self) -> None:
        self.timer.stop()
        self.media_timer.stop()

    def poll_media_status(self) -> None:
        """Show what the media services pull and record (fetched off the GUI thread): the
        directory says which services there are and whether their heartbeat goes on; each one
        answering is asked for its status. Without a directory entry (an older service), the
        configured one is asked."""
        session = self.session
        url, sessions = session.media_url, session.sessions

        def fetch() -> MediaFindings:
            try:
                services: list[ServiceEntry] | None = read_directory(sessions)
            except Exception:  # the database is away (the feed says so): ask the service itself
                services = None
            running = [e for e in services or [] if e.stopped_at is None]
            if not running:
                status = fetch_media_status(url)
                found = MediaChanged(describe_media(url, status), recording_states(status),
                                     clock_faults(status), clock_delays(status))  # fmt: skip
                return found, services
            statuses = {
                e.base_url: fetch_media_status(e.base_url) if e.answering() else None for e in running
            }
            states: dict[int, str] = {}
            faults: dict[int, str] = {}
            delays: dict[int, float] = {}
            for status in statuses.values():
                states.update(recording_states(status))
                faults.update(clock_faults(status))
                delays.update(clock_delays(status))
            return MediaChanged(describe_services(running, statuses), states, faults, delays), services

        self.tasks.run(fetch, lambda found: session.take_media(*found))

    def poll_now(self) -> None:
        """Look for registry changes now (the change feed said cameras changed)."""
        self._read()

    def _read(self, force: bool = False) -> None:
        """One read of the registry if its mark moved (or ``force``), on the task runner; the
        session applies it on the GUI thread and its event tells every view."""
        if self._poll_busy:
            self._again = self._again or force
            return
        self._poll_busy = True
        session = self.session

        def done(read: RegistryRead | None) -> None:
            self._poll_busy = False
            session.apply(read)
            if read is not None:
                self._check_home_divisions()
            if not self.timer.isActive():
                self.timer.start()
            if self._again:
                self._again = False
                self._read(force=True)

        def failed(exc: BaseException) -> None:
            self._poll_busy = False
            if force:  # the first read or F5: say so (a polled one is tried again next tick)
                self._error("Could not read the registry", exc)
            if not self.timer.isActive():
                self.timer.start()

        self.tasks.run(lambda: session.read_changes(force), done, failed)

    def _check_home_divisions(self) -> None:
        """A misspelt home division would make every camera "outside": say so once, plainly."""
        session = self.session
        unknown = sorted(session.actor.home_divisions - set(session.divisions))
        if unknown and not self._home_checked:
            self._home_checked = True
            self._error(
                "Home divisions",
                ValueError(
                    f"This workstation's home division(s) {', '.join(unknown)} are not in the registry "
                    f"(setting home_divisions); known: {', '.join(session.divisions) or 'none'}."
                ),
            )
