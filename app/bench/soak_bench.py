"""``rtcc bench soak --minutes M``: does the console hold up for hours of a normal shift?

Runs what a center runs for M minutes: the simulator (one shared encoder, so the machine's cores go
to the console), the media service recording every camera (its own process), and the console's
main window with a 16-tile wall live on the sub-streams. Every few minutes a camera drops off the
network and comes back (the simulator takes its mounts away and restores them), and every couple
of minutes an incident is entered (ranked and saved) and a case with the last 20 seconds of one
camera is exported to a folder and verified (in a worker thread, as the console's export does).

Sampled every ``sample_s``: each process's resident memory, threads and open file handles (the
console, its QtWebEngine helpers, the media service, the simulator), frames shown on the wall and
tiles live. Reported as JSON: the samples, the growth after warm-up (memory as % per hour from a
least-squares line, threads and handles as the change between the end of warm-up and the end),
reconnects, how long each dropped camera took to be back live on its tile after it returned,
and recorded time lost: any hole in a camera's recordings, after warm-up, that a drop does not
explain (the drop itself plus ``RECONNECT_ALLOWANCE``).
"""

from __future__ import annotations

import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from app.models.db import open_database

SUB_FPS = 15
RECONNECT_ALLOWANCE = timedelta(seconds=20)  # the recorder's retry after a camera comes back
HOLE_TOLERANCE = timedelta(seconds=1.0)  # between two segments of a camera that never dropped


@dataclass
class _Drop:
    tile: int
    camera_index: int  # the simulator's camera number
    dropped_at: datetime
    returned_at: datetime | None = None
    returned_mono: float = 0.0
    back_live_s: float | None = None


@dataclass
class _Counts:
    incidents: int = 0
    exports: int = 0
    exports_valid: int = 0
    export_errors: list[str] = field(default_factory=list)
    reconnects: int = 0


def process_sample(proc: psutil.Process) -> dict[str, float]:
    """Resident memory (MB), threads and open file handles of one process. ``file_mb`` is the part
    of the resident memory that maps files (libraries, shared memory), so that growth can be told
    apart: the rest is the process's own (heap, stacks, Python's arenas)."""
    with proc.oneshot():
        memory = proc.memory_info()
        return {
            "rss_mb": round(memory.rss / 2**20, 1),
            "file_mb": round(getattr(memory, "shared", 0) / 2**20, 1),  # Linux: RssFile + RssShmem
            "threads": proc.num_threads(),
            "handles": proc.num_fds(),
        }


def helpers_sample(parent: psutil.Process) -> dict[str, float]:
    """The same, summed over a process's children (QtWebEngine's renderer and GPU helpers)."""
    total = {"rss_mb": 0.0, "file_mb": 0.0, "threads": 0.0, "handles": 0.0}
    for child in parent.children(recursive=True):
        try:
            for key, value in process_sample(child).items():
                total[key] += value
        except psutil.Error:
            continue
    return {k: round(v, 1) for k, v in total.items()}


def growth_per_hour_pct(times_s: list[float], values: list[float]) -> float:
    """The least-squares slope of ``values`` over time, as % of their mean per hour."""
    if len(values) < 3 or times_s[-1] == times_s[0]:
        return 0.0
    mean_t, mean_v = statistics.fmean(times_s), statistics.fmean(values)
    cov = sum((t - mean_t) * (v - mean_v) for t, v in zip(times_s, values, strict=True))
    var = sum((t - mean_t) ** 2 for t in times_s)
    slope_per_s = cov / var
    return round(slope_per_s * 3600 / mean_v * 100, 2) if mean_v else 0.0


def lost_recording(
    segments: list[tuple[datetime, datetime]],
    since: datetime,
    until: datetime,
    excused: list[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime]]:
    """Holes in one camera's recordings between ``since`` and ``until`` that no drop explains.

    ``segments`` are (start, end) of each recorded segment; a hole is a stretch longer than
    ``HOLE_TOLERANCE`` with no segment, and it is excused when it lies within a drop (extended by
    the reconnect allowance)."""
    holes: list[tuple[datetime, datetime]] = []
    cursor = since
    for start, end in sorted(segments):
        if end <= cursor:
            continue
        if start - cursor > HOLE_TOLERANCE:
            holes.append((cursor, min(start, until)))
        cursor = max(cursor, end)
        if cursor >= until:
            break
    if until - cursor > HOLE_TOLERANCE:
        holes.append((cursor, until))
    return [h for h in holes if not any(a <= h[0] and h[1] <= b for a, b in excused)]


