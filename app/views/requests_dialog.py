"""Footage requests to owners, from the console: what was asked of whom, and the owners' answers.

A camera whose owner shares recordings only on request opens only for a stretch an approved
request covers. The dispatcher asks here (the selected camera, the incident's stretch); the
owner answers outside the console, and a supervisor records who at the owner's side answered.
The rules and the audit are the core's (:class:`app.governance.requests.FootageRequests`), the
same as ``rtcc request``; all database work runs off the GUI thread.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.console import use_cases
from app.console.session import Session as ConsoleSession
from app.governance.purpose import Purpose
from app.governance.requests import PENDING, FootageRequests, RequestRow
from app.models.rows import CameraRow
from app.views.plain import plain_label
from app.views.tasks import TaskRunner

COLUMNS = ("#", "Camera", "Stretch (UTC)", "Purpose", "Answer")


def _utc_edit(parent: QWidget, when: datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(parent)
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
    edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp()), QTimeZone.utc()))
    return edit


def _from_edit(edit: QDateTimeEdit) -> datetime:
    return datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), UTC)


class RequestsDialog(QDialog):
    def __init__(self, session: ConsoleSession, camera: CameraRow | None, incident_number: str,
                 around: datetime | None, may_record_answers: bool,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Footage requests to owners")
        self.setMinimumSize(820, 460)
        self.session = session
        self.book = FootageRequests(session.sessions)  # for reading the list
        self.camera = camera
        self.tasks = TaskRunner(self, workers=1)
        self.rows: list[RequestRow] = []

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("requests")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        centre = around or datetime.now(UTC)
        self.camera_label = plain_label(camera.name if camera else "Select a camera in the list first", self)
        self.start = _utc_edit(self, centre - timedelta(minutes=10))
        self.end = _utc_edit(self, centre + timedelta(minutes=10))
        self.incident = QLineEdit(incident_number, self)
        self.incident.setObjectName("request_incident")
        self.ask_button = QPushButton("Request this footage", self)
        self.ask_button.setObjectName("request_footage")
        self.ask_button.setEnabled(camera is not None)
        self.ask_button.clicked.connect(self._ask)
        form = QFormLayout()
        form.addRow("Camera", self.camera_label)
        stretch = QHBoxLayout()
        stretch.addWidget(self.start)
        stretch.addWidget(plain_label("to", self))
        stretch.addWidget(self.end)
        form.addRow("Stretch", stretch)
        form.addRow("Incident number", self.incident)

        self.approve_button = QPushButton("Owner approved…", self)
        self.approve_button.setObjectName("request_approved")
        self.deny_button = QPushButton("Owner refused…", self)
        self.deny_button.setObjectName("request_refused")
        for button, approved in ((self.approve_button, True), (self.deny_button, False)):
            button.setEnabled(False)
            button.setVisible(may_record_answers)  # supervisors record owners' answers
            button.clicked.connect(lambda _checked=False, a=approved: self._answer(a))
        self.status = plain_label("", self)
        self.status.setObjectName("requests_status")
        self.status.setWordWrap(True)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(self.ask_button)
        buttons.addStretch(1)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.deny_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        self.tasks.run(self.book.list, self._show, self._failed)

    def _show(self, rows: list[RequestRow]) -> None:
        self.rows = sorted(rows, key=lambda r: r.requested_at, reverse=True)
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            answer = f"{r.status} by {r.owner_decided_by}" if r.owner_decided_by else r.status
            cells = (
                str(r.id),
                r.camera_name,
                f"{r.start_at:%Y-%m-%d %H:%M}–{r.end_at:%H:%M}",
                r.purpose,
                answer,
            )
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self._selection_changed()

    def _selected(self) -> RequestRow | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.rows[min(rows)] if rows else None

    def _selection_changed(self) -> None:
        chosen = self._selected()
        pending = chosen is not None and chosen.status == PENDING
        self.approve_button.setEnabled(pending)
        self.deny_button.setEnabled(pending)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #ff6b6b; font-weight: bold;" if error else "")
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self._say(f"Not done: {exc}", True)  # what was typed stays in the form

    def _ask(self) -> None:
        camera = self.camera
        if camera is None:
            return
        start, end = _from_edit(self.start), _from_edit(self.end)
        purpose = Purpose(incident=self.incident.text().strip())

        def done(row: RequestRow) -> None:
            self._say(f"Request {row.id} for {row.camera_name} recorded; pending the owner's answer.")
            self.reload()

        session = self.session
        self.tasks.run(
            lambda: use_cases.request_footage(
                session.sessions, session.actor, camera.id, start, end, purpose
            ),
            done,
            self._failed,
        )

    def _answer(self, approved: bool) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        verb = "approved" if approved else "refused"
        person, ok = QInputDialog.getText(
            self, f"Owner {verb}", f"Who at the owner's side {verb} request {chosen.id} (name, role)?"
        )
        if not ok:
            return

        def done(row: RequestRow) -> None:
            self._say(
                f"Request {row.id} {row.status} by {row.owner_decided_by} (recorded by {row.marked_by})."
            )
            self.reload()

        session = self.session
        self.tasks.run(
            lambda: use_cases.record_owner_answer(
                session.sessions, session.actor, chosen.id, approved, person
            ),
            done,
            self._failed,
        )

    def closeEvent(self, event: object) -> None:
        self.tasks.wait(5000)
        super().closeEvent(event)  # type: ignore[arg-type]
