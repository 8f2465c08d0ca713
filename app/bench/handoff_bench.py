"""``rtcc bench handoff``: how long a hand-off of a 15 s clip (10 s before to 5 s after the
playhead) takes from "Send" to a file ready to open, with its caption burned in, its sidecar, its
custody and audit written. The footage is a synthetic recording of the size the camera's main
stream has (1280x720, 15 fps), indexed as a recorded segment would be; each repeat makes a new
clip at another playhead."""

from __future__ import annotations

import hashlib
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def run_handoff_bench(repeat: int = 3, width: int = 1280, height: int = 720) -> dict[str, Any]:
    from app.bench.export_bench import synthetic_minute
    from app.console import use_cases
    from app.console.actor import Actor
    from app.evidence.handoff import HandoffRequest
    from app.governance.custody import append_event
    from app.governance.roles import Role
    from app.incidents.service import IncidentInput, IncidentStore
    from app.models.db import open_database
    from app.models.tables import EvidenceItem
    from app.registry.formats import RawRow
    from app.registry.sample_city import division_boundaries, sample_cameras
    from app.registry.service import Registry

    times: list[float] = []
    sizes: list[int] = []
    with tempfile.TemporaryDirectory(prefix="rtcc-handoff-bench-") as tmp:
        base = Path(tmp)
        sessions = open_database(f"sqlite:///{base / 'bench.sqlite'}")
        registry = Registry(sessions)
        row = sample_cameras(1)[0]
        shared = row.values | {"sharing_terms": "live_and_recorded", "consent_revoked_at": ""}
        registry.import_rows([RawRow(2, shared)], division_boundaries())
        camera = registry.list_cameras()[0]
        root = base / "recordings"
        (root / camera.uid).mkdir(parents=True)
        seconds = 60
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        rel = f"{camera.uid}/{start:%Y%m%dT%H%M%S}.000000Z.mkv"
        synthetic_minute(root / rel, seconds=seconds, width=width, height=height, bit_rate=2_000_000)
        with sessions.begin() as s:
            item = EvidenceItem(kind="segment", camera_id=camera.id, path=rel,
                                sha256=hashlib.sha256((root / rel).read_bytes()).hexdigest(),
                                size_bytes=(root / rel).stat().st_size, start_at=start,
                                end_at=start + timedelta(seconds=seconds))  # fmt: skip
            s.add(item)
            s.flush()
            append_event(s, item, "recorded", "benchmark")
        incident = IncidentStore(sessions).create(
            IncidentInput("BENCH-HANDOFF", "robbery", start + timedelta(seconds=30), "UTC", camera.latitude,
                          camera.longitude, 200.0), [])  # fmt: skip
        actor = Actor("bench", Role.OPERATOR)
        for n in range(repeat):
            at = start + timedelta(seconds=15 + 10 * n)
            request = HandoffRequest(incident.id, camera.id, at, "clip", 10.0, 5.0, note="benchmark")
            began = time.perf_counter()
            made = use_cases.hand_off(sessions, actor, root, base / "mdt", request, "America/Los_Angeles")
            times.append(time.perf_counter() - began)
            sizes.append(made.path.stat().st_size)
        sessions.kw["bind"].dispose()
    return {
        "benchmark": "handoff",
        "clip_s": 15,
        "source": f"{width}x{height}, 15 fps, H.264 2 Mb/s",
        "repeat": repeat,
        "ready_s_median": round(statistics.median(times), 2),
        "ready_s_max": round(max(times), 2),
        "clip_mb_median": round(statistics.median(sizes) / 1e6, 2),
    }
