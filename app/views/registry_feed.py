"""The registry and the media service as the console's views see them: read in a worker
(cameras, divisions, counts and the map's plan, which for 100,000 cameras held the GUI thread),
then handed to the camera list, the map, the wall's tiles and the status bar. The session
follows the registry's change mark every second, so a camera added, edited or retired elsewhere
(the command line, another workstation) reaches the console with no F5. The media service's
status (what it pulls and records) is fetched every 5 seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer

from app.console.session import RegistryRead
from app.governance.gate import why_not_live
from app.models.rows import CameraRow
from app.registry.gazetteer import InMemoryGeocoder
from app.video.media_directory import ServiceEntry, read_directory
from app.video.media_status import clock_delays, clock_faults, describe_services, recording_states
from app.video.media_status import describe as describe_media
from app.video.media_status import fetch_status as fetch_media_status
from app.views.console_part import ConsolePart
from app.views.map.panel import CameraPlan, plan_cameras

if TYPE_CHECKING:
    from app.views.main_window import MainWindow


@dataclass(frozen=True)
class Loaded:
    """What a registry refresh read in its worker."""

    cameras: list[CameraRow]
    divisions: list[tuple[str, bool]]
    counts: dict[str, int]
    geojson: list[dict[str, Any]]
    map_plan: CameraPlan | None
    mark: tuple[int, str] = (0, "")


# The status line, each camera's recording state, the cameras whose clocks are not trusted (with
# why) and the delays measured against the trusted ones, and the media directory's services
# (None: it could not be read).
MediaFindings = tuple[str, dict[int, str], tuple[dict[int, str], dict[int, float]], list[ServiceEntry] | None]


class RegistryFeed(ConsolePart):
    def __init__(self, console: MainWindow, fill_wall: int = 0) -> None:
        super().__init__(console)
        self._fill_wall = fill_wall
        self._divisions_drawn = False
        self._walls_restored = False
        self._poll_busy = False
        self._home_checked = False
        self.timer = QTimer(self)
        # The change feed brings other workstations' camera changes at once (LiveUpdates); the
        # change mark is read besides, as a safety net: every second on SQLite (a local file),
        # every 30 s on a shared PostgreSQL server, where ten consoles reading the mark of
        # 100,000 cameras each second would cost the server a core for nothing.
        shared = console.session.sessions.kw["bind"].dialect.name == "postgresql"
        self.timer.setInterval(30_000 if shared else 1000)
        self.timer.timeout.connect(self._poll)
        self.media_timer = QTimer(self)
        self.media_timer.setInterval(5000)
        self.media_timer.timeout.connect(self.poll_media_status)
        if console.media_url:
            self.media_timer.start()

    def refresh(self) -> None:
        console = self.console
        self._load_gazetteer()
        registry = console.registry
        want_geojson = console.map is not None and not self._divisions_drawn
        pushed = console.map.pushed if console.map is not None else None

        def load() -> Loaded:
            geojson = registry.divisions_geojson() if want_geojson else []
            mark = registry.change_mark()  # first: a change while reading shows as a new mark
            rows = registry.list_cameras()
            plan = plan_cameras(rows, pushed) if pushed is not None else None
            return Loaded(rows, registry.divisions(), registry.counts(), geojson, plan, mark)

        console.tasks.run(
            load, self._on_loaded, lambda exc: console._error("Could not read the registry", exc)
        )

    def stop(self) -> None:
        self.timer.stop()
        self.media_timer.stop()

    def poll_media_status(self) -> None:
        """Show what the media services pull and record (fetched off the GUI thread): the
        directory says which services there are and whether their heartbeat goes on; each one
        answering is asked for its status. Without a directory entry (an older service), the
        configured one is asked."""
        url = self.console.media_url
        sessions = self.console.session.sessions

        def fetch() -> MediaFindings:
            try:
                services: list[ServiceEntry] | None = read_directory(sessions)
            except Exception:  # the database is away (the feed says so): ask the service itself
                services = None
            running = [e for e in services or [] if e.stopped_at is None]
            if not running:
                status = fetch_media_status(url)
                clocks = clock_faults(status), clock_delays(status)
                return describe_media(url, status), recording_states(status), clocks, services
            statuses = {
                e.base_url: fetch_media_status(e.base_url) if e.answering() else None for e in running
            }
            states: dict[int, str] = {}
            faults: dict[int, str] = {}
            delays: dict[int, float] = {}
            for status in statuses.values():
                states.update(recording_states(status))
                faults.update(clock_faults(status))
                delays.update(clock_delays(status))
            return describe_services(running, statuses), states, (faults, delays), services

        self.console.tasks.run(fetch, self.show_media_status)

    def show_media_status(self, found: MediaFindings) -> None:
        line, states, (faults, delays), services = found
        if services is not None:
            self.console.media_services = services
        self.console.camera_panel.model.set_recording(states)
        self.console.walls.set_clocks(faults, delays)
        self.console.status.show_media(line)

    def _load_gazetteer(self) -> None:
        console = self.console
        gazetteer = console.gazetteer
        if gazetteer is None or console.geocoder is not None:
            return

        def loaded(places: list[Any]) -> None:
            console.geocoder = InMemoryGeocoder(places)

        console.tasks.run(
            gazetteer.all, loaded, lambda exc: console._error("Could not read the gazetteer", exc)
        )

    def poll_now(self) -> None:
        """Look for registry changes now (the change feed said cameras changed)."""
        self._poll()

    def _poll(self) -> None:
        if self._poll_busy:
            return
        self._poll_busy = True
        session = self.console.session

        def read_done(read: RegistryRead | None) -> None:
            self._poll_busy = False
            if session.apply(read) is not None:
                self.refresh()

        def read_failed(exc: BaseException) -> None:  # a locked database: next second
            self._poll_busy = False

        self.console.tasks.run(session.read_changes, read_done, read_failed)

    def _on_loaded(self, result: Loaded) -> None:
        console = self.console
        console.session.apply(RegistryRead(result.mark, result.cameras))
        if not self.timer.isActive():
            self.timer.start()
        console.cameras = result.cameras
        if console.map is not None:
            if result.geojson:
                console.map.set_divisions(result.geojson, console.session.actor.home_divisions)
                self._divisions_drawn = True
            console.map.apply_cameras(result.map_plan or plan_cameras(result.cameras, console.map.pushed))
        if console.wall is not None:
            if not self._walls_restored:
                self._walls_restored = True
                console.walls.restore_walls()
            if self._fill_wall:
                console.live.fill_wall(self._fill_wall)
                self._fill_wall = 0
            # Terms or consent changed since a camera went up: its tile follows the registry.
            for tile in console.wall.visible_tiles:
                fresh = console.camera_by_id(tile.camera.id) if tile.camera else None
                if tile.camera is not None and (
                    fresh is None or why_not_live(fresh) != why_not_live(tile.camera)
                ):
                    tile.assign(fresh)
        console.divisions = [name for name, _ in result.divisions]
        unknown = sorted(console.session.actor.home_divisions - set(console.divisions))
        if unknown and not self._home_checked:
            # A misspelt home division would make every camera "outside": say so once, plainly.
            self._home_checked = True
            console._error(
                "Home divisions",
                ValueError(
                    f"This workstation's home division(s) {', '.join(unknown)} are not in the registry "
                    f"(setting home_divisions); known: {', '.join(console.divisions) or 'none'}."
                ),
            )
        console.approximate_divisions = {name for name, approx in result.divisions if approx}
        console.camera_panel.set_cameras(result.cameras, console.divisions)
        console.status.show_counts(result.counts)
        console.rule_actions.cameras_loaded()
