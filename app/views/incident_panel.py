"""The Incident dock: the current incident, its cameras and what was done under it (its
timeline), its hand-offs to officers with revocation, and closing or reopening it. Every text
in it is plain text."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.evidence.handoff import HandoffRow
from app.incidents.service import SavedIncident
from app.models.tables import AuditEvent
from app.views.plain import plain_label


class IncidentPanel(QWidget):
    """The incident dock: the current incident and its cameras.

    Signals: ``sig_show_live(ids)`` its cameras to the wall; ``sig_new_incident()``;
    ``sig_review(incident)`` to the scrub view; ``sig_revoke(handoff id)`` a link to stop working
    now; ``sig_close(incident)`` and ``sig_reopen(incident)``: close it (asking how it ended) or
    open it again."""

    sig_show_live = Signal(object)
    sig_new_incident = Signal()
    sig_review = Signal(object)
    sig_revoke = Signal(int)
    sig_close = Signal(object)
    sig_reopen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.incident: SavedIncident | None = None
        self.title = plain_label("No incident open. Ctrl+N, or right-click the map: New incident here.", self)
        self.title.setObjectName("incident_title")
        self.title.setWordWrap(True)
        self.cameras = QListWidget(self)
        self.new_button = QPushButton("New incident…", self)
        self.new_button.clicked.connect(self.sig_new_incident)
        self.live_button = QPushButton("Show live on the wall", self)
        self.live_button.setToolTip("Put this incident's cameras on the wall, live")
        self.live_button.setEnabled(False)
        self.live_button.clicked.connect(
            lambda: self.sig_show_live.emit(self.incident.camera_ids if self.incident else [])
        )
        self.review_button = QPushButton("Review recordings", self)
        self.review_button.setEnabled(False)
        self.review_button.clicked.connect(lambda: self.sig_review.emit(self.incident))
        self.close_button = QPushButton("Close the incident…", self)
        self.close_button.setObjectName("incident_close")
        self.close_button.setEnabled(False)
        self.close_button.clicked.connect(self._close_or_reopen)
        # Two rows of two: four in a row made the dock, and so the whole left side, too wide for
        # the wall on a small screen.
        buttons = QGridLayout()
        buttons.addWidget(self.new_button, 0, 0)
        buttons.addWidget(self.live_button, 0, 1)
        buttons.addWidget(self.review_button, 1, 0)
        buttons.addWidget(self.close_button, 1, 1)
        # Its hand-offs to officers: who, when, what, where, opened or not, until when.
        self.handoffs = QListWidget(self)
        self.handoffs.setObjectName("incident_handoffs")
        self.handoffs.currentRowChanged.connect(self._handoff_selected)
        self.revoke_button = QPushButton("Revoke the link", self)
        self.revoke_button.setObjectName("revoke_handoff")
        self.revoke_button.setEnabled(False)
        self.revoke_button.clicked.connect(self._revoke)
        self._handoff_rows: list[HandoffRow] = []
        # What was done under the incident, newest last (views, hand-offs, cases, closing).
        self.timeline = QListWidget(self)
        self.timeline.setObjectName("incident_timeline")
        self.timeline.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.cameras, "&Cameras")
        self.tabs.addTab(self.timeline, "&Timeline")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        layout.addWidget(plain_label("Hand-offs to officers", self))
        layout.addWidget(self.handoffs)
        layout.addWidget(self.revoke_button)

    def show_timeline(self, entries: list[AuditEvent]) -> None:
        zone = ZoneInfo(self.incident.time_zone) if self.incident else UTC
        at_end = self.timeline.verticalScrollBar().value() == self.timeline.verticalScrollBar().maximum()
        self.timeline.clear()
        for e in entries:
            what = e.action + (f" · {e.details}" if e.details else "")
            target = f" · {e.target_type} {e.target_id}" if e.target_type == "camera" else ""
            self.timeline.addItem(
                f"{e.at.astimezone(zone):%H:%M:%S} · {e.username} · {what}{target}"
            )  # plain text
        if not entries:
            self.timeline.addItem("Nothing recorded under this incident yet.")
        if at_end:  # keep following the newest, unless the person scrolled up to read
            self.timeline.scrollToBottom()

    def show_handoffs(self, rows: list[HandoffRow]) -> None:
        self._handoff_rows = rows
        self.handoffs.clear()
        for row in rows:
            self.handoffs.addItem(f"{row.created_at:%H:%M} UTC · {row.created_by} · {row.kind} {row.file} → "
                                  f"{row.delivered_to} · {row.state()}")  # fmt: skip
        self.revoke_button.setEnabled(False)
        self.revoke_button.setText("Revoke the link")

    def _handoff_selected(self, index: int) -> None:
        row = self._handoff_rows[index] if 0 <= index < len(self._handoff_rows) else None
        self.revoke_button.setEnabled(row is not None and row.active())

    def _revoke(self) -> None:
        """Ask first (a link an officer is using stops at once), then show it being revoked until
        the list reads back "revoked" (it gave no feedback and looked dead)."""
        index = self.handoffs.currentRow()
        if not 0 <= index < len(self._handoff_rows):
            return
        row = self._handoff_rows[index]
        yes, cancel = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Cancel
        question = (f"Stop the officers' link to {row.file} now? Whoever holds it can no longer open it; "
                    "the file already delivered stays where it is.")  # fmt: skip
        box = QMessageBox(QMessageBox.Icon.Question, "Revoke the link", question, yes | cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.button(yes).setText("Revoke the link")
        box.setDefaultButton(cancel)
        if box.exec() != yes:
            return
        self.revoke_button.setEnabled(False)
        self.revoke_button.setText("Revoking…")
        self.sig_revoke.emit(row.id)

    def _close_or_reopen(self) -> None:
        if self.incident is not None:
            (self.sig_reopen if self.incident.closed_at else self.sig_close).emit(self.incident)

    def show_incident(self, incident: SavedIncident, names: dict[int, str]) -> None:
        self.incident = incident
        local = incident.reported_at.astimezone(ZoneInfo(incident.time_zone))
        # The number and type are the caller's words: plain text (they drew markup before).
        self.title.setText(
            f"{incident.number} · {incident.incident_type} · reported {local:%Y-%m-%d %H:%M} "
            f"{incident.time_zone}\n{incident.division or 'outside every division'} · "
            f"{incident.latitude:.5f}, {incident.longitude:.5f} · radius "
            f"{incident.radius_m:.0f} m · {len(incident.camera_ids)} camera(s) selected"
            + (f"\nCLOSED by {incident.closed_by or 'someone'} at "
               f"{incident.closed_at.astimezone(ZoneInfo(incident.time_zone)):%Y-%m-%d %H:%M}"
               + (f": {incident.disposition}" if incident.disposition else "")
               if incident.closed_at else "")
        )  # fmt: skip
        self.close_button.setEnabled(True)
        self.close_button.setText("Reopen the incident" if incident.closed_at else "Close the incident…")
        self.cameras.clear()
        for cid in incident.camera_ids:
            self.cameras.addItem(names.get(cid, f"camera #{cid}"))
        self.live_button.setEnabled(bool(incident.camera_ids))
        self.review_button.setEnabled(bool(incident.camera_ids))