def run_soak_bench(minutes: float, tiles: int = 16, *, drop_every_s: float = 180.0, drop_for_s: float = 30.0,
                   work_every_s: float = 120.0, sample_s: float = 30.0, warmup_s: float | None = None,
                   segment_s: float = 10.0) -> dict[str, Any]:  # fmt: skip
    from app.main import prepare_qt_environment

    prepare_qt_environment()
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app.video.child_service import MediaProcess
    from app.video.simulator_process import SimulatorProcess

    app = QApplication.instance() or QApplication(sys.argv)
    assert app is not None
    duration_s = minutes * 60
    warmup = min(duration_s / 4, 600.0) if warmup_s is None else warmup_s

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        loop = QEventLoop()
        while time.monotonic() < end:
            QTimer.singleShot(50, loop.quit)
            loop.exec()

    with tempfile.TemporaryDirectory(prefix="rtcc-soak-") as tmp, \
            SimulatorProcess(tiles, port=0, shared_encoder=True) as sim:  # fmt: skip
        base = Path(tmp)
        db_url = f"sqlite:///{base / 'soak.sqlite'}"
        recordings = base / "recordings"
        cameras = _register(db_url, sim, tiles)
        media_service = MediaProcess(db_url, record_segment_s=segment_s, recordings_dir=str(recordings))
        with media_service as media:
            window = _console(db_url, media.url, base, QSettings)
            wall = window.wall
            wall.set_layout(_layout_for(tiles))
            for i, camera in enumerate(cameras[: len(wall.visible_tiles)]):
                wall.put_camera(camera, i)
            shown = [t for t in wall.visible_tiles if t.camera is not None]
            procs = {"console": psutil.Process(), "media": psutil.Process(media.pid),
                     "simulator": psutil.Process(sim.pid)}  # fmt: skip
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not all(t.state == "live" for t in shown):
                pump(0.25)

            shift = _Shift(sim, shown, procs, db_url, cameras, recordings, base, segment_s, media.url)
            shift.run(duration_s, pump, drop_every_s=drop_every_s, drop_for_s=drop_for_s,
                      work_every_s=work_every_s, sample_s=sample_s)  # fmt: skip
            # Closing the window releases its wall (its players) once. Then it goes: the bench
            # may run in a longer process (the tests), where its timers would go on polling a
            # database deleted with the soak's folder.
            window.close()
            pump(1.0)
            window.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            del window, wall
        since = shift.started_at + timedelta(seconds=warmup)
        until = shift.ended_at - timedelta(seconds=2 * segment_s)  # the last segments are still open
        lost = _recording_lost(db_url, cameras, since, until, shift.drops)
    return _report(minutes, tiles, warmup, shift, lost, drop_every_s, drop_for_s, segment_s)


