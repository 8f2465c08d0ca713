"""Closing an incident with its disposition, and opening a closed one again, from the console.

Closing ends the owners' "during an active incident only" live windows; the disposition (how it
ended) goes on the incident and the audit chain. Nothing typed is lost if the close fails.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout, QWidget

from app.incidents.service import DISPOSITIONS, MAX_DISPOSITION, SavedIncident
from app.views.plain import plain_label


class CloseIncidentDialog(QDialog):
    """Asks how the incident ended: one of the usual dispositions, or the center's own words."""

    def __init__(self, incident: SavedIncident, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one dialog per close, gone after
        self.setWindowTitle(f"Close incident {incident.number}")
        self.setMinimumWidth(520)
        self.disposition = QComboBox(self)
        self.disposition.setObjectName("incident_disposition")
        self.disposition.setEditable(True)
        self.disposition.addItems(DISPOSITIONS)
        self.disposition.setCurrentIndex(0)
        line = self.disposition.lineEdit()
        assert line is not None
        line.setMaxLength(MAX_DISPOSITION)
        self.error = plain_label("", self)
        self.error.setObjectName("incident_close_error")
        self.error.setStyleSheet("color: #ff6b6b;")
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(ok | cancel, parent=self)
        self.buttons.button(ok).setText("Close the incident")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        intro = plain_label(
            f"{incident.number} · {incident.incident_type}. Closing ends the owners' \u201cduring an active "
            "incident only\u201d live windows for its cameras. It can be reopened.", self
        )  # fmt: skip
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("How it ended", self.disposition)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.disposition.setFocus()

    def chosen(self) -> str:
        return self.disposition.currentText().strip()

    def failed(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(f"Not closed: {message}")
