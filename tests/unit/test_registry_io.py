"""Import and export: round trips, every bad input named by line and field, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.registry.formats import RawRow
from app.registry.records import FIELDS, validate_camera
from app.registry.sample_city import division_boundaries, sample_cameras
from app.registry.service import ImportFailed, Registry
from tests.helpers.registry_rows import GOOD, write_csv


def snapshot(registry: Registry) -> list[dict[str, str]]:
    return [r.to_fields() for r in registry.list_cameras()]


def many(count: int) -> list[dict[str, str]]:
    rows = []
    base = sample_cameras(200)
    for i in range(count):
        values = dict(base[i % 200].values)
        values["name"] = f"CAM-{i:05d}"
        values["division"] = ""
        rows.append(values)
    return rows


@pytest.mark.parametrize("suffix", [".csv", ".geojson"])
def test_round_trip_of_ten_thousand_cameras(
    registry: Registry, tmp_path: Path, db_url: str, suffix: str
) -> None:
    registry.import_rows(sample_cameras(200), division_boundaries())
    rows = [RawRow(i + 2, r) for i, r in enumerate(many(10_000))]
    registry.import_rows(rows)
    assert registry.counts()["total"] == 10_200
    out = tmp_path / f"export{suffix}"
    assert registry.export_file(out) == 10_200

    from app.models.db import open_database

    other = Registry(open_database(f"sqlite:///{tmp_path / 'other.sqlite'}"))
    if suffix == ".csv":
        # A CSV carries no division polygons: the target registry must know the divisions first.
        other.import_rows([], division_boundaries())
    report = other.import_file(out)
    assert report.cameras == 10_200
    assert report.divisions == (21 if suffix == ".geojson" else 0)
    assert snapshot(other) == snapshot(registry)
    assert other.divisions() == registry.divisions()


def test_csv_round_trip_needs_divisions_to_exist(registry: Registry, tmp_path: Path) -> None:
    registry.import_rows(sample_cameras(30), division_boundaries())
    out = tmp_path / "cams.csv"
    registry.export_file(out)
    from app.models.db import open_database

    other = Registry(open_database(f"sqlite:///{tmp_path / 'o.sqlite'}"))
    with pytest.raises(ImportFailed, match="unknown division"):
        other.import_file(out)
    assert other.counts()["total"] == 0


def test_every_error_is_reported_with_line_and_field(registry: Registry, tmp_path: Path) -> None:
    rows = [
        GOOD,
        GOOD | {"name": "b", "latitude": "95"},
        GOOD | {"name": "c", "longitude": "-181", "sharing_terms": "whenever"},
        GOOD | {"name": "d", "main_url": "ftp://cam/x"},
        GOOD | {"name": "e", "main_url": "rtsp://cam/x :sout=#file{dst=/tmp/owned}"},
        GOOD | {"name": "b"},
        GOOD | {"name": "f", "consent_granted_at": "yesterday"},
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ImportFailed) as info:
        registry.import_file(path)
    found = {(e.line, e.field) for e in info.value.errors}
    assert found == {
        (3, "latitude"),
        (4, "longitude"),
        (4, "sharing_terms"),
        (5, "main_url"),
        (6, "main_url"),
        (8, "consent_granted_at"),
    }
    reasons = " ".join(e.reason for e in info.value.errors)
    assert "out of range" in reasons and "whenever" in reasons and "scheme 'ftp'" in reasons
    assert registry.counts()["total"] == 0


def test_duplicate_names_in_file_and_against_registry(registry: Registry, tmp_path: Path) -> None:
    registry.import_rows([RawRow(2, GOOD)])
    before = snapshot(registry)
    path = write_csv(tmp_path / "dupes.csv", [GOOD | {"name": "x"}, GOOD | {"name": "x"}, GOOD])
    with pytest.raises(ImportFailed) as info:
        registry.import_file(path)
    messages = [str(e) for e in info.value.errors]
    assert messages == [
        "line 3, field 'name': 'x' repeats line 2",
        f"line 4, field 'name': camera '{GOOD['name']}' is already registered",
    ]
    assert snapshot(registry) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name,owner_name\nonly,two,three\n", "header"),
        ("bogus,name\n1,2\n", "unknown column(s): bogus"),
        ("", "the file is empty"),
        (",".join(FIELDS) + "\n" + "a,b\n", "has 2 values, the header has 19"),
    ],
)
def test_malformed_csv_is_refused(registry: Registry, tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "m.csv"
    path.write_text(content)
    with pytest.raises(ImportFailed) as info:
        registry.import_file(path)
    assert expected in str(info.value) or any(e.field == expected for e in info.value.errors)
    assert registry.counts()["total"] == 0


def test_non_utf8_csv_is_refused(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(",".join(FIELDS).encode() + b"\nCaf\xe9," + b"," * 18 + b"\n")
    with pytest.raises(ImportFailed, match="not UTF-8"):
        registry.import_file(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}', "geometry"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
            ' "geometry": {"type": "LineString", "coordinates": []}}]}',
            "LineString",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "x"},'
            ' "geometry": {"type": "Point", "coordinates": [1]}}]}',
            "longitude, latitude",
        ),
    ],
)
def test_malformed_geojson_is_refused(
    registry: Registry, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "m.geojson"
    path.write_text(content)
    with pytest.raises(ImportFailed, match=expected):
        registry.import_file(path)
    assert registry.counts()["total"] == 0


def test_geojson_point_out_of_range_names_feature(registry: Registry, tmp_path: Path) -> None:
    props = {k: v for k, v in GOOD.items() if k not in ("latitude", "longitude")}
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-118.3, 34.1]},
             "properties": props},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-118.3, 134.1]},
             "properties": props | {"name": "other"}},
        ],
    }  # fmt: skip
    path = tmp_path / "c.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(ImportFailed) as info:
        registry.import_file(path)
    assert [str(e) for e in info.value.errors] == [
        "line 2, field 'latitude': 134.1 is out of range [-90, 90]"
    ]


def test_a_division_that_crosses_itself_or_is_not_closed_is_refused_and_nothing_imported(
    registry: Registry, tmp_path: Path
) -> None:
    """An incident belongs to the division whose boundary holds its point: a boundary that crosses
    itself or is left open would put it in different divisions in different tools."""
    props = {k: v for k, v in GOOD.items() if k not in ("latitude", "longitude")}
    bow_tie = [[-118.3, 34.0], [-118.2, 34.1], [-118.2, 34.0], [-118.3, 34.1], [-118.3, 34.0]]
    open_ring = [[-118.5, 34.0], [-118.4, 34.0], [-118.4, 34.1], [-118.5, 34.1]]
    square = [[-118.7, 34.0], [-118.6, 34.0], [-118.6, 34.1], [-118.7, 34.1], [-118.7, 34.0]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [bow_tie]},
             "properties": {"name": "Twisted"}},
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [open_ring]},
             "properties": {"name": "Open"}},
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
             "properties": {"name": "Fine"}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-118.65, 34.05]},
             "properties": props},
        ],
    }  # fmt: skip
    path = tmp_path / "divisions.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(ImportFailed) as info:
        registry.import_file(path)
    assert [str(e) for e in info.value.errors] == [
        "line 1, field 'geometry': division 'Twisted': ring 1 crosses itself: edge 1 meets edge 3 near "
        "(-118.250000, 34.050000)",
        "line 2, field 'geometry': division 'Open': ring 1 is not closed: it starts at (-118.500000, "
        "34.000000) and ends at (-118.500000, 34.100000) (the last position must repeat the first)",
    ]
    assert registry.counts()["total"] == 0 and registry.divisions() == []


def test_two_workstations_editing_one_camera_never_overwrite_each_other(registry: Registry) -> None:
    from app.governance.identity import sign_in
    from app.registry.service import StaleEdit

    rec, _ = validate_camera(GOOD)
    assert rec is not None
    opened = registry.add(rec)  # both workstations open the camera at this version
    desk_b = Registry(registry.sessions)
    theirs, _ = validate_camera(GOOD | {"notes": "moved to the corner"})
    mine, _ = validate_camera(GOOD | {"notes": "lens cleaned"})
    assert theirs is not None and mine is not None
    sign_in("mlee")
    try:
        saved = desk_b.update(opened.id, theirs, expected_version=opened.version)
    finally:
        sign_in(None)
    assert saved.version == opened.version + 1
    with pytest.raises(StaleEdit, match=r"was changed by mlee at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"):
        registry.update(opened.id, mine, expected_version=opened.version)
    assert registry.get(opened.id).notes == "moved to the corner"
    # Reloaded, the edit goes through on the version now current.
    assert registry.update(opened.id, mine, expected_version=saved.version).notes == "lens cleaned"


def test_unknown_file_type(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "cams.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(ImportFailed, match="unknown file type"):
        registry.import_file(path)


def test_validation_of_each_field() -> None:
    rec, errors = validate_camera(GOOD | {"heading_deg": "360"})
    assert rec is not None and rec.heading_deg == 0
    _, errors = validate_camera(
        GOOD | {"fov_deg": "0", "range_m": "-5", "retention_days": "0", "status": "gone"}
    )
    assert {e.field for e in errors} == {"fov_deg", "range_m", "retention_days", "status"}
    _, errors = validate_camera(GOOD | {"consent_granted_at": "2026-05-01T09:00:00"})
    assert "no time zone" in errors[0].reason
    _, errors = validate_camera(GOOD | {"consent_revoked_at": "2026-01-01T00:00:00Z"})
    assert errors[0].field == "consent_revoked_at"
    _, errors = validate_camera({})
    from app.registry.records import REQUIRED

    assert {e.field for e in errors} == REQUIRED


def test_export_is_atomic_and_clear_on_failure(registry: Registry, tmp_path: Path) -> None:
    registry.import_rows([RawRow(2, GOOD)])
    target = tmp_path / "no-such-dir-file"
    target.write_text("a file where a folder should be")
    from app.registry.service import RegistryError

    with pytest.raises(RegistryError, match="nothing was written"):
        registry.export_file(target / "out.csv")
    assert list(tmp_path.glob("**/*.part")) == []


def test_edit_and_retire(registry: Registry) -> None:
    row = registry.add(validate_camera(GOOD)[0])  # type: ignore[arg-type]
    rec, _ = validate_camera(GOOD | {"heading_deg": "180", "notes": "moved"})
    assert rec is not None
    updated = registry.update(row.id, rec)
    assert (updated.heading_deg, updated.notes) == (180, "moved")
    retired = registry.retire(row.id)
    assert retired.status == "retired"
    assert registry.counts()["retired"] == 1


def test_cameras_by_id_reads_only_those_asked_for(city_registry: Registry) -> None:
    wanted = [c.id for c in city_registry.list_cameras()[:3]]
    found = city_registry.cameras_by_id([*wanted, wanted[0], 999_999])
    assert sorted(found) == sorted(wanted) and found[wanted[1]].id == wanted[1]
    assert city_registry.cameras_by_id([]) == {}


def test_the_change_mark_moves_with_every_kind_of_change(registry: Registry) -> None:
    """The recording supervisor re-reads the registry only when this moves."""
    empty = registry.change_mark()
    row = registry.add(validate_camera(GOOD)[0])  # type: ignore[arg-type]
    added = registry.change_mark()
    assert added != empty and registry.change_mark() == added  # reading does not move it
    revoked, _ = validate_camera(GOOD | {"consent_revoked_at": "2026-11-20T12:00:00Z"})
    assert revoked is not None
    registry.update(row.id, revoked)
    edited = registry.change_mark()
    assert edited != added
    registry.retire(row.id)
    assert registry.change_mark() != edited


def test_rows_naming_one_owner_with_two_contacts_are_refused_naming_both_lines(
    registry: Registry, tmp_path: Path
) -> None:
    """The first row's contact used to win silently for every camera of that owner."""
    rows = [GOOD | {"name": "A", "owner_contact": "a@shop.example"},
            GOOD | {"name": "B", "owner_contact": ""},  # no contact given: no conflict
            GOOD | {"name": "C", "owner_contact": "c@shop.example"}]  # fmt: skip
    with pytest.raises(ImportFailed) as info:
        registry.import_file(write_csv(tmp_path / "owners.csv", rows))
    message = str(info.value)
    assert "line 4, field 'owner_contact'" in message and "on line 2" in message
    assert "c@shop.example" in message and "a@shop.example" in message
    assert registry.counts()["total"] == 0


