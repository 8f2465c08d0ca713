"""What other workstations change, shown at this one without F5: the change feed's listener runs
on its own thread; this part hands its batches to the session on the GUI thread, whose events
the views follow (the registry's reader re-reads cameras, the status bar shows a lost database in
red until the feed is back, and the listener then catches up on everything it missed). Incidents
opened or closed elsewhere are announced here and the open incidents re-read.

The listener never touches Qt: it puts batches in a queue that a GUI-thread timer drains (a
PySide signal emitted from a worker thread with a Python payload can deadlock; see tasks.py)."""

from __future__ import annotations

import logging
import queue
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QMainWindow

from app.console.change_listener import ChangeListener
from app.console.events import FeedChanged, FeedConnection
from app.console.session import Session
from app.incidents.service import IncidentStore, SavedIncident
from app.models.change_feed import Change
from app.views.console_part import ConsolePart
from app.views.subscriptions import subscribe
from app.views.tasks import TaskRunner

DRAIN_MS = 100
log = logging.getLogger(__name__)


class LiveUpdates(ConsolePart):
    """Signals: ``sig_incidents_read(list[SavedIncident])`` on every read of the open incidents
    (the Incidents dock and the dispatch rules follow it); ``sig_incident_changed(SavedIncident)``
    for an incident opened or closed elsewhere (the current one's dock is redrawn)."""

    sig_incidents_read = Signal(object)
    sig_incident_changed = Signal(object)

    def __init__(self, window: QMainWindow, session: Session, tasks: TaskRunner,
                 incidents: IncidentStore | None) -> None:  # fmt: skip
        super().__init__(window)
        self.session, self.tasks, self.incidents = session, tasks, incidents
        self._inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self.listener = ChangeListener(
            session.sessions,
            lambda changes: self._inbox.put(("changes", changes)),
            on_connection=lambda connected, why: self._inbox.put(("connection", (connected, why))),
        )
        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_MS)
        self.timer.timeout.connect(self._drain)
        subscribe(self, session.events.feed_changed, self._on_feed_changed)
        subscribe(self, session.events.feed_connection, self._on_connection)

    def start(self) -> None:
        self.listener.start()
        self.timer.start()
        self.reload_incidents()

    def reload_incidents(self) -> None:
        """The open incidents, re-read off the GUI thread."""
        store = self.incidents
        if store is None:
            return
        # On failure the next change, or the feed's reconnection, reads again.
        self.tasks.run(
            lambda: store.recent(200, open_only=True), self.sig_incidents_read.emit, lambda exc: None
        )

    def stop(self) -> None:
        self.timer.stop()
        self.listener.stop()

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
                    self.session.take_changes(changes)
                    changes = []
                self.session.take_connection(*payload)
        if changes:
            self.session.take_changes(changes)

    # -- the session's events ------------------------------------------------------------------
    def _on_feed_changed(self, event: FeedChanged) -> None:
        if event.kind == "incident":
            self._announce_incidents(event)
            self.reload_incidents()

    def _announce_incidents(self, event: FeedChanged) -> None:
        store = self.incidents
        if store is None or not event.ids:
            return
        ids = event.ids

        def read() -> list[tuple[SavedIncident, str]]:
            return [closed_or_opened(store, i) for i in ids]

        self.tasks.run(read, self._show_incidents, lambda exc: None)  # the next change retries

    def _show_incidents(self, found: list[tuple[SavedIncident, str]]) -> None:
        for incident, what in found:
            self._say(f"Incident {incident.number} ({incident.incident_type or 'no type'}, "
                      f"{incident.division or 'outside every division'}) {what}", 15000)  # fmt: skip
            self.sig_incident_changed.emit(incident)

    def _on_connection(self, event: FeedConnection) -> None:
        if event.connected:
            self.reload_incidents()  # whatever changed while away


def closed_or_opened(store: IncidentStore, incident_id: int) -> tuple[SavedIncident, str]:
    incident = store.get(incident_id)
    if incident.closed_at is not None:
        return incident, f"closed by {incident.closed_by or 'someone'}"
    return incident, f"opened by {incident.created_by or 'someone'}"
