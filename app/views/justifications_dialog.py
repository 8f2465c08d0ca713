"""A supervisor's list of justifications waiting for an answer (Evidence → Justifications…,
Ctrl+Shift+J): who asked, for which camera and purpose, which bound it goes beyond, for when, and
why. Approve or deny; one's own request cannot be answered (the core refuses it too). Everything
is shown as plain text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.console import use_cases
from app.console.session import Session
from app.governance.justifications import PENDING, JustificationRow
from app.views.plain import plain_label
from app.views.tasks import TaskRunner


class JustificationsDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = TaskRunner(self)
        self.setWindowTitle("Justifications waiting for a supervisor")
        self.setMinimumSize(760, 420)
        self.rows: list[JustificationRow] = []
        self.list = QListWidget(self)
        self.list.setObjectName("justifications")
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._selected)
        self.status = plain_label("Reading …", self)
        self.status.setObjectName("justifications_status")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.approve = self.buttons.addButton("Approve", QDialogButtonBox.ButtonRole.ActionRole)
        self.approve.setObjectName("justification_approve")
        self.deny = self.buttons.addButton("Deny", QDialogButtonBox.ButtonRole.ActionRole)
        self.deny.setObjectName("justification_deny")
        self.approve.clicked.connect(lambda: self._decide(True))
        self.deny.clicked.connect(lambda: self._decide(False))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._selected(-1)
        self.reload()

    def reload(self) -> None:
        sessions = self.session.sessions
        self.tasks.run(lambda: use_cases.justifications(sessions, PENDING), self._show,
                       lambda exc: self.status.setText(f"Cannot read them: {exc}"))  # fmt: skip

    def _show(self, rows: list[JustificationRow]) -> None:
        self.rows = rows
        self.list.clear()
        for r in rows:
            asked = f"asked by {r.requested_by} at {r.requested_at:%Y-%m-%d %H:%M} UTC"
            when = f"for {r.start_at:%Y-%m-%d %H:%M}-{r.end_at:%H:%M} UTC"
            text = f"#{r.id} · {r.camera} · {r.purpose} · {asked}\n{when}; beyond: {r.exceeded}"
            text += f"\nwhy: {r.justification}"
            item = QListWidgetItem(text)  # a list item draws plain text only
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            self.list.addItem(item)
        self.status.setText(f"{len(rows)} waiting." if rows else "None waiting.")
        self._selected(self.list.currentRow())

    def _selected(self, index: int) -> None:
        row = self.rows[index] if 0 <= index < len(self.rows) else None
        own = row is not None and row.requested_by.lower() == self.session.actor.username.lower()
        for button in (self.approve, self.deny):
            button.setEnabled(row is not None and not own)
        if own and self.session.actor.bootstrap:
            # Before any account exists everyone here is the workstation's user, so no second
            # person can ever answer: say so, and what to do (it looked like a broken button).
            self.status.setText(
                f"No second person can answer here: with no accounts yet, everyone at this workstation "
                f"is its user {self.session.actor.username}, who asked. A justification needs a "
                "supervisor other than the one who asked: make accounts (rtcc users add, an "
                "administrator first), then a supervisor signs in and answers it."
            )
        elif own:
            self.status.setText("You asked for this one: another supervisor answers it.")

    def _decide(self, approve: bool) -> None:
        index = self.list.currentRow()
        if not 0 <= index < len(self.rows):
            return
        chosen = self.rows[index]
        session = self.session
        self.approve.setEnabled(False)
        self.deny.setEnabled(False)

        def done(_result: object) -> None:
            self.status.setText(f"#{chosen.id} {'approved' if approve else 'denied'}; {chosen.requested_by} "
                                "sees it when they press OK again.")  # fmt: skip
            self.reload()

        def decide() -> None:
            use_cases.decide_justification(session.sessions, session.actor, chosen.id, approve)

        self.tasks.run(decide, done, lambda exc: self.status.setText(f"Not recorded: {exc}"))
