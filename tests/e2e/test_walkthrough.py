"""A call, step by step, as a dispatcher does it: every step pressed with the mouse or the keyboard
on the real widgets, against the real simulator, media service and recorder, and checked by what
the person sees. It fails if any step's visible result is missing.

Map right-click "New incident here" → the incident typed into its dialog → save → "Show these
cameras live" → "Review recordings" → play, a frame forward and back (the burned-in clock moves by
exactly one recorded frame each way) → mark in and out → "To case…" with a case number → export
from the export dialog to a folder → VALID → the package opened in the review window.

It runs in the light theme at 1366x768 and keeps a screenshot of each step; with
``RTCC_WALKTHROUGH_SHOTS=docs/walkthrough`` it writes them where the docs page shows them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.incidents.service import IncidentStore
from app.models.db import open_database
from app.models.tables import EvidenceItem
from app.registry.gazetteer import OfflineGazetteer
from app.video.media_service import MediaService
from app.video.simulator_process import SimulatorProcess
from app.video.vlc_player import VlcEngine
from app.views.main_window import ConsoleInfo, MainWindow
from app.views.map.page_html import MapConfig
from app.views.theme import apply_theme
from app.walls.salvos import SalvoStore
from tests.gui.conftest import run_js
from tests.helpers.clocks import clock_of, tile_clock
from tests.helpers.live import cameras_on
from tests.presses import answer_dialog, button, click, wait_answered

pytestmark = pytest.mark.e2e

P_LAT, P_LON = 34.0500, -118.2500  # where the robbery is reported
RECORD_FIRST_S = 40  # footage before the call, so the recordings view opens on recorded video
SIZE = (1366, 768)
ZONE = "America/Los_Angeles"


class Shots:
    """A screenshot of the console's screen area after each step, numbered in order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def take(self, name: str, widget: QWidget) -> None:
        QApplication.processEvents()
        area = widget.window().frameGeometry()
        screen = QGuiApplication.primaryScreen()
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        screen.grabWindow(0, area.x(), area.y(), area.width(), area.height()).save(str(path))
        self.taken.append(path)


@pytest.fixture
def light_theme() -> Iterator[None]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "light")
    yield
    apply_theme(app, "dark")


def on_screen(review: Any, whole_picture: Any, folder: Path) -> str:
    """The review's players and every window on the screen, with the pointer: what a timeout
    report needs to tell a stuck player from a covered one. Each tile's glass is saved in
    ``folder`` with its mean brightness in the report (black, sheared or covered)."""
    from PySide6.QtGui import QCursor

    from app.views.wall.delay import surface_pixels

    for i, t in enumerate(review.footage.tiles):
        QGuiApplication.primaryScreen().grabWindow(int(t.surface.winId())).save(str(folder / f"tile-{i}.png"))
    brightness = [
        "none" if (p := surface_pixels(t.surface, False)) is None else f"{p.mean():.0f}"
        for t in review.footage.tiles
    ]

    tiles = [
        f"{t.clip.camera}: {t.player.state()} at {t.player.time_ms()} ms, {t.player.stats()}, "
        f"whole picture {whole_picture(t.surface)}, at {t.surface.mapToGlobal(QPoint(0, 0)).toTuple()} "
        f"size {t.surface.size().toTuple()}, window on top there: "
        f"{type(QApplication.topLevelAt(t.surface.mapToGlobal(t.surface.rect().center()))).__name__}"
        for t in review.footage.tiles
        if t.player is not None
    ]
    shown = [f"{type(w).__name__} {w.objectName()} {w.geometry().getRect()}"
             for w in QApplication.topLevelWidgets() if w.isVisible()]  # fmt: skip
    pointer = QCursor.pos().toTuple()
    return f"tiles: {tiles}; mean brightness {brightness}; windows: {shown}; pointer {pointer}"


def activate(qtbot: QtBot, widget: QWidget) -> None:
    """Bring a window to the front and give it the keyboard (a window manager's job; the test
    screen has none)."""
    widget.raise_()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5_000)


