"""``rtcc bench wall --tiles N --stream sub|main``: how many live tiles this workstation holds.

Starts the simulator and a media service (each its own process, so their CPU is counted apart),
fills a wall with N tiles under the current display, lets it settle, then measures for
``seconds``: frames expected vs displayed per tile and lost, CPU (% of one core) and memory per
tile of the console process, and the glass-to-glass delay, read back from the time barcode the
simulator burns into each frame, on pixels grabbed from the tiles' windows. Finally it plays the
same streams into libVLC with no video output and measures that CPU, the decode cost a tile
cannot go below; the ratio says what drawing costs on top.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from app.bench.map_bench import _StallMeter


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        t = proc.cpu_times()
        total += t.user + t.system
        for child in proc.children(recursive=True):
            try:
                ct = child.cpu_times()
                total += ct.user + ct.system
            except psutil.Error:
                pass
    return total


def _x_server() -> list[psutil.Process]:
    """The X server drawing this display, when it runs here (Xvfb in CI): its CPU is the wall's too."""
    display = os.environ.get("DISPLAY", "")
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] in ("Xvfb", "Xorg", "X") and display and display in (proc.info["cmdline"] or []):
            return [proc]
    return []


def run_wall_bench(tiles: int, stream: str = "sub", seconds: float = 15.0, fps: int = 25,
                   mode: str = "auto", *, shared_encoder: bool = True) -> dict[str, Any]:  # fmt: skip
    from app.main import prepare_qt_environment

    prepare_qt_environment()
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from app.console.actor import Actor
    from app.console.use_cases import grant_live_view
    from app.governance.purpose import Purpose
    from app.models.db import open_database
    from app.registry.formats import RawRow
    from app.registry.service import Registry
    from app.video.child_service import MediaProcess
    from app.video.simulator_process import SimulatorProcess
    from app.video.vlc_player import Player, VlcEngine
    from app.views.wall.delay import camera_clock_delay_ms
    from app.views.wall.tile import TileState
    from app.views.wall.wall import VideoWall

    if QApplication.instance() is None:
        QApplication(sys.argv)
    me = psutil.Process()

    def pump(duration: float) -> None:
        end = time.perf_counter() + duration
        loop = QEventLoop()
        while time.perf_counter() < end:
            QTimer.singleShot(10, loop.quit)
            loop.exec()

    with tempfile.TemporaryDirectory(prefix="rtcc-wall-bench-") as tmp, \
            SimulatorProcess(tiles, port=0, fps=fps, shared_encoder=shared_encoder) as sim:  # fmt: skip
        db_url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        registry = Registry(open_database(db_url))
        place = {
            "latitude": "34.05",
            "longitude": "-118.25",
            "heading_deg": "0",
            "fov_deg": "90",
            "range_m": "50",
        }
        registry.import_rows([
            RawRow(i + 2, place | {
                "name": f"BENCH-{i + 1:02d}", "owner_name": "Bench", "owner_type": "public_agency",
                "main_url": sim.url_of(i + 1, "main"), "sub_url": sim.url_of(i + 1, "sub"),
                "sharing_terms": "live_and_recorded",
            })
            for i in range(tiles)
        ])  # fmt: skip
        cameras = registry.list_cameras()
        with MediaProcess(db_url, port=0) as media:
            others = [psutil.Process(sim.pid), psutil.Process(media.pid)]
            x_server = _x_server()
            engine = VlcEngine()
            rss_before = me.memory_info().rss
            by_id = {c.id: c for c in cameras}.get
            # Leave to watch each camera, as the console's use case grants it.
            actor = Actor.before_accounts("wall bench")
            tokens = {c.id: grant_live_view(registry.sessions, actor, c, Purpose()).token for c in cameras}

            def url_for(c: Any, s: str) -> str:
                return f"{media.url}/live/{c.id}/{s}.ts?grant={tokens[c.id]}"

            wall = VideoWall(engine, url_for, by_id, tile_mode=mode)
            screen = QGuiApplication.primaryScreen().availableGeometry()
            wall.setGeometry(screen)
            wall.show()
            side = next(n for n in range(1, 7) if n * n >= tiles) if tiles <= 36 else 6
            wall.set_layout(f"{side}x{side}")
            for i, camera in enumerate(cameras[: len(wall.visible_tiles)]):
                wall.put_camera(camera, i)
                if stream == "main":
                    wall.visible_tiles[i].set_stream("main")
            shown = [t for t in wall.visible_tiles if t.camera is not None]
            deadline = time.perf_counter() + 60
            while time.perf_counter() < deadline and not all(t.state == TileState.LIVE for t in shown):
                pump(0.2)
            live_tiles = sum(t.state == TileState.LIVE for t in shown)
            pump(3.0)

            # Frames and CPU first, with nothing else on the GUI thread: grabbing tiles to read the
            # clock costs the console CPU and stalls of its own, which are not the tiles' cost.
            start_stats = [t.stats() for t in shown]
            cpu0, others0, x0, t0 = _cpu([me]), _cpu(others), _cpu(x_server), time.perf_counter()
            meter = _StallMeter()
            meter.start()
            pump(seconds)
            elapsed = time.perf_counter() - t0
            cpu1, others1, x1 = _cpu([me]), _cpu(others), _cpu(x_server)
            stall = meter.stop()
            end_stats = [t.stats() for t in shown]

            delays: list[float] = []
            tile_delays: dict[int, list[float]] = {}
            unreadable = 0
            d0 = time.perf_counter()
            while time.perf_counter() - d0 < max(3.0, seconds / 2):
                pump(0.5)
                for i, tile in enumerate(shown[:9]):
                    delay = camera_clock_delay_ms(tile.surfaces[tile.active], tile.mode == "software")
                    if delay is None:
                        unreadable += 1
                    else:
                        delays.append(delay)
                        tile_delays.setdefault(i, []).append(delay)
            rss_wall = me.memory_info().rss
            urls = [t.current_url() for t in shown]
            wall.release()
            wall.close()
            pump(0.5)

            # Reference: the same streams decoded by libVLC with no video output.
            headless = VlcEngine(extra_args=["--vout=dummy"])
            players = [Player(headless) for _ in urls]
            for player, url in zip(players, urls, strict=True):
                player.play(url)
            pump(4.0)
            ref0, rt0 = _cpu([me]), time.perf_counter()
            ref_start = [p.stats() for p in players]
            pump(seconds)
            ref_elapsed = time.perf_counter() - rt0
            ref_cpu = _cpu([me]) - ref0
            ref_end = [p.stats() for p in players]
            for player in players:
                player.release()

    expected = fps * elapsed
    per_tile: list[dict[str, Any]] = [
        {
            "tile": i + 1,
            "expected_frames": round(expected),
            "displayed_frames": e.displayed - s.displayed,
            "decoded_frames": e.decoded - s.decoded,
            "lost_frames": e.lost - s.lost,
            "glass_to_glass_ms_median": (
                round(statistics.median(tile_delays[i]), 1) if tile_delays.get(i) else None
            ),
        }
        for i, (s, e) in enumerate(zip(start_stats, end_stats, strict=True))
    ]
    displayed = sum(p["displayed_frames"] for p in per_tile)
    tile_cpu = (cpu1 - cpu0) / elapsed * 100 / max(1, len(shown))
    decode_cpu = ref_cpu / ref_elapsed * 100 / max(1, len(urls))
    ref_decoded = sum(e.decoded - s.decoded for s, e in zip(ref_start, ref_end, strict=True))
    return {
        "benchmark": "wall",
        "tiles": len(shown),
        "tiles_live": live_tiles,
        "stream": stream,
        "fps": fps,
        "seconds": round(elapsed, 1),
        "tile_mode": shown[0].mode if shown else mode,
        "simulator_encoders": "shared" if shared_encoder else "per-camera",
        "frames_expected_per_tile": round(expected),
        "frames_displayed_per_tile_median": statistics.median(p["displayed_frames"] for p in per_tile),
        "frames_displayed_ratio": round(displayed / (expected * len(shown)), 3) if shown else 0,
        "lost_frames_total": sum(p["lost_frames"] for p in per_tile),
        "console_cpu_pct_per_tile": round(tile_cpu, 1),
        "libvlc_decode_only_cpu_pct_per_stream": round(decode_cpu, 1),
        "tile_to_decode_cpu_ratio": round(tile_cpu / decode_cpu, 2) if decode_cpu else None,
        "libvlc_decoded_counter_per_s_per_stream": round(ref_decoded / ref_elapsed / max(1, len(urls)), 1),
        "media_and_simulator_cpu_pct": round((others1 - others0) / elapsed * 100, 1),
        "x_server_cpu_pct": round((x1 - x0) / elapsed * 100, 1) if x_server else None,
        "console_memory_mb_per_tile": round((rss_wall - rss_before) / 2**20 / max(1, len(shown)), 1),
        "glass_to_glass_ms_median": round(statistics.median(delays), 1) if delays else None,
        "glass_to_glass_ms_p90": round(float(np.percentile(delays, 90)), 1) if delays else None,
        "delay_samples": len(delays),
        "delay_unreadable_samples": unreadable,
        "gui_thread_max_stall_ms": round(stall, 1),
        "cpu_count": psutil.cpu_count(),
        "per_tile": per_tile,
    }
