"""The auditor's view: who looked at what, when and why, filtered, verified and exported as CSV.

Reads through :mod:`app.governance.audit` in a worker (a year of entries is a large scan);
shows whether the hash chain is intact; the CSV export neutralises formula cells. Opening the
view and exporting are themselves audited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDateTime, QModelIndex, QPersistentModelIndex, Qt, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from app.console import use_cases
from app.console.actor import Actor
from app.console.use_cases import AuditFilter
from app.governance import audit
from app.governance.identity import current_user
from app.models.tables import AuditEvent
from app.views.oversight_panel import OversightPanel
from app.views.plain import plain_label, plain_tooltip
from app.views.tasks import TaskRunner

COLUMNS = ("Time (UTC)", "Person", "Workstation", "Action", "Camera / target", "Purpose", "Case", "Details")
ROW_LIMIT = 20_000


class AuditModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[AuditEvent] = []
        self.camera_names: dict[str, str] = {}
        self.target_labels: dict[tuple[str, str], str] = {}  # ("incident", "3") -> "incident 26-0412 Robbery"

    def set_entries(
        self, entries: list[AuditEvent], labels: dict[tuple[str, str], str] | None = None
    ) -> None:
        self.beginResetModel()
        self.entries = entries
        self.target_labels = labels or {}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        e = self.entries[index.row()]
        target = e.target_id
        if e.target_type == "camera":
            target = f"{self.camera_names.get(e.target_id, 'camera')} (#{e.target_id})"
        elif e.target_type:
            target = self.target_labels.get(
                (e.target_type, str(e.target_id)), f"{e.target_type} {e.target_id}"
            )
        values = (
            e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), e.username, e.workstation, e.action,
            target, e.purpose, e.case_number, e.details,
        )  # fmt: skip
        value = values[index.column()]
        return plain_tooltip(value) if role == Qt.ItemDataRole.ToolTipRole else value


class AuditDialog(QDialog):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        camera_names: dict[int, str] | None = None,
        parent: QWidget | None = None,
        actor: Actor | None = None,
        key_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions = sessions
        # Who reads (the console's signed-in person; alone, the workstation's user): each read and
        # export goes through the use cases, which check the role table and audit it.
        self.actor = actor or Actor.before_accounts(current_user())
        self.tasks = TaskRunner(self, workers=1)
        self.setWindowTitle("Audit log")
        self.resize(1400, 800)
        self.names_to_ids = {name.lower(): cid for cid, name in (camera_names or {}).items()}
        self.person = QLineEdit(self)
        self.person.setObjectName("audit_person")
        self.person.setPlaceholderText("user name")
        self.camera = QLineEdit(self)
        self.camera.setObjectName("audit_camera")
        self.camera.setPlaceholderText("camera name or #id")
        self.case = QLineEdit(self)
        self.case.setObjectName("audit_case")
        self.case.setPlaceholderText("case or incident number")
        now = QDateTime.currentDateTimeUtc()
        self.since_on = QCheckBox("From", self)
        self.since = QDateTimeEdit(now.addDays(-7), self)
        self.until_on = QCheckBox("Until", self)
        self.until = QDateTimeEdit(now.addSecs(3600), self)
        for edit in (self.since, self.until):
            edit.setTimeZone(QTimeZone(b"UTC"))
            edit.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
            edit.setCalendarPopup(True)
        self.search_button = QPushButton("&Search", self)
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.export_button = QPushButton("Export &CSV…", self)
        self.export_button.clicked.connect(self._choose_export)
        self.chain = plain_label("Checking the hash chain …", self)
        self.chain.setObjectName("audit_chain")
        self.chain.setWordWrap(True)
        self.count = plain_label("", self)
        self.model = AuditModel(self)
        self.model.camera_names = {str(k): v for k, v in (camera_names or {}).items()}
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((175, 110, 120, 200, 230, 260, 110)):
            self.table.setColumnWidth(column, width)

        filters = QGridLayout()
        for column, (label, widget) in enumerate(
            (("Person", self.person), ("Camera", self.camera), ("Case", self.case))
        ):
            filters.addWidget(QLabel(label, self), 0, column * 2)
            filters.addWidget(widget, 0, column * 2 + 1)
        filters.addWidget(self.since_on, 1, 0)
        filters.addWidget(self.since, 1, 1)
        filters.addWidget(self.until_on, 1, 2)
        filters.addWidget(self.until, 1, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.search_button)
        buttons.addWidget(self.export_button)
        filters.addLayout(buttons, 1, 4, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chain)
        layout.addLayout(filters)
        self.oversight: OversightPanel | None = None
        if actor is None:
            layout.addWidget(self.table, 1)
        else:  # the console's auditor: second looks and reports beside the entries
            self.tabs = QTabWidget(self)
            self.tabs.addTab(self.table, "&Entries")
            panel = self.oversight = OversightPanel(sessions, actor, self.period, self, key_dir)
            self.tabs.addTab(panel, "Second &looks and reports")

            def first_look(index: int) -> None:
                if index == 1 and not panel.flags:
                    panel.look_again()

            self.tabs.currentChanged.connect(first_look)
            layout.addWidget(self.tabs, 1)
        for line in (self.person, self.camera, self.case):
            line.returnPressed.connect(self.search)

        who, opened = self.actor, use_cases.open_audit_log
        where = "console auditor's view"
        self.tasks.run(lambda: opened(sessions, who, where), self._show_chain, self._failed)
        self.search()

    # -- filters ------------------------------------------------------------------------------
    def filters(self) -> AuditFilter:
        """The audit query for what the form says; ValueError names a camera it does not know."""
        camera = self.camera.text().strip()
        if camera.startswith("#"):
            camera = camera[1:]
        elif camera and not camera.isdigit():
            found = self.names_to_ids.get(camera.lower())
            if found is None:
                raise ValueError(f"no camera named '{camera}' (type its name as registered, or #id)")
            camera = str(found)

        def utc(edit: QDateTimeEdit) -> datetime:
            return datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), UTC)

        return AuditFilter(
            user=self.person.text().strip(),
            camera=camera,
            case=self.case.text().strip(),
            since=utc(self.since) if self.since_on.isChecked() else None,
            until=utc(self.until) + timedelta(seconds=59) if self.until_on.isChecked() else None,
        )

    def period(self) -> tuple[datetime, datetime]:
        """The From/Until the form says, each defaulting (30 days ending now) when unticked."""
        filters = self.filters()
        until = filters.until or datetime.now(UTC)
        return filters.since or until - timedelta(days=30), until

    def search(self) -> None:
        try:
            filters = self.filters()
        except ValueError as exc:
            self.count.setText(str(exc))
            return
        self.count.setText("Searching …")
        sessions, who = self.sessions, self.actor
        self.tasks.run(lambda: use_cases.search_audit(sessions, who, filters), self._show, self._failed)

    def _show(self, found: tuple[list[AuditEvent], dict[tuple[str, str], str]]) -> None:
        entries, labels = found
        shown = entries[-ROW_LIMIT:]
        self.model.set_entries(shown, labels)
        more = (
            f" (the newest {ROW_LIMIT:,} shown; narrow the filters or export)"
            if len(entries) > len(shown)
            else ""
        )
        self.count.setText(f"{len(entries):,} entries{more}")
        self.table.scrollToBottom()

    def _show_chain(self, check: audit.AuditCheck) -> None:
        if check.intact:
            self.chain.setText(
                f"Hash chain intact: {check.entries:,} entries; head {check.head[:16]}… "
                "(compare with the head kept elsewhere: rtcc audit verify)"
            )
            self.chain.setStyleSheet("color: #7ed957; font-weight: bold;")
        else:
            self.chain.setText(
                f"HASH CHAIN BROKEN at entry {check.first_bad} of {check.entries}: an entry was altered, "
                "removed, inserted or reordered there. Keep this database as it is and report it."
            )
            self.chain.setStyleSheet("color: white; background: #b00020; font-weight: bold; padding: 4px;")

    def _failed(self, exc: BaseException) -> None:
        self.count.setText(f"Cannot read the audit log: {exc}")

    # -- export -------------------------------------------------------------------------------
    def _choose_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export audit entries", "audit.csv", "CSV (*.csv)")
        if name:
            self.export(Path(name))

    def export(self, path: Path) -> None:
        try:
            filters = self.filters()
        except ValueError as exc:
            self.count.setText(str(exc))
            return
        self.export_button.setEnabled(False)
        self.count.setText(f"Writing {path.name} …")
        sessions, who = self.sessions, self.actor

        def work() -> int:
            return use_cases.export_audit(sessions, who, path, filters)

        def done(count: int) -> None:
            self.export_button.setEnabled(True)
            self.count.setText(f"{count:,} entries written to {path}")

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            if isinstance(exc, use_cases.Refused):
                self.count.setText(f"Not exported: {exc}")
            else:
                self.count.setText(f"Could not write {path}: {exc}. Choose another folder and try again.")

        self.tasks.run(work, done, failed)
