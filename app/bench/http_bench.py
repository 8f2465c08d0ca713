"""``rtcc bench http``: the services that face the network under a burst, as a wall reconnecting
after a network blip or a dispatch system replaying its queue would hit them.

The simulator serves C cameras; the media service (recording them in 5 s segments) and the
intake (on the same SQLite database) run as processes of their own, as ``rtcc media`` and
``rtcc intake serve`` are deployed, so the bench's 200 client threads do not share the intake's
interpreter; after a warm-up of two
segments, P signed dispatch calls are posted at once from P threads, then H health checks are
sent at once to the media service. Each request's time runs from its thread's release (all
threads wait at one barrier) to the end of its answer. Then the recording is checked: every
camera's segments must follow one another with no hole (the gap between one segment's end and
the next one's start at most ``HOLE_S``).
"""

from __future__ import annotations

import http.client
import itertools
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.bench.intake_bench import SECRET, _percentile

HOLE_S = 1.0  # a segment starts at the keyframe after the last one's end: about a GOP apart


def _burst(count: int, request: Callable[[int], int]) -> dict[str, Any]:
    """``count`` requests at once: their statuses and latencies (ms)."""
    barrier = threading.Barrier(count)
    results: list[tuple[int, float]] = [(0, 0.0)] * count

    def one(n: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            status = request(n)
        except OSError as exc:  # a reset or a timeout: no answer
            status = -1
            print(f"request {n}: {exc}")
        results[n] = (status, (time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies = [ms for _s, ms in results]
    statuses: dict[str, int] = {}
    for status, _ms in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "requests": count,
        "answered": sum(1 for s, _ms in results if s > 0),
        "statuses": statuses,
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1),
    }


def _ask(base_url: str, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> int:  # fmt: skip
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        reply = conn.getresponse()
        reply.read()
        return reply.status
    finally:
        conn.close()


def _signed(n: int) -> tuple[bytes, dict[str, str]]:
    from app.incidents.dispatch import sign

    call = {"call_number": f"BURST-{n:05d}", "call_type": "211", "priority": 1,
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "location": {"latitude": 34.0980 + n * 1e-5, "longitude": -118.3400}}  # fmt: skip
    body = json.dumps(call).encode()
    stamp = str(int(time.time()))
    return body, {"Content-Type": "application/json", "X-RTCC-Timestamp": stamp,
                  "X-RTCC-Signature": sign(SECRET, stamp, body)}  # fmt: skip


def _holes(sessions: Any, camera_ids: list[int]) -> dict[str, Any]:
    from sqlalchemy import select

    from app.models.tables import EvidenceItem

    holes: list[dict[str, Any]] = []
    segments = 0
    with sessions() as s:
        for camera_id in camera_ids:
            rows = s.execute(select(EvidenceItem.start_at, EvidenceItem.end_at)
                             .where(EvidenceItem.kind == "segment", EvidenceItem.camera_id == camera_id)
                             .order_by(EvidenceItem.start_at)).all()  # fmt: skip
            segments += len(rows)
            for (_s0, end), (start, _e1) in itertools.pairwise(rows):
                if end is not None and start is not None and (start - end).total_seconds() > HOLE_S:
                    holes.append({"camera": camera_id, "from": end.isoformat(), "to": start.isoformat()})
    return {"segments": segments, "holes": holes}


class IntakeProcess:
    """``rtcc intake serve`` as a child process, with the generic feed's secret in a keyring file
    of its own (the keyring is how the deployed intake gets it) and the feed's mapping copied to
    a folder of its own (the intake watches the folder's ``incoming/``)."""

    def __init__(self, database_url: str, base: Path) -> None:
        import os
        import shutil

        from keyrings.alt.file import PlaintextKeyring

        from app.registry.credentials import SERVICE
        from app.resources import resource_root
        from app.video.child_service import ChildService

        folder = base / "intake"
        folder.mkdir()
        shutil.copy(resource_root() / "dispatch" / "generic.mapping.json", folder)
        shutil.copy(resource_root() / "dispatch" / "generic_call_types.csv", folder)
        keyring = PlaintextKeyring()
        keyring.file_path = str(base / "data" / "python_keyring" / "keyring_pass.cfg")
        keyring.set_password(SERVICE, "dispatch-feed/generic", SECRET.decode())
        env = os.environ | {"XDG_DATA_HOME": str(base / "data"),
                            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}  # fmt: skip
        self.child = ChildService(["--database", database_url, "intake", "serve", "--port", "0",
                                   "--folder", str(folder)], env)  # fmt: skip
        self.child.name = "intake"

    def __enter__(self) -> str:
        return self.child.start().url

    def __exit__(self, *_exc: object) -> None:
        self.child.close()


def run_http_bench(posts: int = 200, health: int = 500, cameras: int = 4) -> dict[str, Any]:
    from app.bench.intake_bench import _registry
    from app.models.db import open_database
    from app.video.child_service import MediaProcess
    from app.video.simulator_process import SimulatorProcess

    with tempfile.TemporaryDirectory(prefix="rtcc-http-bench-") as tmp, \
            SimulatorProcess(cameras, port=0, fps=15, shared_encoder=True) as sim:  # fmt: skip
        base = Path(tmp)
        url = f"sqlite:///{base / 'bench.sqlite'}"
        sessions = open_database(url)
        places = [(34.0980, -118.3400 + 0.0022 * i) for i in range(cameras)]
        recorded = _registry(sessions, sim, 1000, places)
        media_process = MediaProcess(url, port=0, record_segment_s=5.0, recordings_dir=str(base / "rec"))
        with IntakeProcess(url, base) as intake_url, media_process as media:
            time.sleep(12)  # two segments per camera: the recording is steady
            calls = [_signed(n) for n in range(posts)]
            intake_burst = _burst(posts, lambda n: _ask(intake_url, "POST", "/intake/generic", *calls[n]))
            health_burst = _burst(health, lambda _n: _ask(media.url, "GET", "/health"))
            time.sleep(6)  # the segment open during the bursts closes and is indexed
            recording = _holes(sessions, recorded)
    return {
        "benchmark": "http",
        "server": "uvicorn (h11) + Starlette, one event loop per service; each service a process",
        "intake_posts": intake_burst,
        "media_health_checks": health_burst,
        "recording_during_bursts": {"cameras": cameras, **recording},
        "targets": {"p95_ms_at_most": 1000, "holes": 0},
    }
