"""``rtcc bench center``: N console sessions on one PostgreSQL database with M cameras; how long a
change made at one session takes to reach all the others, and what the database spends.

Each session is a process of its own (a workstation): it opens the database, loads the whole
registry as a console does, and follows the change feed (LISTEN/NOTIFY, then it reads the
changed cameras and applies them to its state). A writer edits one camera at a time through
the registry, as an operator saving a camera does, and notes when the save began; each session
notes when the edit was applied to its state. The delay is apply minus that, on one clock: what
an operator waits from pressing Save, the save itself included. (Noting the time after the
commit returned gave negative delays on a busy machine: a session applied the edit before the
writer was scheduled again.)
The database's CPU is the server processes' CPU time over the measured stretch.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from typing import Any

import psutil

from app.bench.import_bench import synthetic_rows
from app.bench.postgres_cluster import DatabaseFactory, ThrowawayCluster


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _session_process(url: str, number: int, ready: Any, results: Any, stop: Any) -> None:
    """One workstation: load the registry, follow the feed, report when each edit is applied."""
    from app.console.actor import Actor
    from app.console.events import CamerasChanged
    from app.console.session import Session
    from app.governance.roles import Role
    from app.models.db import open_database

    sessions = open_database(url)
    session = Session(sessions, Actor(f"bench{number}", Role.OPERATOR))
    started = time.monotonic()
    session.refresh()
    load_s = time.monotonic() - started

    def applied(event: CamerasChanged) -> None:
        now = time.time()
        for camera_id in event.changed:
            row = session.cameras[camera_id]
            results.put(("applied", number, row.notes, now))

    session.events.cameras_changed.connect(applied)
    session.follow_changes()
    process = psutil.Process()
    ready.put((number, load_s, process.memory_info().rss / 2**20))
    stop.wait()
    session.stop()
    sessions.kw["bind"].dispose()


def run_center_bench(consoles: int = 10, cameras: int = 100_000, changes: int = 40,
                     every_s: float = 0.5, database_url: str | None = None) -> dict[str, Any]:  # fmt: skip
    from app.models.db import open_database
    from app.registry.formats import RawRow
    from app.registry.records import validate_camera
    from app.registry.service import Registry

    cluster = ThrowawayCluster().start() if database_url is None else None
    try:
        factory = DatabaseFactory(cluster.admin_url if cluster else database_url or "")
        url = factory.new_database()
        sessions = open_database(url)
        registry = Registry(sessions)
        rows = synthetic_rows(cameras)
        started = time.monotonic()
        registry.import_rows([RawRow(n + 2, r) for n, r in enumerate(rows)], source="center bench")
        import_s = time.monotonic() - started

        spawn = multiprocessing.get_context("spawn")
        ready, results, stop = spawn.Queue(), spawn.Queue(), spawn.Event()
        workers = [spawn.Process(target=_session_process, args=(url, n, ready, results, stop))
                   for n in range(consoles)]  # fmt: skip
        for w in workers:
            w.start()
        loads = [ready.get(timeout=600) for _ in workers]

        server = _server_processes(cluster)
        cpu_before = sum(_cpu_s(p) for p in server)
        wall_before = time.monotonic()
        targets = registry.list_cameras()[: max(changes, 1)]
        committed: dict[str, float] = {}
        for n in range(changes):
            camera = targets[n % len(targets)]
            mark = f"center bench edit {n}"
            record, errors = validate_camera(_fields(camera) | {"notes": mark})
            assert record is not None, errors
            committed[mark] = time.time()
            registry.update(camera.id, record)
            time.sleep(every_s)
        delays: dict[str, list[float]] = {mark: [] for mark in committed}
        deadline = time.monotonic() + 30
        while sum(len(v) for v in delays.values()) < changes * consoles and time.monotonic() < deadline:
            try:
                _, _number, mark, at = results.get(timeout=1)
            except Exception:
                continue
            if mark in delays:
                delays[mark].append(at - committed[mark])
        wall_s = time.monotonic() - wall_before
        cpu_s = sum(_cpu_s(p) for p in server) - cpu_before
        stop.set()
        for w in workers:
            w.join(30)
        sessions.kw["bind"].dispose()
        if cluster is None:  # a given server keeps nothing of the benchmark
            factory.drop(url)
    finally:
        if cluster is not None:
            cluster.stop()

    every = [d for ds in delays.values() for d in ds]
    to_all = [max(ds) for ds in delays.values() if len(ds) == consoles]
    return {
        "benchmark": "center",
        "consoles": consoles,
        "cameras": cameras,
        "changes": changes,
        "change_every_s": every_s,
        "database": "PostgreSQL (throw-away cluster)" if cluster else "given server",
        "import_s": round(import_s, 2),
        "session_load_s_median": round(statistics.median(load for _, load, _ in loads), 2),
        "session_rss_mb_median": round(statistics.median(rss for _, _, rss in loads), 1),
        "deliveries": len(every),
        "deliveries_expected": changes * consoles,
        "delay_ms_p50": round(1000 * statistics.median(every), 1) if every else None,
        "delay_ms_p95": round(1000 * _percentile(every, 95), 1) if every else None,
        "delay_ms_max": round(1000 * max(every), 1) if every else None,
        # A change has reached every console when the slowest one applied it.
        "to_all_consoles_ms_p50": round(1000 * statistics.median(to_all), 1) if to_all else None,
        "to_all_consoles_ms_p95": round(1000 * _percentile(to_all, 95), 1) if to_all else None,
        "database_cpu_pct_of_one_core": round(100 * cpu_s / wall_s, 1) if wall_s else None,
        "machine_cores": psutil.cpu_count(),
    }


def _fields(camera: Any) -> dict[str, str]:
    """A camera's registry fields as a form holds them (what an edit starts from)."""
    return dict(camera.to_fields())


def _server_processes(cluster: ThrowawayCluster | None) -> list[psutil.Process]:
    if cluster is None:
        return []
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            if process.info["name"] == "postgres" and str(cluster.root) in " ".join(process.cmdline() or []):
                found.append(process)
                found.extend(process.children(recursive=True))
        except psutil.Error:
            continue
    return found


def _cpu_s(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
        return float(times.user + times.system)
    except psutil.Error:
        return 0.0
