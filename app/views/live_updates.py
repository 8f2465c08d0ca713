"""What other workstations change, shown at this one without F5: the change feed's listener runs
on its own thread; this part hands its batches to the session on the GUI thread, and reacts to
the session's events: camera changes re-read the registry at once, an incident opened or closed
elsewhere is announced and updates the incident dock, and a lost database is shown in red until
the feed is back (the listener then catches up on everything it missed).

The listener never touches Qt: it puts batches in a queue that a GUI-thread timer drains (a
PySide signal emitted from a worker thread with a Python payload can deadlock; see tasks.py)."""

from __future__ import annotations

import logging
import queue
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer

from app.console.change_listener import ChangeListener
from app.console.events import FeedChanged, FeedConnection
from app.incidents.service import IncidentStore, SavedIncident
from app.models.change_feed import Change
from app.views.console_part import ConsolePart

if TYPE_CHECKING:
    from app.views.main_window import MainWindow

DRAIN_MS = 100
log = logging.getLogger(__name__)


class LiveUpdates(ConsolePart):
    def __init__(self, console: MainWindow) -> None:
        super().__init__(console)
        self._inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self.listener = ChangeListener(
            console.session.sessions,
            lambda changes: self._inbox.put(("changes", changes)),
            on_connection=lambda connected, why: self._inbox.put(("connection", (connected, why))),
        )
        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_MS)
        self.timer.timeout.connect(self._drain)
        events = console.session.events
        events.feed_changed.connect(self._on_feed_changed)
        events.feed_connection.connect(self._on_connection)

    def start(self) -> None:
        self.listener.start()
        self._mark_rule_start()
        self.timer.start()
        self.reload_incidents()

    def _mark_rule_start(self) -> None:
        """Rules act on calls entered from now on (a primary-key maximum, like the listener's own
        start); with the database away, from when it is back."""
        store = self.console.incidents
        if store is None or self.console.rule_actions.newer_than is not None:
            return
        try:
            self.console.rule_actions.start_after(store.newest_id())
        except Exception as exc:
            log.info("rules wait for the database: %s", exc)

    def reload_incidents(self) -> None:
        """The incidents dock: every open incident, re-read off the GUI thread."""
        store = self.console.incidents
        if store is None:
            return
        # On failure the next change, or the feed's reconnection, reads again.
        self.console.tasks.run(
            lambda: store.recent(200, open_only=True), self._incidents_read, lambda exc: None
        )

    def _incidents_read(self, incidents: list[SavedIncident]) -> None:
        self.console.incident_list.set_incidents(incidents)
        self.console.rule_actions.incidents_read(incidents)

    def stop(self) -> None:
        self.timer.stop()
        self.listener.stop()
        events = self.console.session.events
        events.feed_changed.disconnect(self._on_feed_changed)
        events.feed_connection.disconnect(self._on_connection)

    def _drain(self) -> None:
        changes: list[Change] = []
        while True:
            try:
                what, payload = self._inbox.get_nowait()
            except queue.Empty:
                break
            if what == "changes":
                changes.extend(payload)
            else:
                if changes:  # keep the order: changes before a drop are told before it
                    self.console.session.take_changes(changes)
                    changes = []
                self.console.session.take_connection(*payload)
        if changes:
            self.console.session.take_changes(changes)

    # -- the session's events ------------------------------------------------------------------
    def _on_feed_changed(self, event: FeedChanged) -> None:
        if event.kind == "cameras":
            self.console.feed.poll_now()
        elif event.kind == "incident":
            self._announce_incidents(event)
            self.reload_incidents()
        elif event.kind == "media":  # a media service started or stopped
            self.console.feed.poll_media_status()

    def _announce_incidents(self, event: FeedChanged) -> None:
        store = self.console.incidents
        if store is None or not event.ids:
            return
        ids = event.ids

        def read() -> list[tuple[SavedIncident, str]]:
            return [closed_or_opened(store, i) for i in ids]

        self.console.tasks.run(read, self._show_incidents, lambda exc: None)  # the next change retries

    def _show_incidents(self, found: list[tuple[SavedIncident, str]]) -> None:
        panel = self.console.incident_panel
        for incident, what in found:
            self._say(f"Incident {incident.number} ({incident.incident_type or 'no type'}, "
                      f"{incident.division or 'outside every division'}) {what}", 15000)  # fmt: skip
            if panel.incident is not None and panel.incident.id == incident.id:
                panel.show_incident(incident, {c.id: c.name for c in self.console.cameras})
                self.console.incidents_ui.load_handoffs(incident.id)

    def _on_connection(self, event: FeedConnection) -> None:
        self.console.status.show_database_state(event.connected, event.why)
        if event.connected:
            self._mark_rule_start()
            self.console.feed.poll_now()  # whatever changed while away
            self.reload_incidents()


def closed_or_opened(store: IncidentStore, incident_id: int) -> tuple[SavedIncident, str]:
    incident = store.get(incident_id)
    if incident.closed_at is not None:
        return incident, f"closed by {incident.closed_by or 'someone'}"
    return incident, f"opened by {incident.created_by or 'someone'}"
