"""The console's menus and their shortcuts: one table per menu, every action named (tests and
F1 find them by name) and bound to the console's window only. The menus call the window's parts
as a :class:`MenuHost` describes them; they never import the window."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow

from app.console import use_cases
from app.views.alert_banner import AlertBanner
from app.views.incident_actions import IncidentActions
from app.views.live_handoff import LiveHandoff
from app.views.registry_actions import RegistryActions
from app.views.registry_feed import RegistryFeed
from app.views.rule_actions import RuleActions
from app.views.shortcuts import open_shortcuts
from app.views.status_messages import MessageLogBar, open_message_log
from app.views.wall.controller import WallController
from app.views.wall.monitors import fill_windows_menu
from app.views.wall.wall import VideoWall
from app.views.wall.window import WALL_LAYOUTS

# The use case each governed menu item calls: the role table's answer for it greys the item.
MENU_USE_CASES: dict[str, Callable[..., Any]] = {
    "export_case": use_cases.export_case, "review_recordings": use_cases.open_recordings,
    "new_incident": use_cases.create_incident, "add_camera": use_cases.register_camera,
    "edit_camera": use_cases.edit_camera, "retire_camera": use_cases.retire_camera,
    "import_cameras": use_cases.import_cameras, "audit_log": use_cases.open_audit_log,
    "justifications": use_cases.decide_justification, "close_incident": use_cases.close_incident,
    "reopen_incident": use_cases.reopen_incident,
}  # fmt: skip


def grey_for_role(actions: list[QAction], role: str) -> None:
    """Enable only the menu items whose use case the role table allows the role."""
    for action in actions:
        use_case = MENU_USE_CASES.get(action.objectName())
        if use_case is not None:
            action.setEnabled(use_cases.allowed(role, use_case))


class MenuHost(Protocol):
    """What the menus call: the parts of the console's window and its view commands."""

    registry_actions: RegistryActions
    incidents_ui: IncidentActions
    rule_actions: RuleActions
    live_handoff: LiveHandoff
    walls: WallController
    feed: RegistryFeed
    alert_banner: AlertBanner
    wall: VideoWall | None
    docks: dict[str, QDockWidget]
    actions_list: list[QAction]
    messages: MessageLogBar

    def focus_search(self) -> None: ...
    def toggle_theme(self) -> None: ...
    def toggle_full_screen(self) -> None: ...
    def show_about(self) -> None: ...
    def open_selected(self) -> None: ...


def _add_action(window: QMainWindow, actions: list[QAction], menu: Any, text: str,
                shortcut: str | QKeySequence.StandardKey, slot: Any, name: str) -> QAction:  # fmt: skip
    action = QAction(text, window)
    action.setObjectName(name)
    action.setShortcut(QKeySequence(shortcut))
    # The console's own window (and its floating docks) only: application-wide keys collided
    # with the same keys in the scrub view and the wall windows, and then neither fired.
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda *_checked: slot())
    window.addAction(action)
    menu.addAction(action)
    actions.append(action)
    return action