def press_keys(widget: QWidget, key: Qt.Key, modifiers: Any = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(widget, key, modifiers)


def map_point(qtbot: QtBot, window: MainWindow, lat: float, lon: float) -> QPoint:
    assert window.map is not None
    where = json.loads(run_js(qtbot, window.map.page, f"RtccMap.pagePointOf({lat}, {lon})"))
    return QPoint(round(where["x"]), round(where["y"]))


def burned_in_index(sessions: Any, root: Path, camera_id: int) -> list[datetime]:
    """Every recorded frame's burned-in time of one camera, in order (closed segments)."""
    import av

    with sessions() as s:
        paths = [
            root / e.path
            for e in s.scalars(
                select(EvidenceItem)
                .where(EvidenceItem.camera_id == camera_id, EvidenceItem.kind == "segment")
                .order_by(EvidenceItem.start_at)
            )
        ]
    times = []
    for path in paths:
        with av.open(str(path)) as container:
            times += [clock_of(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]
    return times


@pytest.mark.sqlite_only  # a GUI flow: its use cases run on both databases in their own tests
def test_a_call_from_the_map_to_a_verified_package_in_the_review_window(
    tmp_path: Path, qtbot: QtBot, light_theme: None, no_keyring: None, db_url: str
) -> None:
    shots = Shots(Path(os.environ.get("RTCC_WALKTHROUGH_SHOTS") or tmp_path / "shots"))
    url = db_url
    svc = MediaService(open_database(url), port=0, linger_s=1.0).start()
    root = tmp_path / "recordings"
    sim = SimulatorProcess(2, port=0).start()
    try:
        named = cameras_on(
            sim, svc.registry,
            # 50 m south of the spot, looking north at it; 80 m west, looking east.
            south={"name": "CEN-101 Figueroa S", "latitude": f"{P_LAT - 0.00045:.6f}",
                   "longitude": f"{P_LON:.6f}", "heading_deg": "0"},
            west={"name": "CEN-102 7th St W", "latitude": f"{P_LAT:.6f}",
                  "longitude": f"{P_LON - 0.00087:.6f}", "heading_deg": "90", "range_m": "120"},
        )  # fmt: skip
        cams = {"south": named["CEN-101 Figueroa S"], "west": named["CEN-102 7th St W"]}
        svc.start_recording(root, segment_s=4.0, check_every_s=0.5)
        recording_since = time.monotonic()

        sessions = open_database(url)
        gazetteer = OfflineGazetteer(sessions)
        window = MainWindow(
            svc.registry, ConsoleInfo("Database: walkthrough"),
            QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), "light", MapConfig(),
            VlcEngine(), svc.base_url, 0, SalvoStore(sessions), IncidentStore(sessions), ZONE, gazetteer,
            root, key_dir=tmp_path / "data",
        )  # fmt: skip
        qtbot.addWidget(window)
        assert window.map is not None
        drawn: list[int] = []
        window.map.sig_loaded.connect(drawn.append)
        window.resize(*SIZE)
        window.move(0, 0)
        window.show()
        assert window.map is not None
        qtbot.waitUntil(lambda: window.camera_panel.model.rowCount() == 2, timeout=20_000)
        qtbot.waitUntil(lambda: drawn == [2], timeout=30_000)
        activate(qtbot, window)
        # The light theme reaches the map too, and the wall keeps a fair share of a small screen.
        qtbot.waitUntil(
            lambda: "rtcc-light" in run_js(qtbot, window.map.page, "document.documentElement.className"),
            timeout=10_000,
        )
        qtbot.waitUntil(lambda: window.wall.width() > 0.35 * window.width(), timeout=5_000)
        shots.take("console", window)

        # Footage from before the call: the recorder has been running for a while, and the
        # camera list says which cameras it records.
        qtbot.waitUntil(lambda: time.monotonic() - recording_since > RECORD_FIRST_S, timeout=120_000)
        model = window.camera_panel.model
        heads = [model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
                 for c in range(model.columnCount())]  # fmt: skip
        rec = heads.index("Recording")
        qtbot.waitUntil(lambda: all(model.index(r, rec).data() == "● REC" for r in range(2)), timeout=20_000)

        # 1. Right-click the spot on the map: "New incident here".
        window.map.pan_to(P_LAT, P_LON)

        def centred() -> bool:  # the pan has ended: the spot's pixel will not move under the mouse
            state = json.loads(run_js(qtbot, window.map.page, "RtccMap.state()"))
            return abs(state["center"][0] - P_LAT) < 1e-6 and abs(state["center"][1] - P_LON) < 1e-6

        qtbot.waitUntil(centred, timeout=10_000)
        spot = map_point(qtbot, window, P_LAT, P_LON)
        surface = window.map.view.focusProxy()
        assert surface is not None
        QTest.mouseMove(surface, spot)
        QTest.mouseClick(surface, Qt.MouseButton.RightButton, pos=spot)
        qtbot.waitUntil(
            lambda: run_js(qtbot, window.map.page, "!!document.querySelector('.rtcc-menu-item')") is True,
            timeout=10_000,
        )
        item = json.loads(run_js(
            qtbot, window.map.page,
            "(function(){var b=document.querySelector('.rtcc-menu-item').getBoundingClientRect();"
            "return JSON.stringify({x:b.left+b.width/2,y:b.top+b.height/2,"
            "text:document.querySelector('.rtcc-menu-item').textContent});})()",
        ))  # fmt: skip
        assert item["text"] == "New incident here"
        qtbot.wait(300)  # only for the picture: Chromium paints the menu a moment after the DOM has it
        shots.take("map-right-click", window)
        QTest.mouseClick(surface, Qt.MouseButton.LeftButton, pos=QPoint(round(item["x"]), round(item["y"])))
        qtbot.waitUntil(lambda: window.findChild(QWidget, "reported_time") is not None, timeout=10_000)
        dialog: Any = window.findChild(QWidget, "reported_time").window()
        qtbot.waitExposed(dialog)

        # 2. Type the incident into its dialog and save it.
        activate(qtbot, dialog)
        assert dialog.location.text()  # the map's point is filled in
        QTest.keyClicks(dialog.number, "26-118842")
        dialog.kind.lineEdit().selectAll()
        QTest.keyClicks(dialog.kind.lineEdit(), "Armed robbery")
        qtbot.waitUntil(lambda: dialog.list.count() == 2, timeout=10_000)
        first = dialog.list.item(0).text()  # the spot is a rounded pixel: about 50 m from the camera
        assert first.startswith("CEN-101 Figueroa S") and "in view, " in first, first
        shots.take("incident-dialog", dialog)
        click(dialog.buttons.button(dialog.buttons.StandardButton.Save))
        # Saved, or refused with its reason on screen (which the failure then shows).
        qtbot.waitUntil(lambda: window.incident_panel.incident is not None or bool(dialog.error.text()),
                        timeout=30_000)  # fmt: skip
        assert window.incident_panel.incident is not None, dialog.error.text()
        panel = window.incident_panel
        assert "26-118842" in panel.title.text() and "2 camera(s) selected" in panel.title.text()

        # 3. Show these cameras live on the wall.
        assert window.wall is not None
        click(panel.live_button)
        live = [t for t in window.wall.visible_tiles if t.camera is not None]
        assert {t.camera.id for t in live} == {cams["south"].id, cams["west"].id}
        qtbot.waitUntil(lambda: all("live" in t.header.text() for t in live), timeout=30_000)
        shots.take("live-on-the-wall", window)

        # 4. Review recordings: the recordings view opens before the reported time.
        click(panel.review_button)
        qtbot.waitUntil(lambda: bool(window.incidents_ui.scrub_windows), timeout=5_000)
        scrub: Any = window.incidents_ui.scrub_windows[-1]
        qtbot.waitExposed(scrub)
        qtbot.waitUntil(
            lambda: scrub.loaded and all(t.image is not None for t in scrub.tiles), timeout=30_000
        )
        activate(qtbot, scrub)
        press_keys(scrub, Qt.Key.Key_Space)  # play a moment, then pause
        started = scrub.position
        qtbot.waitUntil(lambda: (scrub.position - started).total_seconds() > 1.0, timeout=10_000)
        click(button(scrub, "scrub_play"))
        assert "paused" in scrub.clock.text()

        # 5. One frame forward and back: exactly one recorded frame each way.
        lead = scrub.tiles[0]
        every = burned_in_index(sessions, root, lead.camera.id)

        def step(press: Any) -> int:
            before = lead.frame_time
            press()
            qtbot.waitUntil(lambda: lead.frame_time != before and scrub.position == lead.frame_time,
                            timeout=10_000)  # fmt: skip
            return every.index(tile_clock(lead))

        # Paused: the last frames asked for while playing have arrived.
        qtbot.waitUntil(lambda: lead.frame_time is not None and not any(scrub._inflight), timeout=10_000)
        here = every.index(tile_clock(lead))
        assert step(lambda: click(button(scrub, "scrub_frame_next"))) == here + 1
        assert step(lambda: press_keys(scrub, Qt.Key.Key_Comma)) == here
        shots.take("recordings-frame-step", scrub)

        # 6. Mark in, ten seconds on, mark out.
        press_keys(scrub, Qt.Key.Key_I)
        click(button(scrub, "scrub_fwd10"))
        press_keys(scrub, Qt.Key.Key_O)
        assert "in " in scrub.marks_label.text() and "out " in scrub.marks_label.text()

        # 7. "To case…": the case number typed into the real dialog.
        asked = answer_dialog("LAPD-2026-118842")
        click(button(scrub, "scrub_to_case"))
        wait_answered(qtbot, asked)
        qtbot.waitUntil(
            lambda: (
                "2 camera window(s)" in scrub.statusBar().currentMessage()
                and "LAPD-2026-118842" in scrub.statusBar().currentMessage()
            ),
            timeout=10_000,
        )
        shots.take("put-into-case", scrub)

        # 8. Export from the export dialog (Ctrl+Shift+E) to a folder: VALID.
        activate(qtbot, window)
        ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        press_keys(window, Qt.Key.Key_E, ctrl_shift)
        from app.views.export_dialog import ExportDialog

        qtbot.waitUntil(lambda: bool(window.findChildren(ExportDialog)), timeout=5_000)
        export: Any = window.findChildren(ExportDialog)[-1]
        qtbot.waitExposed(export)
        activate(qtbot, export)
        export.case.lineEdit().selectAll()
        QTest.keyClicks(export.case.lineEdit(), "LAPD-2026-118842")
        usb = tmp_path / "usb"
        usb.mkdir()
        export.target.clear()
        QTest.keyClicks(export.target, str(usb))
        click(export.export_button)
        qtbot.waitUntil(lambda: "VALID" in export.status.text() or "failed" in export.status.text(),
                        timeout=120_000)  # fmt: skip
        assert "VALID" in export.status.text(), export.status.text()
        shots.take("export-valid", export)

        # 9. The package in the review window, verified again there.
        click(export.review_button)
        qtbot.waitUntil(lambda: bool(window.incidents_ui.review_windows), timeout=5_000)
        review: Any = window.incidents_ui.review_windows[-1]
        qtbot.waitExposed(review)
        activate(qtbot, review)  # in front, as a window manager puts a new window
        qtbot.waitUntil(lambda: "VALID" in review.banner.text(), timeout=60_000)
        assert "LAPD-2026-118842" in review.windowTitle()
        # Each clip shows its whole picture: the burned-in barcode reads from the screen (a
        # cropped or zoomed picture cuts it off).
        from app.video.barcode import decode
        from app.views.wall.delay import picture_fit, surface_pixels

        def whole_picture(surface: QWidget) -> bool:
            pixels = surface_pixels(surface, False)
            if pixels is None:
                return False
            x, y, w, h = picture_fit(pixels.shape[1], pixels.shape[0])
            return decode(pixels[y : y + h, x : x + w]) is not None

        assert review.footage is not None
        # A condition, not a pause: on a machine also running an hour-long soak (16 live tiles and
        # recording) the review's tiles took over a minute to decode their first whole picture.
        try:
            qtbot.waitUntil(lambda: all(whole_picture(t.surface) for t in review.footage.tiles),
                            timeout=150_000)  # fmt: skip
        except Exception as exc:  # what the screen showed, for the failure report
            QGuiApplication.primaryScreen().grabWindow(0).save(str(shots.folder / "timeout-review.png"))
            report = on_screen(review, whole_picture, shots.folder)
            raise AssertionError(f"{report}; screen in {shots.folder}") from exc
        shots.take("review-window", review)
        for w in (review, scrub):
            w.close()
        export.close()
    finally:
        svc.close()
        sim.close()
    assert len(shots.taken) == 8
