"""Incidents and evidence from the console: entering and reopening incidents, their recordings
in the scrub view, footage requests to owners, case export and verification, the offline
review of a package and the auditor's view. The governed work goes through the use cases on the
console's task manager."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMainWindow

from app.console import use_cases
from app.evidence.handoff import HandoffRow
from app.governance.purpose import Purpose
from app.incidents.service import IncidentInput, SavedIncident
from app.views.console_part import ConsolePart
from app.views.geometry import fit_to_screen
from app.views.incident import IncidentDialog

if TYPE_CHECKING:
    pass


class IncidentActions(ConsolePart):
    def new_incident(self, lat: float | None = None, lon: float | None = None) -> IncidentDialog | None:
        if self.console.incidents is None:
            self._say("This window cannot record incidents.", 5000)
            return None
        dialog = IncidentDialog(
            self.console.cameras, self.console.time_zone, lat, lon, self.console, self.console.geocoder
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        session = self.console.session

        def save(data: IncidentInput, ranked: list[tuple[int, bool, str]]) -> None:
            def done(saved: SavedIncident) -> None:
                dialog.accept()
                self._show_incident(saved)
                self.console.session.incident_opened(saved.number, saved.id)

            self.console.tasks.run(
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
        if self.console.incidents is None:
            return
        store = self.console.incidents
        self.console.tasks.run(
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
            self.console, "Open an incident", "Open incidents, newest first:", labels, 0, False
        )
        if not ok or choice not in labels:
            return
        self.reopen(incidents[labels.index(choice)])

    def reopen(self, chosen: SavedIncident) -> None:
        """Make an incident the current one again, with the purposes stated under it."""
        store = self.console.incidents
        assert store is not None

        def opened(viewed: list[int]) -> None:
            self._show_incident(chosen)
            self.console.session.state_purpose(Purpose.of_incident(chosen.number), viewed)
            self.console.session.incident_opened(chosen.number, chosen.id)
            self._say(
                f"Incident {chosen.number} open again: its {len(chosen.camera_ids)} camera(s) and "
                f"{len(set(viewed) - set(chosen.camera_ids))} other camera(s) viewed under it need no "
                "further purpose.",
                10_000,
            )

        def unread(exc: BaseException) -> None:
            # The incident opens with its own cameras' purposes; those viewed under it are asked
            # for again when shown (a rule's call must not wait on this read).
            opened([])
            why = f"the cameras viewed under it could not be read: {exc}"
            self._say(f"Incident {chosen.number} open again; {why}", 10_000)

        self.console.tasks.run(lambda: store.cameras_viewed_for(chosen.number), opened, unread)

    def load_handoffs(self, incident_id: int) -> None:
        """The Incident dock's hand-offs, read off the GUI thread."""
        session = self.console.session
        panel = self.console.incident_panel

        def shown(rows: list[HandoffRow]) -> None:
            if panel.incident is not None and panel.incident.id == incident_id:
                panel.show_handoffs(rows)

        def read() -> list[HandoffRow]:
            return use_cases.incident_handoffs(session.sessions, session.actor, incident_id)

        self.console.tasks.run(read, shown, lambda exc: None)  # the next change reads again

    def revoke_handoff(self, handoff_id: int) -> None:
        session = self.console.session

        def revoked(_none: None) -> None:
            self._say("The link was revoked: it no longer opens.", 8000)
            if self.console.incident_panel.incident is not None:
                self.load_handoffs(self.console.incident_panel.incident.id)

        self.console.tasks.run(lambda: use_cases.revoke_handoff(session.sessions, session.actor, handoff_id),
                               revoked, lambda exc: self.console._error("Revoke the link", exc))  # fmt: skip

    def _show_incident(self, incident: SavedIncident) -> None:
        self.load_handoffs(incident.id)
        names = {r.id: r.name for r in self.console.cameras}
        # The incident is the purpose for its cameras: the console does not ask again for them.
        self.console.session.state_purpose(Purpose.of_incident(incident.number), list(incident.camera_ids))
        self.console.incident_panel.show_incident(incident, names)
        self.console.docks["incident"].show()
        self.console.docks["incident"].raise_()
        label = f"{incident.number} {incident.incident_type}".strip()
        self.console._drawn_incidents.append(
            {"lat": incident.latitude, "lon": incident.longitude, "radius": incident.radius_m, "label": label}
        )
        if self.console.map is not None:
            self.console.map.set_incidents(self.console._drawn_incidents)
            self.console.map.pan_to(incident.latitude, incident.longitude)
        self._say(f"Incident {incident.number} saved with {len(incident.camera_ids)} camera(s).", 8000)

    def review_recordings(self, incident: SavedIncident | None = None) -> QMainWindow | None:
        """Open the scrub view on the incident's usable cameras at the reported time."""
        incident = incident or self.console.incident_panel.incident
        if incident is None or self.console.incidents is None or self.console.recordings_dir is None:
            self._say("Open or enter an incident first (Ctrl+N).", 6000)
            return None
        from app.governance.gate import why_not_used
        from app.views.scrub.window import HandoffTarget, ScrubWindow

        cameras = [c for c in (self.console.camera_by_id(i) for i in incident.camera_ids) if c is not None]
        usable = [c for c in cameras if why_not_used(c) is None]
        if not usable:
            self._say("None of this incident's cameras has footage that may be used.", 6000)
            return None
        window = ScrubWindow(
            self.console.session,
            self.console.recordings_dir,
            usable,
            incident.reported_at,
            title=f"incident {incident.number}",
            time_zone=incident.time_zone,
            case_number=incident.number,
            parent=self.console,
            incident_id=incident.id,
            handoff=HandoffTarget(self.console.handoff_dir, self.console.live.base_url_for),
        )
        fit_to_screen(window, self.console, 1500, 950)
        window.show()
        self.console.scrub_windows.append(window)
        return window

    def show_requests(self) -> QDialog | None:
        """Ask an owner for footage of the selected camera, or record an owner's answer."""
        if self.console.incidents is None:
            return None
        from app.governance.roles import Action, may
        from app.views.requests_dialog import RequestsDialog

        incident = self.console.incident_panel.incident
        may_answer = self.console.role is None or may(self.console.role, Action.APPROVE_REQUEST)
        dialog = RequestsDialog(
            self.console.session,
            self.console.camera_panel.selected_camera(),
            incident.number if incident else "",
            incident.reported_at if incident else None,
            may_answer,
            self.console,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def choose_package_to_review(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.console, "Case package to review")
        if folder:
            self.open_review(Path(folder))

    def open_review(self, package: Path) -> QMainWindow:
        """The package, verified first, read-only in the review window (as ``rtcc review``)."""
        from app.views.review.window import ReviewWindow

        self.console.review_windows = [w for w in self.console.review_windows if w.isVisible()]
        window = ReviewWindow(package, self.console.engine, self.console)
        fit_to_screen(window, self.console, 1400, 900)
        window.show()
        self.console.review_windows.append(window)
        return window

    def export_case(self, case_number: str = "") -> QDialog | None:
        if self.console.incidents is None or self.console.recordings_dir is None:
            return None
        from app.views.export_dialog import ExportDialog

        number = case_number or (
            self.console.incident_panel.incident.number if self.console.incident_panel.incident else ""
        )
        dialog = ExportDialog(
            self.console.session,
            self.console.recordings_dir,
            self.console.time_zone,
            number,
            self.console,
            key_dir=self.console.key_dir,
        )
        dialog.sig_review_requested.connect(self.open_review)
        dialog.show()
        return dialog

    def show_audit(self) -> QDialog | None:
        """The auditor's view: filter by person, camera, case and time; verify; export CSV."""
        if self.console.incidents is None:
            return None
        from app.views.audit_view import AuditDialog

        names = {c.id: c.name for c in self.console.cameras}
        dialog = AuditDialog(self.console.incidents.sessions, names, self.console, self.console.session.actor)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def verify_package(self) -> None:
        if self.console.incidents is None or self.console.recordings_dir is None:
            return
        from app.views.export_dialog import ExportDialog

        dialog = ExportDialog(
            self.console.session, self.console.recordings_dir, self.console.time_zone, parent=self.console
        )
        dialog.show()
        dialog._verify_other()

    def show_justifications(self) -> QDialog:
        """A supervisor's list of justifications to approve or deny (two people for going beyond a
        purpose's bounds)."""
        from app.views.justifications_dialog import JustificationsDialog

        dialog = JustificationsDialog(self.console.session, self.console)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
