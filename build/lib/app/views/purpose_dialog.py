"""Asks why a private camera is being opened: an incident or case number, or a written reason.

Asked once per incident: the console remembers the answer for the incident's cameras
(:class:`app.governance.purpose.PurposeBook`). The check itself (does that incident exist, is
the reason long enough) is the core's; this dialog only collects and shows its answer, and keeps
what was typed when the check fails.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.governance.purpose import MIN_REASON_CHARS, Purpose
from app.views.plain import plain_label


class PurposeDialog(QDialog):
    """Signal: ``sig_purpose_stated(Purpose)``; the caller checks it and calls :meth:`refuse` or
    :meth:`accept`."""

    sig_purpose_stated = Signal(object)

    def __init__(
        self,
        camera_name: str,
        what: str,
        suggested: Purpose,
        parent: QWidget | None = None,
        why_asked: str = "belongs to a private owner",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("State the purpose")
        self.setMinimumWidth(620)
        intro = QLabel(
            f"<b>{html.escape(camera_name)}</b> {html.escape(why_asked)}. To {what}, state why: "
            "the incident or case number, or a written reason. It is recorded in the audit log "
            "with your name.",
            self,
        )
        intro.setWordWrap(True)
        self.incident = QLineEdit(suggested.incident, self)
        self.incident.setObjectName("purpose_incident")
        self.incident.setPlaceholderText("e.g. 2026-0412 (the CAD or report number)")
        self.case = QLineEdit(suggested.case, self)
        self.case.setObjectName("purpose_case")
        self.case.setPlaceholderText("an existing case number")
        self.reason = QPlainTextEdit(suggested.reason, self)
        self.reason.setObjectName("purpose_reason")
        self.reason.setPlaceholderText(f"without a number: why, in at least {MIN_REASON_CHARS} characters")
        self.reason.setFixedHeight(80)
        self.error = plain_label("", self)
        self.error.setObjectName("purpose_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff8a80; font-weight: bold;")
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(ok | cancel, parent=self)
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Incident number", self.incident)
        form.addRow("Case number", self.case)
        form.addRow("Reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        (self.reason if suggested.incident else self.incident).setFocus()

    def purpose(self) -> Purpose:
        reason = self.reason.toPlainText().strip()
        return Purpose(self.incident.text().strip(), self.case.text().strip(), reason)

    def _on_ok(self) -> None:
        purpose = self.purpose()
        if not purpose:
            self.refuse("Type an incident or case number, or a reason.")
            return
        self.error.setText("Checking …")
        self.buttons.setEnabled(False)
        self.sig_purpose_stated.emit(purpose)

    def refuse(self, problem: str) -> None:
        """Show what is wrong; everything typed stays."""
        self.buttons.setEnabled(True)
        self.error.setText(problem[:1].upper() + problem[1:])
