"""The console's walls as one thing to control: its own wall and the wall windows on other
monitors, tours, salvos (named arrangements shared through the database), "show these cameras
live" with its undo, and direct RTSP. Messages go to the console's status bar; dialogs are the
console's children."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QInputDialog, QMainWindow, QMessageBox

from app.console.session import Session
from app.governance.gate import why_not_live
from app.governance.purpose import needs_purpose
from app.models.enums import OwnerType
from app.models.rows import CameraRow
from app.video.sources import libvlc_opens_rtsp
from app.video.vlc_player import VlcEngine
from app.views.camera_list import ROW_ROLE, CameraListPanel
from app.views.console_part import ConsolePart
from app.views.subscriptions import subscribe
from app.views.tasks import TaskManager, TaskRunner
from app.views.wall.monitors import MonitorChoice, raise_window
from app.views.wall.tile import UrlFor
from app.views.wall.wall import VideoWall
from app.views.wall.window import WallWindow, screen_named
from app.walls.salvos import SalvoDoc, SalvoError, SalvoStore, WallArrangement

if TYPE_CHECKING:
    from app.console.events import CamerasChanged


def follow_tiles(session: Session, wall: VideoWall) -> None:
    """The session learns each of the wall's tiles' state as the tile reports it."""
    key = id(wall)
    wall.sig_tile_state.connect(
        lambda tile, camera_id, state: session.note_tile_state(key, tile, camera_id, state)
    )


# Whether a camera dropped on a tile goes there now (False: the drop waits, e.g. for a purpose).
DropGate = Callable[[VideoWall, CameraRow, int], bool]


class WallController(ConsolePart):
    def __init__(self, window: QMainWindow, session: Session, tasks: TaskRunner, task_manager: TaskManager,
                 wall: VideoWall | None, engine: VlcEngine | None, url_for: UrlFor, drop_gate: DropGate,
                 cameras: CameraListPanel, salvos: SalvoStore | None,
                 ui_state: QSettings) -> None:  # fmt: skip
        super().__init__(window)
        self.session, self.tasks, self.task_manager = session, tasks, task_manager
        self._wall, self.engine = wall, engine
        self.url_for, self.drop_gate, self.cameras = url_for, drop_gate, cameras
        self.salvos, self.ui_state = salvos, ui_state
        self.windows: list[WallWindow] = []
        self._before: tuple[str, list[int | None]] | None = None  # the wall before "show live", for Ctrl+Z

    @property
    def wall(self) -> VideoWall | None:
        """The console's own wall (None in a console started without video)."""
        return self._wall

    def toggle_direct(self) -> None:
        """Let the selected tile open its camera's RTSP stream itself, where libVLC can."""
        assert self.wall is not None
        tile = self.wall.visible_tiles[self.wall.selected]
        if not tile.direct and not libvlc_opens_rtsp():
            self._say(
                "This workstation's libVLC cannot open RTSP (Debian's build lacks live555); "
                "tiles play through the media service.",
                8000,
            )
            return
        tile.set_direct(not tile.direct)
        how = "directly from the camera" if tile.direct else "through the media service"
        self._say(f"Tile {tile.index + 1} now plays {how}.", 5000)

    def start_tour(self, whole_wall: bool, seconds: int | None = None) -> None:
        """Tour the cameras the camera list shows (its search and filters) that allow live view.
        Private cameras never tour unless the program's policy allows it (its cap), and then only
        once a purpose has been stated for them (a tour never asks)."""
        assert self.wall is not None
        panel = self.cameras
        listed = [panel.proxy.index(r, 0).data(ROW_ROLE) for r in range(panel.proxy.rowCount())]
        allowed = [c for c in listed if why_not_live(c) is None]
        if not self.session.policy.private_cameras_on_tours:
            public = [c for c in allowed if c.owner_type == OwnerType.PUBLIC_AGENCY]
            capped, allowed = len(allowed) - len(public), public
        else:
            capped = 0
        cameras = [c for c in allowed if not self.session.purpose_missing(c)]
        unstated = len(allowed) - len(cameras)
        left_out = f"; {unstated} private camera(s) left out: no purpose stated for them" if unstated else ""
        if capped:
            left_out += f"; {capped} private camera(s) left out: the program allows none on a tour"
        if not cameras:
            self._say(
                f"No camera in the list may be shown live{left_out}; change the search or filters, or "
                "open a private camera once to state why.",
                8000,
            )
            return
        if seconds is None:
            value, ok = QInputDialog.getInt(
                self._window, "Tour", f"Seconds per step ({len(cameras)} cameras):", 10, 2, 3600
            )
            if not ok:
                return
            seconds = value
        self.wall.start_tour(cameras, seconds, None if whole_wall else self.wall.selected)
        where = "the whole wall" if whole_wall else f"tile {self.wall.selected + 1}"
        self._say(f"Touring {len(cameras)} cameras through {where} every {seconds} s{left_out}.", 8000)

    def new_wall_windows(self) -> list[WallWindow]:
        """Ctrl+Shift+W: one wall window on each monitor chosen (see app/views/wall/monitors.py);
        a monitor that has one already gets it raised, not another."""
        if self.engine is None:
            return []
        names = [sc.name() for sc in QGuiApplication.screens()]
        taken = {w.screen_name: w for w in self.windows}
        console = self._window.screen().name()
        if len(names) > 1:
            dialog = MonitorChoice(names, set(taken), console, self._window)
            if dialog.exec() != MonitorChoice.DialogCode.Accepted:
                return []
            chosen = dialog.chosen()
        else:
            chosen = names
        opened, raised = [], []
        for name in chosen:
            if name in taken:
                raise_window(taken[name])
                raised.append(name)
            else:
                window = self.new_wall_window(name)
                if window is not None:
                    opened.append(window)
        if raised:
            self._say(f"A wall window is already on {', '.join(raised)}: raised, not opened again "
                      "(Wall → Wall windows lists them).", 8000)  # fmt: skip
        return opened

    def close_wall_window(self, window: WallWindow) -> None:
        window.close()

    def new_wall_window(self, screen_name: str | None = None) -> WallWindow | None:
        if self.engine is None:
            return None
        if screen_name is None:
            screen_name = self._window.screen().name()
        window = WallWindow(self.engine, self.url_for, self.session.camera)
        window.task_manager = self.task_manager  # a top-level window: its tiles work on the console's pool
        window.wall.drop_gate = self.drop_gate
        follow_tiles(self.session, window.wall)
        window.sig_closed.connect(self._on_wall_window_closed)
        self.windows.append(window)
        window.place_on(screen_named(screen_name), self._window.screen())
        return window

    def _on_wall_window_closed(self, window: WallWindow) -> None:
        self.session.forget_wall(id(window.wall))
        if window in self.windows:
            self.windows.remove(window)

    def arrangement(self, name: str = "") -> SalvoDoc:
        assert self.wall is not None
        windows = [WallArrangement(self.wall.layout_name, self.wall.assignments())]
        for w in self.windows:
            windows.append(WallArrangement(w.wall.layout_name, w.wall.assignments(), w.screen_name))
        return SalvoDoc(name, windows)

    def apply_arrangement(self, doc: SalvoDoc) -> None:
        assert self.wall is not None
        first, *others = doc.windows
        self.wall.arrange(first.layout, first.tiles)
        for window in self.windows[len(others) :]:
            window.close()
        for i, arrangement in enumerate(others):
            if i < len(self.windows):
                window = self.windows[i]
                if window.screen_name != arrangement.screen:
                    window.place_on(screen_named(arrangement.screen), self._window.screen())
            else:
                created = self.new_wall_window(arrangement.screen or QGuiApplication.primaryScreen().name())
                if created is None:
                    return
                window = created
            window.wall.arrange(arrangement.layout, arrangement.tiles)

    def save_salvo(self, name: str | None = None) -> None:
        if self.salvos is None or self.wall is None:
            return
        if name is None:
            name, ok = QInputDialog.getText(self._window, "Save salvo", "Name of this wall arrangement:")
            if not ok:
                return
        doc = self.arrangement(name)
        store = self.salvos
        self.tasks.run(
            lambda: store.save(doc),
            lambda _r: self._say(f"Saved salvo '{doc.name.strip()}'.", 5000),
            lambda exc: self._error("Salvo not saved", exc),
        )

    def recall_salvo(self, name: str | None = None) -> None:
        if self.salvos is None:
            return
        store = self.salvos
        if name is None:
            self.tasks.run(
                store.names, self._choose_salvo, lambda exc: self._error("Cannot list salvos", exc)
            )
            return
        chosen = name

        def done(doc: SalvoDoc) -> None:
            self.apply_arrangement(doc)
            self._say(f"Recalled salvo '{doc.name}'.", 5000)

        self.tasks.run(lambda: store.load(chosen), done, lambda exc: self._error("Salvo not recalled", exc))

    def _choose_salvo(self, names: list[str]) -> None:
        if not names:
            self._say("No salvo has been saved yet (Ctrl+Alt+S saves the wall).", 6000)
            return
        choice, ok = QInputDialog.getItem(self._window, "Recall salvo", "Salvo:", names, 0, False)
        if ok:
            self.recall_salvo(choice)

    def restore_walls(self) -> None:
        """Bring back the wall windows (and every wall's cameras) as they were at the last exit."""
        raw = self.ui_state.value("walls/arrangement")
        if not raw:
            return
        try:
            doc = SalvoDoc.from_json("last session", str(raw))
        except SalvoError:
            return
        self.apply_arrangement(doc)

    def follow(self, session: Session, fill_wall: int = 0) -> None:
        """The walls follow the registry: once it is first read, the last session's walls come
        back (or the demo's first view fills the wall); a camera whose terms or consent changed
        since it went up is put up again, so its tile shows what it may show now. The recorder's
        word on each camera's clock reaches its tile."""

        def cameras_changed(event: CamerasChanged) -> None:
            if self.wall is None:
                return
            if event.first:
                self.restore_walls()
                if fill_wall:
                    self.fill_wall(fill_wall)
            moved = set(event.changed) | set(event.retired)
            for wall in self._walls():
                for tile in wall.visible_tiles:
                    if tile.camera is None or tile.camera.id not in moved:
                        continue
                    fresh = session.camera(tile.camera.id)
                    if fresh is None or why_not_live(fresh) != why_not_live(tile.camera):
                        tile.assign(fresh)

        subscribe(self, session.events.cameras_changed, cameras_changed)
        subscribe(self, session.events.media_changed,
                  lambda media: self.set_clocks(media.clock_faults, media.clock_delays))  # fmt: skip

    def fill_wall(self, count: int) -> None:
        """The demo's first view: a square grid of cameras whose owners allow live viewing."""
        wall = self.wall
        assert wall is not None
        if any(t.camera for t in wall.visible_tiles):
            return
        side = next(n for n in range(1, 7) if n * n >= count)
        wall.set_layout(f"{side}x{side}")
        # Public cameras of the home divisions first: they need no stated purpose, so the first
        # view plays at once.
        cameras = self.session.cameras.values()
        home = self.session.actor.home_divisions
        live = sorted((r for r in cameras if why_not_live(r) is None), key=lambda r: needs_purpose(r, home))
        for index, camera in enumerate(live[:count]):
            wall.put_camera(camera, index)
        wall.select(0)

    def wall_for(self, target: str) -> VideoWall | None:
        """The wall a dispatch rule names: "main" (the console's own) or "window N" (its main
        wall while that window is not open)."""
        if target.startswith("window "):
            index = int(target.split()[1]) - 1
            if index < len(self.windows):
                return self.windows[index].wall
        return self.wall

    def _walls(self) -> list[VideoWall]:
        return [w for w in (self._wall, *(window.wall for window in self.windows)) if w is not None]

    def set_clocks(self, faults: dict[int, str], delays: dict[int, float]) -> None:
        """Each tile hears what the recorder believes of its camera's clock: why it is not trusted,
        or the delay measured against it (the tile then knows its picture's age)."""
        for wall in self._walls():
            for tile in wall.tiles:
                camera = tile.camera.id if tile.camera is not None else None
                tile.set_clock(
                    faults.get(camera, "") if camera else "", delays.get(camera) if camera else None
                )

    def show_cameras_live(self, camera_ids: list[int]) -> None:
        """Put an incident's cameras that allow live view on the wall, best first.

        A wall already showing other cameras is replaced only when the operator says so, and
        Ctrl+Z puts it back. Cameras left off are named with the reason."""
        if self.wall is None:
            return
        cameras = [c for c in (self.session.camera(i) for i in camera_ids) if c is not None]
        live = [c for c in cameras if why_not_live(c) is None][:36]
        left_off = [f"{c.name} ({why_not_live(c)})" for c in cameras if why_not_live(c) is not None]
        why = f" Not shown live: {'; '.join(left_off)}." if left_off else ""
        if not live:
            self._say(f"None of this incident's cameras may be shown live.{why}", 10_000)
            return
        wanted = {c.id for c in live}
        others = [
            self.session.camera(i) for i in self.wall.assignments() if i is not None and i not in wanted
        ]
        if others:
            names = ", ".join(c.name for c in others[:4] if c is not None) + (" …" if len(others) > 4 else "")
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Replace the wall?",
                f"The wall shows {len(others)} other camera(s): {names}.\n\nReplace them with "
                f"this incident's {len(live)} camera(s)? Ctrl+Z puts the wall back.",
                QMessageBox.StandardButton.Cancel,
                self._window,
            )
            box.setTextFormat(Qt.TextFormat.PlainText)
            replace = box.addButton("Replace", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(replace)
            box.exec()
            if box.clickedButton() is not replace:
                self._say("The wall was left as it was.", 5000)
                return
        self._before = (self.wall.layout_name, self.wall.assignments())
        side = next(n for n in range(1, 7) if n * n >= len(live))
        self.wall.arrange(f"{side}x{side}", [c.id for c in live])
        self._say(
            f"{len(live)} incident camera(s) live on the wall (Ctrl+Z puts the wall back).{why}", 15_000
        )

    def undo_wall_change(self) -> None:
        """Put the wall back as it was before the last "show live"."""
        if self.wall is None or self._before is None:
            self._say("Nothing to undo on the wall.", 4000)
            return
        layout, tiles = self._before
        self._before = None
        self.wall.arrange(layout, tiles)
        self._say("The wall is back as it was.", 5000)
