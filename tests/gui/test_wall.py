"""The video wall: libVLC tiles play relayed simulator streams, reconnect, maximise, obey terms."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot

from app.governance import grants
from app.incidents.service import IncidentInput, IncidentStore
from app.models.db import open_database
from app.models.rows import CameraRow
from app.video.media_service import MediaService
from app.video.media_status import fetch_status, recording_states
from app.video.simulator_process import SimulatorProcess
from app.video.vlc_player import VlcEngine
from app.views.wall.tile import TileState, VideoTile
from app.views.wall.wall import VideoWall, tile_cells
from tests.gui.conftest import answer_next_dialog, type_and_enter
from tests.helpers.live import LIVE_INCIDENT, cameras_on, grant_behind, live

LIVE_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def engine() -> VlcEngine:
    return VlcEngine()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[MediaService]:
    svc = MediaService(open_database(f"sqlite:///{tmp_path / 'wall.sqlite'}"), port=0, linger_s=1.0).start()
    yield svc
    svc.close()


@pytest.fixture
def make_wall(qtbot: QtBot, engine: VlcEngine, service: MediaService) -> Iterator[object]:
    walls: list[VideoWall] = []

    def make(cameras: dict[str, CameraRow], mode: str = "auto") -> VideoWall:
        by_id = {c.id: c for c in cameras.values()}
        wall = VideoWall(engine, lambda c, s: live(service, c.id, s), by_id.get, tile_mode=mode)
        qtbot.addWidget(wall)
        wall.resize(1280, 720)
        wall.show()
        walls.append(wall)
        return wall

    yield make
    for wall in walls:
        wall.release()


def wait_live(qtbot: QtBot, tile: VideoTile, frames: int = 10) -> None:
    qtbot.waitUntil(
        lambda: tile.state == TileState.LIVE and tile.stats().displayed >= frames, timeout=LIVE_TIMEOUT
    )


def test_tiles_decode_and_display_live_video(make_wall, simulator: SimulatorProcess, service: MediaService,
                                             qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    cams = cameras_on(simulator, service.registry, a={}, b={}, c={})
    wall = make_wall(cams)
    for camera in cams.values():
        wall.put_camera(camera)
    for tile in wall.visible_tiles[:3]:
        wait_live(qtbot, tile, 15)
        stats = tile.stats()
        assert stats.decoded >= 15 and stats.displayed >= 15
        assert "/sub.ts?" in tile.current_url()
        assert "live" in tile.header.text()
    assert wall.visible_tiles[3].state == TileState.EMPTY
    assert len(service.pulls) == 3
    # On demand, each tile shows its rate and its delay, read from the simulator's burned-in clock.
    wall.toggle_stats()
    tile = wall.visible_tiles[0]
    # (Unshown, the tile keeps an estimate to tell "behind"; shown, the next reading is measured.)
    qtbot.waitUntil(lambda: tile.delay is not None and tile.delay.measured, timeout=10_000)
    assert 0 < tile.delay.ms < 3000, tile.delay  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: " ms" in tile.header.text() and "fps" in tile.header.text(), timeout=5_000)


def test_a_dropped_camera_reconnects_by_itself(make_wall, service: MediaService, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    with SimulatorProcess(1, port=0) as sim:
        cams = cameras_on(sim, service.registry, door={})
        wall = make_wall(cams)
        tile = wall.put_camera(cams["door"])
        wait_live(qtbot, tile)
        sim.stop_camera(1)
        qtbot.waitUntil(lambda: tile.state == TileState.RECONNECTING, timeout=LIVE_TIMEOUT)
        assert "reconnecting" in tile.header.text()
        sim.start_camera(1)
        before = tile.stats().displayed
        qtbot.waitUntil(lambda: tile.state == TileState.LIVE, timeout=60_000)
        qtbot.waitUntil(lambda: tile.stats().displayed > before + 5, timeout=LIVE_TIMEOUT)


def test_a_long_live_view_moves_to_a_fresh_connection_without_a_gap(
    make_wall,
    simulator: SimulatorProcess,
    service: MediaService,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    """libVLC keeps a little of every stream it plays: a tile renews its connection now and then,
    and the picture never leaves the screen while it does."""
    import app.views.wall.tile as tile_module

    cams = cameras_on(simulator, service.registry, yard={})
    wall = make_wall(cams)
    tile = wall.put_camera(cams["yard"])
    wait_live(qtbot, tile)
    states: list[str] = []
    tile.sig_state_changed.connect(lambda _t, state: states.append(state))
    first = tile.active
    monkeypatch.setattr(tile_module, "RENEW_AFTER_S", 1.0)
    qtbot.waitUntil(lambda: tile.active != first, timeout=LIVE_TIMEOUT)
    assert tile.state == TileState.LIVE and states == []  # never anything but live on screen
    assert tile.players[first].state() in ("stopped", "nothingspecial", "ended")  # the old one closed
    shown = tile.stats().displayed
    qtbot.waitUntil(lambda: tile.stats().displayed > shown + 5, timeout=LIVE_TIMEOUT)
    assert "/sub.ts?" in tile.current_url()


def test_a_frozen_camera_is_never_shown_as_live(make_wall, service: MediaService, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    """The camera's stream stays connected but sends no frames: within 3 s the tile says so over
    the dimmed last picture (in the grid and maximised on the main stream), then reconnects, and
    is live again once the camera sends pictures."""
    import time

    with SimulatorProcess(1, port=0) as sim:
        cams = cameras_on(sim, service.registry, door={})
        wall = make_wall(cams)
        tile = wall.put_camera(cams["door"])
        said: list[tuple[str, float]] = []  # each state the tile took, and when
        tile.sig_state_changed.connect(lambda _t, state: said.append((state, time.monotonic())))
        for maximised in (False, True):
            if maximised:
                wall.toggle_maximise(tile.index)
                qtbot.waitUntil(lambda: "/main.ts?" in tile.current_url(), timeout=LIVE_TIMEOUT)
            wait_live(qtbot, tile, tile.stats().displayed + 10)
            said.clear()
            sim.freeze_camera(1)
            # However long the machine takes to freeze the camera and poll the tile, the tile
            # never says "live" for more than 3 s after its last picture: it says "stalled".
            qtbot.waitUntil(lambda: tile.state == TileState.STALLED, timeout=30_000)
            stalled_at = next(at for state, at in said if state == TileState.STALLED)
            assert stalled_at - tile._stalled_since < 3.0, stalled_at - tile._stalled_since
            assert "stalled, last picture" in tile.header.text() and "live" not in tile.header.text()
            assert tile.stack.currentWidget() is tile.stalled_view and tile.stalled_view.isVisible()
            assert "STALLED" in tile.stalled_view.text
            # Still frozen: it never claims to be live again, and it reconnects by itself.
            qtbot.waitUntil(lambda: tile.state == TileState.RECONNECTING, timeout=10_000)
            sim.thaw_camera(1)
            qtbot.waitUntil(lambda: tile.state == TileState.LIVE, timeout=LIVE_TIMEOUT)
            assert tile.stack.currentWidget() is not tile.stalled_view
            assert ("main stream" in tile.header.text()) == maximised


def test_maximise_switches_to_the_main_stream_and_back(make_wall, simulator: SimulatorProcess,
                                                       service: MediaService, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    cams = cameras_on(simulator, service.registry, lobby={})
    wall = make_wall(cams)
    tile = wall.put_camera(cams["lobby"])
    wait_live(qtbot, tile)
    wall.toggle_maximise(tile.index)
    assert wall.maximised is tile
    assert all(not t.isVisible() for t in wall.visible_tiles if t is not tile)
    # The sub-stream keeps playing until the main stream has shown a picture.
    assert tile.state == TileState.LIVE
    qtbot.waitUntil(lambda: "/main.ts?" in tile.current_url(), timeout=LIVE_TIMEOUT)
    assert tile.state == TileState.LIVE and "main stream" in tile.header.text()
    qtbot.waitUntil(lambda: tile.stats().displayed >= 5, timeout=LIVE_TIMEOUT)
    wall.toggle_maximise(tile.index)
    qtbot.waitUntil(lambda: "/sub.ts?" in tile.current_url(), timeout=LIVE_TIMEOUT)
    assert all(t.isVisible() for t in wall.visible_tiles)


def test_terms_that_forbid_live_view_keep_the_tile_dark(make_wall, simulator: SimulatorProcess,
                                                       service: MediaService) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    cams = cameras_on(simulator, service.registry, private={"sharing_terms": "registered_only"})
    wall = make_wall(cams)
    tile = wall.put_camera(cams["private"])
    assert tile.state == TileState.REVOKED
    assert "do not include live viewing" in tile.header.text()
    assert tile.current_url() == ""
    assert service.pulls == {}


def test_a_tile_the_service_refuses_says_why_and_stops_retrying(make_wall, simulator: SimulatorProcess,
                                                                service: MediaService, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    cams = cameras_on(simulator, service.registry, night={"live_window": "active_incident"})
    IncidentStore(service.sessions).close(LIVE_INCIDENT)  # no incident open: the owner's window is shut
    wall = make_wall(cams)
    tile = wall.put_camera(cams["night"])  # the console cannot know; the media service refuses
    qtbot.waitUntil(lambda: tile.state == TileState.REVOKED, timeout=LIVE_TIMEOUT)
    assert "only during an active incident" in tile.header.text()
    assert not tile.timer.isActive()
    assert service.pulls == {}
    # The incident is open again: a right-click on the tile, "Retry", and it plays (it stayed
    # refused for good before; there was no way to try again short of dragging it anew).
    IncidentStore(service.sessions).reopen(LIVE_INCIDENT)
    choose_in_context_menu(tile, "Retry (Shift+F5)")
    wait_live(qtbot, tile)


def choose_in_context_menu(widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Right-click ``widget`` (the event the window system sends) and pick ``text`` from its menu."""
    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMenu

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(50, pick)
            return
        menu.setActiveAction(next(a for a in menu.actions() if a.text() == text))
        QTest.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(50, pick)
    at = QPoint(widget.width() // 2, widget.height() // 2)
    QApplication.sendEvent(
        widget, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, widget.mapToGlobal(at))
    )


