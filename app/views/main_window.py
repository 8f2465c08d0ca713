"""The console's main window: docks around the video wall, menus, shortcuts, status bar.

The window never touches the database itself: registry calls run through the
:class:`~app.views.tasks.TaskRunner` and come back as callbacks on the GUI thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from app import __version__
from app.console import use_cases
from app.console.actor import Actor
from app.console.session import Session as ConsoleSession
from app.governance.identity import current_user
from app.governance.roles import Role
from app.incidents.service import IncidentStore
from app.models.rows import CameraRow
from app.native_memory import start_heap_trimming
from app.registry.gazetteer import InMemoryGeocoder, OfflineGazetteer
from app.registry.service import Registry
from app.video.media_directory import ServiceEntry
from app.video.vlc_player import VlcEngine
from app.views.alert_banner import AlertBanner
from app.views.camera_details import details_html
from app.views.camera_list import CameraListPanel
from app.views.console_menus import add_action, build_menus
from app.views.incident import IncidentPanel
from app.views.incident_actions import IncidentActions
from app.views.incident_list import IncidentListPanel
from app.views.live_actions import LiveActions
from app.views.live_handoff import LiveHandoff
from app.views.live_updates import LiveUpdates
from app.views.map.page_html import MapConfig
from app.views.map.panel import MapPanel
from app.views.plain import plain_label
from app.views.registry_actions import RegistryActions
from app.views.registry_feed import RegistryFeed
from app.views.rule_actions import RuleActions
from app.views.shortcuts import ShortcutsDialog
from app.views.status_bar import ConsoleStatus
from app.views.tasks import TaskManager, TaskRunner
from app.views.theme import apply_theme
from app.views.wall.controller import WallController
from app.views.wall.wall import VideoWall
from app.views.wall.window import WallWindow
from app.walls.salvos import SalvoStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsoleInfo:
    """What the status bar says about where the console is connected."""

    database: str
    media_service: str = "Media service: not running"
    simulator: str = ""


def _placeholder(text: str, name: str) -> QLabel:
    label = plain_label(text)
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet("color: #8a8f98; font-size: 15pt; padding: 24px;")
    return label


class MainWindow(QMainWindow):
    def __init__(self, registry: Registry, info: ConsoleInfo, ui_state: QSettings, theme: str = "dark",
                 map_config: MapConfig | None = None, engine: VlcEngine | None = None, media_url: str = "",
                 fill_wall: int = 0, salvos: SalvoStore | None = None,
                 incidents: IncidentStore | None = None, time_zone: str = "UTC",
                 gazetteer: OfflineGazetteer | None = None, recordings_dir: Path | None = None,
                 parent: QWidget | None = None, *, key_dir: Path | None = None,
                 session: ConsoleSession | None = None, rule_walls: bool = True,
                 handoff_dir: Path | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.registry = registry
        # The console's model: who is signed in, and the governed actions go through it. Without
        # one (tests, benchmarks) the workstation's user before any account exists.
        self.session = session or ConsoleSession(
            registry.sessions, Actor.before_accounts(current_user()), registry
        )
        self.info = info
        self.ui_state = ui_state
        self.theme = theme
        # The console's one pool of workers: this window's runner and those of every window and
        # dialog opened from it find it up their parent chain.
        self.task_manager = TaskManager()
        self.tasks = TaskRunner(self)
        self.cameras: list[CameraRow] = []  # as the registry listed them; by id: the session's
        self.divisions: list[str] = []
        self.approximate_divisions: set[str] = set()
        self.setWindowTitle("RTCC Console")
        self.resize(1600, 950)

        self.media_url = media_url.rstrip("/")
        self.media_services: list[ServiceEntry] = []  # the media directory, as last read
        self.salvos = salvos
        self.incidents = incidents
        self.gazetteer = gazetteer
        self.geocoder: InMemoryGeocoder | None = None
        self.time_zone = time_zone
        self.feed = RegistryFeed(self, fill_wall)  # the registry and media service into the views
        self.live = LiveActions(self)  # a camera live on a wall, asking why first where needed
        self.live_handoff = LiveHandoff(self)  # the moment on a live tile, to the officers
        self.walls = WallController(self)  # the wall, wall windows, tours, salvos, show live
        self.registry_actions = RegistryActions(self)  # register, edit, retire, import, export
        self.incidents_ui = IncidentActions(self)  # incidents, recordings, cases, review, audit
        self.incident_panel = IncidentPanel(self)
        self.incident_panel.sig_new_incident.connect(lambda: self.incidents_ui.new_incident())
        self.incident_panel.sig_show_live.connect(lambda ids: self.walls.show_cameras_live(ids))
        self.incident_panel.sig_review.connect(self.incidents_ui.review_recordings)
        self.incident_panel.sig_revoke.connect(self.incidents_ui.revoke_handoff)
        self.recordings_dir = recordings_dir
        # Where hand-offs to officers go (the folder the agency's mobile data system watches).
        self.handoff_dir = handoff_dir or (recordings_dir or Path.home()).parent / "handoffs"
        # Where the evidence signing key is kept on a workstation with no OS keyring.
        self.key_dir = key_dir
        self.scrub_windows: list[QMainWindow] = []
        self.review_windows: list[QMainWindow] = []
        self.role: str | None = None  # the signed-in person's role; None before any account exists
        self._drawn_incidents: list[dict[str, Any]] = []
        self.engine = engine
        self.wall: VideoWall | None = None
        if engine is not None:
            self.wall = VideoWall(engine, self.live.live_url, self.camera_by_id, self)
            self.wall.setObjectName("wall_area")
            self.wall.drop_gate = self.live.gate_drop
            self.setCentralWidget(self.wall)
        else:
            self.setCentralWidget(_placeholder("Video wall switched off for this window.", "wall_area"))

        self.camera_panel = CameraListPanel(self)
        self.camera_panel.set_home(self.session.actor.home_divisions)
        self.camera_panel.sig_camera_selected.connect(self._on_camera_selected)
        # The recorder's word on a camera (recording, its clock) changes under a selection too.
        self.camera_panel.model.dataChanged.connect(self._refresh_details)
        self.camera_panel.sig_camera_activated.connect(lambda row: self.live.open_on_wall(row.id))
        self.details = QLabel(self)
        self.details.setObjectName("camera_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setText("Select a camera to see its owner, terms and field of view.")
        self.details.setMargin(8)

        self.docks: dict[str, QDockWidget] = {}
        self._docks_sized = False  # once sized (or restored from the saved layout), the operator's
        self._add_dock("cameras", "Cameras", self.camera_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("details", "Camera details", self.details, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.map: MapPanel | None = None
        self._selected_on_map: int | None = None
        if map_config is not None:
            self.map = MapPanel(map_config, self)
            self.map.setObjectName("map_area")
            self.map.sig_camera_clicked.connect(self._on_map_camera_clicked)
            self.map.sig_camera_activated.connect(self.live.open_on_wall)
            self.map.sig_new_incident.connect(self.incidents_ui.new_incident)
            self.map.set_theme(theme)
            map_widget: QWidget = self.map
        else:
            map_widget = _placeholder("Division map switched off for this window.", "map_area")
        self._add_dock("map", "Division map", map_widget, Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("incident", "Incident", self.incident_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.incident_list = IncidentListPanel(self)  # open incidents, typed or from dispatch, live
        self.incident_list.sig_incident_activated.connect(self.incidents_ui.reopen)
        self._add_dock("incidents", "Incidents", self.incident_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.docks["details"], self.docks["incident"])
        self.tabifyDockWidget(self.docks["incident"], self.docks["incidents"])
        self.docks["details"].raise_()
        self._size_docks()

        self.status = ConsoleStatus(self.statusBar(), info.database, info.media_service, info.simulator)
        self.alert_banner = AlertBanner(self)  # a call a dispatch rule opened, until dismissed
        self.alert_bar = QToolBar("Alert", self)
        self.alert_bar.setObjectName("alert_bar")
        self.alert_bar.setMovable(False)
        self.alert_bar.addWidget(self.alert_banner)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.alert_bar)
        self.alert_banner.sig_raised.connect(self.alert_bar.show)
        self.alert_banner.sig_dismissed.connect(self.alert_bar.hide)
        self.alert_bar.hide()
        self.rule_actions = RuleActions(self, walls=rule_walls)
        self.actions_list: list[QAction] = []
        self._build_menus()
        self._restore_state()
        self.alert_bar.hide()  # a saved layout must not bring back an old alert's empty bar
        self.feed.refresh()
        self.live_updates = LiveUpdates(self)  # other workstations' changes, as they commit
        self.live_updates.start()
        self._heap_trim = start_heap_trimming()  # a shift's worth of libVLC and Qt threads' frees

    # -- construction ---------------------------------------------------------------------
    def _size_docks(self) -> None:
        """Lists and map beside the wall, in proportion to the window: fixed widths (520 and 620
        px) left a 1366-pixel screen's wall a sliver of tall tiles letterboxing their video."""
        width = max(self.width(), 1024)
        left, right = max(300, int(width * 0.25)), max(320, int(width * 0.28))
        self.resizeDocks([self.docks["cameras"], self.docks["map"]], [left, right], Qt.Orientation.Horizontal)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._docks_sized:
            # Once, at the window's real size; after that the layout is the operator's.
            self._docks_sized = True
            QTimer.singleShot(0, self, self._size_docks)

    def _add_dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[key] = dock

    def _action(self, menu: Any, text: str, shortcut: str | QKeySequence.StandardKey, slot: Any,
                name: str) -> QAction:  # fmt: skip
        return add_action(self, menu, text, shortcut, slot, name)

    def _build_menus(self) -> None:
        build_menus(self)

    def _restore_state(self) -> None:
        geometry = self.ui_state.value("main/geometry")
        state = self.ui_state.value("main/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            # First start: fill the screen (a window manager may not honour "maximised").
            screen = self.screen()
            if screen is not None:
                self.setGeometry(screen.availableGeometry())
            self.setWindowState(Qt.WindowState.WindowMaximized)
        if state is not None:
            self.restoreState(state)
            self._docks_sized = True

    def closeEvent(self, event: QCloseEvent) -> None:
        self.feed.stop()
        self.live_updates.stop()
        self._heap_trim.stop(2)
        self.ui_state.setValue("main/geometry", self.saveGeometry())
        self.ui_state.setValue("main/state", self.saveState())
        if self.wall is not None:
            self.ui_state.setValue("walls/arrangement", self.walls.arrangement("last session").to_json())
        for window in list(self.walls.windows):
            window.close()
        self.ui_state.sync()
        self.tasks.wait(10_000)
        if self.wall is not None:
            self.wall.release()
        super().closeEvent(event)

    # -- the camera list and the map -----------------------------------------------------
    def _on_map_camera_clicked(self, camera_id: int) -> None:
        self._selected_on_map = camera_id
        self.docks["cameras"].show()
        if not self.camera_panel.select_camera(camera_id):
            self.statusBar().showMessage("That camera is hidden by the camera list's filters.", 5000)
        self._selected_on_map = None

    def camera_by_id(self, camera_id: int) -> CameraRow | None:
        return self.session.camera(camera_id)

    @property
    def wall_windows(self) -> list[WallWindow]:
        return self.walls.windows

    def show_signed_in(self, username: str, role: str) -> None:
        before = self.session.actor
        home = before.home_divisions  # the workstation's, whoever signs in
        self.session.sign_in(Actor(username, Role(role), home_divisions=home))
        if before.username != username:
            # Streams already playing go on; a copied address of theirs starts nothing more.
            sessions, why = self.session.sessions, f"{username} signed in at this workstation"
            self.tasks.run(lambda: use_cases.revoke_live_grants(sessions, before, why), None,
                           lambda exc: log.warning("live-view grants not revoked: %s", exc))  # fmt: skip
        self.status.show_signed_in(username, role)
        self.setWindowTitle(f"RTCC Console — {username}")

    def apply_role(self, role: str) -> None:
        """Enable only what the signed-in person's role allows; the core checks again anyway."""
        from app.governance.roles import Action, may

        gated = {
            "export_case": Action.EXPORT_EVIDENCE, "review_recordings": Action.VIEW_RECORDINGS,
            "new_incident": Action.ENTER_INCIDENT, "add_camera": Action.EDIT_REGISTRY,
            "edit_camera": Action.EDIT_REGISTRY, "retire_camera": Action.EDIT_REGISTRY,
            "import_cameras": Action.EDIT_REGISTRY, "audit_log": Action.READ_AUDIT,
            "justifications": Action.APPROVE_JUSTIFICATION,
        }  # fmt: skip
        for action in self.actions_list:
            needed = gated.get(action.objectName())
            if needed is not None:
                action.setEnabled(may(role, needed))
        self.incident_panel.review_button.setVisible(may(role, Action.VIEW_RECORDINGS))
        self.incident_panel.live_button.setVisible(may(role, Action.VIEW_LIVE))
        if self.wall is not None:
            refusal = "" if may(role, Action.VIEW_LIVE) else f"the {role} role may not view live video"
            self.wall.set_role_refusal(refusal)
        self.role = role

    def _on_camera_selected(self, row: CameraRow) -> None:
        if self.map is not None:
            # A click on the map already shows the camera; a pick in the list flies the map to it.
            self.map.select(row.id, fly=row.id != self._selected_on_map)
        self._show_details(row)

    def _refresh_details(self) -> None:
        row = self.camera_panel.selected_camera()
        if row is not None:
            self._show_details(row)

    def _show_details(self, row: CameraRow) -> None:
        recording = self.camera_panel.model.recording.get(row.id, "not recorded by the media service")
        self.details.setText(details_html(row, recording, row.division in self.approximate_divisions))

    # -- camera actions -------------------------------------------------------------------

    # -- view -----------------------------------------------------------------------------
    def _focus_search(self) -> None:
        self.docks["cameras"].show()
        self.camera_panel.search.setFocus()
        self.camera_panel.search.selectAll()

    def toggle_theme(self) -> None:
        self.theme = "light" if self.theme == "dark" else "dark"
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_theme(app, self.theme)
        if self.map is not None:
            self.map.set_theme(self.theme)

    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.actions_list, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _about(self) -> None:
        QMessageBox.about(self, "About RTCC Console", f"RTCC Console {__version__}\n{self.info.database}")

    def _error(self, title: str, exc: BaseException) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, str(exc), QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # errors quote registry and incident text
        box.setObjectName("error_box")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
