"""Add or edit a camera. Validation errors are shown next to their fields; a failed save keeps
everything the operator typed and says what to do."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import CameraStatus, OwnerType, SharingTerms
from app.models.rows import CameraRow
from app.registry.records import CameraRecord, FieldError, validate_camera
from app.views.camera_list import LABELS
from app.views.plain import plain_label

_ERROR_STYLE = "border: 2px solid #e05d5d;"


class CameraDialog(QDialog):
    """Emits ``sig_save_requested(record)``; the owner saves off the GUI thread and then calls
    :meth:`save_succeeded` or :meth:`save_failed`."""

    sig_save_requested = Signal(object)

    def __init__(
        self, divisions: list[str], camera: CameraRow | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.camera = camera
        self.setWindowTitle(f"Edit camera — {camera.name}" if camera else "Register a camera")
        self.setMinimumWidth(560)
        self.edits: dict[str, QWidget] = {}
        form = QFormLayout()

        def line(key: str, label: str, placeholder: str = "") -> QLineEdit:
            edit = QLineEdit(self)
            edit.setObjectName(key)
            edit.setPlaceholderText(placeholder)
            form.addRow(label, edit)
            self.edits[key] = edit
            return edit

        def combo(key: str, label: str, values: list[str]) -> QComboBox:
            box = QComboBox(self)
            box.setObjectName(key)
            for value in values:
                box.addItem(LABELS.get(value, value or "(none)"), value)
            form.addRow(label, box)
            self.edits[key] = box
            return box

        line("name", "Camera name", "e.g. HOL-014 Sunset & Vine NE")
        line("owner_name", "Owner", "business, resident or agency name")
        combo("owner_type", "Owner type", [m.value for m in OwnerType])
        line("owner_contact", "Owner contact", "phone or e-mail")
        line("latitude", "Latitude", "decimal degrees, e.g. 34.0983")
        line("longitude", "Longitude", "decimal degrees, e.g. -118.3267")
        line("heading_deg", "Heading (°)", "0 = north, 90 = east")
        line("fov_deg", "Field of view (°)", "e.g. 90")
        line("range_m", "Range (m)", "how far it usefully sees, e.g. 60")
        line("main_url", "Main stream URL", "rtsp://host/path (a user:password@ part goes to the keyring)")
        line("sub_url", "Sub-stream URL", "optional, lower resolution for the wall grid")
        combo("sharing_terms", "Sharing terms", [m.value for m in SharingTerms])
        line(
            "live_window",
            "Live viewing window",
            "always · active_incident · 2026-12-01T00:00:00Z/2027-01-01T00:00:00Z",
        )
        line("consent_granted_at", "Consent granted (UTC)", "ISO 8601, e.g. 2026-05-01T09:00:00Z")
        line("consent_revoked_at", "Consent revoked (UTC)", "empty while consent stands")
        retention = QSpinBox(self)
        retention.setObjectName("retention_days")
        retention.setRange(1, 3650)
        retention.setValue(30)
        retention.setSuffix(" days")
        form.addRow("Retention", retention)
        self.edits["retention_days"] = retention
        combo("status", "Status", [m.value for m in CameraStatus])
        combo("division", "Division", ["", *divisions])
        notes = QPlainTextEdit(self)
        notes.setObjectName("notes")
        notes.setFixedHeight(70)
        form.addRow("Notes", notes)
        self.edits["notes"] = notes

        self.credential_hint = plain_label(parent=self)
        self.credential_hint.setWordWrap(True)
        self.error_label = plain_label(parent=self)
        self.error_label.setObjectName("errors")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #ff8a80;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.credential_hint)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        if camera is not None:
            self._fill(camera)
        else:
            self.set_value("consent_granted_at", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def set_value(self, key: str, value: str) -> None:
        widget = self.edits[key]
        if isinstance(widget, QLineEdit):
            widget.setText(value)
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(value or 30))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)

    def value(self, key: str) -> str:
        widget = self.edits[key]
        if isinstance(widget, QLineEdit):
            return widget.text()
        if isinstance(widget, QComboBox):
            return str(widget.currentData())
        if isinstance(widget, QSpinBox):
            return str(widget.value())
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText()
        raise KeyError(key)

    def values(self) -> dict[str, str]:
        return {key: self.value(key) for key in self.edits}

    def _fill(self, camera: CameraRow) -> None:
        for key, value in camera.to_fields().items():
            if key in self.edits:
                self.set_value(key, value)
        if camera.has_credentials:
            self.credential_hint.setText(
                "This camera's credentials are stored in the OS keyring and are kept. "
                "Type a URL with user:password@ to replace them."
            )

    def _on_save(self) -> None:
        for widget in self.edits.values():
            widget.setStyleSheet("")
        record, errors = validate_camera(self.values())
        if record is None:
            self.show_errors(errors)
            return
        self.error_label.setText("Saving…")
        self.buttons.setEnabled(False)
        self.sig_save_requested.emit(record)

    def show_errors(self, errors: list[FieldError]) -> None:
        for err in errors:
            if err.field in self.edits:
                self.edits[err.field].setStyleSheet(_ERROR_STYLE)
        lines = [f"• {err.field.replace('_', ' ')}: {err.reason}" for err in errors]
        self.error_label.setText("Please correct:\n" + "\n".join(lines))
        first = next((self.edits[e.field] for e in errors if e.field in self.edits), None)
        if first is not None:
            first.setFocus()

    def save_failed(self, message: str, errors: list[FieldError] | None = None) -> None:
        self.buttons.setEnabled(True)
        if errors:
            self.show_errors(errors)
        else:
            self.error_label.setText(f"Not saved: {message}\nYour entries are kept; correct and save again.")

    def save_succeeded(self) -> None:
        self.accept()

    def record(self) -> CameraRecord | None:
        return validate_camera(self.values())[0]
