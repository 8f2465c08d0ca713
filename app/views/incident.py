"""Incident entry: the dialog with automatic camera selection (the dock: incident_panel.py).

The dialog ranks the registered cameras as soon as it has a location and again whenever the
location or radius changes; the operator keeps or drops each usable camera (excluded ones stay
visible, greyed, with the reason). Nothing typed is lost when saving fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QEvent, QObject, Qt, QTimeZone, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.geo.coords import CoordinateError, looks_like_coordinates, parse_coordinates
from app.geo.geometry import haversine_m
from app.incidents.selection import DEFAULT_RADIUS_M, Candidate, rank_cameras
from app.incidents.service import IncidentError, IncidentInput, check
from app.incidents.spatial import CameraIndex
from app.models.rows import CameraRow
from app.registry.gazetteer import Geocoder
from app.views.plain import plain_label

INCIDENT_TYPES = (
    "Robbery",
    "Burglary",
    "Assault",
    "Shots fired",
    "Vehicle theft",
    "Hit and run",
    "Missing person",
    "Other",
)
CAMERA_ROLE = Qt.ItemDataRole.UserRole + 2


class TypedDateTimeEdit(QDateTimeEdit):
    """A date-time edit that takes a time typed whole: "14:33:30".

    QDateTimeEdit moves to the next section once two digits fill one, and moves again on the
    separator the person then types, so "14:33:30" became 14:<old minutes>:33. A separator typed
    right after such an automatic move is taken as already done."""

    SEPARATORS = frozenset(":- /T.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._moved_by_digit = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text and text in self.SEPARATORS and self._moved_by_digit:
            self._moved_by_digit = False
            event.accept()
            return
        before = self.currentSection()
        super().keyPressEvent(event)
        self._moved_by_digit = text.isdigit() and self.currentSection() != before


class IncidentDialog(QDialog):
    """Emits ``sig_save_requested(IncidentInput, [(camera id, selected, reason), ...])``."""

    sig_save_requested = Signal(object, object)

    def __init__(self, cameras: list[CameraRow], time_zone: str, lat: float | None = None,
                 lon: float | None = None, parent: QWidget | None = None,
                 geocoder: Geocoder | None = None,
                 live_state: Callable[[int], str | None] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.geocoder = geocoder
        # What a wall tile showing a camera says now (the tile's own state): the same source as
        # the tile, so the list never calls a camera offline while it plays on the wall.
        self.live_state = live_state or (lambda _camera_id: None)
        self.setWindowTitle("New incident")
        self.setMinimumSize(760, 620)
        self.cameras = cameras
        self.index = CameraIndex(cameras)  # ranking looks only near the point
        self.candidates: list[Candidate] = []
        form = QFormLayout()
        self.number = QLineEdit(self)
        self.number.setObjectName("number")
        self.number.setPlaceholderText("CAD or report number, e.g. 26-112501")
        form.addRow("Incident number", self.number)
        self.kind = QComboBox(self)
        self.kind.setEditable(True)
        self.kind.addItems(INCIDENT_TYPES)
        form.addRow("Type", self.kind)
        self.zone = QComboBox(self)
        self.zone.setEditable(True)
        self.zone.addItems(
            sorted({time_zone, "UTC", "America/Los_Angeles", "America/New_York", "America/Chicago"})
        )
        self.zone.setCurrentText(time_zone)
        # The edit must show wall time in the incident's zone: built from a zoned QDateTime alone,
        # it converted to this machine's zone, and 12:38 in Los Angeles was read back as 20:38 there.
        zone = QTimeZone(time_zone.encode())
        self.when = TypedDateTimeEdit(self)
        self.when.setObjectName("reported_time")
        self.when.setTimeZone(zone)
        self.when.setDateTime(QDateTime.currentDateTime(zone))
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.when.setCalendarPopup(True)
        when_row = QHBoxLayout()
        when_row.addWidget(self.when, 1)
        when_row.addWidget(self.zone)
        form.addRow("Reported time", when_row)
        self.location = QLineEdit(self)
        self.location.setObjectName("location")
        example = getattr(geocoder, "example", lambda: None)()
        self.location.setPlaceholderText(
            (f"an address ({example}), " if example else "")
            + "34.0522, -118.2437 or 34°03'08\"N 118°14'37\"W; or right-click the map"
        )
        self.location.setToolTip(
            "An address from the offline gazetteer, decimal degrees (latitude first) or degrees, "
            "minutes and seconds."
        )
        if lat is not None and lon is not None:
            self.location.setText(f"{lat:.6f}, {lon:.6f}")
        form.addRow("Location", self.location)
        self.matched = plain_label(parent=self)
        self.matched.setObjectName("matched")
        form.addRow("", self.matched)
        self.radius = QDoubleSpinBox(self)
        self.radius.setRange(10, 5000)
        self.radius.setValue(DEFAULT_RADIUS_M)
        self.radius.setSuffix(" m")
        form.addRow("Search radius", self.radius)
        self.notes = QPlainTextEdit(self)
        self.notes.setFixedHeight(60)
        form.addRow("Notes", self.notes)

        self.summary = plain_label(parent=self)
        self.summary.setObjectName("summary")
        self.list = QListWidget(self)
        self.list.setObjectName("candidates")
        self.error = plain_label(parent=self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff8a80;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.location.editingFinished.connect(self.rank)
        # Enter in the location looks it up and ranks the cameras; it must not save the incident
        # (the dialog's default button) before the dispatcher has seen them.
        self.location.installEventFilter(self)
        # An error stays only while it is true: any change to the entry clears it.
        self.number.textChanged.connect(self._entry_changed)
        self.location.textChanged.connect(self._entry_changed)
        self.kind.currentTextChanged.connect(self._entry_changed)
        self.zone.currentTextChanged.connect(self._entry_changed)
        self.when.dateTimeChanged.connect(self._entry_changed)
        self._initial_location = self.location.text()
        self.radius.valueChanged.connect(lambda _v: self.rank())
        self.rank()

    def _point(self) -> tuple[float, float] | None:
        """Coordinates typed, or the first gazetteer match for an address."""
        text = self.location.text().strip()
        self.matched.setText("")
        if not text:
            return None
        if looks_like_coordinates(text) and not any(ch.isalpha() and ch not in "NSEWdms" for ch in text):
            return parse_coordinates(text)
        if self.geocoder is None:
            return parse_coordinates(text)
        matches = self.geocoder.lookup(text)
        if not matches:
            raise CoordinateError(f"no address in the gazetteer matches '{text}'; type coordinates instead")
        best = matches[0]
        self.matched.setText(f"Address matched: {best.address} ({best.latitude:.5f}, {best.longitude:.5f})")
        return best.latitude, best.longitude

    def _nothing_near(self, lat: float, lon: float) -> str:
        """Say how far the nearest camera is, so a mistyped coordinate shows at once."""
        for reach in (2_000.0, 20_000.0, 200_000.0):
            near = list(self.index.near(lat, lon, reach))
            if near:
                best = min(near, key=lambda c: haversine_m(lat, lon, c.latitude, c.longitude))
                distance = haversine_m(lat, lon, best.latitude, best.longitude)
                if distance <= reach:
                    where = f"{distance / 1000:.1f} km" if distance >= 1000 else f"{distance:.0f} m"
                    note = (
                        " Check the coordinates: this is outside the registry's area."
                        if distance > 20_000
                        else ""
                    )
                    return (f"No registered camera within {self.radius.value():.0f} m; the nearest, "
                            f"{best.name}, is {where} away.{note}")  # fmt: skip
        return (
            "No registered camera within 200 km: the location is outside the registry's area. "
            "Check the coordinates (latitude first, west longitudes negative)."
        )

    def rank(self) -> None:
        """Re-rank for the current location and radius, keeping the operator's removals."""
        dropped = {cid for cid, selected, _ in self.selection() if not selected}
        self.list.clear()
        try:
            point = self._point()
        except CoordinateError as exc:
            self.summary.setText(f"Location: {exc}.")
            return
        if point is None:
            self.summary.setText("Give a location to see the cameras that could have seen it.")
            return
        self.candidates = rank_cameras(self.index, point[0], point[1], self.radius.value())
        usable = [c for c in self.candidates if c.usable]
        in_view = sum(c.in_view for c in usable)
        self.summary.setText(
            f"{len(usable)} usable camera(s) within {self.radius.value():.0f} m, "
            f"{in_view} with the spot in view; {len(self.candidates) - len(usable)} excluded."
        )
        if not self.candidates:
            self.summary.setText(self._nothing_near(point[0], point[1]))
        for cand in self.candidates:
            now = self.live_state(cand.camera.id)
            on_wall = f" · {'live on the wall now' if now == 'live' else f'{now} on the wall'}" if now else ""
            item = QListWidgetItem(f"{cand.camera.name}  —  {cand.reason}{on_wall}")
            item.setData(CAMERA_ROLE, cand.camera.id)
            if cand.usable:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                keep = cand.camera.id not in dropped
                item.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)
            else:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable & ~Qt.ItemFlag.ItemIsEnabled)
                item.setForeground(QColor("#8a8f98"))
            self.list.addItem(item)

    def selection(self) -> list[tuple[int, bool, str]]:
        out = []
        for row, cand in enumerate(self.candidates):
            item = self.list.item(row)
            if item is None:
                continue
            out.append(
                (cand.camera.id, cand.usable and item.checkState() == Qt.CheckState.Checked, cand.reason)
            )
        return out

    def _on_save(self) -> None:
        self.error.setText("")
        try:
            point = self._point()
        except CoordinateError as exc:
            self.error.setText(f"Location: {exc}.")
            return
        if point is None:
            self.error.setText("Location: required; type coordinates or right-click the map.")
            return
        zone = self.zone.currentText().strip()
        try:
            tz = ZoneInfo(zone)
        except Exception:
            self.error.setText(f"Time zone: '{zone}' is not a known zone (e.g. America/Los_Angeles).")
            return
        day = self.when.date()
        clock = self.when.time()
        reported = datetime(
            day.year(), day.month(), day.day(), clock.hour(), clock.minute(), clock.second(), tzinfo=tz
        )
        self.rank()
        data = IncidentInput(self.number.text(), self.kind.currentText(), reported, zone, point[0], point[1],
                             self.radius.value(), self.notes.toPlainText())  # fmt: skip
        try:
            check(data)
        except IncidentError as exc:
            self.error.setText(f"Not saved: {exc}.")
            return
        self.buttons.setEnabled(False)
        self.sig_save_requested.emit(data, self.selection())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.location
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.rank()
            return True
        return super().eventFilter(watched, event)

    def _entry_changed(self, *_args: object) -> None:
        if self.error.text():
            self.error.setText("")

    def typed_something(self) -> bool:
        return bool(
            self.number.text().strip()
            or self.notes.toPlainText().strip()
            or self.location.text() != self._initial_location
        )

    def reject(self) -> None:
        """Escape or Cancel: a half-typed incident is not thrown away without asking."""
        if self.typed_something() and self.buttons.isEnabled():
            answer = QMessageBox.question(
                self,
                "Discard this incident?",
                "The incident has not been saved. Discard what you typed?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    def save_failed(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(f"Not saved: {message}\nYour entries are kept.")