class _Shift:
    """The scheduled events of a soak, checked four times a second between Qt event rounds."""

    def __init__(self, sim: Any, shown: list[Any], procs: dict[str, psutil.Process], db_url: str,
                 cameras: list[Any], recordings: Path, base: Path, segment_s: float,
                 media_url: str) -> None:  # fmt: skip
        self.sim, self.shown, self.procs, self.media_url = sim, shown, procs, media_url
        self.db_url, self.cameras, self.recordings, self.base = db_url, cameras, recordings, base
        self.segment_s = segment_s
        self.sessions = open_database(db_url)  # one connection pool for the whole shift's work
        self.counts = _Counts()
        self.drops: list[_Drop] = []
        self.samples: list[dict[str, Any]] = []
        self.started_at = self.ended_at = datetime.now(UTC)
        self._dropped: _Drop | None = None
        self._was_live = [t.state == "live" for t in shown]
        # Frames shown so far per tile: a tile's counter starts again at each reconnect (a new
        # libVLC media), so what it adds is counted between samples.
        self._displayed = [t.stats().displayed for t in shown]
        self.frames_shown = 0

    def run(self, duration_s: float, pump: Callable[[float], None], *, drop_every_s: float, drop_for_s: float,
            work_every_s: float, sample_s: float) -> None:  # fmt: skip
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="soak-work")
        pending: Future[None] | None = None
        started, self.started_at = time.monotonic(), datetime.now(UTC)
        # The first incident and export once there is closed footage to export.
        first_work = started + max(work_every_s / 2, 3 * self.segment_s + 15)
        if work_every_s <= 0:  # a wall-only soak: tells the wall's own memory from the exports'
            first_work = float("inf")
        next_sample, next_drop, next_work = started, started + drop_every_s / 2, first_work
        last_drop_by = started + duration_s - drop_for_s - 30  # every drop has time to come back
        while (now := time.monotonic()) - started < duration_s:
            pump(0.25)
            self._count_frames()
            self._watch_tiles(now)
            if now >= next_sample:
                next_sample += sample_s
                self._count_frames()
                self.samples.append(
                    _sample(now - started, self.procs, self.shown, self.frames_shown, self.media_url)
                )
            if self._dropped is None and next_drop <= now <= last_drop_by:
                next_drop += drop_every_s
                self._drop()
            self._return_after(drop_for_s)
            if now >= next_work:
                next_work += work_every_s
                if pending is None or pending.done():  # never pile up: one incident and export at a time
                    turn = len(self.samples)
                    away = {self.cameras[d.tile].id for d in self.drops[-1:]}  # its footage has a hole
                    usable = [c for c in self.cameras if c.id not in away]
                    pending = pool.submit(_incident_and_export, self.sessions, usable, self.recordings,
                                          self.base, self.counts, turn, self.segment_s)  # fmt: skip
        pool.shutdown(wait=True)
        self.ended_at = datetime.now(UTC)
        self._count_frames()
        self.samples.append(
            _sample(time.monotonic() - started, self.procs, self.shown, self.frames_shown, self.media_url)
        )

    def _count_frames(self) -> None:
        for i, tile in enumerate(self.shown):
            now_shown = tile.stats().displayed
            before = self._displayed[i]
            self.frames_shown += now_shown - before if now_shown >= before else now_shown
            self._displayed[i] = now_shown

    def _watch_tiles(self, now: float) -> None:
        live = [t.state == "live" for t in self.shown]
        self.counts.reconnects += sum(1 for a, b in zip(self._was_live, live, strict=True) if b and not a)
        self._was_live = live
        drop = self._dropped
        if drop is not None and drop.returned_at is not None and live[drop.tile]:
            drop.back_live_s = round(now - drop.returned_mono, 2)
            self._dropped = None

    def _drop(self) -> None:
        tile = len(self.drops) % len(self.shown)
        self._dropped = _Drop(tile, tile + 1, datetime.now(UTC))
        self.sim.stop_camera(self._dropped.camera_index)
        self.drops.append(self._dropped)

    def _return_after(self, drop_for_s: float) -> None:
        drop = self._dropped
        if drop is None or drop.returned_at is not None:
            return
        if datetime.now(UTC) - drop.dropped_at >= timedelta(seconds=drop_for_s):
            self.sim.start_camera(drop.camera_index)
            drop.returned_at, drop.returned_mono = datetime.now(UTC), time.monotonic()


def _layout_for(tiles: int) -> str:
    side = next(n for n in range(1, 7) if n * n >= tiles)
    return f"{side}x{side}"


def _register(db_url: str, sim: Any, tiles: int) -> list[Any]:
    from app.models.db import open_database
    from app.registry.formats import RawRow
    from app.registry.service import Registry

    registry = Registry(open_database(db_url))
    registry.import_rows([
        RawRow(i + 2, {
            "name": f"SOAK-{i + 1:02d}", "owner_name": "Soak", "owner_type": "public_agency",
            "latitude": f"{34.05 + 0.0003 * (i // 4):.6f}", "longitude": f"{-118.25 + 0.0003 * (i % 4):.6f}",
            "heading_deg": "0", "fov_deg": "90", "range_m": "80",
            "main_url": sim.url_of(i + 1, "main"), "sub_url": sim.url_of(i + 1, "sub"),
            "sharing_terms": "live_and_recorded",
        })
        for i in range(tiles)
    ])  # fmt: skip
    return registry.list_cameras()


def _console(db_url: str, media_url: str, base: Path, settings_cls: Callable[..., Any]) -> Any:
    from PySide6.QtCore import QSettings

    from app.incidents.service import IncidentStore
    from app.models.db import open_database
    from app.registry.gazetteer import OfflineGazetteer
    from app.registry.service import Registry
    from app.video.vlc_player import VlcEngine
    from app.views.main_window import ConsoleInfo, MainWindow
    from app.views.map.page_html import MapConfig
    from app.walls.salvos import SalvoStore

    sessions = open_database(db_url)
    window = MainWindow(
        Registry(sessions), ConsoleInfo(f"Database: {db_url}", f"Media service: {media_url}"),
        settings_cls(str(base / "ui.ini"), QSettings.Format.IniFormat), "dark", MapConfig(), VlcEngine(),
        media_url, 0, SalvoStore(sessions), IncidentStore(sessions), "America/Los_Angeles",
        OfflineGazetteer(sessions), base / "recordings", key_dir=base / "data",
    )  # fmt: skip
    window.resize(1920, 1080)
    window.show()
    return window