def test_every_problem_is_reported_at_once(registry: Registry, tmp_path: Path) -> None:
    """Field errors, conflicts between rows and clashes with the registry, in one report (they
    came in rounds: fix the fields, import again, then learn of the duplicate)."""
    registry.import_rows([RawRow(2, GOOD)])
    rows = [GOOD | {"name": "bad latitude", "latitude": "123"},
            GOOD,  # already registered
            GOOD | {"name": "X", "owner_name": "Other", "owner_contact": "x@a.example"},
            GOOD | {"name": "Y", "owner_name": "Other", "owner_contact": "y@a.example"}]  # fmt: skip
    with pytest.raises(ImportFailed) as info:
        registry.import_file(write_csv(tmp_path / "all.csv", rows))
    lines = [(e.line, e.field) for e in info.value.errors]
    assert lines == [(2, "latitude"), (3, "name"), (5, "owner_contact")]


def test_owners_are_shared_across_rows_and_a_new_contact_updates_the_registry(registry: Registry) -> None:
    from sqlalchemy import func, select

    from app.models.tables import Owner

    registry.import_rows([RawRow(2, GOOD | {"name": "A", "owner_contact": "old@shop.example"})])
    registry.import_rows([RawRow(2, GOOD | {"name": "B", "owner_contact": "new@shop.example"}),
                          RawRow(3, GOOD | {"name": "C", "owner_contact": ""}),
                          RawRow(4, GOOD | {"name": "D", "owner_name": "Elsewhere"})])  # fmt: skip
    with registry._sessions() as s:
        assert s.scalar(select(func.count()).select_from(Owner)) == 2
    contacts = {c.name: c.owner_contact for c in registry.list_cameras()}
    assert contacts["A"] == contacts["B"] == contacts["C"] == "new@shop.example"
