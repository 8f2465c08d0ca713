"""The wall: a grid of tiles (1x1 to 6x6, and one large tile with small ones), selection,
maximise, drag and drop."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from app.models.rows import CameraRow
from app.video.vlc_player import VlcEngine
from app.views.wall.tile import UrlFor, VideoTile

# name -> (grid size, span of the first tile)
LAYOUTS: dict[str, tuple[int, int]] = {f"{n}x{n}": (n, 1) for n in range(1, 7)}
LAYOUTS.update({"1+5": (3, 2), "1+7": (4, 3), "1+12": (4, 2)})


def tile_cells(layout: str) -> list[tuple[int, int, int, int]]:
    """(row, column, row span, column span) of each tile in ``layout``."""
    size, big = LAYOUTS[layout]
    cells = [(0, 0, big, big)] if big > 1 else []
    for r in range(size):
        for c in range(size):
            if big > 1 and r < big and c < big:
                continue
            cells.append((r, c, 1, 1))
    return cells


class _Tour(QObject):
    """Cycles cameras through one tile, or pages of cameras through the whole wall."""

    def __init__(self, wall: VideoWall, tile: int | None, cameras: list[CameraRow], seconds: float) -> None:
        super().__init__(wall)
        self.wall, self.tile, self.cameras, self.position = wall, tile, cameras, 0
        self.timer = QTimer(self)
        self.timer.setInterval(int(seconds * 1000))
        self.timer.timeout.connect(self.step)
        self.step()
        self.timer.start()

    def step(self) -> None:
        if self.tile is not None:
            self.wall.visible_tiles[self.tile].assign(self.cameras[self.position % len(self.cameras)])
            self.position += 1
            return
        tiles = self.wall.visible_tiles
        for i, tile in enumerate(tiles):
            tile.assign(
                self.cameras[(self.position + i) % len(self.cameras)] if i < len(self.cameras) else None
            )
        self.position += len(tiles)

    def stop(self) -> None:
        self.timer.stop()
        self.deleteLater()


class VideoWall(QWidget):
    """Signals: ``sig_layout_changed(name)``, ``sig_selection_changed(index)``,
    ``sig_tile_state(tile index, camera id or None, state)`` as each tile's state changes."""

    sig_layout_changed = Signal(str)
    sig_selection_changed = Signal(int)
    sig_tile_state = Signal(int, object, str)

    def __init__(
        self,
        engine: VlcEngine,
        url_for: UrlFor,
        camera_by_id: Callable[[int], CameraRow | None],
        parent: QWidget | None = None,
        tile_mode: str = "auto",
    ) -> None:
        super().__init__(parent)
        self.tile_mode = tile_mode
        self.engine = engine
        self.url_for = url_for
        self.camera_by_id = camera_by_id
        self.tiles: list[VideoTile] = []
        self.layout_name = ""
        self.selected = 0
        self.maximised: VideoTile | None = None
        self.tours: dict[int | None, _Tour] = {}  # tile index, or None for the whole wall
        # Set by the console: a dropped camera goes through it (a stated purpose may be needed
        # first); it returns False when it will put the camera itself later, or not at all.
        self.drop_gate: Callable[[VideoWall, CameraRow, int], bool] | None = None
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.set_layout("2x2")

    def _tile(self, index: int) -> VideoTile:
        while len(self.tiles) <= index:
            tile = VideoTile(len(self.tiles), self.engine, self.url_for, self, self.tile_mode)
            tile.role_refusal = self.tiles[0].role_refusal if self.tiles else ""
            tile.sig_clicked.connect(lambda t: self.select(t.index))
            tile.sig_double_clicked.connect(lambda t: self.toggle_maximise(t.index))
            tile.sig_camera_dropped.connect(self._on_camera_dropped)
            tile.sig_tile_dropped.connect(lambda t, src: self.swap(src, t.index))
            tile.sig_state_changed.connect(
                lambda t, state: self.sig_tile_state.emit(t.index, t.camera.id if t.camera else None, state)
            )
            self.tiles.append(tile)
        return self.tiles[index]

    @property
    def visible_tiles(self) -> list[VideoTile]:
        return self.tiles[: len(tile_cells(self.layout_name))]

    def set_layout(self, name: str) -> None:
        if name not in LAYOUTS:
            raise ValueError(f"unknown wall layout {name!r}")
        if self.maximised is not None:
            self.toggle_maximise(self.maximised.index)
        cells = tile_cells(name)
        self._place(cells)
        for tile in self.tiles[len(cells) :]:
            tile.assign(None)  # a tile that leaves the layout stops pulling video
            tile.hide()
        for i in range(max(len(LAYOUTS), 7)):
            self.grid.setRowStretch(i, 1 if i < LAYOUTS[name][0] else 0)
            self.grid.setColumnStretch(i, 1 if i < LAYOUTS[name][0] else 0)
        self.layout_name = name
        self.select(min(self.selected, len(cells) - 1))
        self.sig_layout_changed.emit(name)

    def _place(self, cells: list[tuple[int, int, int, int]]) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
        for index, (r, c, rs, cs) in enumerate(cells):
            tile = self._tile(index)
            self.grid.addWidget(tile, r, c, rs, cs)
            tile.show()

    def select(self, index: int) -> None:
        count = len(tile_cells(self.layout_name)) if self.layout_name else 1
        index = max(0, min(index, count - 1))
        for tile in self.tiles:
            tile.set_selected(tile.index == index)
        self.selected = index
        self.sig_selection_changed.emit(index)

    def move_selection(self, dr: int, dc: int) -> None:
        cells = tile_cells(self.layout_name)
        r, c, _, _ = cells[self.selected]
        target = (r + dr, c + dc)
        for index, (cr, cc, rs, cs) in enumerate(cells):
            if cr <= target[0] < cr + rs and cc <= target[1] < cc + cs:
                self.select(index)
                return

    def set_role_refusal(self, reason: str) -> None:
        """With a reason, no tile plays live (the signed-in role may not); tiles showing video stop."""
        for tile in self.tiles:
            tile.role_refusal = reason
            if tile.camera is not None:
                tile.assign(tile.camera, tile.stream)

    def put_camera(self, camera: CameraRow, index: int | None = None) -> VideoTile:
        """Show ``camera`` on tile ``index``, or on the selected tile if it is empty, or the first
        empty one, or the selected one."""
        tiles = self.visible_tiles
        if index is None:
            empty = [t for t in tiles if t.camera is None]
            index = self.selected if tiles[self.selected].camera is None or not empty else empty[0].index
        tile = tiles[index]
        tile.assign(camera, "main" if tile is self.maximised else "sub")
        self.select(index)
        return tile

    def retry_tile(self, index: int | None = None) -> bool:
        return self.visible_tiles[self.selected if index is None else index].retry()

    def clear_tile(self, index: int | None = None) -> None:
        self.visible_tiles[self.selected if index is None else index].assign(None)

    def swap(self, a: int, b: int) -> None:
        if a == b:
            return
        tiles = self.visible_tiles
        cam_a, cam_b = tiles[a].camera, tiles[b].camera
        tiles[a].assign(cam_b)
        tiles[b].assign(cam_a)

    def toggle_maximise(self, index: int | None = None) -> None:
        tile = self.visible_tiles[self.selected if index is None else index]
        if self.maximised is None:
            self.maximised = tile
            size = LAYOUTS[self.layout_name][0]
            for other in self.visible_tiles:
                self.grid.removeWidget(other)
                other.setVisible(other is tile)
            self.grid.addWidget(tile, 0, 0, size, size)
            tile.set_stream("main")
        else:
            current = self.maximised
            self.maximised = None
            self._place(tile_cells(self.layout_name))
            current.set_stream("sub")
        self.select(tile.index)

    def toggle_stats(self) -> None:
        on = not any(t.show_stats for t in self.tiles)
        for tile in self.tiles:
            tile.show_stats = on
            tile._render_header()

    def assignments(self) -> list[int | None]:
        return [t.camera.id if t.camera else None for t in self.visible_tiles]

    def _on_camera_dropped(self, tile: VideoTile, camera_id: int) -> None:
        camera = self.camera_by_id(camera_id)
        if camera is not None and (self.drop_gate is None or self.drop_gate(self, camera, tile.index)):
            self.put_camera(camera, tile.index)

    def release(self) -> None:
        self.stop_all_tours()
        for tile in self.tiles:
            tile.release()

    def arrange(self, layout: str, tiles: list[int | None]) -> None:
        """Put the layout and cameras of a salvo on this wall (unknown cameras leave tiles empty)."""
        self.set_layout(layout)
        for tile, camera_id in zip(
            self.visible_tiles, tiles + [None] * len(self.visible_tiles), strict=False
        ):
            camera = self.camera_by_id(camera_id) if camera_id is not None else None
            if camera != tile.camera:
                tile.assign(camera)

    def start_tour(self, cameras: list[CameraRow], seconds: float, tile: int | None = None) -> None:
        """Cycle ``cameras`` every ``seconds`` through tile ``tile``, or through the whole wall."""
        if not cameras:
            raise ValueError("a tour needs at least one camera")
        if seconds < 1:
            raise ValueError("a tour step is at least 1 second")
        self.stop_tour(tile)
        if tile is None:
            self.stop_all_tours()
        self.tours[tile] = _Tour(self, tile, cameras, seconds)

    def stop_tour(self, tile: int | None = None) -> None:
        tour = self.tours.pop(tile, None)
        if tour is not None:
            tour.stop()

    def stop_all_tours(self) -> None:
        for key in list(self.tours):
            self.stop_tour(key)