def media_heap_mb(media_url: str) -> dict[str, float]:
    """The media service's native heap (from its /status): in use, and freed but held by glibc;
    and how many blocks Python has allocated (its objects, which live outside glibc's heap)."""
    try:
        with urllib.request.urlopen(f"{media_url}/status", timeout=5) as reply:
            memory = json.load(reply).get("memory", {})
    except (OSError, ValueError) as exc:
        return {"error": str(exc)}  # type: ignore[dict-item]
    figures = {f"{key}_mb": round(memory[key] / 2**20, 1) for key in ("in_use", "free") if key in memory}
    return figures | ({"python_blocks": memory["python_blocks"]} if "python_blocks" in memory else {})


def _sample(at_s: float, procs: dict[str, psutil.Process], shown: list[Any], frames: int,
            media_url: str) -> dict[str, Any]:  # fmt: skip
    row: dict[str, Any] = {"t_s": round(at_s, 1)}
    for name, proc in procs.items():
        try:
            row[name] = process_sample(proc)
        except psutil.Error as exc:
            row[name] = {"error": str(exc)}
    row["console_helpers"] = helpers_sample(procs["console"])
    row["media_heap"] = media_heap_mb(media_url)
    row["frames_shown"] = frames
    # Python objects alive in the console: growth here is Python's; growth without it is native.
    row["console_python_objects"] = len(gc.get_objects())
    row["tiles_live"] = sum(t.state == "live" for t in shown)
    return row


