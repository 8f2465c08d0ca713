"""The camera list dock: search, filters, and a sortable table of registered cameras."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import CameraStatus, OwnerType, SharingTerms
from app.models.rows import CameraRow
from app.views.plain import plain_label, plain_tooltip
from app.views.subscriptions import subscribe

if TYPE_CHECKING:
    from app.console.events import CamerasChanged
    from app.console.session import Session

CAMERA_MIME = "application/x-rtcc-camera-id"

COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Camera"),
    ("owner_name", "Owner"),
    ("owner_type", "Owner type"),
    ("division", "Division"),
    ("sharing_terms", "Sharing"),
    ("status", "Status"),
    ("recording", "Recording"),
)
LABELS = {
    "business": "Business",
    "resident": "Resident",
    "public_agency": "Public agency",
    "live_and_recorded": "Live + recorded",
    "recorded_on_request": "Recorded on request",
    "registered_only": "Registered only",
    "active": "Active",
    "offline": "Offline",
    "retired": "Retired",
}
ANY = ""
HOME = "\x00home"  # the division filter's "this workstation's own divisions"
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


def status_text(row: CameraRow) -> str:
    if row.consent_revoked_at is not None:
        return "Consent revoked"
    return LABELS.get(row.status, row.status)


class CameraTableModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[CameraRow] = []
        self.recording: dict[int, str] = {}  # camera id -> the media service's recording state

    def set_recording(self, states: dict[int, str]) -> None:
        """The recorder's state per camera; only the Recording column changes."""
        if states == self.recording:
            return
        self.recording = states
        column = next(i for i, (key, _) in enumerate(COLUMNS) if key == "recording")
        if self.rows:
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

    def set_rows(self, rows: list[CameraRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        rows = {i.row() for i in indexes if i.isValid()}
        if rows:
            mime.setData(CAMERA_MIME, QByteArray(str(self.rows[min(rows)].id).encode()))
        return mime

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = COLUMNS[index.column()][0]
        if key == "recording" and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            state = self.recording.get(row.id, "")
            if role == Qt.ItemDataRole.ToolTipRole:
                return plain_tooltip(state or "Not recorded by the media service")
            text = "● REC" if state.startswith("recording") else ("error" if state.startswith("not") else "")
            return f"{text} · clock not trusted" if "camera clock not trusted" in state else text
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "status":
                return status_text(row)
            value = getattr(row, key)
            return LABELS.get(value, value)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ForegroundRole and key == "status":
            if row.consent_revoked_at is not None or row.status == CameraStatus.RETIRED:
                return QColor("#d9822b")
            if row.status == CameraStatus.OFFLINE:
                return QColor("#e05d5d")
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(
                f"{row.name}\nOwner: {row.owner_name} ({LABELS.get(row.owner_type)})\n"
                f"Location: {row.latitude:.5f}, {row.longitude:.5f}  heading {row.heading_deg:g}°, "
                f"FOV {row.fov_deg:g}°, range {row.range_m:g} m\nSharing: {LABELS.get(row.sharing_terms)}"
            )
        return None


class CameraFilterProxy(QSortFilterProxyModel):
    """Text search over name, owner and division, plus one filter per closed vocabulary."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.filters: dict[str, str] = {
            "owner_type": ANY,
            "sharing_terms": ANY,
            "status": ANY,
            "division": ANY,
        }
        self.home: frozenset[str] = frozenset()  # the workstation's divisions: listed first
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def lessThan(self, left: Index, right: Index) -> bool:
        """Whatever the column, the workstation's own divisions' cameras come first."""
        if self.home:
            model = self.sourceModel()
            assert isinstance(model, CameraTableModel)
            a = model.rows[left.row()].division in self.home
            b = model.rows[right.row()].division in self.home
            if a != b:
                # Qt reverses the answer for a descending sort: keep home first either way.
                return a if self.sortOrder() == Qt.SortOrder.AscendingOrder else b
        return super().lessThan(left, right)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.text = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_filter(self, field: str, value: str) -> None:
        self.beginFilterChange()
        self.filters[field] = value
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, CameraTableModel)
        row = model.rows[source_row]
        for field, wanted in self.filters.items():
            if wanted == ANY:
                continue
            if field == "status" and wanted == "consent_revoked":
                if row.consent_revoked_at is None:
                    return False
            elif field == "division" and wanted == HOME:
                if row.division not in self.home:
                    return False
            elif getattr(row, field) != wanted:
                return False
        if self.text:
            hay = f"{row.name}\n{row.owner_name}\n{row.division}".lower()
            return all(word in hay for word in self.text.split())
        return True


class CameraListPanel(QWidget):
    """Signals: ``sig_camera_selected(row)``, ``sig_camera_activated(row)`` (double-click / Enter)."""

    sig_camera_selected = Signal(object)
    sig_camera_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CameraTableModel(self)
        self.proxy = CameraFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search cameras by name, owner or division  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)

        self.combos: dict[str, QComboBox] = {}
        filters = QHBoxLayout()
        choices = {
            "owner_type": ("All owners", [m.value for m in OwnerType]),
            "sharing_terms": ("All sharing terms", [m.value for m in SharingTerms]),
            "status": ("Any status", [*(m.value for m in CameraStatus), "consent_revoked"]),
            "division": ("All divisions", []),
        }
        for field, (any_label, values) in choices.items():
            combo = QComboBox(self)
            # Shrink with the dock instead of holding it at the longest entry's width.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
            combo.setObjectName(f"filter_{field}")
            combo.addItem(any_label, ANY)
            for value in values:
                combo.addItem(LABELS.get(value, "Consent revoked"), value)
            combo.currentIndexChanged.connect(
                lambda _i, f=field, c=combo: self.proxy.set_filter(f, c.currentData())
            )
            self.combos[field] = combo
            filters.addWidget(combo)

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.table.activated.connect(lambda idx: self.sig_camera_activated.emit(idx.data(ROW_ROLE)))

        self.count_label = plain_label(parent=self)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

    def set_cameras(self, rows: list[CameraRow], divisions: list[str]) -> None:
        selected = self.selected_camera()
        combo = self.combos["division"]
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("All divisions", ANY)
        if self.proxy.home:
            combo.addItem(f"Own: {', '.join(sorted(self.proxy.home))}", HOME)
        for name in divisions:
            combo.addItem(name, name)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)
        self.model.set_rows(rows)
        for col in range(len(COLUMNS) - 1):
            self.table.resizeColumnToContents(col)
        if selected is not None:
            self.select_camera(selected.id)
        self._update_count()

    def follow(self, session: Session) -> None:
        """Show the session's registry and its media services' word on recording, as they move."""
        self.set_home(session.actor.home_divisions)

        def cameras_changed(_event: CamerasChanged) -> None:
            self.set_cameras(list(session.cameras.values()), session.divisions)

        subscribe(self, session.events.cameras_changed, cameras_changed)
        subscribe(self, session.events.media_changed, lambda media: self.model.set_recording(media.recording))

    def set_home(self, home: frozenset[str]) -> None:
        """The workstation's own divisions: their cameras first, and a filter for them alone."""
        self.proxy.home = home
        self.proxy.invalidate()

    def selected_camera(self) -> CameraRow | None:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def select_camera(self, camera_id: int) -> bool:
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            if index.data(ROW_ROLE).id == camera_id:
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)
                return True
        return False

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.sig_camera_selected.emit(current.data(ROW_ROLE))

    def _update_count(self, *_args: object) -> None:
        self.count_label.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} cameras shown")
