"""A call a dispatch rule opens puts its nearest cameras live on the wall, private ones included.

The cameras go on the wall only once the incident's purpose is stated: put there at once, a
private camera was refused by the media service ("a stated purpose is required") and its tile
stayed dark for good. Here a real media service serves two simulator cameras, both a business's,
at the call's corner, and a real wall plays them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.console import use_cases
from app.console.actor import Actor
from app.governance.roles import Role
from app.incidents.dispatch import load_feeds, read_call
from app.incidents.dispatch_rules import Rule
from app.incidents.spatial import CameraIndex
from app.registry.formats import RawRow
from app.registry.service import Registry
from app.video.media_service import MediaService
from app.video.simulator_process import SimulatorProcess
from app.views.wall.tile import TileState, VideoTile
from tests.helpers.registry_rows import GOOD

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "dispatch"
CALL = json.loads((SAMPLES / "generic_sample.json").read_text())
CORNER = CALL["location"]


@pytest.fixture
def service(city_registry: Registry) -> Iterator[MediaService]:
    svc = MediaService(city_registry._sessions, port=0, linger_s=1.0).start()
    yield svc
    svc.close()


def shop(n: int, sim: SimulatorProcess) -> RawRow:
    """A business's camera at the call's corner, fed by simulator camera ``n``."""
    place = {"latitude": f"{CORNER['latitude'] + 0.00003 * n:.6f}", "longitude": f"{CORNER['longitude']:.6f}"}
    feeds = {"main_url": sim.url_of(n, "main"), "sub_url": sim.url_of(n, "sub")}
    return RawRow(n, GOOD | place | feeds | {"name": f"HOL-95{n} Wilcox shop", "owner_type": "business"})


def test_a_rule_puts_private_cameras_live_once_the_incident_is_its_purpose(
    make_window, city_registry: Registry, service: MediaService, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    with SimulatorProcess(2, port=0) as sim:
        city_registry.import_rows([shop(1, sim), shop(2, sim)])
        window = make_window(with_wall=True, home=frozenset({"Hollywood"}), media_url=service.base_url)
        summary = window.incident_list.summary
        qtbot.waitUntil(lambda: summary.text().startswith("Open incidents: 0"), timeout=10_000)
        ids = {c.id for c in window.cameras if c.name.startswith("HOL-95")}
        assert len(ids) == 2 and all(window.session.camera(i).owner_type == "business" for i in ids)

        rule = Rule(
            "p1 robbery Hollywood", frozenset({"robbery"}), 1, frozenset({"Hollywood"}), 2, "main", True
        )
        call = read_call(json.dumps(CALL).encode(), load_feeds(SAMPLES)["generic"])
        feed = Actor("feed:generic", Role.DISPATCH_FEED)
        index = CameraIndex(window.cameras)
        use_cases.receive_dispatch_call(window.session.sessions, feed, call, index, None, "UTC", [rule])

        qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=15_000)
        qtbot.waitUntil(lambda: set(window.wall.assignments()) - {None} == ids, timeout=15_000)
        tiles = [t for t in window.wall.visible_tiles if t.camera is not None and t.camera.id in ids]
        assert len(tiles) == 2
        # Every tile plays: fresh pictures, none refused.
        qtbot.waitUntil(
            lambda: all(t.state == TileState.LIVE and t.stats().displayed >= 10 for t in tiles),
            timeout=45_000,
        )
        assert not any("purpose" in t.header.text() for t in tiles)
        # The banner counts the cameras that play, not those sent.
        banner = window.alert_banner.text
        qtbot.waitUntil(lambda: "2 of 2 camera(s) live on main" in banner.text(), timeout=10_000)


def test_a_rule_asks_before_replacing_a_wall_a_person_arranged(  # type: ignore[no-untyped-def]
    make_window, city_registry: Registry, qtbot: QtBot
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = make_window(with_wall=True, home=frozenset({"Hollywood"}))
    qtbot.waitUntil(
        lambda: window.incident_list.summary.text().startswith("Open incidents: 0"), timeout=10_000
    )
    from app.governance.gate import why_not_live

    # The dispatcher's own wall: one camera on it, put there as Enter on the camera list does.
    mine = next(
        c for c in window.cameras if why_not_live(c) is None and not window.session.purpose_missing(c)
    )
    window.live.open_on_wall(mine.id)
    qtbot.waitUntil(lambda: mine.id in window.wall.assignments(), timeout=10_000)
    arranged = window.wall.assignments()

    rule = Rule("p1 robbery Hollywood", frozenset({"robbery"}), 1, frozenset({"Hollywood"}), 2, "main", True)
    call = read_call(json.dumps(CALL).encode(), load_feeds(SAMPLES)["generic"])
    feed = Actor("feed:generic", Role.DISPATCH_FEED)
    use_cases.receive_dispatch_call(window.session.sessions, feed, call, CameraIndex(window.cameras), None,
                                    "UTC", [rule])  # fmt: skip
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=15_000)
    banner = window.alert_banner.text
    qtbot.waitUntil(lambda: "waiting for you: Ctrl+Shift+P" in banner.text(), timeout=10_000)
    assert window.wall.assignments() == arranged, "the person's wall is left as it was"

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(
        window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    incident = window.incident_panel.incident
    qtbot.waitUntil(lambda: window.wall.assignments() != arranged, timeout=10_000)
    shown = set(window.wall.assignments()) - {None}
    assert len(shown) == 2 and shown <= set(incident.camera_ids)


def playing(tile: VideoTile) -> bool:
    return tile.state == TileState.LIVE and tile.stats().displayed >= 10