def _incident_and_export(sessions: Any, cameras: list[Any], recordings: Path, base: Path, counts: _Counts,
                         turn: int, segment_s: float) -> None:  # fmt: skip
    """What a dispatcher and a technician do between calls, through the same use cases as the
    console: an incident ranked and saved, then a case with ten seconds of one camera's closed
    segments exported, verified and removed from the disk."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.console import use_cases
    from app.console.actor import Actor
    from app.evidence.export import ExportOptions
    from app.governance.purpose import Purpose
    from app.incidents.selection import rank_cameras
    from app.incidents.service import IncidentInput

    actor = Actor.before_accounts("soak")
    try:
        now = datetime.now(UTC)
        camera = cameras[turn % len(cameras)]
        ranked = rank_cameras(cameras, camera.latitude, camera.longitude, 150)
        incident = IncidentInput(f"SOAK-{turn:05d}", "Robbery", now, "America/Los_Angeles", camera.latitude,
                                 camera.longitude, 150)  # fmt: skip
        use_cases.create_incident(
            sessions, actor, incident, [(c.camera.id, c.usable, c.reason) for c in ranked]
        )
        counts.incidents += 1
        number = f"SOAK-CASE-{turn:05d}"
        use_cases.create_case(sessions, actor, number, "soak")
        end = now - timedelta(seconds=2.5 * segment_s)  # in segments already closed and indexed
        use_cases.add_to_case(sessions, actor, number, camera, end - timedelta(seconds=10), end, "soak",
                              Purpose(incident=incident.number))  # fmt: skip
        target = base / "exports" / str(turn)
        target.mkdir(parents=True)
        # A throw-away key: a benchmark never touches the agency's key.
        options = ExportOptions(signing_key=Ed25519PrivateKey.generate(), time_zone="America/Los_Angeles")
        result = use_cases.export_case(sessions, actor, number, recordings, target, options=options)
        counts.exports += 1
        counts.exports_valid += result.verdict.status == "valid"
        shutil.rmtree(target, ignore_errors=True)
    except Exception as exc:
        counts.export_errors.append(f"turn {turn}: {type(exc).__name__}: {exc}")


def _recording_lost(db_url: str, cameras: list[Any], since: datetime, until: datetime,
                    drops: list[_Drop]) -> dict[str, Any]:  # fmt: skip
    from sqlalchemy import select

    from app.models.db import open_database
    from app.models.tables import EvidenceItem, RecordingGap

    sessions = open_database(db_url)
    holes_total: list[dict[str, Any]] = []
    segments_total = 0
    with sessions() as s:
        for i, camera in enumerate(cameras):
            rows = s.execute(
                select(EvidenceItem.start_at, EvidenceItem.end_at).where(
                    EvidenceItem.camera_id == camera.id, EvidenceItem.kind == "segment"
                )
            ).all()
            segments = [(_utc(a), _utc(b)) for a, b in rows if a is not None and b is not None]
            segments_total += len(segments)
            excused = [
                (d.dropped_at - timedelta(seconds=1), (d.returned_at or until) + RECONNECT_ALLOWANCE)
                for d in drops
                if d.tile == i
            ]
            for a, b in lost_recording(segments, since, until, excused):
                holes_total.append({"camera": camera.name, "from": a.isoformat(), "until": b.isoformat(),
                                    "seconds": round((b - a).total_seconds(), 1)})  # fmt: skip
        gaps = [
            {"camera": g.camera_id, "from": _utc(g.start_at).isoformat(),
             "until": _utc(g.end_at).isoformat() if g.end_at else None, "reason": g.reason}
            for g in s.scalars(select(RecordingGap).order_by(RecordingGap.start_at))
        ]  # fmt: skip
    return {"segments_indexed": segments_total, "holes": holes_total, "gaps": gaps}


def _drop_doc(drop: _Drop) -> dict[str, Any]:
    return {
        "camera": f"SOAK-{drop.camera_index:02d}",
        "dropped_at": drop.dropped_at.isoformat(),
        "returned_at": drop.returned_at.isoformat() if drop.returned_at else None,
        "back_live_s": drop.back_live_s,
    }


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _report(minutes: float, tiles: int, warmup: float, shift: _Shift, lost: dict[str, Any],
            drop_every_s: float, drop_for_s: float, segment_s: float) -> dict[str, Any]:  # fmt: skip
    samples, drops, counts = shift.samples, shift.drops, shift.counts
    after = [s for s in samples if s["t_s"] >= warmup] or samples[-2:]
    growth: dict[str, Any] = {}
    for name in ("console", "console_helpers", "media", "simulator"):
        rows = [s for s in after if "rss_mb" in s.get(name, {})]
        if len(rows) < 2:
            continue
        growth[name] = {
            "rss_mb_after_warmup": rows[0][name]["rss_mb"],
            "rss_mb_end": rows[-1][name]["rss_mb"],
            "rss_growth_pct_per_hour": growth_per_hour_pct(
                [r["t_s"] for r in rows], [r[name]["rss_mb"] for r in rows]
            ),
            # the same for the resident memory that is not a file's: the process's own
            "own_growth_pct_per_hour": growth_per_hour_pct(
                [r["t_s"] for r in rows], [r[name]["rss_mb"] - r[name].get("file_mb", 0) for r in rows]
            ),
            "threads_after_warmup": rows[0][name]["threads"],
            "threads_end": rows[-1][name]["threads"],
            "threads_max": max(r[name]["threads"] for r in rows),
            "handles_after_warmup": rows[0][name]["handles"],
            "handles_end": rows[-1][name]["handles"],
            "handles_max": max(r[name]["handles"] for r in rows),
        }
    heap = [s for s in after if "in_use_mb" in s.get("media_heap", {})]
    if len(heap) >= 2:  # is the media service's growth memory it holds, or freed memory glibc keeps?
        growth["media_heap"] = {
            f"{key}_mb_{when}": row["media_heap"][key + "_mb"]
            for key in ("in_use", "free") for when, row in (("after_warmup", heap[0]), ("end", heap[-1]))
        } | {"in_use_growth_pct_per_hour": growth_per_hour_pct(
            [r["t_s"] for r in heap], [r["media_heap"]["in_use_mb"] for r in heap]),
            "python_blocks_after_warmup": heap[0]["media_heap"].get("python_blocks"),
            "python_blocks_end": heap[-1]["media_heap"].get("python_blocks")}  # fmt: skip
    back = [d.back_live_s for d in drops if d.back_live_s is not None]
    elapsed = samples[-1]["t_s"] if samples else 0.0
    return {
        "benchmark": "soak",
        "minutes": minutes,
        "tiles": tiles,
        "warmup_s": warmup,
        "segment_s": segment_s,
        "camera_drops": len(drops),
        "drop_every_s": drop_every_s,
        "drop_for_s": drop_for_s,
        "drops": [_drop_doc(d) for d in drops],
        "back_live_after_return_s": back,
        "back_live_after_return_s_max": max(back) if back else None,
        "drops_never_back_live": sum(1 for d in drops if d.returned_at is not None and d.back_live_s is None),
        "tile_reconnects": counts.reconnects,
        "frames_shown": samples[-1]["frames_shown"] if samples else 0,
        "frames_shown_per_tile_per_s": (
            round(samples[-1]["frames_shown"] / tiles / elapsed, 2) if samples and elapsed else 0
        ),
        "frames_expected_per_tile_per_s": SUB_FPS,
        "incidents_entered": counts.incidents,
        "exports": counts.exports,
        "exports_valid": counts.exports_valid,
        "export_errors": counts.export_errors,
        "segments_indexed": lost["segments_indexed"],
        "recording_holes_unexplained": lost["holes"],
        "recording_gaps_logged": lost["gaps"],
        "growth_after_warmup": growth,
        "samples": samples,
    }
