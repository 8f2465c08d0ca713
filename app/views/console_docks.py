"""The console window's docks around the wall: the camera list and its details, the division
map, the incident and the open incidents; their first sizes, the operator's saved layout, and
the link between a camera picked on the map and in the list."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QToolBar, QWidget

from app.console.session import Session
from app.models.rows import CameraRow
from app.views.alert_banner import AlertBanner
from app.views.camera_details import CameraDetails
from app.views.camera_list import CameraListPanel
from app.views.incident_list import IncidentListPanel
from app.views.incident_panel import IncidentPanel
from app.views.map.page_html import MapConfig
from app.views.map.panel import MapPanel
from app.views.plain import plain_label


def placeholder(text: str, name: str) -> QLabel:
    """What stands where a switched-off part (the wall, the map) would be."""
    label = plain_label(text)
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet("color: #8a8f98; font-size: 15pt; padding: 24px;")
    return label


class ConsoleDocks:
    """Builds the docks into ``window`` and keeps their layout; the window's parts reach the
    panels through the attributes here."""

    def __init__(
        self, window: QMainWindow, session: Session, map_config: MapConfig | None, theme: str
    ) -> None:
        self.window = window
        self.camera_panel = CameraListPanel(window)
        self.camera_panel.follow(session)
        self.details = CameraDetails(self.camera_panel, session, window)
        self.incident_panel = IncidentPanel(window)
        self.incident_list = IncidentListPanel(window)  # open incidents, typed or from dispatch, live
        self.docks: dict[str, QDockWidget] = {}
        # Once sized (or restored from the saved layout) the layout is the operator's.
        self.sized = False
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self._add("cameras", "Cameras", self.camera_panel, left)
        self._add("details", "Camera details", self.details, left)
        self.map: MapPanel | None = None
        self._selected_on_map: int | None = None
        if map_config is not None:
            self.map = MapPanel(map_config, window)
            self.map.setObjectName("map_area")
            self.map.set_theme(theme)
            self.map.follow(session)
            self.map.sig_camera_clicked.connect(self._map_camera_clicked)
        self._add("map", "Division map", self.map or placeholder("Division map switched off for this window.",
                                                                 "map_area"), right)  # fmt: skip
        self._add("incident", "Incident", self.incident_panel, left)
        self._add("incidents", "Incidents", self.incident_list, left)
        window.tabifyDockWidget(self.docks["details"], self.docks["incident"])
        window.tabifyDockWidget(self.docks["incident"], self.docks["incidents"])
        self.docks["details"].raise_()
        self.size()
        self.camera_panel.sig_camera_selected.connect(self._camera_selected)

    def _add(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        self.docks[key] = dock

    def size(self) -> None:
        """Lists and map beside the wall, in proportion to the window: fixed widths (520 and 620
        px) left a 1366-pixel screen's wall a sliver of tall tiles letterboxing their video."""
        width = max(self.window.width(), 1024)
        left, right = max(300, int(width * 0.25)), max(320, int(width * 0.28))
        self.window.resizeDocks(
            [self.docks["cameras"], self.docks["map"]], [left, right], Qt.Orientation.Horizontal
        )

    def shown(self) -> None:
        """The window is on screen: size the docks once, at its real size."""
        if not self.sized:
            self.sized = True
            QTimer.singleShot(0, self.window, self.size)

    def restore(self, ui_state: QSettings) -> None:
        window = self.window
        geometry, state = ui_state.value("main/geometry"), ui_state.value("main/state")
        if geometry is not None:
            window.restoreGeometry(geometry)
        else:
            # First start: fill the screen (a window manager may not honour "maximised").
            screen = window.screen()
            if screen is not None:
                window.setGeometry(screen.availableGeometry())
            window.setWindowState(Qt.WindowState.WindowMaximized)
        if state is not None:
            window.restoreState(state)
            self.sized = True

    def save(self, ui_state: QSettings) -> None:
        ui_state.setValue("main/geometry", self.window.saveGeometry())
        ui_state.setValue("main/state", self.window.saveState())

    def focus_search(self) -> None:
        self.docks["cameras"].show()
        self.camera_panel.search.setFocus()
        self.camera_panel.search.selectAll()

    def _map_camera_clicked(self, camera_id: int) -> None:
        self._selected_on_map = camera_id
        self.docks["cameras"].show()
        if not self.camera_panel.select_camera(camera_id):
            self.window.statusBar().showMessage("That camera is hidden by the camera list's filters.", 5000)
        self._selected_on_map = None

    def _camera_selected(self, row: CameraRow) -> None:
        if self.map is not None:
            # A click on the map already shows the camera; a pick in the list flies the map to it.
            self.map.select(row.id, fly=row.id != self._selected_on_map)


def alert_bar(window: QMainWindow, banner: AlertBanner) -> QToolBar:
    """A bar across the top for a call a dispatch rule opened, shown until dismissed."""
    bar = QToolBar("Alert", window)
    bar.setObjectName("alert_bar")
    bar.setMovable(False)
    bar.addWidget(banner)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    banner.sig_raised.connect(bar.show)
    banner.sig_dismissed.connect(bar.hide)
    bar.hide()
    return bar
