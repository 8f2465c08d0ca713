"""``rtcc bench intake``: from a dispatch call's POST to its incident saved with ranked cameras,
and on to the first live picture on a console's wall.

A registry of M cameras (the sample city's 21 divisions, cameras spread over the city) plus one
simulated camera per call, 20 m south of the call's place and looking at it (so it ranks first);
the intake serving HTTP in this process; a rule that opens every robbery with its best camera on
the main wall; a console (main window, wall, no map) following the change feed; the media
service and the simulator as processes. Each call is posted signed, one at a time: the HTTP
answer comes once the incident and its ranked cameras are committed (ranked), and the console's
tile for the call's camera says "live" at its first decoded picture (live). Each call's camera is
cold: nobody pulled it before.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from app.bench.import_bench import synthetic_rows

SECRET = b"intake benchmark secret, 32 bytes"


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_intake_bench(calls: int = 8, cameras: int = 10_000, spacing_s: float = 1.0) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    from app.incidents.dispatch import load_feeds
    from app.incidents.dispatch_rules import Rule
    from app.intake.server import Intake, IntakeServer
    from app.models.db import open_database
    from app.resources import resource_root
    from app.video.child_service import MediaProcess
    from app.video.simulator_process import SimulatorProcess

    app = QApplication.instance() or QApplication(sys.argv)
    assert app is not None
    # Call places inside Hollywood, 200 m apart along Sunset Blvd.
    places = [(34.0980, -118.3400 + 0.0022 * i) for i in range(calls)]
    ranked: list[float] = []
    live: list[float] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rtcc-intake-bench-") as tmp, \
            SimulatorProcess(calls, port=0, fps=15, shared_encoder=True) as sim:  # fmt: skip
        base = Path(tmp)
        url = f"sqlite:///{base / 'bench.sqlite'}"
        sessions = open_database(url)
        call_cameras = _registry(sessions, sim, cameras, places)
        rule = Rule("bench: every robbery", frozenset({"robbery"}), None, frozenset(), 1, "main", False)
        feeds = load_feeds(resource_root() / "dispatch")
        server = IntakeServer(Intake(sessions, feeds, {"generic": SECRET}.get, "UTC", [rule]), port=0).start()
        with MediaProcess(url, port=0) as media:
            window = _console(sessions, base, media.url)
            deadline = time.perf_counter() + 120  # the console has loaded the registry (steady state)
            while len(window.cameras) < cameras + calls and time.perf_counter() < deadline:
                _pump(0.1)
            _pump(1.0)
            for i, (lat, lon) in enumerate(places):
                started = time.perf_counter()
                answer = _post(server.base_url, i, lat, lon)
                ranked.append(time.perf_counter() - started)
                wanted = call_cameras[i]
                if answer.get("cameras", [None])[:1] != [wanted]:
                    failures.append(
                        f"call {i + 1}: best camera {answer.get('cameras', [])[:1]}, not {wanted}"
                    )
                at = _wait_live(window, wanted, started + 30)
                if at is None:
                    failures.append(f"call {i + 1}: camera {wanted} not live on the wall within 30 s")
                else:
                    live.append(at - started)
                _pump(spacing_s)
            window.close()
            _pump(0.5)
        server.close()
        sessions.kw["bind"].dispose()
    return {
        "benchmark": "intake",
        "calls": calls,
        "cameras": cameras + calls,
        "ranked_s_p50": round(statistics.median(ranked), 3) if ranked else None,
        "ranked_s_p95": round(_percentile(ranked, 95), 3) if ranked else None,
        "live_s_p50": round(statistics.median(live), 3) if live else None,
        "live_s_p95": round(_percentile(live, 95), 3) if live else None,
        "live_s_max": round(max(live), 3) if live else None,
        "calls_live": len(live),
        "failures": failures,
    }


def _pump(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.perf_counter() + seconds
    loop = QEventLoop()
    while time.perf_counter() < end:
        QTimer.singleShot(10, loop.quit)
        loop.exec()


def _registry(sessions: Any, sim: Any, cameras: int, places: list[tuple[float, float]]) -> list[int]:
    """The city's divisions, M cameras, and one simulated camera 20 m south of each call's place,
    looking north at it; returns those cameras' ids in call order."""
    from app.registry.formats import RawRow
    from app.registry.sample_city import division_boundaries
    from app.registry.service import Registry

    registry = Registry(sessions)
    rows = [RawRow(n + 2, r) for n, r in enumerate(synthetic_rows(cameras))]
    registry.import_rows(rows, division_boundaries(), source="intake bench")
    base = synthetic_rows(1)[0] | {
        "owner_name": "Bench", "owner_type": "public_agency", "status": "active", "consent_revoked_at": "",
        "sharing_terms": "live_and_recorded", "heading_deg": "0", "fov_deg": "70", "range_m": "60",
        "division": "Hollywood",
    }  # fmt: skip
    registry.import_rows([
        RawRow(i + 2, base | {"name": f"CALL-CAM-{i + 1:02d}", "latitude": f"{lat - 0.00018:.6f}",
                              "longitude": f"{lon:.6f}", "main_url": sim.url_of(i + 1, "main"),
                              "sub_url": sim.url_of(i + 1, "sub")})
        for i, (lat, lon) in enumerate(places)
    ], source="call cameras")  # fmt: skip
    ids = {c.name: c.id for c in registry.list_cameras() if c.name.startswith("CALL-CAM-")}
    return [ids[f"CALL-CAM-{i + 1:02d}"] for i in range(len(places))]


def _console(sessions: Any, base: Path, media_url: str) -> Any:
    from PySide6.QtCore import QSettings

    from app.console.actor import Actor
    from app.console.session import Session
    from app.governance.roles import Role
    from app.incidents.service import IncidentStore
    from app.registry.service import Registry
    from app.video.vlc_player import VlcEngine
    from app.views.main_window import ConsoleInfo, MainWindow

    registry = Registry(sessions)
    state = QSettings(str(base / "ui.ini"), QSettings.Format.IniFormat)
    session = Session(sessions, Actor("bench", Role.OPERATOR), registry)
    window = MainWindow(registry, ConsoleInfo("Database: bench"), state, "dark", None, VlcEngine(), media_url,
                        0, None, IncidentStore(sessions), "UTC", session=session)  # fmt: skip
    window.resize(1600, 900)
    window.show()
    return window


def _post(base_url: str, n: int, lat: float, lon: float) -> dict[str, Any]:
    from app.incidents.dispatch import sign

    call = {"call_number": f"BENCH-{n + 1:04d}", "call_type": "211", "priority": 1,
            "location": {"latitude": lat, "longitude": lon}, "notes": "intake benchmark"}  # fmt: skip
    body = json.dumps(call).encode()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-RTCC-Timestamp": stamp,
               "X-RTCC-Signature": sign(SECRET, stamp, body)}  # fmt: skip
    request = urllib.request.Request(f"{base_url}/intake/generic", body, headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as reply:
        answer: dict[str, Any] = json.loads(reply.read())
        return answer


def _wait_live(window: Any, camera_id: int, deadline: float) -> float | None:
    """When the console's wall first shows the camera live (its first decoded picture)."""
    from app.views.wall.tile import TileState

    while time.perf_counter() < deadline:
        tiles = [t for t in window.wall.visible_tiles if t.camera is not None and t.camera.id == camera_id]
        if tiles and tiles[0].state == TileState.LIVE:
            return time.perf_counter()
        _pump(0.02)
    return None