def test_layouts_selection_and_swaps(make_wall, simulator: SimulatorProcess, service: MediaService) -> None:  # type: ignore[no-untyped-def]
    assert len(tile_cells("6x6")) == 36 and len(tile_cells("1+5")) == 6 and len(tile_cells("1+7")) == 8
    assert tile_cells("1+5")[0] == (0, 0, 2, 2)
    cams = cameras_on(simulator, service.registry, one={"sharing_terms": "registered_only"},
                      two={"sharing_terms": "registered_only"})  # fmt: skip
    wall = make_wall(cams)
    wall.set_layout("3x3")
    assert len(wall.visible_tiles) == 9
    wall.select(4)
    wall.move_selection(0, 1)
    assert wall.selected == 5
    wall.move_selection(-1, 0)
    assert wall.selected == 2
    wall.put_camera(cams["one"], 0)
    wall.put_camera(cams["two"], 1)
    wall.swap(0, 1)
    assert wall.assignments()[:2] == [cams["two"].id, cams["one"].id]
    wall.set_layout("1x1")
    assert wall.assignments() == [cams["two"].id]
    assert all(t.camera is None for t in wall.tiles[1:])


def test_console_puts_cameras_on_the_wall(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from app.governance.gate import why_not_live
    from app.views.purpose_dialog import PurposeDialog

    window = make_window(with_wall=True)
    assert window.wall is not None
    live = next(r for r in window.cameras if why_not_live(r) is None and r.owner_type == "public_agency")
    business = next(r for r in window.cameras if why_not_live(r) is None and r.owner_type == "business")
    private = next(r for r in window.cameras if r.sharing_terms == "registered_only")
    table = window.camera_panel.table

    def press_enter_on(camera: CameraRow) -> None:  # the operator picks a camera and presses Enter
        assert window.camera_panel.select_camera(camera.id)
        table.setFocus()
        QTest.keyClick(table, Qt.Key.Key_Return)

    def click_ok(dialog: PurposeDialog) -> None:
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    press_enter_on(live)
    assert window.wall.visible_tiles[0].camera == live
    # The URL carries the grant the live-view use case wrote, once it is written.
    qtbot.waitUntil(lambda: "?grant=" in window.wall.visible_tiles[0].current_url(), timeout=10_000)
    assert window.wall.visible_tiles[0].current_url().split("?")[0].endswith(f"/live/{live.id}/sub.ts")
    press_enter_on(private)
    assert window.wall.visible_tiles[1].state == TileState.REVOKED
    assert "cannot be shown live" in window.statusBar().currentMessage()
    # A business's camera asks why first; a too-short reason is refused and what was typed stays.
    press_enter_on(business)
    dialog = window.findChild(PurposeDialog)
    assert dialog is not None and window.wall.visible_tiles[2].camera is None
    QTest.keyClicks(dialog.reason, "checking")
    click_ok(dialog)
    qtbot.waitUntil(lambda: "at least 20 characters" in dialog.error.text(), timeout=5_000)
    assert dialog.reason.toPlainText() == "checking"
    # A reason alone covers nothing without a supervisor; the break-in reported at the shop does.
    at_the_shop = (business.latitude, business.longitude, 200.0)
    IncidentStore(window.session.sessions).create(
        IncidentInput("26-0777", "burglary", datetime.now(UTC), "UTC", *at_the_shop), []
    )
    QTest.keyClicks(dialog.reason, " a reported break-in at the shop front")
    click_ok(dialog)
    qtbot.waitUntil(lambda: "bound to no incident or case" in dialog.error.text(), timeout=5_000)
    QTest.keyClicks(dialog.incident, "26-0777")
    click_ok(dialog)
    qtbot.waitUntil(lambda: window.wall.visible_tiles[2].camera == business, timeout=5_000)
    qtbot.waitUntil(lambda: "?grant=" in window.wall.visible_tiles[2].current_url(), timeout=10_000)
    token = parse_qs(urlsplit(window.wall.visible_tiles[2].current_url()).query)["grant"][0]
    with window.session.sessions() as s:  # what the media service will read: who, and why
        granted = grants.check(s, token, business.id)
    assert granted.purpose.incident == "26-0777" and granted.purpose.basis.startswith("owner")
    assert granted.username == window.session.actor.username
    press_enter_on(business)  # asked once: the purpose is kept for the camera
    assert not [d for d in window.findChildren(PurposeDialog) if d.isVisible()]
    # Outside the owner's live window the dialog says so at once (no incident is active here).
    emergency = next(
        r for r in window.cameras if r.live_window == "active_incident" and why_not_live(r) is None
    )
    press_enter_on(emergency)
    dialog = next(d for d in window.findChildren(PurposeDialog) if d.isVisible())
    assert dialog.incident.text() == "26-0777"  # the last purpose is offered again
    click_ok(dialog)
    qtbot.waitUntil(lambda: "only during an active incident" in dialog.error.text(), timeout=5_000)
    window.findChild(type(window.actions_list[0]), "layout_3x3").trigger()
    assert window.wall.layout_name == "3x3"


def test_a_camera_of_another_division_asks_why_before_it_plays(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    """At a division's center its own public cameras open at once; another division's ask why,
    like a private camera, and say which division it is."""
    from app.governance.gate import why_not_live
    from app.views.purpose_dialog import PurposeDialog

    window = make_window(with_wall=True, home=frozenset({"Hollywood"}))
    window.findChild(type(window.actions_list[0]), "layout_2x2").trigger()
    ours = next(c for c in window.cameras if c.owner_type == "public_agency" and c.division == "Hollywood"
                and why_not_live(c) is None)  # fmt: skip
    theirs = next(c for c in window.cameras if c.owner_type == "public_agency" and c.division != "Hollywood"
                  and why_not_live(c) is None)  # fmt: skip
    table = window.camera_panel.table
    for camera in (ours, theirs):
        assert window.camera_panel.select_camera(camera.id)
        table.setFocus()
        QTest.keyClick(table, Qt.Key.Key_Return)
    assert window.wall.visible_tiles[0].camera == ours
    assert grant_behind(qtbot, window, ours).home == {"Hollywood"}
    dialog = next(d for d in window.findChildren(PurposeDialog) if d.isVisible())
    intro = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert f"is in {theirs.division}, outside this workstation" in intro  # (rich text: the ' is escaped)
    assert window.wall.visible_tiles[1].camera is None


def test_a_killed_media_service_shows_at_once_and_its_cameras_come_back_when_it_restarts(
    make_window, simulator: SimulatorProcess, city_registry, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal
    import socket

    from app.video.child_service import MediaProcess

    with socket.socket() as probe:  # a port the restarted service can take again
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = city_registry.sessions.kw["bind"].url.render_as_string(hide_password=False)
    cams = cameras_on(simulator, city_registry, gate={"owner_type": "public_agency"})
    media = MediaProcess(url, port=port).start()
    try:
        window = make_window(with_wall=True, media_url=media.url)
        tile = window.wall.put_camera(cams["gate"], 0)
        wait_live(qtbot, tile)
        os.kill(media.pid, signal.SIGKILL)
        killed = time.monotonic()
        qtbot.waitUntil(lambda: tile.state != TileState.LIVE, timeout=10_000)
        qtbot.waitUntil(lambda: window.status.media.text().endswith("not answering"), timeout=10_000)
        assert time.monotonic() - killed < 10 and "background: #b00020" in window.status.media.styleSheet()
        media.close()
        media = MediaProcess(url, port=port).start()
        qtbot.waitUntil(lambda: tile.state == TileState.LIVE, timeout=30_000)
        qtbot.waitUntil(lambda: not window.status.media.text().endswith("not answering"), timeout=10_000)
    finally:
        media.close()


def test_two_consoles_and_the_recorder_pull_each_camera_stream_once_at_the_camera(
    make_window, simulator: SimulatorProcess, city_registry, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    """The owner's uplink carries each stream once, however many desks watch: two consoles show
    two cameras on six tiles while the recorder records them, and the simulator serves exactly
    one RTSP session per camera stream (sub for the tiles, main for the recorder)."""
    from app.video.child_service import MediaProcess
    from tests.helpers.directory import upstream_sessions

    url = city_registry.sessions.kw["bind"].url.render_as_string(hide_password=False)
    cams = cameras_on(simulator, city_registry, gate={"owner_type": "public_agency"},
                      yard={"owner_type": "public_agency"})  # fmt: skip
    assert upstream_sessions(simulator) == 0
    with MediaProcess(
        url, record_segment_s=5, recordings_dir=str(city_registry_root(city_registry))
    ) as media:
        first = make_window(with_wall=True, media_url=media.url)
        second = make_window(with_wall=True, media_url=media.url)
        tiles = [first.wall.put_camera(cams[name], i) for i, name in enumerate(("gate", "yard"))]
        tiles += [
            second.wall.put_camera(cams[name], i) for i, name in enumerate(("gate", "yard", "gate", "yard"))
        ]
        for tile in tiles:
            wait_live(qtbot, tile)

        def recorded() -> bool:  # (the sample city's own cameras fail to record: not at the simulator)
            states = recording_states(fetch_status(media.url))
            return all(states.get(cams[name].id, "").startswith("recording") for name in ("gate", "yard"))

        qtbot.waitUntil(recorded, timeout=20_000)
        assert upstream_sessions(simulator) == 4, "2 cameras x (sub for the tiles, main for the recorder)"
        pulls = fetch_status(media.url)["pulls"]
        for camera in (cams["gate"], cams["yard"]):
            assert (pulls[f"{camera.id}/sub"], pulls[f"{camera.id}/main"]) == (1, 1)
        for window in (first, second):
            window.close()


def city_registry_root(registry) -> Path:  # type: ignore[no-untyped-def]
    """A recordings folder beside the test's database."""
    database = registry.sessions.kw["bind"].url.database
    root = Path(database).parent / "recordings"
    root.mkdir(exist_ok=True)
    return root


def test_wall_benchmark_measures_frames_cpu_and_delay() -> None:
    from app.bench.wall_bench import run_wall_bench

    figures = run_wall_bench(2, "sub", seconds=3.0, fps=15)
    assert figures["tiles_live"] == 2 and figures["simulator_encoders"] == "shared"
    assert figures["frames_displayed_ratio"] > 0.5
    assert figures["console_cpu_pct_per_tile"] > 0 and figures["libvlc_decode_only_cpu_pct_per_stream"] > 0
    assert figures["delay_samples"] > 0 and 0 < figures["glass_to_glass_ms_median"] < 5000


def test_salvo_saved_and_recalled_puts_the_same_cameras_on_the_same_tiles(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_wall=True)
    wall = window.wall
    a, b, c = window.cameras[3], window.cameras[10], window.cameras[20]
    wall.set_layout("3x3")
    wall.put_camera(a, 0)
    wall.put_camera(b, 4)
    extra = window.walls.new_wall_window()
    assert extra is not None and not extra.isFullScreen()  # one monitor: beside the console
    qtbot.addWidget(extra)
    extra.wall.set_layout("2x2")
    extra.wall.put_camera(c, 3)
    ctrl_alt = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    window.activateWindow()  # back to the console from the new wall window
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    answer_next_dialog(type_and_enter("Robbery on 7th"))
    QTest.keyClick(window, Qt.Key.Key_S, ctrl_alt)  # Save salvo…
    qtbot.waitUntil(lambda: "Saved salvo" in window.statusBar().currentMessage(), timeout=10_000)

    wall.set_layout("1x1")
    wall.clear_tile(0)
    extra.close()
    assert window.walls.windows == []
    chosen = answer_next_dialog(type_and_enter(""))  # the one salvo saved is offered first
    QTest.keyClick(window, Qt.Key.Key_R, ctrl_alt)  # Recall salvo…
    qtbot.waitUntil(lambda: "Recalled salvo" in window.statusBar().currentMessage(), timeout=10_000)
    assert chosen and "Robbery on 7th" in window.statusBar().currentMessage()
    assert wall.layout_name == "3x3"
    assert wall.assignments() == [a.id, None, None, None, b.id, None, None, None, None]
    assert len(window.walls.windows) == 1
    recalled = window.walls.windows[0]
    qtbot.addWidget(recalled)
    assert recalled.wall.assignments() == [None, None, None, c.id]
    assert recalled.screen_name == extra.screen_name


def test_walls_come_back_after_a_restart(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_wall=True)
    cam = window.cameras[5]
    window.wall.set_layout("2x2")
    window.wall.put_camera(cam, 2)
    extra = window.walls.new_wall_window()
    extra.wall.set_layout("1x1")
    extra.wall.put_camera(window.cameras[6], 0)
    window.close()
    again = make_window(with_wall=True)
    qtbot.waitUntil(lambda: again.wall.layout_name == "2x2" and len(again.walls.windows) == 1, timeout=10_000)
    for w in again.walls.windows:
        qtbot.addWidget(w)
    assert again.wall.assignments() == [None, None, cam.id, None]
    assert again.walls.windows[0].wall.assignments() == [again.cameras[6].id]


def test_tours_cycle_cameras_through_a_tile_or_the_wall(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from app.governance.gate import why_not_live
    from app.governance.purpose import Purpose

    window = make_window(with_wall=True)
    for name in ("tour_tile", "tour_wall", "stop_tours", "save_salvo", "recall_salvo", "new_wall_window"):
        assert any(a.objectName() == name for a in window.actions_list), name

    # An area with public cameras and at least two private ones that may be shown live.
    def live_in(prefix: str) -> list[CameraRow]:
        return [c for c in window.cameras if c.name.startswith(prefix) and why_not_live(c) is None]

    area = next(
        p for p in sorted({c.name[:3] for c in window.cameras})
        if sum(c.owner_type != "public_agency" for c in live_in(p)) >= 1
        and sum(c.owner_type == "public_agency" for c in live_in(p)) >= 2
    )  # fmt: skip
    window.camera_panel.search.setText(area)
    # Public cameras only: the program's cap keeps private ones off tours, even one whose purpose
    # was stated.
    live = live_in(area)
    stated = next(c for c in live if c.owner_type != "public_agency")
    window.session.state_purpose(Purpose(incident="26-0001"), [stated.id])
    listed = [c for c in live if c.owner_type == "public_agency"]
    assert len(listed) >= 2 and len(listed) < len(live)
    wall = window.wall
    wall.set_layout("2x2")
    wall.select(1)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    asked = answer_next_dialog(type_and_enter("2"))  # seconds per step
    QTest.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # tour through the tile
    qtbot.waitUntil(lambda: bool(asked), timeout=5_000)
    seen: list[int] = []

    def two_cameras_seen() -> bool:
        camera = wall.visible_tiles[1].camera
        if camera is not None:
            seen.append(camera.id)
        return len(set(seen)) >= 2

    qtbot.waitUntil(lambda: "Touring" in window.statusBar().currentMessage(), timeout=5_000)
    qtbot.waitUntil(two_cameras_seen, timeout=10_000)
    assert set(seen) <= {c.id for c in listed}
    assert wall.visible_tiles[0].camera is None
    answer_next_dialog(type_and_enter("2"))
    ctrl_alt = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    QTest.keyClick(window, Qt.Key.Key_W, ctrl_alt)  # tour through the whole wall
    qtbot.waitUntil(lambda: "Touring" in window.statusBar().currentMessage(), timeout=5_000)
    said = window.statusBar().currentMessage()
    assert "private camera(s) left out: the program allows none on a tour" in said
    assert [t.camera.id for t in wall.visible_tiles if t.camera][: len(listed)] == [c.id for c in listed][:4]
    wall.stop_all_tours()
    frozen = wall.assignments()
    qtbot.wait(1500)
    assert wall.assignments() == frozen


def test_software_tiles_paint_decoded_frames(make_wall, simulator: SimulatorProcess, service: MediaService,
                                             qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    from app.video.barcode import decode
    from app.views.video_surface import native_embedding_works

    assert native_embedding_works()  # the suite runs on X11 (Xvfb): auto picks native tiles
    cams = cameras_on(simulator, service.registry, soft={})
    wall = make_wall(cams, mode="software")
    tile = wall.put_camera(cams["soft"])
    assert tile.mode == "software"
    wait_live(qtbot, tile)
    surface = tile.surfaces[tile.active]
    qtbot.waitUntil(lambda: surface.painted >= 5, timeout=LIVE_TIMEOUT)
    pixels = tile.players[tile.active].sink.copy()[:, :, :3]
    assert decode(pixels[:, :, ::-1]) is not None  # the simulator's clock, read from the decoded frame


def test_direct_rtsp_is_offered_only_where_libvlc_can(make_window, simulator: SimulatorProcess,
                                                      service: MediaService, make_wall, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    from app.video.sources import libvlc_opens_rtsp

    window = make_window(with_wall=True)
    window.walls.toggle_direct()
    if not libvlc_opens_rtsp():  # Debian 12's libVLC, as on CI
        assert "cannot open RTSP" in window.statusBar().currentMessage()
        assert not window.wall.visible_tiles[0].direct
    cams = cameras_on(simulator, service.registry, door={})
    wall = make_wall(cams)
    tile = wall.put_camera(cams["door"])
    tile.set_direct(True)
    assert tile.current_url() == simulator.url_of(1, "sub") and "direct" in tile.header.text()
    assert not service.pulls or all(v == 1 for v in service.pulls.values())
    tile.set_direct(False)
    assert tile.current_url().startswith(service.base_url)


def test_without_a_camera_clock_the_delay_is_labelled_an_estimate() -> None:
    from app.views.wall.delay import Delay, estimated_delay_ms

    assert estimated_delay_ms(200, 25.0) == 240.0 and estimated_delay_ms(200, 0.0) == 200.0
    assert Delay(240.0, False).text() == "delay ≈240 ms (est.)"
    assert Delay(183.4, True).text() == "delay 183 ms"


def test_the_wall_window_opens_beside_the_console_and_answers_its_keys(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    """On one monitor, Ctrl+Shift+W opens a wall window that does not cover the console; its
    layout keys work (they collided with the console's), Escape leaves full screen, F1 lists keys."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.views.wall.window import WallWindow
    from tests.presses import answer_dialog, wait_answered

    window = make_window(with_wall=True)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(window, Qt.Key.Key_W, ctrl_shift)
    qtbot.waitUntil(lambda: len(window.walls.windows) == 1, timeout=5_000)
    extra: WallWindow = window.walls.windows[0]
    qtbot.waitExposed(extra)
    assert not extra.isFullScreen()
    console_area = window.screen().availableGeometry()
    assert extra.frameGeometry().width() < console_area.width()  # the console stays in reach

    extra.activateWindow()
    qtbot.waitUntil(extra.isActiveWindow, timeout=5_000)
    QTest.keyClick(extra, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert extra.wall.layout_name == "3x3"
    assert window.wall.layout_name != "3x3"  # the console's wall is not the one that changed
    QTest.keyClick(extra, Qt.Key.Key_F11)
    qtbot.waitUntil(extra.isFullScreen, timeout=5_000)
    QTest.keyClick(extra, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not extra.isFullScreen(), timeout=5_000)
    keys = answer_dialog()
    QTest.keyClick(extra, Qt.Key.Key_F1)
    wait_answered(qtbot, keys)
    assert keys.title == "Keyboard shortcuts" and any("Leave full screen" in t for t in keys.texts)

    # Back in the console, its own keys work again: Ctrl+2 lays out the console's wall, F1 helps.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.wall.layout_name == "2x2" and extra.wall.layout_name == "3x3"
    help_seen = answer_dialog()
    QTest.keyClick(window, Qt.Key.Key_F1)
    wait_answered(qtbot, help_seen)
    assert any("New wall windows" in t for t in help_seen.texts)

    # Pressed again, it raises the window on this monitor instead of stacking another.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_W, ctrl_shift)
    assert len(window.walls.windows) == 1
    assert any("already on" in text for _at, text in window.messages.log)
    # Wall → Wall windows lists it, with what can be done to it; Close closes it.
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QMenu

    listed = window.findChild(QMenu, "wall_windows_menu")
    listed.popup(window.mapToGlobal(QPoint(200, 200)))
    qtbot.waitUntil(listed.isVisible, timeout=5_000)
    (entry,) = listed.actions()
    assert entry.text().startswith(f"Wall window 1 on {extra.screen_name}")
    choices = {a.text(): a for a in entry.menu().actions()}
    assert set(choices) == {"Raise", "Full screen", "Move to the next monitor", "Close"}
    listed.hide()
    choices["Close"].trigger()
    qtbot.waitUntil(lambda: not window.walls.windows, timeout=5_000)
    listed.popup(window.mapToGlobal(QPoint(200, 200)))
    qtbot.waitUntil(listed.isVisible, timeout=5_000)
    assert [a.text() for a in listed.actions()] == ["No wall window open (Ctrl+Shift+W opens one)"]
    listed.hide()
