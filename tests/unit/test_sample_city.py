"""The demo's sample city: 21 LAPD areas, about 200 cameras inside them, the same every time."""

from __future__ import annotations

from collections import Counter

from app.geo.geometry import LocalProjection, point_in_polygon
from app.registry.records import validate_camera
from app.registry.sample_city import LAPD_STATIONS, division_boundaries, sample_cameras
from app.registry.service import Registry


def test_divisions_are_the_21_areas_marked_approximate() -> None:
    divisions = division_boundaries()
    assert len(divisions) == 21
    assert {d.name for d in divisions} >= {"Central", "Hollywood", "77th Street", "Topanga", "Harbor"}
    assert all(d.approximate for d in divisions)
    proj = LocalProjection(34.05, -118.35)
    for d in divisions:
        ring = [proj.to_xy(lat, lon) for lon, lat in d.boundary["coordinates"][0]]
        assert point_in_polygon(proj.to_xy(d.station_latitude, d.station_longitude), ring), d.name


def test_cameras_are_valid_inside_their_division_and_deterministic() -> None:
    rows = sample_cameras(200)
    assert rows == sample_cameras(200)
    proj = LocalProjection(34.05, -118.35)
    rings = {
        d.name: [proj.to_xy(la, lo) for lo, la in d.boundary["coordinates"][0]] for d in division_boundaries()
    }
    kinds: Counter[str] = Counter()
    terms: Counter[str] = Counter()
    for raw in rows:
        rec, errors = validate_camera(raw.values)
        assert rec is not None, errors
        assert point_in_polygon(proj.to_xy(rec.latitude, rec.longitude), rings[rec.division]), rec.name
        kinds[rec.owner_type] += 1
        terms[rec.sharing_terms] += 1
    assert len(kinds) == 3 and len(terms) == 3
    assert len({r.values["division"] for r in rows}) == len(LAPD_STATIONS)


def test_city_loads_into_the_registry(city_registry: Registry) -> None:
    counts = city_registry.counts()
    assert counts["total"] == 200 and counts["divisions"] == 21
    assert all(approx for _, approx in city_registry.divisions())
