"""Automatic camera selection ranks by what each camera can see, then by distance."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app.geo.visibility import bearing_deg, view_of
from app.incidents.selection import rank_cameras
from app.models.rows import CameraRow

LAT, LON = 34.0500, -118.2500


def cam(cid: int, dlat: float, dlon: float, heading: float, **kw: object) -> CameraRow:
    base = CameraRow(
        id=cid, uid=str(cid), name=f"C{cid}", owner_name="o", owner_type="business", owner_contact="",
        division="", latitude=LAT + dlat, longitude=LON + dlon, heading_deg=heading, fov_deg=90, range_m=150,
        main_url="rtsp://h/x", sub_url="", sharing_terms="live_and_recorded",
        consent_granted_at=datetime(2026, 1, 1, tzinfo=UTC), consent_revoked_at=None, retention_days=30,
        status="active", has_credentials=False, notes="",
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def test_bearings_and_cones() -> None:
    assert bearing_deg(LAT, LON, LAT + 0.001, LON) == pytest.approx(0, abs=0.01)
    assert bearing_deg(LAT, LON, LAT, LON + 0.001) == pytest.approx(90, abs=0.01)
    south_of_point = view_of(LAT - 0.0005, LON, 0, 90, 150, LAT, LON)  # ~56 m south, looking north
    assert south_of_point.in_cone and south_of_point.distance_m == pytest.approx(55.6, abs=0.5)
    assert not view_of(LAT - 0.0005, LON, 180, 90, 150, LAT, LON).in_cone  # looking away
    assert not view_of(LAT - 0.002, LON, 0, 90, 150, LAT, LON).in_cone  # beyond its range


def test_ranking_order_and_reasons() -> None:
    cams = [
        cam(1, -0.0005, 0, 180),  # 56 m, facing away
        cam(2, -0.0010, 0, 0),  # 111 m, in view
        cam(3, 0.0003, 0, 180),  # 33 m, in view
        cam(4, 0.0002, 0, 0, sharing_terms="registered_only"),
        cam(5, 0.0001, 0, 180, consent_revoked_at=datetime(2026, 2, 1, tzinfo=UTC)),
        cam(6, 0.01, 0, 180),  # 1.1 km: outside the radius
        cam(7, -0.0004, 0, 0, sharing_terms="recorded_on_request"),
    ]
    ranked = rank_cameras(cams, LAT, LON, 300)
    assert [c.camera.id for c in ranked] == [3, 7, 2, 1, 5, 4]
    reasons = {c.camera.id: c.reason for c in ranked}
    assert reasons[3] == "in view, 33 m"
    assert reasons[1] == "nearby, facing away, 56 m"
    assert reasons[7].endswith("footage on request from the owner")
    assert reasons[4] == "excluded: registered only: the owner shares no footage"
    assert reasons[5] == "excluded: owner revoked consent"
    assert [c.usable for c in ranked] == [True, True, True, True, False, False]


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="not a place"):
        rank_cameras([], 95, 0)
    with pytest.raises(ValueError, match="radius"):
        rank_cameras([], LAT, LON, 0)


def test_the_grid_index_ranks_exactly_like_a_full_scan() -> None:
    from app.bench.query_bench import synthetic_cameras
    from app.incidents.spatial import CameraIndex

    rows = synthetic_cameras(20_000)
    index = CameraIndex(rows)
    points = [(34.05, -118.25), (33.71, -118.66), (34.33, -118.16), (34.0, -118.4)]
    for lat, lon in points:
        for radius in (50.0, 300.0, 1500.0):
            full = [(c.camera.id, c.reason) for c in rank_cameras(rows, lat, lon, radius)]
            fast = [(c.camera.id, c.reason) for c in rank_cameras(index, lat, lon, radius)]
            assert fast == full
    # At a high latitude a degree of longitude is short: the box must widen, not miss cameras.
    north = [cam(1, 9.0, 0.0, 0), cam(2, 9.0, 0.02, 0)]  # 0.01° of longitude from the point: 814 m at 43° N
    nearby = rank_cameras(
        CameraIndex(north), LAT + 9.0, LON + 0.01, 900
    )  # a box of 900 m at the equator: 0.008°
    assert {c.camera.id for c in nearby} == {1, 2}


def test_an_offline_camera_says_so_and_comes_after_online_ones() -> None:
    """An offline camera may hold recordings of the incident, but the operator must see at once
    that it shows no live picture."""
    ranked = rank_cameras([cam(1, 0.0003, 0, 180, status="offline"), cam(2, -0.0010, 0, 0)], LAT, LON, 300)
    assert [c.camera.id for c in ranked] == [2, 1]
    assert ranked[1].usable and ranked[1].reason == "in view, 33 m; marked offline in the registry"
    assert "OFFLINE" not in ranked[0].reason
