"""``rtcc bench query``: time to rank the registered cameras for an incident.

N cameras are spread over the sample city's extent (Los Angeles, about 60 by 50 km) with random
headings, view angles and ranges, as camera rows the console holds in memory. The index is
built once (timed separately); then each of 2,000 incidents at random points in the city is
ranked with a 300 m radius, field-of-view test included, and each ranking is timed.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from app.incidents.selection import rank_cameras
from app.incidents.spatial import CameraIndex
from app.models.rows import CameraRow

LAT = (33.70, 34.34)
LON = (-118.67, -118.15)


def synthetic_cameras(count: int, seed: int = 7) -> list[CameraRow]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        rows.append(
            CameraRow(
                id=i + 1,
                uid=f"bench-{i}",
                name=f"BENCH-{i:07d}",
                owner_name="bench",
                owner_type="business",
                owner_contact="",
                division="",
                latitude=rng.uniform(*LAT),
                longitude=rng.uniform(*LON),
                heading_deg=rng.uniform(0, 360),
                fov_deg=rng.uniform(40, 110),
                range_m=rng.uniform(20, 120),
                main_url="",
                sub_url="",
                sharing_terms="live_and_recorded",
                consent_granted_at=None,
                consent_revoked_at=None,
                retention_days=30,
                status="active",
                has_credentials=False,
                notes="",
            )
        )
    return rows


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_query_bench(cameras: int, queries: int = 2000, radius_m: float = 300.0) -> dict[str, Any]:
    rows = synthetic_cameras(cameras)
    started = time.perf_counter()
    index = CameraIndex(rows)
    build_s = time.perf_counter() - started
    rng = random.Random(11)
    times: list[float] = []
    found: list[int] = []
    for _ in range(queries):
        lat, lon = rng.uniform(*LAT), rng.uniform(*LON)
        t = time.perf_counter()
        ranked = rank_cameras(index, lat, lon, radius_m)
        times.append((time.perf_counter() - t) * 1000)
        found.append(len(ranked))
    return {
        "benchmark": "query",
        "cameras": cameras,
        "queries": queries,
        "radius_m": radius_m,
        "index_build_s": round(build_s, 3),
        "rank_ms_p50": round(statistics.median(times), 4),
        "rank_ms_p95": round(_percentile(times, 0.95), 4),
        "rank_ms_p99": round(_percentile(times, 0.99), 4),
        "rank_ms_max": round(max(times), 4),
        "cameras_within_radius_median": statistics.median(found),
    }
