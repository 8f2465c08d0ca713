"""The division map: offline page, two-way bridge, incremental updates, and inert registry text."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.models.rows import CameraRow
from app.registry.formats import RawDivision, RawRow
from app.registry.records import validate_camera
from app.registry.service import Registry
from app.views.map.page_html import MapConfig
from app.views.map.panel import PAGE_URL, MapPanel
from app.views.map.scheme import asset_path
from tests.gui.conftest import js_json, run_js
from tests.helpers.registry_rows import GOOD

XSS = [
    '<img src=x onerror="window.__pwned.push(1)">',
    "</script><script>window.__pwned.push(2)</script>",
    '<svg onload="window.__pwned.push(3)">',
]


def open_map(qtbot: QtBot, registry: Registry, config: MapConfig | None = None) -> MapPanel:
    panel = MapPanel(config or MapConfig())
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    panel.set_divisions(registry.divisions_geojson())
    with qtbot.waitSignal(panel.sig_loaded, timeout=30_000) as loaded:
        panel.show_cameras(registry.list_cameras())
    assert loaded.args == [len(registry.list_cameras(include_retired=False))]
    return panel


@pytest.fixture
def city_map(qtbot: QtBot, city_registry: Registry) -> Iterator[MapPanel]:
    yield open_map(qtbot, city_registry)


def test_the_map_opens_on_the_workstations_own_divisions(qtbot: QtBot, city_registry: Registry) -> None:
    from app.geo.divisions import DivisionMap

    whole = js_json(qtbot, open_map(qtbot, city_registry).page, "JSON.parse(RtccMap.state())")["bounds"]
    panel = MapPanel(MapConfig())
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    features = city_registry.divisions_geojson()
    panel.set_divisions(features, frozenset({"Hollywood"}))
    with qtbot.waitSignal(panel.sig_loaded, timeout=30_000):
        panel.show_cameras(city_registry.list_cameras())
    south, west, north, east = js_json(qtbot, panel.page, "JSON.parse(RtccMap.state())")["bounds"]
    # Zoomed in on Hollywood: a smaller view than the whole city's, centred in Hollywood.
    assert (north - south) < (whole[2] - whole[0]) / 2
    boundaries = [(f["properties"]["name"], f["geometry"]) for f in features]
    assert DivisionMap(boundaries).division_of((south + north) / 2, (west + east) / 2) == "Hollywood"


def errors(panel: MapPanel) -> list[str]:
    return [message for level, message in panel.page.console if level >= 2]


def test_page_loads_offline_and_draws_the_city(city_map: MapPanel, qtbot: QtBot) -> None:
    state = js_json(qtbot, city_map.page, "JSON.parse(RtccMap.state())")
    assert state["cameras"] == 200 and state["clustered"] == 200 and state["divisions"] == 21
    assert errors(city_map) == []
    # Every request the page made stayed inside the console: no CDN, no tile server, no network.
    assert city_map.guard.requests, "the interceptor saw no request at all"
    assert all(url.startswith("rtcc://app/") for url in city_map.guard.requests), city_map.guard.requests
    assert city_map.guard.blocked == []
    assert "rtcc://app/vendor/leaflet/leaflet.js" in city_map.scheme_handler.served


def test_clicking_a_marker_tells_the_console(
    city_map: MapPanel, city_registry: Registry, qtbot: QtBot
) -> None:
    camera = city_registry.list_cameras()[17]
    with qtbot.waitSignal(city_map.sig_camera_clicked, timeout=10_000) as clicked:
        run_js(qtbot, city_map.page, f"RtccMap.marker({camera.id}).fire('click'); true")
    assert clicked.args == [camera.id]
    with qtbot.waitSignal(city_map.sig_camera_activated, timeout=10_000) as activated:
        run_js(qtbot, city_map.page, f"RtccMap.marker({camera.id}).fire('dblclick'); true")
    assert activated.args == [camera.id]


def test_status_changes_are_pushed_without_a_reload(
    city_map: MapPanel, city_registry: Registry, qtbot: QtBot
) -> None:
    page = city_map.page
    camera = next(
        r for r in city_registry.list_cameras() if r.status == "active" and r.consent_revoked_at is None
    )
    run_js(qtbot, page, f"window.__probe = 'still here'; RtccMap.select({camera.id}, true); true")
    before = js_json(qtbot, page, "JSON.parse(RtccMap.state())")
    assert js_json(qtbot, page, f"RtccMap.marker({camera.id}).options.fillColor") != "#6b6f76"

    rec, _ = validate_camera(camera.to_fields() | {"status": "offline"})
    city_registry.update(camera.id, rec)  # type: ignore[arg-type]
    sent: list[str] = []
    original = city_map.run_js
    city_map.run_js = lambda code, cb=None: (sent.append(code), original(code, cb))[1]  # type: ignore[method-assign]
    city_map.show_cameras(city_registry.list_cameras())
    assert len(sent) == 1 and sent[0].startswith("RtccMap.updateCameras(")
    qtbot.waitUntil(
        lambda: js_json(qtbot, page, f"RtccMap.marker({camera.id}).options.fillColor") == "#6b6f76",
        timeout=10_000,
    )
    assert js_json(qtbot, page, f"RtccMap.marker({camera.id}).options.color") == "#e05d5d"
    after = js_json(qtbot, page, "JSON.parse(RtccMap.state())")
    assert run_js(qtbot, page, "window.__probe") == "still here"
    assert (after["zoom"], after["center"]) == (before["zoom"], before["center"])


def test_registry_text_never_runs_as_script(qtbot: QtBot, registry: Registry) -> None:
    ring = [[-118.3, 34.0], [-118.2, 34.0], [-118.2, 34.1], [-118.3, 34.1], [-118.3, 34.0]]
    square = {"type": "Polygon", "coordinates": [ring]}
    registry.import_rows(
        [RawRow(i + 2, GOOD | {"name": name, "owner_name": name, "latitude": f"{34.05 + i / 1000}"})
         for i, name in enumerate(XSS)],
        [RawDivision(1, XSS[0], square, 34.05, -118.25, False)],
    )  # fmt: skip
    panel = MapPanel(MapConfig())
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitUntil(lambda: panel.ready, timeout=30_000)
    run_js(qtbot, panel.page, "window.__pwned = []; true")
    scripts_before = run_js(qtbot, panel.page, "document.scripts.length")
    panel.set_divisions(registry.divisions_geojson())
    with qtbot.waitSignal(panel.sig_loaded, timeout=10_000):
        panel.show_cameras(registry.list_cameras())
    tip_names = "[...document.querySelectorAll('.rtcc-tip-name')].map(e => e.textContent)"
    for row in registry.list_cameras():
        run_js(qtbot, panel.page, f"RtccMap.select({row.id}, true); true")

        def tooltip_shows(row: CameraRow = row) -> bool:
            names = js_json(qtbot, panel.page, f"(RtccMap.marker({row.id}).openTooltip(), {tip_names})")
            return row.name in names

        qtbot.waitUntil(tooltip_shows, timeout=10_000)
    labels = js_json(
        qtbot, panel.page, "[...document.querySelectorAll('.rtcc-division-label')].map(e => e.textContent)"
    )
    assert labels == [XSS[0]]
    qtbot.wait(300)
    assert js_json(qtbot, panel.page, "window.__pwned") == []
    injected = "document.querySelectorAll('img[src=x], svg[onload]').length"
    assert js_json(qtbot, panel.page, injected) == 0
    assert run_js(qtbot, panel.page, "document.scripts.length") == scripts_before


def test_bridge_refuses_bad_arguments_from_the_page(city_map: MapPanel, qtbot: QtBot) -> None:
    clicked: list[int] = []
    incidents: list[tuple[float, float]] = []
    city_map.sig_camera_clicked.connect(clicked.append)
    city_map.sig_new_incident.connect(lambda lat, lon: incidents.append((lat, lon)))
    run_js(
        qtbot,
        city_map.page,
        "new QWebChannel(qt.webChannelTransport, function (ch) { var b = ch.objects.bridge;"
        " b.cameraClicked(424242); b.cameraClicked('1; drop'); b.cameraActivated(1.5);"
        " b.newIncidentAt(95, 0); b.newIncidentAt('x', 3); b.newIncidentAt(34.05, -118.25); }); true",
    )
    qtbot.waitUntil(lambda: len(incidents) == 1, timeout=10_000)
    assert incidents == [(34.05, -118.25)]
    assert clicked == []
    assert len(city_map.bridge.rejected) == 5


def test_page_cannot_navigate_open_windows_or_read_files(city_map: MapPanel, qtbot: QtBot) -> None:
    page = city_map.page
    run_js(qtbot, page, "window.__opened = window.open('https://example.com/'); true")
    assert run_js(qtbot, page, "window.__opened === null")
    run_js(qtbot, page, "window.__fetch = 'pending'; fetch('file:///etc/passwd').then(r => r.text())"
                        ".then(t => window.__fetch = t, e => window.__fetch = 'refused'); true")  # fmt: skip
    qtbot.waitUntil(lambda: run_js(qtbot, page, "window.__fetch") != "pending", timeout=10_000)
    assert run_js(qtbot, page, "window.__fetch") == "refused"
    run_js(qtbot, page, "location.href = 'https://example.com/'; true")
    qtbot.wait(500)
    assert page.url() == PAGE_URL
    assert js_json(qtbot, page, "JSON.parse(RtccMap.state())")["cameras"] == 200
    assert asset_path("/map.js") is not None
    for path in ("/../../pyproject.toml", "/../../app/cli.py", "/vendor/../../../README.md", "/nothing.js"):
        assert asset_path(path) is None


def test_right_click_offers_new_incident_here(city_map: MapPanel, qtbot: QtBot) -> None:
    with qtbot.waitSignal(city_map.sig_new_incident, timeout=10_000) as incident:
        run_js(
            qtbot,
            city_map.page,
            "var c = document.querySelector('.leaflet-container'); var r = c.getBoundingClientRect();"
            " c.dispatchEvent(new MouseEvent('contextmenu', {bubbles: true, cancelable: true, button: 2,"
            " clientX: r.left + r.width / 2, clientY: r.top + r.height / 2}));"
            " var item = document.querySelector('.rtcc-menu-item');"
            " item.textContent === 'New incident here' && (item.click(), true)",
        )
    lat, lon = incident.args
    assert 33.7 < lat < 34.4 and -118.7 < lon < -118.1


def test_layer_toggles_and_cones(city_map: MapPanel, city_registry: Registry, qtbot: QtBot) -> None:
    rows = city_registry.list_cameras()
    public = sum(r.owner_type == "public_agency" for r in rows)
    live = sum(
        r.sharing_terms == "live_and_recorded" and r.status == "active" and r.consent_revoked_at is None
        for r in rows
    )

    def state() -> dict:
        return js_json(qtbot, city_map.page, "JSON.parse(RtccMap.state())")

    city_map.toggles["publicCams"].setChecked(False)
    qtbot.waitUntil(lambda: state()["clustered"] == 200 - public, timeout=10_000)
    city_map.toggles["publicCams"].setChecked(True)
    city_map.toggles["liveOnly"].setChecked(True)
    qtbot.waitUntil(lambda: state()["clustered"] == live, timeout=10_000)
    city_map.toggles["liveOnly"].setChecked(False)

    city_map.select(rows[0].id, fly=True)
    qtbot.waitUntil(lambda: state()["cones"] >= 1 and state()["zoom"] >= 15, timeout=10_000)
    city_map.toggles["cones"].setChecked(False)
    qtbot.waitUntil(lambda: state()["cones"] == 0, timeout=10_000)


def test_search_by_name_and_by_coordinates(city_map: MapPanel, city_registry: Registry, qtbot: QtBot) -> None:
    target = city_registry.list_cameras()[42]
    city_map.search.setText(target.name)
    with qtbot.waitSignal(city_map.sig_camera_clicked, timeout=10_000) as found:
        city_map.search.returnPressed.emit()
    assert found.args == [target.id]

    city_map.search.setText("34°03'07.9\"N 118°14'37.3\"W")
    city_map.search.returnPressed.emit()
    qtbot.waitUntil(
        lambda: math.dist(js_json(qtbot, city_map.page, "JSON.parse(RtccMap.state())")["center"],
                          [34.0522, -118.2437]) < 1e-3,
        timeout=10_000,
    )  # fmt: skip

    def place() -> object:
        return js_json(qtbot, city_map.page, "JSON.parse(RtccMap.state())")["goto"]

    assert place() is not None, "the searched place is ringed and labelled"
    # Cleared, the place leaves the map (its label stayed there).
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.keyClick(city_map.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(city_map.search, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: place() is None, timeout=10_000)
    city_map.search.setText("34 61 0 N, 118 0 0 W")
    city_map.search.returnPressed.emit()
    assert "below 60" in city_map.message.text() and city_map.message.isVisibleTo(city_map)
    city_map.search.setText("no such camera anywhere")
    city_map.search.returnPressed.emit()
    assert "No camera or owner matches" in city_map.message.text()


def test_incidents_are_drawn_with_their_radius(city_map: MapPanel, qtbot: QtBot) -> None:
    city_map.set_incidents([{"lat": 34.05, "lon": -118.25, "radius": 300, "label": "<b>24-0001</b>"}])
    qtbot.waitUntil(lambda: js_json(qtbot, city_map.page, "JSON.parse(RtccMap.state())")["incidents"] == 1)
    labels = js_json(
        qtbot, city_map.page, "[...document.querySelectorAll('.rtcc-incident-label')].map(e => e.textContent)"
    )
    assert labels == ["<b>24-0001</b>"]


def _tile_range(z: int, south: float, west: float, north: float, east: float) -> tuple[range, range]:
    def tile(lat: float, lon: float) -> tuple[int, int]:
        n = 1 << z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return x, y

    x0, y0 = tile(north, west)
    x1, y1 = tile(south, east)
    return range(x0, x1 + 1), range(y0, y1 + 1)


def test_mbtiles_base_map_is_served_through_the_scheme(
    qtbot: QtBot, city_registry: Registry, tmp_path: Path
) -> None:
    path = tmp_path / "city.mbtiles"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute("CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)")
    db.execute("INSERT INTO metadata VALUES ('format', 'png')")
    png = cv2.imencode(".png", np.full((256, 256, 3), (60, 90, 40), np.uint8))[1].tobytes()
    for z in range(8, 13):
        xs, ys = _tile_range(z, 33.6, -118.8, 34.4, -118.0)
        db.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)", [(z, x, (1 << z) - 1 - y, png) for x in xs for y in ys]
        )
    db.commit()
    db.close()
    panel = open_map(qtbot, city_registry, MapConfig(mbtiles=str(path)))
    qtbot.waitUntil(
        lambda: run_js(qtbot, panel.page, "document.querySelectorAll('.leaflet-tile-loaded').length") > 0,
        timeout=20_000,
    )
    assert any(url.startswith("rtcc://tiles/") for url in panel.scheme_handler.served)
    assert panel.guard.blocked == []
    assert errors(panel) == []


def test_unreadable_mbtiles_is_reported_and_the_map_still_works(
    qtbot: QtBot, city_registry: Registry, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.mbtiles"
    bad.write_text("not a database")
    panel = open_map(qtbot, city_registry, MapConfig(mbtiles=str(bad)))
    assert "cannot be read" in panel.message.text()


def test_main_window_and_map_select_each_other(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_map=True)
    assert window.map is not None
    qtbot.waitUntil(lambda: window.map.ready, timeout=30_000)
    qtbot.waitUntil(
        lambda: js_json(qtbot, window.map.page, "JSON.parse(RtccMap.state())")["cameras"] == 200,
        timeout=30_000,
    )
    row: CameraRow = window.cameras[7]
    run_js(qtbot, window.map.page, f"RtccMap.marker({row.id}).fire('click'); true")
    qtbot.waitUntil(lambda: window.camera_panel.selected_camera() is not None, timeout=10_000)
    assert window.camera_panel.selected_camera().id == row.id
    assert row.name in window.details.text()

    other = window.cameras[30]
    window.camera_panel.select_camera(other.id)
    qtbot.waitUntil(
        lambda: (
            js_json(qtbot, window.map.page, "JSON.parse(RtccMap.state())")["highlight"]
            == [other.latitude, other.longitude]
        ),
        timeout=10_000,
    )


def test_map_benchmark_reports_its_figures(qtbot: QtBot) -> None:
    from app.bench.map_bench import run_map_bench

    figures = run_map_bench(300)
    assert figures["cameras"] == 300
    assert 0 < figures["ready_seconds"] < 120
    assert figures["status_push_1000_seconds"] > 0
    assert figures["page_zoom_pan_step_ms_median"] >= 0


def test_the_selected_camera_can_be_dragged_from_the_map_onto_a_tile(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from PySide6.QtCore import QMimeData, QPointF, Qt
    from PySide6.QtGui import QDropEvent

    from app.incidents.service import IncidentInput, IncidentStore
    from app.views.purpose_dialog import PurposeDialog
    from app.views.wall.tile import map_camera_id

    window = make_window(with_map=True, with_wall=True)
    qtbot.waitUntil(lambda: window.map.ready, timeout=30_000)
    qtbot.waitUntil(
        lambda: js_json(qtbot, window.map.page, "JSON.parse(RtccMap.state())")["cameras"] == 200,
        timeout=30_000,
    )
    public = next(
        r
        for r in window.cameras
        if r.owner_type == "public_agency" and r.sharing_terms == "live_and_recorded"
    )
    private = next(
        r for r in window.cameras if r.owner_type == "business" and r.sharing_terms == "live_and_recorded"
    )
    run_js(qtbot, window.map.page, f"RtccMap.marker({public.id}).fire('click'); true")
    # The page's chip carries the camera as the text Chromium hands to Qt on a drag out.
    dragged = js_json(
        qtbot,
        window.map.page,
        """(function () {
        var chip = document.querySelector('.rtcc-drag'), dt = new DataTransfer();
        chip.dispatchEvent(new DragEvent('dragstart', {dataTransfer: dt, bubbles: true}));
        return [chip.draggable, chip.textContent, dt.getData('text/plain')];
    })()""",
    )
    assert dragged == [True, f"\u283f {public.name} \u2014 drag onto a tile", f"rtcc-camera:{public.id}"]

    def drop(text: str, tile_index: int) -> None:
        mime = QMimeData()
        mime.setText(text)
        event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)  # fmt: skip
        window.wall.visible_tiles[tile_index].dropEvent(event)

    drop(dragged[2], 3)
    assert window.wall.visible_tiles[3].camera == public
    # A private camera dropped from the map asks why first, then lands on the tile it was dropped on.
    drop(f"rtcc-camera:{private.id}", 2)
    assert window.wall.visible_tiles[2].camera is None
    dialog = next(d for d in window.findChildren(PurposeDialog) if d.isVisible())
    near = (private.latitude, private.longitude, 200.0)
    IncidentStore(window.session.sessions).create(
        IncidentInput("26-0808", "robbery", datetime.now(UTC), "UTC", *near), []
    )
    dialog.incident.setText("26-0808")  # the suspect ran past this camera: the incident covers it
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: window.wall.visible_tiles[2].camera == private, timeout=5_000)
    for text in (
        "rtcc-camera:x",
        "rtcc-camera:",
        "javascript:alert(1)",
        f"camera:{public.id}",
        "rtcc-camera:-1",
    ):
        mime = QMimeData()
        mime.setText(text)
        assert map_camera_id(mime) is None, text


def test_a_large_registry_reaches_the_page_in_chunks(qtbot: QtBot) -> None:
    from dataclasses import replace

    from app.bench.map_bench import synthetic_cameras
    from app.views.map.panel import CAMERA_CHUNK, plan_cameras

    rows = synthetic_cameras(CAMERA_CHUNK + 2_000)
    plan = plan_cameras(rows, {})
    assert len(plan.scripts) == 2
    assert plan.scripts[0].endswith(", true, false)") and plan.scripts[1].endswith(", false, true)")
    assert plan_cameras(rows, plan.payload).scripts == []  # nothing changed: nothing sent
    changed = [replace(rows[5], status="offline"), *rows[:5], *rows[6:]]
    (update,) = plan_cameras(changed, plan.payload).scripts
    assert update.startswith("RtccMap.updateCameras(") and '"state": "offline"' in update
    panel = MapPanel(MapConfig())
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    with qtbot.waitSignal(panel.sig_loaded, timeout=60_000) as loaded:
        panel.apply_cameras(plan)
    assert loaded.args == [len(rows)]
    assert js_json(qtbot, panel.page, "JSON.parse(RtccMap.state())")["cameras"] == len(rows)


def test_the_light_theme_reaches_the_map_and_keeps_every_ring_visible(
    city_map: MapPanel, qtbot: QtBot
) -> None:
    """In the light theme the page is light too, and the live-shareable ring (white on the dark
    map) turns dark so that it still shows on a light background."""
    ring = "getComputedStyle(document.querySelector('.rtcc-ring-live')).borderTopColor"
    assert run_js(qtbot, city_map.page, ring) == "rgb(255, 255, 255)"
    city_map.set_theme("light")
    qtbot.waitUntil(
        lambda: "rtcc-light" in run_js(qtbot, city_map.page, "document.documentElement.className"),
        timeout=10_000,
    )
    assert run_js(qtbot, city_map.page, ring) == "rgb(21, 24, 29)"
    background = "getComputedStyle(document.querySelector('.leaflet-container')).backgroundColor"
    assert run_js(qtbot, city_map.page, background) == "rgb(233, 237, 242)"
    city_map.set_theme("dark")
    qtbot.waitUntil(lambda: run_js(qtbot, city_map.page, ring) == "rgb(255, 255, 255)", timeout=10_000)
