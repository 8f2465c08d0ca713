"""Export a case to a USB drive or network share, with progress, cancel and the verdict.

The export runs on a worker thread (:func:`app.evidence.export.export_case`); the worker only
stores its latest progress, which a GUI timer shows (bytes, rate, time left). An error leaves
the dialog open with everything the technician chose, and says what to do next. "Verify a
package…" checks any package folder or zip the same way ``rtcc verify`` does.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.console import use_cases
from app.console.session import Session as ConsoleSession
from app.evidence.cases import CaseError
from app.evidence.export import ExportError, ExportOptions, ExportProgress, ExportResult
from app.evidence.targets import list_targets
from app.evidence.verify import Verdict, verify_package
from app.views.plain import plain_label
from app.views.tasks import TaskRunner


class ExportDialog(QDialog):
    """Signals: ``sig_review_requested(path)`` when the technician asks to review the package just
    exported (the console opens it read-only in the review window)."""

    sig_review_requested = Signal(object)

    def __init__(
        self,
        session: ConsoleSession,
        recordings: Path,
        time_zone: str = "UTC",
        case_number: str = "",
        parent: QWidget | None = None,
        *,
        key_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export case evidence")
        self.setMinimumWidth(720)
        self.session = session
        self.sessions = session.sessions
        self.recordings = recordings
        self.time_zone = time_zone
        self.key_dir = key_dir
        self.tasks = TaskRunner(self, workers=1)
        self.cancel_event = threading.Event()
        self.latest: ExportProgress | None = None
        self.export_result: ExportResult | None = None
        self.verdict: Verdict | None = None

        self.case = QComboBox(self)
        self.case.setEditable(True)
        if case_number:
            self.case.setCurrentText(case_number)
        self.tasks.run(lambda: [c.number for c in use_cases.list_cases(self.sessions)], self._fill_cases)
        self.targets = QComboBox(self)
        self.targets.setObjectName("export_targets")
        self.target = QLineEdit(self)
        self.target.setPlaceholderText("folder on a USB drive or a network share")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.targets.currentIndexChanged.connect(self._on_target_picked)
        self._refresh_targets()
        self.zip = QCheckBox("Also write one .zip of the package", self)
        self.exact = QCheckBox("Re-encode working copies exactly to the marks (derivative)", self)
        self.watermark = QCheckBox("Burn case number, user and workstation into working copies", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.status = plain_label("", self)
        self.status.setObjectName("export_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # case numbers and paths are never markup
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton("Export", self)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel export", self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_event.set)
        self.review_button = QPushButton("Review this package", self)
        self.review_button.setObjectName("review_package")
        self.review_button.setEnabled(False)
        self.review_button.setToolTip("Open the exported package read-only, as its recipient will see it")
        self.review_button.clicked.connect(
            lambda: self.export_result and self.sig_review_requested.emit(self.export_result.path)
        )
        verify_button = QPushButton("Verify a package…", self)
        verify_button.clicked.connect(self.verify_other)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)

        where = QHBoxLayout()
        where.addWidget(self.target, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("Case", self.case)
        form.addRow("Drives and shares", self.targets)
        form.addRow("Target folder", where)
        buttons = QHBoxLayout()
        buttons.addWidget(verify_button)
        buttons.addStretch(1)
        for b in (self.review_button, self.export_button, self.cancel_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        for box in (self.zip, self.exact, self.watermark):
            layout.addWidget(box)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._poll = QTimer(self)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._show_progress)

    def _refresh_targets(self) -> None:
        self.targets.clear()
        found = list_targets()
        if not found:
            self.targets.addItem("No removable drive or network share mounted: choose a folder", "")
        for t in found:
            self.targets.addItem(t.label, str(t.path))

    def _on_target_picked(self, _index: int) -> None:
        path = self.targets.currentData()
        if path:
            self.target.setText(path)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to", self.target.text())
        if folder:
            self.target.setText(folder)

    def _fill_cases(self, numbers: list[str]) -> None:
        typed = self.case.currentText()
        self.case.addItems([n for n in numbers if self.case.findText(n) < 0])
        self.case.setCurrentText(typed)  # the list arrives later: what was typed stays

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #ff6b6b; font-weight: bold;" if error else "")
        self.status.setText(text)
        self.adjustSize()  # a long error grows the dialog instead of being cut off

    def start(self) -> None:
        number = self.case.currentText().strip()
        target = Path(self.target.text().strip())
        if not number:
            self._say("Name the case to export (its number).", True)
            return
        if not self.target.text().strip():
            self._say("Choose the target folder (a USB drive or a network share).", True)
            return
        options = ExportOptions(
            zip=self.zip.isChecked(),
            exact=self.exact.isChecked(),
            watermark=self.watermark.isChecked(),
            time_zone=self.time_zone,
            key_dir=self.key_dir,
        )
        self.cancel_event.clear()
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._say(f"Exporting case {number} to {target} …")

        def progress(p: ExportProgress) -> None:
            self.latest = p  # read by the GUI timer; nothing Qt happens on the worker

        session, recordings, cancel = self.session, self.recordings, self.cancel_event

        def work() -> ExportResult:
            return use_cases.export_case(session.sessions, session.actor, number, recordings, target,
                                         options=options, progress=progress, cancel=cancel)  # fmt: skip

        self._poll.start()
        self.tasks.run(work, self._done, self._failed)

    def _show_progress(self) -> None:
        p = self.latest
        if p is None:
            return
        self.progress.setValue(int(1000 * p.done / max(1, p.total)))
        done, total, rate = p.done / 1e6, p.total / 1e6, p.rate_bps / 1e6
        self._say(f"{p.phase}: {done:,.1f} of about {total:,.1f} MB, {rate:.1f} MB/s{p.left}")

    def _finish(self) -> None:
        self._poll.stop()
        self.export_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _done(self, result: ExportResult) -> None:
        self._finish()
        self.export_result = result
        self.progress.setValue(1000)
        self.review_button.setEnabled(True)
        self._say(
            f"Exported and verified on the target: {result.path}\n{result.verdict.summary()}\n"
            f"Signed with the agency key in {result.signed_with}."
        )

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, use_cases.Refused):
            self._say(f"Export not allowed: {exc}", True)
        elif isinstance(exc, CaseError):
            number = self.case.currentText().strip()
            self._say(f"No case {number!r}: put footage into a case from the recordings view first.", True)
        elif isinstance(exc, ExportError):
            self._say(f"Export failed: {exc}", True)
        else:
            self._say(
                f"Export failed unexpectedly: {type(exc).__name__}: {exc}. The partial package is "
                "marked INCOMPLETE; the recordings are unchanged.",
                True,
            )

    def verify_other(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Package folder to verify", self.target.text())
        if folder:
            self.verify(Path(folder))

    def verify(self, package: Path) -> None:
        self._say(f"Verifying {package} …")
        self.tasks.run(
            lambda: verify_package(package),
            self._verified,
            lambda exc: self._say(f"Cannot verify {package}: {exc}", True),
        )

    def _verified(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self._say(verdict.summary(), verdict.status != "valid")
