"""Incidents and evidence from the console: entering and reopening incidents, their recordings
in the scrub view, footage requests to owners, case export and verification, the offline
review of a package and the auditor's view. The governed work goes through the use cases on the
console's task manager."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QDockWidget, QFileDialog, QInputDialog, QMainWindow

from app.console import use_cases
from app.console.session import Session
from app.evidence.handoff import HandoffRow
from app.governance.purpose import Purpose
from app.incidents.service import IncidentInput, IncidentStore, SavedIncident
from app.models.tables import AuditEvent
from app.registry.gazetteer import InMemoryGeocoder, OfflineGazetteer
from app.video.vlc_player import VlcEngine
from app.views.camera_list import CameraListPanel
from app.views.console_part import ConsolePart
from app.views.geometry import fit_to_screen
from app.views.incident import IncidentDialog
from app.views.incident_close import CloseIncidentDialog
from app.views.incident_panel import IncidentPanel
from app.views.map.panel import MapPanel
from app.views.tasks import TaskRunner

TIMELINE_EVERY_MS = 5000  # how often the open incident's timeline is read again


@dataclass
class EvidenceFolders:
    """Where this console reads recordings, writes hand-offs to officers (the folder the
    agency's mobile data system watches) and keeps the signing key on a machine with no keyring."""

    recordings: Path | None
    handoffs: Path
    key_dir: Path | None = None


@dataclass(frozen=True)
class IncidentViews:
    """The widgets this part draws the current incident on."""

    panel: IncidentPanel
    dock: QDockWidget
    map: MapPanel | None
    cameras: CameraListPanel


class IncidentActions(ConsolePart):
    def __init__(self, window: QMainWindow, session: Session, tasks: TaskRunner,
                 incidents: IncidentStore | None, views: IncidentViews, folders: EvidenceFolders,
                 time_zone: str, engine: VlcEngine | None = None,
                 gazetteer: OfflineGazetteer | None = None) -> None:  # fmt: skip
        super().__init__(window)
        self.session, self.tasks, self.incidents = session, tasks, incidents
        self.views, self.folders, self.time_zone, self.engine = views, folders, time_zone, engine
        self.scrub_windows: list[QMainWindow] = []
        self._timeline_timer = QTimer(self)
        self._timeline_timer.setInterval(TIMELINE_EVERY_MS)
        self._timeline_timer.timeout.connect(self._follow_timeline)
        self._timeline_timer.start()
        self.review_windows: list[QMainWindow] = []
        self._drawn: list[dict[str, Any]] = []  # the incidents drawn on the map
        # The places the incident dialog finds a typed address among, read once in a worker.
        self.geocoder: InMemoryGeocoder | None = None
        if gazetteer is not None:
            tasks.run(gazetteer.all, self._places_read,
                      lambda exc: self._error("Could not read the gazetteer", exc))  # fmt: skip

    def _places_read(self, places: list[Any]) -> None:
        self.geocoder = InMemoryGeocoder(places)

    def new_incident(self, lat: float | None = None, lon: float | None = None) -> IncidentDialog | None:
        if self.incidents is None:
            self._say("This window cannot record incidents.", 5000)
            return None
        cameras = list(self.session.cameras.values())
        dialog = IncidentDialog(cameras, self.time_zone, lat, lon, self._window, self.geocoder,
                                self.session.live_state)  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        session = self.session

        def save(data: IncidentInput, ranked: list[tuple[int, bool, str]]) -> None:
            def done(saved: SavedIncident) -> None:
                dialog.accept()
                self._show_incident(saved)
                self.session.incident_opened(saved.number, saved.id)

            self.tasks.run(
                lambda: use_cases.create_incident(session.sessions, session.actor, data, ranked),
                done,
                lambda exc: dialog.save_failed(str(exc)),
            )

        dialog.sig_save_requested.connect(save)
        dialog.open()
        return dialog

    def open_incident(self) -> None:
        """Pick one of the open incidents (after a restart, or from another workstation) and make it
        the current one again, with its cameras' purposes."""
        if self.incidents is None:
            return
        store = self.incidents
        self.tasks.run(
            lambda: store.recent(50, open_only=True),
            self._choose_incident,
            lambda exc: self._say(f"Cannot read the incidents: {exc}", 8000),
        )

    def _choose_incident(self, incidents: list[SavedIncident]) -> None:
        if not incidents:
            self._say("No open incident. Ctrl+N enters a new one.", 6000)
            return

        def label(i: SavedIncident) -> str:
            local = i.reported_at.astimezone(ZoneInfo(i.time_zone))
            return f"{i.number} · {i.incident_type} · {local:%Y-%m-%d %H:%M} · {len(i.camera_ids)} camera(s)"

        labels = [label(i) for i in incidents]
        choice, ok = QInputDialog.getItem(
            self._window, "Open an incident", "Open incidents, newest first:", labels, 0, False
        )
        if not ok or choice not in labels:
            return
        self.reopen(incidents[labels.index(choice)])

    def reopen(self, chosen: SavedIncident) -> None:
        """Make an incident the current one again, with the purposes stated under it (the
        open-an-incident use case: the role table, and the opening audited)."""

        def opened(viewed: list[int]) -> None:
            self._show_incident(chosen)
            self.session.state_purpose(Purpose.of_incident(chosen.number), viewed)
            self.session.incident_opened(chosen.number, chosen.id)
            self._say(
                f"Incident {chosen.number} open again: its {len(chosen.camera_ids)} camera(s) and "
                f"{len(set(viewed) - set(chosen.camera_ids))} other camera(s) viewed under it need no "
                "further purpose.",
                10_000,
            )

        def unread(exc: BaseException) -> None:
            if isinstance(exc, use_cases.Refused):
                self._say(f"Incident {chosen.number} not opened: {exc}", 10_000)
                return
            # The incident opens with its own cameras' purposes; those viewed under it are asked
            # for again when shown (a rule's call must not wait on this read).
            opened([])
            why = f"the cameras viewed under it could not be read: {exc}"
            self._say(f"Incident {chosen.number} open again; {why}", 10_000)

        session, open_incident = self.session, use_cases.open_incident
        self.tasks.run(lambda: open_incident(session.sessions, session.actor, chosen), opened, unread)

    def close_current(self, incident: SavedIncident | None = None) -> CloseIncidentDialog | None:
        """Ask how the current incident ended, then close it (Ctrl+Shift+C)."""
        incident = incident or self.session.current_incident
        if incident is None:
            self._say("No incident open to close: Ctrl+O opens one.", 6000)
            return None
        if incident.closed_at is not None:
            self._say(
                f"Incident {incident.number} is already closed: reopen it from the Incident dock.", 6000
            )
            return None
        dialog = CloseIncidentDialog(incident, self._window)
        session = self.session

        def closed(done: SavedIncident) -> None:
            dialog.done(QDialog.DialogCode.Accepted)
            self._closed_or_reopened(
                done, f"Incident {done.number} closed: {done.disposition or 'no disposition'}."
            )

        def close() -> None:
            dialog.buttons.setEnabled(False)
            disposition = dialog.chosen()
            self.tasks.run(lambda: use_cases.close_incident(session.sessions, session.actor, incident.number,
                                                            disposition),
                           closed, lambda exc: dialog.failed(str(exc)))  # fmt: skip

        dialog.buttons.accepted.disconnect()
        dialog.buttons.accepted.connect(close)
        dialog.open()
        return dialog

    def reopen_current(self, incident: SavedIncident | None = None) -> None:
        """Open the current (closed) incident again."""
        incident = incident or self.session.current_incident
        if incident is None or incident.closed_at is None:
            self._say("The incident open here is not closed.", 6000)
            return
        session = self.session
        self.tasks.run(lambda: use_cases.reopen_incident(session.sessions, session.actor, incident.number),
                       lambda done: self._closed_or_reopened(done, f"Incident {done.number} reopened."),
                       lambda exc: self._error(f"Reopen incident {incident.number}", exc))  # fmt: skip

    def _closed_or_reopened(self, incident: SavedIncident, said: str) -> None:
        if self.session.current_incident is not None and self.session.current_incident.id == incident.id:
            self.session.make_current(incident)
        self.incident_changed(incident)
        self._say(said, 10_000)

    def incident_changed(self, incident: SavedIncident) -> None:
        """An incident opened or closed elsewhere: the current one's dock shows it as it is now."""
        panel = self.views.panel
        if panel.incident is not None and panel.incident.id == incident.id:
            panel.show_incident(incident, {c.id: c.name for c in self.session.cameras.values()})
            self.load_handoffs(incident.id)

    def load_handoffs(self, incident_id: int) -> None:
        """The Incident dock's hand-offs and timeline, read off the GUI thread (each as the
        person's role allows: a role that may not see one still sees the other)."""
        session = self.session
        panel = self.views.panel
        number = panel.incident.number if panel.incident is not None else ""

        def shown(read: tuple[list[HandoffRow] | None, list[AuditEvent] | None]) -> None:
            if panel.incident is not None and panel.incident.id == incident_id:
                handoffs, timeline = read
                if handoffs is not None:
                    panel.show_handoffs(handoffs)
                if timeline is not None:
                    panel.show_timeline(timeline)

        def read() -> tuple[list[HandoffRow] | None, list[AuditEvent] | None]:
            handoffs = timeline = None
            with contextlib.suppress(use_cases.Refused):
                handoffs = use_cases.incident_handoffs(session.sessions, session.actor, incident_id)
            with contextlib.suppress(use_cases.Refused):
                timeline = use_cases.incident_timeline(session.sessions, session.actor, number)
            return handoffs, timeline

        self.tasks.run(read, shown, lambda exc: None)  # the next change reads again

    def _follow_timeline(self) -> None:
        """The timeline grows as people work (views, playbacks): read again every few seconds
        while an incident is open here and the dock is shown."""
        incident = self.session.current_incident
        if incident is not None and self.views.dock.isVisible():
            self.load_handoffs(incident.id)

    def revoke_handoff(self, handoff_id: int) -> None:
        session = self.session

        def read_again() -> None:  # the list says how it stands, the button is itself again
            if self.session.current_incident is not None:
                self.load_handoffs(self.session.current_incident.id)

        def revoked(_none: None) -> None:
            self._say("The link was revoked: it no longer opens.", 8000)
            read_again()

        def failed(exc: BaseException) -> None:
            read_again()
            self._error("Revoke the link", exc)

        self.tasks.run(lambda: use_cases.revoke_handoff(session.sessions, session.actor, handoff_id),
                       revoked, failed)  # fmt: skip

    def _show_incident(self, incident: SavedIncident) -> None:
        self.session.make_current(incident)
        self.load_handoffs(incident.id)
        names = {r.id: r.name for r in self.session.cameras.values()}
        # The incident is the purpose for its cameras: the console does not ask again for them.
        self.session.state_purpose(Purpose.of_incident(incident.number), list(incident.camera_ids))
        self.views.panel.show_incident(incident, names)
        self.views.dock.show()
        self.views.dock.raise_()
        label = f"{incident.number} {incident.incident_type}".strip()
        self._drawn.append(
            {"lat": incident.latitude, "lon": incident.longitude, "radius": incident.radius_m, "label": label}
        )
        if self.views.map is not None:
            self.views.map.set_incidents(self._drawn)
            self.views.map.pan_to(incident.latitude, incident.longitude)
        self._say(f"Incident {incident.number} saved with {len(incident.camera_ids)} camera(s).", 8000)

    def review_recordings(self, incident: SavedIncident | None = None) -> QMainWindow | None:
        """Open the scrub view on the incident's usable cameras at the reported time."""
        incident = incident or self.session.current_incident
        if incident is None or self.incidents is None or self.folders.recordings is None:
            self._say("Open or enter an incident first (Ctrl+N).", 6000)
            return None
        from app.governance.gate import why_not_used
        from app.views.scrub.evidence import HandoffTarget
        from app.views.scrub.window import ScrubWindow

        cameras = [c for c in (self.session.camera(i) for i in incident.camera_ids) if c is not None]
        usable = [c for c in cameras if why_not_used(c) is None]
        if not usable:
            self._say("None of this incident's cameras has footage that may be used.", 6000)
            return None
        window = ScrubWindow(
            self.session,
            self.folders.recordings,
            usable,
            incident.reported_at,
            title=f"incident {incident.number}",
            time_zone=incident.time_zone,
            case_number=incident.number,
            parent=self._window,
            incident_id=incident.id,
            handoff=HandoffTarget(self.folders.handoffs, self.session.officer_link),
        )
        fit_to_screen(window, self._window, 1500, 950)
        window.show()
        self.scrub_windows.append(window)
        return window

    def show_requests(self) -> QDialog | None:
        """Ask an owner for footage of the selected camera, or record an owner's answer."""
        if self.incidents is None:
            return None
        from app.views.requests_dialog import RequestsDialog

        incident = self.session.current_incident
        may_answer = use_cases.actor_may(self.session.actor, use_cases.record_owner_answer)
        dialog = RequestsDialog(
            self.session,
            self.views.cameras.selected_camera(),
            incident.number if incident else "",
            incident.reported_at if incident else None,
            may_answer,
            self._window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def choose_package_to_review(self) -> None:
        folder = QFileDialog.getExistingDirectory(self._window, "Case package to review")
        if folder:
            self.open_review(Path(folder))

    def open_review(self, package: Path) -> QMainWindow:
        """The package, verified first, read-only in the review window (as ``rtcc review``)."""
        from app.views.review.window import ReviewWindow

        self.review_windows = [w for w in self.review_windows if w.isVisible()]
        window = ReviewWindow(package, self.engine, self._window)
        fit_to_screen(window, self._window, 1400, 900)
        window.show()
        self.review_windows.append(window)
        return window

    def export_case(self, case_number: str = "") -> QDialog | None:
        if self.incidents is None or self.folders.recordings is None:
            return None
        from app.views.export_dialog import ExportDialog

        number = case_number or (
            self.session.current_incident.number if self.session.current_incident else ""
        )
        dialog = ExportDialog(
            self.session,
            self.folders.recordings,
            self.time_zone,
            number,
            self._window,
            key_dir=self.folders.key_dir,
        )
        dialog.sig_review_requested.connect(self.open_review)
        dialog.show()
        return dialog

    def show_audit(self) -> QDialog | None:
        """The auditor's view: filter by person, camera, case and time; verify; export CSV."""
        if self.incidents is None:
            return None
        from app.views.audit_view import AuditDialog

        names = {c.id: c.name for c in self.session.cameras.values()}
        dialog = AuditDialog(self.incidents.sessions, names, self._window, self.session.actor,
                             self.folders.key_dir)  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def verify_package(self) -> None:
        if self.incidents is None or self.folders.recordings is None:
            return
        from app.views.export_dialog import ExportDialog

        dialog = ExportDialog(self.session, self.folders.recordings, self.time_zone, parent=self._window)
        dialog.show()
        dialog.verify_other()

    def show_justifications(self) -> QDialog:
        """A supervisor's list of justifications to approve or deny (two people for going beyond a
        purpose's bounds)."""
        from app.views.justifications_dialog import JustificationsDialog

        dialog = JustificationsDialog(self.session, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
