"""The console's walls as one thing to control: its own wall and the wall windows on other
monitors, tours, salvos (named arrangements shared through the database), "show these cameras
live" with its undo, and direct RTSP. Messages go to the console's status bar; dialogs are the
console's children."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.governance.gate import why_not_live
from app.models.enums import OwnerType
from app.video.sources import libvlc_opens_rtsp
from app.views.camera_list import ROW_ROLE
from app.views.console_part import ConsolePart
from app.views.wall.wall import VideoWall
from app.views.wall.window import WallWindow, screen_named
from app.walls.salvos import SalvoDoc, SalvoError, WallArrangement

if TYPE_CHECKING:
    from app.views.main_window import MainWindow


class WallController(ConsolePart):
    def __init__(self, console: MainWindow) -> None:
        super().__init__(console)
        self.windows: list[WallWindow] = []
        self._before: tuple[str, list[int | None]] | None = None  # the wall before "show live", for Ctrl+Z

    @property
    def wall(self) -> VideoWall | None:
        """The console's own wall (None in a console started without video)."""
        return self.console.wall

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
        panel = self.console.camera_panel
        listed = [panel.proxy.index(r, 0).data(ROW_ROLE) for r in range(panel.proxy.rowCount())]
        allowed = [c for c in listed if why_not_live(c) is None]
        if not self.console.session.policy.private_cameras_on_tours:
            public = [c for c in allowed if c.owner_type == OwnerType.PUBLIC_AGENCY]
            capped, allowed = len(allowed) - len(public), public
        else:
            capped = 0
        cameras = [c for c in allowed if not self.console.live.purpose_missing(c)]
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
                self.console, "Tour", f"Seconds per step ({len(cameras)} cameras):", 10, 2, 3600
            )
            if not ok:
                return
            seconds = value
        self.wall.start_tour(cameras, seconds, None if whole_wall else self.wall.selected)
        where = "the whole wall" if whole_wall else f"tile {self.wall.selected + 1}"
        self._say(f"Touring {len(cameras)} cameras through {where} every {seconds} s{left_out}.", 8000)

    def new_wall_window(self, screen_name: str | None = None) -> WallWindow | None:
        if self.console.engine is None:
            return None
        if screen_name is None:
            names = [sc.name() for sc in QGuiApplication.screens()]
            if len(names) > 1:
                choice, ok = QInputDialog.getItem(
                    self.console, "New wall window", "Monitor:", names, 0, False
                )
                if not ok:
                    return None
                screen_name = choice
            else:
                screen_name = names[0]
        window = WallWindow(self.console.engine, self.console.live.live_url, self.console.camera_by_id)
        window.task_manager = (
            self.console.task_manager
        )  # a top-level window: its tiles work on the console's pool
        window.wall.drop_gate = self.console.live.gate_drop
        window.sig_closed.connect(self._on_wall_window_closed)
        self.windows.append(window)
        window.place_on(screen_named(screen_name), self.console.screen())
        return window

    def _on_wall_window_closed(self, window: WallWindow) -> None:
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
                    window.place_on(screen_named(arrangement.screen), self.console.screen())
            else:
                created = self.new_wall_window(arrangement.screen or QGuiApplication.primaryScreen().name())
                if created is None:
                    return
                window = created
            window.wall.arrange(arrangement.layout, arrangement.tiles)

    def save_salvo(self, name: str | None = None) -> None:
        if self.console.salvos is None or self.wall is None:
            return
        if name is None:
            name, ok = QInputDialog.getText(self.console, "Save salvo", "Name of this wall arrangement:")
            if not ok:
                return
        doc = self.arrangement(name)
        store = self.console.salvos
        self.console.tasks.run(
            lambda: store.save(doc),
            lambda _r: self._say(f"Saved salvo '{doc.name.strip()}'.", 5000),
            lambda exc: self.console._error("Salvo not saved", exc),
        )

    def recall_salvo(self, name: str | None = None) -> None:
        if self.console.salvos is None:
            return
        store = self.console.salvos
        if name is None:
            self.console.tasks.run(
                store.names, self._choose_salvo, lambda exc: self.console._error("Cannot list salvos", exc)
            )
            return
        chosen = name

        def done(doc: SalvoDoc) -> None:
            self.apply_arrangement(doc)
            self._say(f"Recalled salvo '{doc.name}'.", 5000)

        self.console.tasks.run(
            lambda: store.load(chosen), done, lambda exc: self.console._error("Salvo not recalled", exc)
        )

    def _choose_salvo(self, names: list[str]) -> None:
        if not names:
            self._say("No salvo has been saved yet (Ctrl+Alt+S saves the wall).", 6000)
            return
        choice, ok = QInputDialog.getItem(self.console, "Recall salvo", "Salvo:", names, 0, False)
        if ok:
            self.recall_salvo(choice)

    def restore_walls(self) -> None:
        """Bring back the wall windows (and every wall's cameras) as they were at the last exit."""
        raw = self.console.ui_state.value("walls/arrangement")
        if not raw:
            return
        try:
            doc = SalvoDoc.from_json("last session", str(raw))
        except SalvoError:
            return
        self.apply_arrangement(doc)

    def set_clocks(self, faults: dict[int, str], delays: dict[int, float]) -> None:
        """Each tile hears what the recorder believes of its camera's clock: why it is not trusted,
        or the delay measured against it (the tile then knows its picture's age)."""
        walls = [self.console.wall, *(w.wall for w in self.windows)]
        for wall in walls:
            for tile in wall.tiles if wall is not None else []:
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
        cameras = [c for c in (self.console.camera_by_id(i) for i in camera_ids) if c is not None]
        live = [c for c in cameras if why_not_live(c) is None][:36]
        left_off = [f"{c.name} ({why_not_live(c)})" for c in cameras if why_not_live(c) is not None]
        why = f" Not shown live: {'; '.join(left_off)}." if left_off else ""
        if not live:
            self._say(f"None of this incident's cameras may be shown live.{why}", 10_000)
            return
        wanted = {c.id for c in live}
        others = [
            self.console.camera_by_id(i) for i in self.wall.assignments() if i is not None and i not in wanted
        ]
        if others:
            names = ", ".join(c.name for c in others[:4] if c is not None) + (" …" if len(others) > 4 else "")
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Replace the wall?",
                f"The wall shows {len(others)} other camera(s): {names}.\n\nReplace them with "
                f"this incident's {len(live)} camera(s)? Ctrl+Z puts the wall back.",
                QMessageBox.StandardButton.Cancel,
                self.console,
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
