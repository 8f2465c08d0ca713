"""The console's main window: docks around the video wall, menus, shortcuts, status bar.

The window never touches the database itself: registry calls run through the
:class:`~app.views.tasks.TaskRunner` and come back as callbacks on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget

from app import __version__
from app.console import use_cases
from app.console.actor import Actor
from app.console.session import Session as ConsoleSession
from app.governance.identity import current_user
from app.governance.roles import Role
from app.incidents.service import IncidentStore
from app.models.rows import CameraRow
from app.native_memory import start_heap_trimming
from app.registry.gazetteer import OfflineGazetteer
from app.registry.service import Registry
from app.video.vlc_player import VlcEngine
from app.views.alert_banner import AlertBanner
from app.views.console_docks import ConsoleDocks, alert_bar, placeholder
from app.views.console_menus import build_menus, grey_for_role
from app.views.incident_actions import EvidenceFolders, IncidentActions, IncidentViews
from app.views.live_actions import LiveActions
from app.views.live_handoff import LiveHandoff
from app.views.live_updates import LiveUpdates
from app.views.map.page_html import MapConfig
from app.views.queued_calls import QueuedCalls
from app.views.registry_actions import RegistryActions
from app.views.registry_feed import RegistryFeed
from app.views.rule_actions import RuleActions
from app.views.status_bar import ConsoleStatus
from app.views.status_messages import MessageLogBar, open_message_log
from app.views.subscriptions import subscribe
from app.views.tasks import TaskManager, TaskRunner
from app.views.theme import apply_theme
from app.views.wall.controller import WallController, follow_tiles
from app.views.wall.wall import VideoWall
from app.walls.salvos import SalvoStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsoleInfo:
    """What the status bar says about where the console is connected."""

    database: str
    media_service: str = "Media service: not running"
    simulator: str = ""
    # Whether the demo's simulator (a child process) still runs; None: no simulator to watch.
    simulator_running: Callable[[], bool] | None = None


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
        # The console's model: who is signed in, the registry, the media services, the current
        # incident; the views follow its events. Without one (tests, benchmarks) the
        # workstation's user before any account exists.
        self.session = session or ConsoleSession(
            registry.sessions, Actor.before_accounts(current_user()), registry
        )
        self.session.media_url = media_url.rstrip("/")
        self.info = info
        self.ui_state = ui_state
        self.theme = theme
        self.incidents = incidents
        # The console's one pool of workers: this window's runner and those of every window and
        # dialog opened from it find it up their parent chain.
        self.task_manager = TaskManager()
        self.tasks = TaskRunner(self)
        self.setWindowTitle("RTCC Console")
        self.resize(1600, 950)
        session, tasks = self.session, self.tasks

        # Reads the registry and the media services into the session.
        self.feed = RegistryFeed(self, session, tasks)
        self.live = LiveActions(self, session, tasks)  # live on a wall, asking why first
        self.engine = engine
        self.wall: VideoWall | None = None
        if engine is not None:
            self.wall = VideoWall(engine, self.live.live_url, session.camera, self)
            self.wall.setObjectName("wall_area")
            self.wall.drop_gate = self.live.gate_drop
            follow_tiles(session, self.wall)
            self.live.wall = self.wall
            self.setCentralWidget(self.wall)
        else:
            self.setCentralWidget(placeholder("Video wall switched off for this window.", "wall_area"))
        docks = self.layout_docks = ConsoleDocks(self, session, map_config, theme)
        self.camera_panel, self.details, self.map = docks.camera_panel, docks.details, docks.map
        self.incident_panel, self.incident_list = docks.incident_panel, docks.incident_list
        self.docks = docks.docks
        self.messages = MessageLogBar(self)  # passing messages elided to fit, whole in a log
        self.messages.sig_open_log.connect(lambda: open_message_log(self, self.messages))
        self.setStatusBar(self.messages)
        self.status = ConsoleStatus(self.statusBar(), info.database, info.media_service, info.simulator,
                                    info.simulator_running)  # fmt: skip
        self.status.follow(session)
        subscribe(self, session.events.signed_in,
                  lambda who: self.setWindowTitle(f"RTCC Console — {who.username}"))  # fmt: skip
        self.alert_banner = AlertBanner(self)  # a call a dispatch rule opened, until dismissed
        self.alert_bar = alert_bar(self, self.alert_banner)

        folders = EvidenceFolders(
            recordings_dir,
            # Where hand-offs to officers go (the folder the agency's mobile data system watches).
            handoff_dir or (recordings_dir or Path.home()).parent / "handoffs",
            key_dir,  # the evidence signing key, on a workstation with no OS keyring
        )
        # The moment on a live tile, to the officers.
        self.live_handoff = LiveHandoff(self, session, tasks, self.wall, folders.recordings, folders.handoffs)
        # The wall, wall windows, tours, salvos, show live.
        self.walls = WallController(self, session, tasks, self.task_manager, self.wall, engine,
                                    self.live.live_url, self.live.gate_drop, self.camera_panel, salvos,
                                    ui_state)  # fmt: skip
        self.walls.follow(session, fill_wall)
        # Register, edit, retire, import, export; the reader reads at once what was written.
        self.registry_actions = RegistryActions(self, session, tasks, self.camera_panel)
        # Incidents, recordings, cases, review, audit.
        views = IncidentViews(self.incident_panel, self.docks["incident"], self.map, self.camera_panel)
        self.incidents_ui = IncidentActions(self, session, tasks, incidents, views, folders, time_zone,
                                            engine, gazetteer)  # fmt: skip
        self.rule_actions = RuleActions(self, session, tasks, incidents, self.alert_banner,
                                        self.walls.wall_for, walls=rule_walls)  # fmt: skip
        self.queued_calls = QueuedCalls(self, session, self.alert_banner, self.status.queued)
        # Other workstations' changes, as they commit.
        self.live_updates = LiveUpdates(self, session, tasks, incidents)
        self._connect_parts()
        self.actions_list: list[QAction] = []
        build_menus(self, self)
        docks.restore(ui_state)
        self.alert_bar.hide()  # a saved layout must not bring back an old alert's empty bar
        self.feed.refresh()
        self.rule_actions.start()
        self.live_updates.start()
        self._heap_trim = start_heap_trimming()  # a shift's worth of libVLC and Qt threads' frees

    def _connect_parts(self) -> None:
        """The parts and views talk through these signals (and the session's events), never
        through one another."""
        incidents_ui, panel = self.incidents_ui, self.incident_panel
        panel.sig_new_incident.connect(lambda: incidents_ui.new_incident())
        panel.sig_review.connect(incidents_ui.review_recordings)
        panel.sig_revoke.connect(incidents_ui.revoke_handoff)
        panel.sig_close.connect(incidents_ui.close_current)
        panel.sig_reopen.connect(incidents_ui.reopen_current)
        panel.sig_show_live.connect(self.walls.show_cameras_live)
        self.incident_list.sig_incident_activated.connect(incidents_ui.reopen)
        self.camera_panel.sig_camera_activated.connect(lambda row: self.live.open_on_wall(row.id))
        if self.map is not None:
            self.map.sig_camera_activated.connect(self.live.open_on_wall)
            self.map.sig_new_incident.connect(incidents_ui.new_incident)
        self.registry_actions.sig_written.connect(self.feed.poll_now)
        self.rule_actions.sig_open.connect(incidents_ui.reopen)
        self.live_updates.sig_incidents_read.connect(self.incident_list.set_incidents)
        self.live_updates.sig_incidents_read.connect(self.rule_actions.incidents_read)
        self.live_updates.sig_incidents_read.connect(self.queued_calls.incidents_read)
        self.live_updates.sig_incident_changed.connect(incidents_ui.incident_changed)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.layout_docks.shown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.feed.stop()
        self.live_updates.stop()
        self._heap_trim.stop(2)
        self.layout_docks.save(self.ui_state)
        if self.wall is not None:
            self.ui_state.setValue("walls/arrangement", self.walls.arrangement("last session").to_json())
        for window in list(self.walls.windows):
            window.close()
        self.ui_state.sync()
        self.tasks.wait(10_000)
        if self.wall is not None:
            self.wall.release()
        super().closeEvent(event)

    @property
    def cameras(self) -> list[CameraRow]:
        """The registry as the session last read it, in the registry's order."""
        return list(self.session.cameras.values())

    def show_signed_in(self, username: str, role: str) -> None:
        before = self.session.actor
        home = before.home_divisions  # the workstation's, whoever signs in
        self.session.sign_in(Actor(username, Role(role), home_divisions=home))
        if before.username != username:
            # Streams already playing go on; a copied address of theirs starts nothing more.
            sessions, why = self.session.sessions, f"{username} signed in at this workstation"
            self.tasks.run(lambda: use_cases.revoke_live_grants(sessions, before, why), None,
                           lambda exc: log.warning("live-view grants not revoked: %s", exc))  # fmt: skip

    def apply_role(self, role: str) -> None:
        """Enable only what the signed-in person's role allows: each menu item is greyed by the
        role table's answer for the use case it calls (which checks again anyway)."""
        grey_for_role(self.actions_list, role)
        self.incident_panel.review_button.setVisible(use_cases.allowed(role, use_cases.open_recordings))
        self.incident_panel.live_button.setVisible(use_cases.allowed(role, use_cases.check_live))
        if self.wall is not None:
            may_watch = use_cases.allowed(role, use_cases.grant_live_view)
            self.wall.set_role_refusal("" if may_watch else f"the {role} role may not view live video")

    def open_selected(self) -> None:
        row = self.camera_panel.selected_camera()
        if row is not None:
            self.live.open_on_wall(row.id)

    # -- view -----------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.layout_docks.focus_search()

    def toggle_theme(self) -> None:
        self.theme = "light" if self.theme == "dark" else "dark"
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_theme(app, self.theme)
        if self.map is not None:
            self.map.set_theme(self.theme)

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def show_about(self) -> None:
        QMessageBox.about(self, "About RTCC Console", f"RTCC Console {__version__}\n{self.info.database}")
