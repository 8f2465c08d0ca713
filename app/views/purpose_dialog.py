"""Asks why a private camera is being opened: an incident or case number, or a written reason,
and on what legal basis (the program's list; a warrant or court order with its number).

Asked once per incident: the console remembers the answer for the incident's cameras
(:class:`app.governance.purpose.PurposeBook`). The check itself (does that incident exist, is
the reason long enough, does the purpose cover this camera now) is the core's; this dialog only
collects and shows its answer, and keeps what was typed when the check fails. When the purpose
does not cover the camera (too far from the incident, the incident closed, a reason alone), it
offers to ask a supervisor with a written justification.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.governance.justifications import MIN_JUSTIFICATION_CHARS
from app.governance.policy import LEGAL_BASES, NUMBERED_BASES
from app.governance.purpose import MIN_REASON_CHARS, Purpose
from app.governance.purpose_bounds import ASK
from app.views.plain import plain_label


class PurposeDialog(QDialog):
    """Signals: ``sig_purpose_stated(Purpose)``: the caller checks it and calls :meth:`refuse` or
    :meth:`accept`; ``sig_justification_asked(Purpose, str)``: the operator asks a supervisor to
    let the purpose cover this camera, with the justification typed (the caller answers with
    :meth:`justification_sent` or :meth:`refuse`)."""

    sig_purpose_stated = Signal(object)
    sig_justification_asked = Signal(object, str)

    def __init__(
        self,
        camera_name: str,
        what: str,
        suggested: Purpose,
        parent: QWidget | None = None,
        why_asked: str = "belongs to a private owner",
        bases: tuple[str, ...] = LEGAL_BASES,
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
        self.basis = QComboBox(self)
        self.basis.setObjectName("purpose_basis")
        for basis in bases:
            self.basis.addItem(basis)
        self.basis_number = QLineEdit(self)
        self.basis_number.setObjectName("purpose_basis_number")
        self.basis_number.setPlaceholderText("its number")
        self.basis.currentTextChanged.connect(lambda b: self.basis_number.setEnabled(b in NUMBERED_BASES))
        self.basis_number.setEnabled(self.basis.currentText() in NUMBERED_BASES)
        if suggested.basis:
            kind = next((b for b in bases if suggested.basis.startswith(b)), "")
            self.basis.setCurrentText(kind)
            self.basis_number.setText(suggested.basis[len(kind) :].strip())
        self.justification = QPlainTextEdit(self)
        self.justification.setObjectName("purpose_justification")
        self.justification.setPlaceholderText(
            f"why this camera, then, for this purpose, in at least {MIN_JUSTIFICATION_CHARS} characters: "
            "a supervisor reads it"
        )
        self.justification.setFixedHeight(70)
        self.ask_button = QPushButton("Ask a supervisor", self)
        self.ask_button.setObjectName("purpose_ask_supervisor")
        self.ask_button.clicked.connect(self._on_ask)
        self.justification.hide()
        self.ask_button.hide()
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
        form.addRow("Legal basis", self.basis)
        form.addRow("Warrant or order number", self.basis_number)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.justification)
        layout.addWidget(self.ask_button)
        layout.addWidget(self.buttons)
        (self.reason if suggested.incident else self.incident).setFocus()

    def purpose(self) -> Purpose:
        reason = self.reason.toPlainText().strip()
        basis = self.basis.currentText()
        if basis in NUMBERED_BASES:
            basis = f"{basis} {self.basis_number.text().strip()}".strip()
        return Purpose(self.incident.text().strip(), self.case.text().strip(), reason, basis)

    def _on_ok(self) -> None:
        purpose = self.purpose()
        if not purpose:
            self.refuse("Type an incident or case number, or a reason.")
            return
        self.error.setText("Checking …")
        self.buttons.setEnabled(False)
        self.sig_purpose_stated.emit(purpose)

    def refuse(self, problem: str) -> None:
        """Show what is wrong; everything typed stays. Beyond the purpose's bounds, the way on."""
        self.buttons.setEnabled(True)
        self.ask_button.setEnabled(True)
        self.error.setText(problem[:1].upper() + problem[1:])
        if ASK in problem:
            self.justification.show()
            self.ask_button.show()
            self.justification.setFocus()

    def _on_ask(self) -> None:
        self.ask_button.setEnabled(False)
        self.error.setText("Sending the justification …")
        self.sig_justification_asked.emit(self.purpose(), self.justification.toPlainText().strip())

    def justification_sent(self, number: int) -> None:
        self.error.setText(f"Justification #{number} waits for a supervisor (another person). Once approved, "
                           "press OK again.")  # fmt: skip
        self.ask_button.setEnabled(True)
