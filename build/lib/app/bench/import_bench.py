"""``rtcc bench import``: time a CSV import of N cameras into a fresh SQLite registry.

Each repeat writes a new CSV and a new database in a temporary folder and times reading,
validating and inserting in one transaction. Peak memory is the process's peak resident set
size (``ru_maxrss``), reported with the figure before the first run so the import's share shows.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.models.db import open_database
from app.registry.formats import atomic_write, csv_chunks
from app.registry.sample_city import sample_cameras
from app.registry.service import Registry


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


TERMS = ("live_and_recorded", "recorded_on_request", "registered_only")


def synthetic_rows(count: int) -> list[dict[str, str]]:
    """A registry as programs receive them: most owners register one camera (four rows in five
    name an owner of their own), some several; each owner has one contact; terms and retention
    vary. (The first version repeated 200 owners, which made the import look four times faster
    than a real file: owners are most of the work.)"""
    base = sample_cameras(min(count, 200))
    rows = []
    for i in range(count):
        values = dict(base[i % len(base)].values)
        values["name"] = f"BENCH-{i:07d}"
        values["latitude"] = f"{float(values['latitude']) + (i // len(base)) * 1e-5:.6f}"
        values["division"] = ""
        if values["owner_type"] != "public_agency" and i % 5:
            values["owner_name"] = f"{values['owner_name']} #{i}"
            values["owner_contact"] = f"owner{i}@registry.example"
        values["sharing_terms"] = TERMS[(i * 7) % 3] if values["owner_type"] != "public_agency" else TERMS[0]
        values["retention_days"] = str(7 + (i * 13) % 84)
        rows.append(values)
    return rows


def run_import_bench(cameras: int, repeat: int = 3) -> dict[str, Any]:
    rss_before = _rss_mb()
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="rtcc-bench-") as tmp:
        csv_path = Path(tmp) / "cameras.csv"
        rows = synthetic_rows(cameras)
        owners = len({(r["owner_name"], r["owner_type"]) for r in rows})
        atomic_write(csv_path, csv_chunks(rows))
        del rows
        size = csv_path.stat().st_size
        for n in range(repeat):
            registry = Registry(open_database(f"sqlite:///{tmp}/bench{n}.sqlite"))
            start = time.perf_counter()
            report = registry.import_file(csv_path)
            times.append(time.perf_counter() - start)
            assert report.cameras == cameras
            registry_bind = registry._sessions.kw["bind"]
            registry_bind.dispose()
    median = statistics.median(times)
    return {
        "benchmark": "import",
        "cameras": cameras,
        "owners": owners,
        "csv_bytes": size,
        "repeats": repeat,
        "seconds_median": round(median, 3),
        "seconds_all": [round(t, 3) for t in times],
        "cameras_per_second_median": round(cameras / median),
        "peak_rss_mb": round(_rss_mb(), 1),
        "rss_before_mb": round(rss_before, 1),
    }
