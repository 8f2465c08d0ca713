"""An incident belongs to the division whose boundary holds its point, the same whatever order the
divisions were read in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.geo.divisions import DivisionMap
from app.incidents.service import IncidentInput, IncidentStore
from app.registry.sample_city import LAPD_STATIONS
from app.registry.service import Registry


def square(west: float, south: float, east: float, north: float) -> dict[str, object]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


WEST = ("West Valley", square(-118.6, 34.0, -118.5, 34.1))
EAST = ("East Valley", square(-118.5, 34.0, -118.4, 34.1))


def test_a_point_inside_is_its_division_and_outside_is_none() -> None:
    divisions = DivisionMap([WEST, EAST])
    assert divisions.division_of(34.05, -118.55) == "West Valley"
    assert divisions.division_of(34.05, -118.45) == "East Valley"
    assert divisions.division_of(35.0, -118.45) is None


def test_a_point_on_a_shared_edge_goes_to_the_same_division_whatever_the_order() -> None:
    on_edge = (34.05, -118.5)
    assert DivisionMap([WEST, EAST]).division_of(*on_edge) == "East Valley"  # first by name
    assert DivisionMap([EAST, WEST]).division_of(*on_edge) == "East Valley"
    # A shared corner too.
    assert DivisionMap([EAST, WEST]).division_of(34.0, -118.5) == "East Valley"


def test_a_hole_is_not_part_of_the_division() -> None:
    outer = [[-118.6, 34.0], [-118.4, 34.0], [-118.4, 34.2], [-118.6, 34.2], [-118.6, 34.0]]
    hole = [[-118.55, 34.05], [-118.45, 34.05], [-118.45, 34.15], [-118.55, 34.15], [-118.55, 34.05]]
    ring_road = ("Ring", {"type": "Polygon", "coordinates": [outer, hole]})
    island = ("Island", square(-118.55, 34.05, -118.45, 34.15))
    divisions = DivisionMap([ring_road, island])
    assert divisions.division_of(34.1, -118.5) == "Island"
    assert divisions.division_of(34.01, -118.59) == "Ring"


def test_an_incident_is_saved_with_the_division_that_holds_its_point(city_registry: Registry) -> None:
    store = IncidentStore(city_registry.sessions)
    name, lat, lon = next(s for s in LAPD_STATIONS if s[0] == "Hollywood")
    saved = store.create(IncidentInput("HW-1", "robbery", datetime.now(UTC), "UTC", lat, lon, 300.0), [])
    assert saved.division == name and store.get(saved.id).division == name
    far = store.create(IncidentInput("SEA-1", "robbery", datetime.now(UTC), "UTC", 47.6, -122.3, 300.0), [])
    assert far.division == ""


def test_the_division_report_counts_from_the_registry_the_recordings_and_the_audit_log(
    city_registry: Registry, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main
    from app.governance import audit
    from app.governance.gate import why_not_live
    from app.models.tables import EvidenceItem
    from app.registry.division_report import division_report

    sessions = city_registry.sessions
    cameras = city_registry.list_cameras()
    watched = next(c for c in cameras if why_not_live(c) is None and c.division)
    old = next(c for c in cameras if c.division == watched.division and c.id != watched.id)
    now = datetime.now(UTC)
    with sessions.begin() as s:
        for camera, days_ago in ((watched, 1), (old, 40)):
            start = now - timedelta(days=days_ago)
            end = start + timedelta(seconds=10)
            s.add(EvidenceItem(kind="segment", camera_id=camera.id, path=f"{camera.id}.ts",
                               sha256="ab" * 32, size_bytes=9, start_at=start, end_at=end))  # fmt: skip
    for _ in range(2):
        audit.record(sessions, "live view started", target_type="camera", target_id=watched.id, user="ollie")
    audit.record(sessions, "live view refused", target_type="camera", target_id=old.id, user="ollie")

    rows = {r.division: r for r in division_report(sessions, 30, now)}
    mine = [c for c in cameras if c.division == watched.division and c.status != "retired"]
    row = rows[watched.division]
    assert row.registered == len(mine)
    assert row.live_shareable == sum(why_not_live(c) is None for c in mine)
    assert (row.recorded, row.viewed_live, row.live_views) == (1, 1, 2)  # the 40-day-old segment is out
    assert sum(r.registered for r in rows.values()) == sum(c.status != "retired" for c in cameras)
    later = {r.division: r for r in division_report(sessions, 30, now + timedelta(days=31))}
    assert (later[watched.division].recorded, later[watched.division].live_views) == (0, 0)

    assert main(["--database", db_url, "report", "divisions", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert watched.division in out and "all divisions" in out and "live-shareable" in out
    assert main(["--database", db_url, "report", "divisions", "--days", "0"]) == 2
    assert "--days must be 1 or more" in capsys.readouterr().err
