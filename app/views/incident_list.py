"""The incidents dock: every open incident, newest first, with where it came from (typed at a
console or a dispatch feed's call), its priority and division; kept current by the change feed,
so a call that arrives from dispatch or an incident opened at another desk appears without F5.
Enter or a double-click makes one the current incident. Every cell is plain text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.incidents.service import SavedIncident
from app.views.plain import plain_label

# Every column fits the dock (they were cut at its edge): the number and priority whole, the
# others sharing the room left, elided, each cell whole in its tooltip; the source, the longest
# and least read, last.
COLUMNS = ("Number", "Type", "Priority", "Division", "Reported", "Source")


class IncidentTable(QTableWidget):
    sig_activated = Signal(object)  # the SavedIncident chosen with Enter or a double-click

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.item(self.currentRow(), 0) if self.currentRow() >= 0 else None
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self.sig_activated.emit(item.data(Qt.ItemDataRole.UserRole))
            return
        super().keyPressEvent(event)


class IncidentListPanel(QWidget):
    """Emits ``sig_incident_activated(SavedIncident)``."""

    sig_incident_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = plain_label("Open incidents: loading…", self)
        self.summary.setObjectName("incident_list_summary")
        self.table = IncidentTable(0, len(COLUMNS), self)
        self.table.setObjectName("incident_list")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # the rest share what is left
        for short in (0, 2, 4):  # the number, the priority and the time are read whole
            header.setSectionResizeMode(short, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.cellDoubleClicked.connect(lambda row, _col: self._activate(row))
        self.table.sig_activated.connect(self.sig_incident_activated)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self._known: set[int] | None = None

    def set_incidents(self, incidents: list[SavedIncident]) -> None:
        # New since the last read (the first read marks nothing: all of it is simply there).
        new = {i.id for i in incidents} - self._known if self._known is not None else set()
        self._known = {i.id for i in incidents}
        self.table.setRowCount(len(incidents))
        for row, incident in enumerate(incidents):
            local = incident.reported_at.astimezone(ZoneInfo(incident.time_zone))
            priority = "-" if incident.priority is None else str(incident.priority)
            source = incident.source or "typed"
            if incident.source.startswith("feed "):
                source += f" · rule {incident.auto_rule}" if incident.auto_rule else " · queued"
            cells = (incident.number, incident.incident_type or "-", priority, incident.division or "outside",
                     f"{local:%m-%d %H:%M}", source)  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)  # items are plain text: nothing in them is interpreted
                item.setData(Qt.ItemDataRole.UserRole, incident)
                item.setToolTip(f"{local:%Y-%m-%d %H:%M} {incident.time_zone}" if column == 4 else text)
                if incident.id in new:  # a call that just arrived stands out until the next change
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        fed = sum(1 for i in incidents if i.source.startswith("feed "))
        self.summary.setText(f"Open incidents: {len(incidents)} ({fed} from dispatch feeds)")

    def _activate(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.sig_incident_activated.emit(item.data(Qt.ItemDataRole.UserRole))
