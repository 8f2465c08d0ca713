"""The console's main window: docks around the video wall, menus, shortcuts, status bar.

The window never touches the database itself: registry calls run through the
:class:`~app.views.tasks.TaskRunner` and come back as callbacks on the GUI thread.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from app import __version__
from app.console.actor import Actor
from app.console.session import RegistryRead
from app.console.session import Session as ConsoleSession
from app.governance.gate import why_not_live, why_not_watch
from app.governance.identity import current_user
from app.governance.purpose import Purpose, needs_purpose, purpose_problem
from app.governance.roles import Role
from app.incidents.service import IncidentStore
from app.registry.gazetteer import InMemoryGeocoder, OfflineGazetteer
from app.registry.service import CameraRow, Registry
from app.video.media_status import ALARM as MEDIA_ALARM
from app.video.media_status import describe as describe_media
from app.video.media_status import fetch_status as fetch_media_status
from app.video.media_status import recording_states
from app.video.vlc_player import VlcEngine
from app.views.camera_details import details_html
from app.views.camera_list import CameraListPanel
from app.views.console_menus import add_action, build_menus
from app.views.incident import IncidentPanel
from app.views.incident_actions import IncidentActions
from app.views.map.page_html import MapConfig
from app.views.map.panel import CameraPlan, MapPanel, plan_cameras
from app.views.plain import plain_label, plain_tooltip
from app.views.purpose_dialog import PurposeDialog
from app.views.registry_actions import RegistryActions
from app.views.shortcuts import ShortcutsDialog
from app.views.tasks import TaskManager, TaskRunner
from app.views.theme import apply_theme
from app.views.wall.controller import WallController
from app.views.wall.wall import VideoWall
from app.views.wall.window import WallWindow
from app.walls.salvos import SalvoStore


@dataclass(frozen=True)
class Loaded:
    """What a registry refresh read in its worker."""

    cameras: list[CameraRow]
    divisions: list[tuple[str, bool]]
    counts: dict[str, int]
    geojson: list[dict[str, Any]]
    map_plan: CameraPlan | None
    mark: tuple[int, str] = (0, "")


WATCH_LIVE = "watch it live"


@dataclass(frozen=True)
class ConsoleInfo:
    """What the status bar says about where the console is connected."""

    database: str
    media_service: str = "Media service: not running"
    simulator: str = ""


def short_database(line: str) -> str:
    """ "Database: sqlite:////long/path/demo.sqlite" → "Database: demo.sqlite" (the rest in the tooltip)."""
    head, _, url = line.partition(": ")
    if not url:
        return line
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    return f"{head}: {name or url}"


def short_media(line: str) -> str:
    """The media service's line, short enough for the status bar. An alarm is never shortened:
    it must be read across the room."""
    if line.startswith(MEDIA_ALARM):
        return line
    short = re.sub(r"^Media service: \S+ · ", "Media: ", line)
    short = short.replace(" camera stream(s) pulled", " pulled").replace(" viewer(s)", " viewers")
    return re.sub(r" camera\(s\), \d+ segment\(s\)", "", short)


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
                 session: ConsoleSession | None = None) -> None:  # fmt: skip
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
        self.cameras: list[CameraRow] = []
        self.divisions: list[str] = []
        self.approximate_divisions: set[str] = set()
        self._divisions_drawn = False
        self.setWindowTitle("RTCC Console")
        self.resize(1600, 950)

        self.media_url = media_url.rstrip("/")
        self.purposes = self.session.purposes  # what was stated, kept by the session
        self._fill_wall = fill_wall
        self.salvos = salvos
        self.incidents = incidents
        self.gazetteer = gazetteer
        self.geocoder: InMemoryGeocoder | None = None
        self.time_zone = time_zone
        self.walls = WallController(self)  # the wall, wall windows, tours, salvos, show live
        self.registry_actions = RegistryActions(self)  # register, edit, retire, import, export
        self.incidents_ui = IncidentActions(self)  # incidents, recordings, cases, review, audit
        self.incident_panel = IncidentPanel(self)
        self.incident_panel.sig_new_incident.connect(lambda: self.incidents_ui.new_incident())
        self.incident_panel.sig_show_live.connect(lambda ids: self.walls.show_cameras_live(ids))
        self.incident_panel.sig_review.connect(self.incidents_ui.review_recordings)
        self.recordings_dir = recordings_dir
        # Where the evidence signing key is kept on a workstation with no OS keyring.
        self.key_dir = key_dir
        self.scrub_windows: list[QMainWindow] = []
        self.review_windows: list[QMainWindow] = []
        self.role: str | None = None  # the signed-in person's role; None before any account exists
        self._drawn_incidents: list[dict[str, Any]] = []
        self.engine = engine
        self._walls_restored = False
        self.wall: VideoWall | None = None
        if engine is not None:
            self.wall = VideoWall(engine, self.live_url, self.camera_by_id, self)
            self.wall.setObjectName("wall_area")
            self.wall.drop_gate = self._gate_drop
            self.setCentralWidget(self.wall)
        else:
            self.setCentralWidget(_placeholder("Video wall switched off for this window.", "wall_area"))

        self.camera_panel = CameraListPanel(self)
        self.camera_panel.sig_camera_selected.connect(self._on_camera_selected)
        self.camera_panel.sig_camera_activated.connect(lambda row: self.open_on_wall(row.id))
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
            self.map.sig_camera_activated.connect(self._on_open_on_wall)
            self.map.sig_new_incident.connect(self.incidents_ui._on_new_incident_here)
            self.map.set_theme(theme)
            map_widget: QWidget = self.map
        else:
            map_widget = _placeholder("Division map switched off for this window.", "map_area")
        self._add_dock("map", "Division map", map_widget, Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("incident", "Incident", self.incident_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.docks["details"], self.docks["incident"])
        self.docks["details"].raise_()
        self._size_docks()

        # Short texts that fit a 1920-pixel status bar, the whole of each in its tooltip.
        if info.simulator:
            simulator = plain_label(info.simulator.split(" on ", 1)[0], self)
            simulator.setToolTip(plain_tooltip(info.simulator))
            self.statusBar().addPermanentWidget(simulator)
        self.status_db = plain_label(short_database(info.database), self)
        self.status_db.setToolTip(plain_tooltip(info.database))
        self.status_media = plain_label(info.media_service, self)
        self.status_counts = plain_label("Cameras: loading…", self)
        # Who is signed in, always in sight (every action is recorded under that person).
        self.status_user = plain_label(f"Signed in: {current_user()} (workstation user, no accounts)", self)
        self.status_user.setObjectName("signed_in")
        self.status_lock = QLabel(self)  # the lock's warning, in the place of passing messages
        self.status_lock.setObjectName("lock_warning")
        self.status_lock.setStyleSheet("font-weight: bold; color: #e0a000;")
        self.statusBar().addWidget(self.status_lock, 1)
        self.status_lock.hide()
        for widget in (self.status_user, self.status_db, self.status_media, self.status_counts):
            self.statusBar().addPermanentWidget(widget)

        self.actions_list: list[QAction] = []
        # A camera added, edited or retired elsewhere (the command line, another workstation)
        # reaches the console within about a second: the session follows the change mark.
        self._registry_timer = QTimer(self)
        self._registry_timer.setInterval(1000)
        self._registry_timer.timeout.connect(self._poll_registry)
        self._registry_poll_busy = False
        self._media_timer = QTimer(self)
        self._media_timer.setInterval(5000)
        self._media_timer.timeout.connect(self._poll_media_status)
        if self.media_url:
            self._media_timer.start()
        self._build_menus()
        self._restore_state()
        self.refresh()

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

    def _poll_media_status(self) -> None:
        """Show what the media service pulls and records (fetched off the GUI thread)."""
        url = self.media_url

        def fetch() -> tuple[str, dict[int, str]]:
            status = fetch_media_status(url)
            return describe_media(url, status), recording_states(status)

        self.tasks.run(fetch, self._show_media_status)

    def _open_selected(self) -> None:
        row = self.camera_panel.selected_camera()
        if row is not None:
            self.open_on_wall(row.id)

    # -- wall windows and salvos ----------------------------------------------------------

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
        self._registry_timer.stop()
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

    # -- data -----------------------------------------------------------------------------
    def _load_gazetteer(self) -> None:
        gazetteer = self.gazetteer
        if gazetteer is None or self.geocoder is not None:
            return

        def loaded(places: list[Any]) -> None:
            self.geocoder = InMemoryGeocoder(places)

        self.tasks.run(gazetteer.all, loaded, lambda exc: self._error("Could not read the gazetteer", exc))

    def refresh(self) -> None:
        self._load_gazetteer()
        want_geojson = self.map is not None and not self._divisions_drawn
        pushed = self.map.pushed if self.map is not None else None

        def load() -> Loaded:
            geojson = self.registry.divisions_geojson() if want_geojson else []
            mark = self.registry.change_mark()  # first: a change while reading shows as a new mark
            rows = self.registry.list_cameras()
            # The map's JSON is built here too: for 100,000 cameras it held the GUI thread.
            plan = plan_cameras(rows, pushed) if pushed is not None else None
            return Loaded(rows, self.registry.divisions(), self.registry.counts(), geojson, plan, mark)

        self.tasks.run(load, self._on_loaded, lambda exc: self._error("Could not read the registry", exc))

    def _poll_registry(self) -> None:
        if self._registry_poll_busy:
            return
        self._registry_poll_busy = True
        session = self.session

        def read_done(read: RegistryRead | None) -> None:
            self._registry_poll_busy = False
            if session.apply(read) is not None:
                self.refresh()

        def read_failed(exc: BaseException) -> None:  # a locked database: next second
            self._registry_poll_busy = False

        self.tasks.run(session.read_changes, read_done, read_failed)

    def _on_loaded(self, result: Loaded) -> None:
        self.session.apply(RegistryRead(result.mark, result.cameras))
        if not self._registry_timer.isActive():
            self._registry_timer.start()
        self.cameras = result.cameras
        divisions, counts, geojson = result.divisions, result.counts, result.geojson
        if self.map is not None:
            if geojson:
                self.map.set_divisions(geojson)
                self._divisions_drawn = True
            self.map.apply_cameras(result.map_plan or plan_cameras(self.cameras, self.map.pushed))
        if self.wall is not None and not self._walls_restored:
            self._walls_restored = True
            self.walls.restore_walls()
        if self.wall is not None and self._fill_wall:
            self._fill_wall_with_live_cameras(self._fill_wall)
            self._fill_wall = 0
        if self.wall is not None:
            # Terms or consent changed since a camera went up: its tile follows the registry.
            for tile in self.wall.visible_tiles:
                fresh = self.camera_by_id(tile.camera.id) if tile.camera else None
                if tile.camera is not None and (
                    fresh is None or why_not_live(fresh) != why_not_live(tile.camera)
                ):
                    tile.assign(fresh)
        self.divisions = [name for name, _ in divisions]
        self.approximate_divisions = {name for name, approx in divisions if approx}
        self.camera_panel.set_cameras(self.cameras, self.divisions)
        full = (
            f"Cameras: {counts['total']} registered · {counts['active']} active · "
            f"{counts['offline']} offline · {counts['retired']} retired · {counts['divisions']} divisions"
        )
        self.status_counts.setText(
            f"{counts['total']} cameras · {counts['active']} active · {counts['offline']} offline"
        )
        self.status_counts.setToolTip(plain_tooltip(full))

    def _on_map_camera_clicked(self, camera_id: int) -> None:
        self._selected_on_map = camera_id
        self.docks["cameras"].show()
        if not self.camera_panel.select_camera(camera_id):
            self.statusBar().showMessage("That camera is hidden by the camera list's filters.", 5000)
        self._selected_on_map = None

    def _on_open_on_wall(self, camera_id: int) -> None:
        self.open_on_wall(camera_id)

    def live_url(self, camera: CameraRow, stream: str) -> str:
        """The relay URL, naming the viewer and the stated purpose for the service's check and audit."""
        viewer = urlencode({"user": current_user(), "ws": socket.gethostname()})
        purpose = self.purposes.for_camera(camera.id).query()
        return f"{self.media_url}/live/{camera.id}/{stream}.ts?{viewer}" + (f"&{purpose}" if purpose else "")

    def ask_purpose(self, camera: CameraRow, what: str, then: Callable[[Purpose], object]) -> PurposeDialog:
        """Ask why (once: the answer is kept for the camera), check it in a worker, then go on."""
        suggested = self.purposes.last
        if self.incident_panel.incident is not None and not suggested:
            suggested = Purpose(incident=self.incident_panel.incident.number)
        live = what == WATCH_LIVE
        dialog = PurposeDialog(camera.name, what, suggested, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sessions = self.incidents.sessions if self.incidents is not None else None

        def check(purpose: Purpose) -> None:
            def done(problem: str | None) -> None:
                if problem:
                    dialog.refuse(problem)
                    return
                self.purposes.remember(purpose, [camera.id])
                dialog.accept()
                then(purpose)

            if sessions is None:
                done(None)
                return

            def work() -> str | None:
                with sessions() as s:  # the whole live check: the owner's window may say no too
                    return why_not_watch(s, camera, purpose) if live else purpose_problem(s, purpose)

            self.tasks.run(work, done, lambda exc: dialog.refuse(f"cannot check the purpose: {exc}"))

        dialog.sig_purpose_stated.connect(check)
        dialog.open()
        return dialog

    def camera_by_id(self, camera_id: int) -> CameraRow | None:
        return next((r for r in self.cameras if r.id == camera_id), None)

    def _fill_wall_with_live_cameras(self, count: int) -> None:
        """The demo's first view: a square grid of cameras whose owners allow live viewing."""
        assert self.wall is not None
        if any(t.camera for t in self.wall.visible_tiles):
            return
        side = next(n for n in range(1, 7) if n * n >= count)
        self.wall.set_layout(f"{side}x{side}")
        # Public cameras first: they need no stated purpose, so the first view plays at once.
        live = sorted((r for r in self.cameras if why_not_live(r) is None), key=needs_purpose)[:count]
        for index, camera in enumerate(live):
            self.wall.put_camera(camera, index)
        self.wall.select(0)

    def _purpose_missing(self, camera: CameraRow) -> bool:
        """A private camera that may be shown live, for which this console has not said why yet."""
        stated = bool(self.purposes.for_camera(camera.id))
        return why_not_live(camera) is None and needs_purpose(camera) and not stated

    def _gate_drop(self, wall: VideoWall, camera: CameraRow, index: int) -> bool:
        """A camera dropped on a tile (from the list or the map): ask the purpose first if needed."""
        if self._purpose_missing(camera):
            self.ask_purpose(camera, WATCH_LIVE, lambda _p: wall.put_camera(camera, index))
            return False
        return True

    def open_on_wall(self, camera_id: int) -> None:
        camera = self.camera_by_id(camera_id)
        if camera is None:
            return
        if self.wall is None:
            self.statusBar().showMessage("This window has no video wall.", 5000)
            return
        if self._purpose_missing(camera):
            self.ask_purpose(camera, WATCH_LIVE, lambda _p: self.open_on_wall(camera_id))
            return
        refusal = why_not_live(camera)
        tile = self.wall.put_camera(camera)
        if refusal:
            self.statusBar().showMessage(f"'{camera.name}' cannot be shown live: {refusal}.", 8000)
        else:
            self.statusBar().showMessage(f"'{camera.name}' on tile {tile.index + 1}.", 4000)

    @property
    def wall_windows(self) -> list[WallWindow]:
        return self.walls.windows

    def show_lock_warning(self, seconds_left: int) -> None:
        """Whoever is only watching gets the time to stay signed in."""
        self.status_lock.setText(
            f"Locking in {seconds_left} s: move the mouse or press a key to stay signed in"
        )
        self.status_lock.show()

    def hide_lock_warning(self) -> None:
        self.status_lock.hide()

    def show_signed_in(self, username: str, role: str) -> None:
        self.session.sign_in(Actor(username, Role(role)))
        self.status_user.setText(f"Signed in: {username} ({role})")
        self.setWindowTitle(f"RTCC Console — {username}")

    def apply_role(self, role: str) -> None:
        """Enable only what the signed-in person's role allows; the core checks again anyway."""
        from app.governance.roles import Action, may

        gated = {
            "export_case": Action.EXPORT_EVIDENCE, "review_recordings": Action.VIEW_RECORDINGS,
            "new_incident": Action.ENTER_INCIDENT, "add_camera": Action.EDIT_REGISTRY,
            "edit_camera": Action.EDIT_REGISTRY, "retire_camera": Action.EDIT_REGISTRY,
            "import_cameras": Action.EDIT_REGISTRY, "audit_log": Action.READ_AUDIT,
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

    def _show_media_status(self, found: tuple[str, dict[int, str]]) -> None:
        line, states = found
        self.camera_panel.model.set_recording(states)
        self.status_media.setText(short_media(line))
        self.status_media.setToolTip(plain_tooltip(line))
        # A recording alarm must be seen across the room: red, bold, until it clears.
        alarm = line.startswith(MEDIA_ALARM)
        self.status_media.setStyleSheet(
            "color: white; background: #b00020; font-weight: bold;" if alarm else ""
        )

    def _on_camera_selected(self, row: CameraRow) -> None:
        if self.map is not None:
            # A click on the map already shows the camera; a pick in the list flies the map to it.
            self.map.select(row.id, fly=row.id != self._selected_on_map)
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