def build_menus(window: QMainWindow, w: MenuHost) -> None:
    bar = window.menuBar()
    add_action = partial(_add_action, window, w.actions_list)
    file_menu = bar.addMenu("&File")
    add_action(file_menu, "&Import cameras…", "Ctrl+I", w.registry_actions.import_cameras, "import_cameras")
    add_action(file_menu, "&Export cameras…", "Ctrl+E", w.registry_actions.export_cameras, "export_cameras")
    file_menu.addSeparator()
    add_action(file_menu, "&Quit", "Ctrl+Q", window.close, "quit")

    incident_menu = bar.addMenu("&Incident")
    add_action(
        incident_menu, "&New incident…", "Ctrl+N", lambda: w.incidents_ui.new_incident(), "new_incident"
    )
    add_action(incident_menu, "&Open an incident…", "Ctrl+O", w.incidents_ui.open_incident, "open_incident")
    add_action(incident_menu, "&Close the incident…", "Ctrl+Shift+C", lambda: w.incidents_ui.close_current(),
               "close_incident")  # fmt: skip
    add_action(incident_menu, "Re&open the incident", "Ctrl+Shift+U", lambda: w.incidents_ui.reopen_current(),
               "reopen_incident")  # fmt: skip
    add_action(
        incident_menu, "&Dismiss the alert", "Ctrl+Shift+K", w.alert_banner.acknowledge, "dismiss_alert"
    )
    add_action(incident_menu, "&Put the waiting call's cameras on the wall", "Ctrl+Shift+P",
               w.rule_actions.put_pending_on_wall, "put_call_on_wall")  # fmt: skip

    evidence_menu = bar.addMenu("E&vidence")
    add_action(
        evidence_menu,
        "&Review the incident's recordings…",
        "Ctrl+R",
        w.incidents_ui.review_recordings,
        "review_recordings",
    )
    add_action(evidence_menu, "E&xport a case…", "Ctrl+Shift+E", w.incidents_ui.export_case, "export_case")
    add_action(
        evidence_menu,
        "&Verify a package…",
        "Ctrl+Shift+V",
        w.incidents_ui.verify_package,
        "verify_package",
    )
    review = w.incidents_ui.choose_package_to_review
    add_action(evidence_menu, "Review a &package…", "Ctrl+Shift+O", review, "review_package")
    add_action(
        evidence_menu,
        "Footage &requests to owners…",
        "Ctrl+Shift+R",
        w.incidents_ui.show_requests,
        "requests",
    )
    add_action(
        evidence_menu,
        "&Justifications to approve…",
        "Ctrl+Shift+J",
        w.incidents_ui.show_justifications,
        "justifications",
    )
    evidence_menu.addSeparator()
    add_action(evidence_menu, "&Audit log…", "Ctrl+Shift+A", w.incidents_ui.show_audit, "audit_log")

    cam_menu = bar.addMenu("&Cameras")
    add_action(cam_menu, "&Register camera…", "Ctrl+Shift+N", w.registry_actions.add_camera, "add_camera")
    add_action(cam_menu, "&Edit camera…", "F2", w.registry_actions.edit_camera, "edit_camera")
    add_action(cam_menu, "Re&tire camera", "Ctrl+Delete", w.registry_actions.retire_camera, "retire_camera")
    cam_menu.addSeparator()
    add_action(cam_menu, "&Find camera", "Ctrl+F", w.focus_search, "find_camera")
    add_action(cam_menu, "Re&load registry", "F5", w.feed.refresh, "refresh")

    if w.wall is not None:
        build_wall_menu(window, w, bar.addMenu("&Wall"), w.wall)

    view_menu = bar.addMenu("&View")
    for dock in w.docks.values():
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    add_action(view_menu, "Toggle &light/dark theme", "Ctrl+Shift+T", w.toggle_theme, "toggle_theme")
    add_action(view_menu, "&Full screen", "F11", w.toggle_full_screen, "full_screen")
    add_action(view_menu, "Recent &messages…", "Ctrl+Shift+M", partial(open_message_log, window, w.messages),
               "recent_messages")  # fmt: skip

    help_menu = bar.addMenu("&Help")
    add_action(
        help_menu, "&Keyboard shortcuts", "F1", partial(open_shortcuts, window, w.actions_list), "shortcuts"
    )
    about = QAction("&About", window)
    about.triggered.connect(w.show_about)
    help_menu.addAction(about)


def build_wall_menu(window: QMainWindow, w: MenuHost, menu: Any, wall: VideoWall) -> None:
    add_action = partial(_add_action, window, w.actions_list)
    for name, text, keys in WALL_LAYOUTS:
        add_action(menu, text, keys, partial(wall.set_layout, name), f"layout_{name}")
    menu.addSeparator()
    moves = [
        ("left", "Alt+Left", 0, -1),
        ("right", "Alt+Right", 0, 1),
        ("up", "Alt+Up", -1, 0),
        ("down", "Alt+Down", 1, 0),
    ]
    for name, keys, dr, dc in moves:
        add_action(menu, f"Select tile {name}", keys, partial(wall.move_selection, dr, dc), f"tile_{name}")
    add_action(menu, "Maximise / restore tile", "Ctrl+M", partial(wall.toggle_maximise, None), "maximise")
    add_action(menu, "Clear tile", "Ctrl+Backspace", partial(wall.clear_tile, None), "clear_tile")
    add_action(menu, "Retry the selected tile", "Shift+F5", partial(wall.retry_tile, None), "retry_tile")
    add_action(menu, "Undo the last wall change", "Ctrl+Z", w.walls.undo_wall_change, "undo_wall")
    add_action(menu, "Show tile statistics", "Ctrl+Shift+S", wall.toggle_stats, "tile_stats")
    add_action(menu, "Open selected camera on the wall", "Ctrl+Return", w.open_selected, "open_wall")
    send = w.live_handoff.send_selected_tile
    add_action(menu, "Send the selected tile to officers…", "Ctrl+H", send, "send_tile_to_officers")
    direct = "Play the selected tile directly from the camera (RTSP)"
    add_action(menu, direct, "Ctrl+Alt+D", w.walls.toggle_direct, "direct_rtsp")
    menu.addSeparator()
    add_action(
        menu, "New wall windows on monitors…", "Ctrl+Shift+W", w.walls.new_wall_windows, "new_wall_window"
    )
    windows = menu.addMenu("Wall &windows")
    windows.setObjectName("wall_windows_menu")
    windows.aboutToShow.connect(
        lambda: fill_windows_menu(windows, w.walls.windows, w.walls.close_wall_window)
    )
    tour_tile = partial(w.walls.start_tour, False)
    tour_wall = partial(w.walls.start_tour, True)
    add_action(menu, "Tour the listed cameras through the selected tile…", "Ctrl+T", tour_tile, "tour_tile")
    add_action(menu, "Tour the listed cameras through the whole wall…", "Ctrl+Alt+W", tour_wall, "tour_wall")
    add_action(menu, "Stop tours", "Ctrl+Alt+T", wall.stop_all_tours, "stop_tours")
    if w.walls.salvos is not None:
        add_action(menu, "Save salvo…", "Ctrl+Alt+S", w.walls.save_salvo, "save_salvo")
        add_action(menu, "Recall salvo…", "Ctrl+Alt+R", w.walls.recall_salvo, "recall_salvo")
