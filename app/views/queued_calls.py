"""Calls from dispatch that no rule opened wait, queued, in the Incidents dock: a bold row on a
tab that is usually hidden was all the notice they got. Each new one in this console's divisions
now sounds once and raises an amber notice in the banner (a rule's red alert is never covered),
and the status bar counts the queued calls not yet opened at this console."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from app.console.events import IncidentEvent
from app.console.session import Session
from app.incidents.service import SavedIncident
from app.views.alert_banner import AlertBanner
from app.views.console_part import ConsolePart
from app.views.plain import plain_tooltip
from app.views.subscriptions import subscribe


def queued(incident: SavedIncident) -> bool:
    return incident.source.startswith("feed ") and not incident.auto_rule and incident.closed_at is None


class QueuedCalls(ConsolePart):
    def __init__(self, window: QMainWindow, session: Session, banner: AlertBanner, count: QLabel) -> None:
        super().__init__(window)
        self.session, self.banner, self.count = session, banner, count
        self._known: set[int] | None = None  # queued calls seen; None before the first read
        self._opened_here: set[int] = set()
        self._waiting: list[SavedIncident] = []  # the queued calls of the last read
        subscribe(self, session.events.incident, self._opened)

    def _mine(self, incident: SavedIncident) -> bool:
        return self.session.actor.is_home(incident.division)

    def _opened(self, event: IncidentEvent) -> None:
        if event.action == "opened" and event.incident_id is not None:
            self._opened_here.add(event.incident_id)
            self._show_count(None)

    def incidents_read(self, incidents: list[SavedIncident]) -> None:
        """Every read of the open incidents: sound for each new queued call (none for those
        already waiting when the console started), and count those waiting."""
        waiting = [i for i in incidents if queued(i) and self._mine(i)]
        known = self._known
        new = [] if known is None else [i for i in waiting if i.id not in known]
        self._known = (known or set()) | {i.id for i in waiting}
        self._show_count(waiting)
        if new:
            QApplication.beep()
            latest = new[-1]
            more = f" (and {len(new) - 1} more)" if len(new) > 1 else ""
            priority = "-" if latest.priority is None else latest.priority
            self.banner.notice(
                f"Queued call from dispatch: priority {priority} {latest.incident_type} · {latest.number} · "
                f"{latest.division or 'outside every division'}{more}. No rule opened it: the Incidents "
                "dock lists it (Enter opens it)."
            )

    def _show_count(self, waiting: list[SavedIncident] | None) -> None:
        if waiting is not None:
            self._waiting = waiting
        left = [i for i in self._waiting if i.id not in self._opened_here]
        self.count.setVisible(bool(left))
        self.count.setText(f"Queued calls: {len(left)}")
        self.count.setToolTip(plain_tooltip(
            "Calls from dispatch that no rule opened, not yet opened at this console: "
            + ", ".join(i.number for i in left[:10]) + (" …" if len(left) > 10 else "")
            + ". The Incidents dock lists them (View → Incidents)."
        ))  # fmt: skip
