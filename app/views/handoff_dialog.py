"""Send to officers: the operator picks the camera, a still or a clip around the playhead (or the
moment seen on a live tile), and a note; the hand-off is made on a worker; the result shows the
link (with a QR code for a phone) and the folder it was delivered to. A refusal says why, and what
was typed stays. From a live tile the dialog counts down to the clip's end while the recorder
catches up."""

from __future__ import annotations

from datetime import UTC, datetime

import qrcode
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.evidence.handoff import HandoffResult
from app.models.rows import CameraRow
from app.views.plain import plain_label


class QrCode(QWidget):
    """A QR code drawn module by module (no image library): the phone's camera opens the link."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(text)
        code.make(fit=True)
        self.matrix: list[list[bool]] = code.get_matrix()
        self.setObjectName("handoff_qr")
        self.setFixedSize(240, 240)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        size = len(self.matrix)
        cell = min(self.width(), self.height()) / size
        for y, row in enumerate(self.matrix):
            for x, dark in enumerate(row):
                if dark:
                    p.fillRect(QRectF(x * cell, y * cell, cell + 0.5, cell + 0.5), QColor("black"))


class HandoffDialog(QDialog):
    """Emits nothing: ``send(make)`` runs ``make(camera_id, kind, note)`` (the caller's worker)."""

    def __init__(self, cameras: list[CameraRow], playhead: datetime, incident: str,
                 parent: QWidget | None = None, moment: str = "the playhead",
                 moment_label: str = "Playhead") -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(f"Send to officers: incident {incident}")
        self.camera = QComboBox(self)
        self.camera.setObjectName("handoff_camera")
        for c in cameras:
            self.camera.addItem(c.name, c.id)
        self.kind = QComboBox(self)
        self.kind.setObjectName("handoff_kind")
        self.kind.addItem(f"Clip: 10 s before to 5 s after {moment}", "clip")
        self.kind.addItem(f"Still at {moment}", "still")
        self.note = QLineEdit(self)
        self.note.setObjectName("handoff_note")
        self.note.setMaxLength(80)
        self.note.setPlaceholderText("What the officers should look for (burned into the caption)")
        form = QFormLayout()
        form.addRow("Camera", self.camera)
        form.addRow("What", self.kind)
        form.addRow("Note", self.note)
        form.addRow(moment_label, plain_label(f"{playhead:%Y-%m-%d %H:%M:%S} UTC", self))
        # What is happening, or why it was not sent: in the text colour while working, in red
        # only for a failure ("Making it…" was shown in the error colour).
        self.error = plain_label("", self)
        self.error.setObjectName("handoff_error")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.send_button = self.buttons.addButton("Send", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setObjectName("handoff_send")
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.result_box: QWidget | None = None
        self._until: datetime | None = None
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._show_wait)

    def choice(self) -> tuple[int, str, str]:
        return int(self.camera.currentData()), str(self.kind.currentData()), self.note.text().strip()

    def busy(self, until: datetime | None = None) -> None:
        """Working; with ``until``, first waiting for the recording to reach that camera time."""
        self.send_button.setEnabled(False)
        self._until = until
        self.error.setStyleSheet("")
        self.error.setText("Making it…")
        if until is not None:
            self._show_wait()
            self._countdown.start()

    def _show_wait(self) -> None:
        left = (self._until - datetime.now(UTC)).total_seconds() if self._until else 0.0
        if left > 0:
            self.error.setText(f"Recording the moments after it: {left:.0f} s… (Escape cancels)")
        else:
            self._countdown.stop()
            self.error.setText("Closing the recorded segment and cutting it…")

    def failed(self, message: str) -> None:
        """Refused or failed: the reason, and everything chosen and typed stays."""
        self._countdown.stop()
        self.send_button.setEnabled(True)
        self.error.setStyleSheet("color: #e05050; font-weight: bold;")
        self.error.setText(f"Not sent: {message}")

    def sent(self, result: HandoffResult, link: str, warning: str = "") -> None:
        """Delivered: where, the link and its QR code; ``warning`` when phones cannot open it."""
        self._countdown.stop()
        self.error.setText("")
        box = QWidget(self)
        box.setObjectName("handoff_result")
        inner = QVBoxLayout(box)
        inner.addWidget(plain_label(f"Delivered to {result.path.parent} as {result.path.name}", box))
        link_label = plain_label(link, box)
        link_label.setObjectName("handoff_link")
        link_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(link_label)
        if warning:
            unreachable = plain_label(warning, box)
            unreachable.setObjectName("handoff_link_warning")
            unreachable.setWordWrap(True)
            unreachable.setStyleSheet("color: #ff8c1a; font-weight: bold;")
            inner.addWidget(unreachable)
        inner.addWidget(QrCode(link, box), 0, Qt.AlignmentFlag.AlignHCenter)
        inner.addWidget(plain_label(f"The link works until {result.expires_at:%Y-%m-%d %H:%M} UTC; the "
                                    "incident's hand-offs can revoke it sooner.", box))  # fmt: skip
        copy = QPushButton("Copy link", box)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(link))
        inner.addWidget(copy)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.count() - 1, box)
        self.result_box = box
        self.send_button.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
