"""``rtcc bench map --cameras N``: how fast the division map becomes ready and takes updates.

Figures (JSON): seconds from creating the view to the map reporting N markers clustered; seconds
for the page to apply 1,000 status changes; the page's JS heap; the longest stall of the Qt GUI
thread (a 10 ms timer's worst gap) while loading and while panning/zooming; and the median time
the page takes for one zoom step with N markers.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from app.models.rows import CameraRow
from app.registry.sample_city import division_boundaries


def synthetic_cameras(count: int, seed: int = 11) -> list[CameraRow]:
    rng = random.Random(seed)
    kinds = ("business", "resident", "public_agency")
    terms = ("live_and_recorded", "recorded_on_request", "registered_only")
    now = datetime.now(UTC)
    return [
        CameraRow(
            id=i + 1,
            uid=f"bench-{i}",
            name=f"BENCH-{i:06d}",
            owner_name=f"Owner {i % 997}",
            owner_type=kinds[i % 3],
            owner_contact="",
            division="",
            latitude=rng.uniform(33.75, 34.32),
            longitude=rng.uniform(-118.66, -118.16),
            heading_deg=rng.uniform(0, 360),
            fov_deg=90,
            range_m=80,
            main_url="rtsp://127.0.0.1/x",
            sub_url="",
            sharing_terms=terms[i % 3],
            consent_granted_at=now,
            consent_revoked_at=None,
            retention_days=30,
            status="active",
            has_credentials=False,
            notes="",
        )
        for i in range(count)
    ]


class _StallMeter:
    """Worst gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.worst = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst * 1000


def run_map_bench(cameras: int) -> dict[str, Any]:
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --enable-precise-memory-info")
    if "--enable-precise-memory-info" not in os.environ["QTWEBENGINE_CHROMIUM_FLAGS"]:
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] += " --enable-precise-memory-info"
    from app.main import prepare_qt_environment

    prepare_qt_environment()
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.views.map.page_html import MapConfig
    from app.views.map.panel import MapPanel, js_call, plan_cameras

    app = QApplication.instance() or QApplication(sys.argv)
    rows = synthetic_cameras(cameras)
    divisions = [
        {"type": "Feature", "geometry": d.boundary, "properties": {"name": d.name, "approximate": True}}
        for d in division_boundaries()
    ]

    def wait(predicate: Any, timeout_s: float = 600) -> None:
        loop = QEventLoop()
        deadline = time.perf_counter() + timeout_s
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError("map benchmark timed out")
            QTimer.singleShot(5, loop.quit)
            loop.exec()

    def js(code: str) -> Any:
        box: list[Any] = []
        panel.page.runJavaScript(code, 0, box.append)
        wait(lambda: bool(box))
        return box[0]

    meter = _StallMeter()
    loaded: list[int] = []
    meter.start()
    start = time.perf_counter()
    panel = MapPanel(MapConfig())
    panel.resize(1600, 1000)
    panel.show()
    panel.sig_loaded.connect(loaded.append)
    panel.set_divisions(divisions)
    # As the console does: the page's JSON is built in a worker, then handed to the panel.
    plans: list[Any] = []
    worker = threading.Thread(target=lambda: plans.append(plan_cameras(rows, {})), daemon=True)
    worker.start()
    wait(lambda: bool(plans))
    panel.apply_cameras(plans[0])
    wait(lambda: bool(loaded))
    ready_s = time.perf_counter() - start
    stall_load = meter.stop()

    changed = rows[:1000]
    changes = [{"id": r.id, "state": "offline"} for r in changed]
    start = time.perf_counter()
    js(js_call("updateCameras", changes))
    push_s = time.perf_counter() - start

    meter.start()
    zoom_ms = []
    for step in range(6):
        sign = "+" if step < 3 else "-"
        code = (
            "(function(){var t=performance.now(); var m=RtccMap._map();"
            f"m.setZoom(m.getZoom() {sign} 1, {{animate:false}}); m.panBy([120, 80], {{animate:false}});"
            "return performance.now()-t;})()"
        )
        zoom_ms.append(float(js(code)))
    stall_pan = meter.stop()
    heap = js("performance.memory ? performance.memory.usedJSHeapSize : null")
    panel.close()
    panel.deleteLater()
    app.processEvents()
    return {
        "benchmark": "map",
        "cameras": cameras,
        "ready_seconds": round(ready_s, 3),
        "status_push_1000_seconds": round(push_s, 3),
        "js_heap_mb": round(heap / 2**20, 1) if heap else None,
        "gui_thread_max_stall_ms_loading": round(stall_load, 1),
        "gui_thread_max_stall_ms_pan_zoom": round(stall_pan, 1),
        "page_zoom_pan_step_ms_median": round(statistics.median(zoom_ms), 1),
        "page_zoom_pan_step_ms_max": round(max(zoom_ms), 1),
    }
