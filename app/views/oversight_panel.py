"""The auditor's second looks and reports, a tab of the audit view: the anomaly flags of the
period (each with its rule; dismiss one with a reason, on the chain), the cameras whose clock
the recorder did not trust (their footage placed by arrival, and why), an owner's report (PDF and
CSV) and the public transparency report (PDF and JSON), written into a folder. The same use cases
as ``rtcc audit anomalies`` and ``rtcc report``; the data is read in a worker, the PDF drawn here
(Qt's text engine is the GUI thread's)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.console import use_cases
from app.console.actor import Actor
from app.governance.audit_tree import AGENCY, Checkpoint
from app.reports.anomalies import Flag
from app.reports.clocks import UntrustedClock
from app.reports.owner import OwnerReport, owner_report_csv
from app.reports.render import owner_report_html, public_report_html
from app.views.pdf import write_pdf
from app.views.plain import plain_label
from app.views.tasks import TaskRunner

Period = Callable[[], tuple[datetime, datetime]]


class OversightPanel(QWidget):
    def __init__(self, sessions: Any, actor: Actor, period: Period, parent: QWidget | None = None,
                 key_dir: Path | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.sessions, self.actor, self.period = sessions, actor, period
        self.key_dir = key_dir  # the agency's signing key, on a workstation with no OS keyring
        self.tasks = TaskRunner(self, workers=1)
        self.flags: list[Flag] = []
        self.list = QListWidget(self)
        self.list.setObjectName("anomalies")
        self.list.setWordWrap(True)
        self.look = QPushButton("&Look for anomalies", self)
        self.look.setObjectName("anomalies_look")
        self.look.clicked.connect(self.look_again)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("anomaly_reason")
        self.reason.setPlaceholderText("why it is fine (on the audit chain with your name)")
        self.dismiss = QPushButton("&Dismiss", self)
        self.dismiss.setObjectName("anomaly_dismiss")
        self.dismiss.clicked.connect(self._dismiss)
        self.folder = QLineEdit(str(Path.home() / "rtcc-reports"), self)
        self.folder.setObjectName("report_folder")
        self.owner = QLineEdit(self)
        self.owner.setObjectName("report_owner")
        self.owner.setPlaceholderText("the owner's name as registered")
        self.owner_button = QPushButton("&Owner's report (PDF, CSV)", self)
        self.owner_button.setObjectName("report_owner_button")
        self.owner_button.clicked.connect(self.owner_report)
        self.public_button = QPushButton("&Public report (PDF, JSON)", self)
        self.public_button.setObjectName("report_public_button")
        self.public_button.clicked.connect(self.public_report)
        self.clocks = QListWidget(self)
        self.clocks.setObjectName("camera_clocks")
        self.clocks.setWordWrap(True)
        self.clocks_button = QPushButton("Camera &clocks", self)
        self.clocks_button.setObjectName("camera_clocks_look")
        self.clocks_button.setToolTip(
            "Cameras whose footage in the period was placed by arrival, because the recorder did not "
            "trust their clock, and why"
        )
        self.clocks_button.clicked.connect(self.look_at_clocks)
        self.status = plain_label("", self)
        self.status.setObjectName("oversight_status")
        self.status.setWordWrap(True)

        dismiss_row = QHBoxLayout()
        dismiss_row.addWidget(self.reason, 1)
        dismiss_row.addWidget(self.dismiss)
        dismiss_row.addWidget(self.look)
        reports = QGroupBox("Reports for the period above", self)
        form = QFormLayout(reports)
        form.addRow("Folder", self.folder)
        owner_row = QHBoxLayout()
        owner_row.addWidget(self.owner, 1)
        owner_row.addWidget(self.owner_button)
        form.addRow("Owner", owner_row)
        form.addRow("", self.public_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label("Accesses worth a second look, each with the rule that flagged it:", self)
        )
        layout.addWidget(self.list, 1)
        layout.addLayout(dismiss_row)
        clocks_row = QHBoxLayout()
        clocks_row.addWidget(
            plain_label("Cameras whose clock was not trusted (footage placed by arrival):", self), 1
        )
        clocks_row.addWidget(self.clocks_button)
        layout.addLayout(clocks_row)
        layout.addWidget(self.clocks)
        layout.addWidget(reports)
        layout.addWidget(self.status)

    # -- anomalies ----------------------------------------------------------------------------
    def look_again(self) -> None:
        since, until = self.period()
        sessions, actor = self.sessions, self.actor
        self.status.setText("Looking …")
        self.tasks.run(
            lambda: use_cases.review_anomalies(sessions, actor, since, until), self._show, self._failed
        )

    def _show(self, flags: list[Flag]) -> None:
        self.flags = flags
        self.list.clear()
        for f in flags:
            state = f"dismissed: {f.dismissed}" if f.dismissed else "open"
            item = QListWidgetItem(f"{f.at:%Y-%m-%d %H:%M} UTC · {f.rule} · {f.user}\n{f.what}  [{state}]")
            item.setData(Qt.ItemDataRole.UserRole, f.key)
            self.list.addItem(item)
        open_flags = sum(1 for f in flags if not f.dismissed)
        self.status.setText(f"{len(flags)} flagged, {open_flags} open (this review is on the audit chain).")

    def _dismiss(self) -> None:
        index = self.list.currentRow()
        if not 0 <= index < len(self.flags):
            self.status.setText("Choose a flag first.")
            return
        key, reason = self.flags[index].key, self.reason.text()
        sessions, actor = self.sessions, self.actor

        def done(_result: object) -> None:
            self.reason.clear()
            self.look_again()

        self.tasks.run(lambda: use_cases.dismiss_anomaly(sessions, actor, key, reason), done, self._failed)

    # -- camera clocks ------------------------------------------------------------------------
    def look_at_clocks(self) -> None:
        since, until = self.period()
        sessions, actor = self.sessions, self.actor
        self.status.setText("Reading the recordings' clocks …")
        self.tasks.run(
            lambda: use_cases.review_camera_clocks(sessions, actor, since, until),
            self._show_clocks,
            self._failed,
        )

    def _show_clocks(self, found: list[UntrustedClock]) -> None:
        self.clocks.clear()
        for c in found:
            span = f"{c.first:%Y-%m-%d %H:%M} to {c.last:%Y-%m-%d %H:%M} UTC"
            self.clocks.addItem(f"{c.camera} · {c.segments} segment(s) placed by arrival, {span}\n{c.why}")
        self.status.setText(
            f"{len(found)} camera(s) with footage placed by arrival in the period "
            "(this review is on the audit chain)."
        )

    # -- reports ------------------------------------------------------------------------------
    def owner_report(self) -> None:
        since, until = self.period()
        name, folder = self.owner.text().strip(), Path(self.folder.text().strip())
        sessions, actor = self.sessions, self.actor
        self.status.setText(f"Reading what happened to {name}'s cameras …")

        def written(report: OwnerReport) -> None:
            folder.mkdir(parents=True, exist_ok=True)
            safe = "".join(c if c.isalnum() else "-" for c in report.owner)[:40]
            stem = folder / f"owner-{safe}-{since:%Y%m%d}-{until:%Y%m%d}"
            stem.with_suffix(".csv").write_text(owner_report_csv(report), encoding="utf-8", newline="")
            pdf = write_pdf(
                owner_report_html(report), stem.with_suffix(".pdf"), f"Report for {report.owner}", True
            )
            counts = f"{len(report.rows)} entries for {len(report.cameras)} camera(s)"
            self.status.setText(f"Wrote {pdf.name} and {pdf.with_suffix('.csv').name} in {folder}: {counts}.")

        self.tasks.run(lambda: use_cases.make_owner_report(sessions, actor, name, since, until), written,
                       self._failed)  # fmt: skip

    def public_report(self) -> None:
        since, until = self.period()
        folder = Path(self.folder.text().strip())
        sessions, actor, key_dir = self.sessions, self.actor, self.key_dir
        self.status.setText("Counting from the audit chain …")

        def written(doc: dict[str, Any]) -> None:
            folder.mkdir(parents=True, exist_ok=True)
            stem = folder / f"transparency-{since:%Y%m%d}-{until:%Y%m%d}"
            stem.with_suffix(".json").write_text(
                json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
            pdf = write_pdf(public_report_html(doc), stem.with_suffix(".pdf"), "Public transparency report")
            check = "publish both; anyone with the database checks it: rtcc report check"
            signed = Checkpoint.from_json(doc["checkpoint"]).by(AGENCY)
            key = f"; its checkpoint is signed with the agency key {signed[0].fingerprint}" if signed else ""
            self.status.setText(f"Wrote {pdf.name} and {pdf.with_suffix('.json').name} in {folder}{key}; "
                                f"{check}.")  # fmt: skip

        self.tasks.run(lambda: use_cases.publish_public_report(sessions, actor, since, until, key_dir),
                       written, self._failed)  # fmt: skip

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Not done: {exc}")
