"""The ``rtcc cameras`` and ``rtcc bench`` commands, as an administrator uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.helpers.governance import ADD
from tests.helpers.registry_rows import GOOD, write_csv


def test_add_list_export_import_retire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(ADD) == 0
    assert "registered camera 'CLI-1'" in capsys.readouterr().out
    assert main(["cameras", "import", str(write_csv(tmp_path / "c.csv", [GOOD]))]) == 0
    assert "imported 1 camera(s)" in capsys.readouterr().out
    assert main(["cameras", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(c["name"] for c in listed) == sorted(["CLI-1", GOOD["name"]])
    # Numbers are JSON numbers, not strings.
    cli1 = next(c for c in listed if c["name"] == "CLI-1")
    assert cli1["latitude"] == 34.05 and cli1["range_m"] == 50.0 and isinstance(cli1["retention_days"], int)
    out = tmp_path / "all.geojson"
    assert main(["cameras", "export", str(out)]) == 0
    assert len(json.loads(out.read_text())["features"]) == 2
    assert main(["cameras", "retire", "CLI-1"]) == 0
    assert main(["cameras", "list"]) == 0
    assert "retired" in capsys.readouterr().out


def test_bad_input_exits_2_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = ADD.copy()
    bad[bad.index("--latitude") + 1] = "123"
    assert main(bad) == 2
    assert "field 'latitude': 123 is out of range" in capsys.readouterr().err
    path = write_csv(tmp_path / "bad.csv", [GOOD | {"sharing_terms": "always"}])
    assert main(["cameras", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 2, field 'sharing_terms'" in err and "nothing was imported" in err
    assert main(["cameras", "retire", "nope"]) == 2


def test_database_url_option(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    assert main(["--database", url, *ADD]) == 0
    assert (tmp_path / "elsewhere.sqlite").exists()


def test_bench_import_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "import", "--cameras", "500", "--repeat", "1"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["cameras"] == 500
    assert figures["seconds_median"] > 0 and figures["peak_rss_mb"] > 0


def test_a_gazetteer_search_with_no_match_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gazetteer", "find", "1 Nowhere Street"]) == 1
    assert "no place matches '1 Nowhere Street'" in capsys.readouterr().err


def test_case_list_shows_every_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["case", "list"]) == 0
    assert "no cases yet" in capsys.readouterr().out
    assert main(["case", "create", "LAPD-2026-1", "--title", "Robbery"]) == 0
    assert main(["case", "create", "LAPD-2026-2"]) == 0
    capsys.readouterr()
    assert main(["case", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["LAPD-2026-2", "LAPD-2026-1"]  # newest first
    assert "0 window(s)" in lines[1] and lines[1].endswith("Robbery")


def test_a_password_with_no_terminal_names_the_variable_instead_of_crashing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RTCC_NEW_PASSWORD", raising=False)
    monkeypatch.delenv("RTCC_PASSWORD", raising=False)
    assert main(["users", "add", "admin", "--full-name", "Pat Admin", "--role", "administrator"]) == 2
    assert "no terminal to ask it on; set RTCC_NEW_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("RTCC_NEW_PASSWORD", "correct horse battery")
    assert main(["users", "add", "admin", "--full-name", "Pat Admin", "--role", "administrator"]) == 0
    capsys.readouterr()
    assert main(["--user", "admin", "case", "list"]) == 3
    assert "no terminal to ask it on; set RTCC_PASSWORD" in capsys.readouterr().err


def test_demo_selects_the_demos_database_and_a_missing_name_says_which_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's examples use the demo's camera names; the command line read rtcc.sqlite and
    answered only "no camera named ..."."""
    from app.config import load_settings
    from app.models.db import open_database
    from app.registry.sample_city import division_boundaries, sample_cameras
    from app.registry.service import Registry

    demo = Registry(open_database(load_settings().demo_database_url))
    demo.import_rows(sample_cameras(20), division_boundaries(), source="sample city")
    demo_camera = sample_cameras(20)[0].values["name"]
    assert main(["case", "create", "DEMO-1"]) == 0
    assert main(["case", "add-window", "DEMO-1", "--camera", demo_camera, "--start", "2026-11-25T19:30:00Z",
                 "--end", "2026-11-25T19:34:00Z"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert f"no camera named {demo_camera!r} in the registry at" in err and "add --demo" in err
    capsys.readouterr()
    assert main(["--demo", "case", "create", "DEMO-1"]) == 0
    # With --demo the camera is found: what is missing now is its recording, and it says so.
    assert main(["--demo", "case", "add-window", "DEMO-1", "--camera", demo_camera, "--start",
                 "2026-11-25T19:30:00Z", "--end", "2026-11-25T19:34:00Z"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert f"no recording of {demo_camera}" in err and "no camera named" not in err
    assert main(["--demo", "cameras", "retire", "nope"]) == 2
    assert "add --demo" not in capsys.readouterr().err  # already the demo's database


def test_the_programs_policy_is_shown_and_set_with_the_reason_for_bad_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["policy", "set", "private_retention_cap_days", "ninety"]) == 2
    assert "'ninety' is not a whole number, 0 or more; nothing was changed" in capsys.readouterr().err
    assert main(["policy", "set", "retention", "14"]) == 2
    assert "retention: not a policy key; the keys are" in capsys.readouterr().err
    assert main(["policy", "set", "private_retention_cap_days", "14"]) == 0
    assert main(["policy", "set", "category_radius_m", '{"Homicide": 1000}']) == 0
    capsys.readouterr()
    assert main(["policy", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["private_retention_cap_days"] == 14 and shown["category_radius_m"] == {"homicide": 1000.0}


def test_a_window_is_taken_out_of_a_case_and_consent_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line's doors to two governed actions nothing else reached: lifting a legal
    hold (with the reason, which the audit log keeps) and an owner's consent or its revocation."""
    from datetime import UTC, datetime

    from app.config import load_settings
    from app.governance import audit
    from app.models.db import open_database
    from app.models.tables import EvidenceItem

    public = GOOD | {"owner_type": "public_agency", "owner_name": "City of Los Angeles"}
    assert main(["cameras", "import", str(write_csv(tmp_path / "c.csv", [public]))]) == 0
    sessions = open_database(load_settings().effective_database_url)
    [camera] = [
        c for c in json.loads(_out(capsys, ["cameras", "list", "--json"])) if c["name"] == GOOD["name"]
    ]
    with sessions.begin() as s:  # ten minutes recorded
        s.add(EvidenceItem(kind="segment", camera_id=camera["id"], path="c/1.mkv", sha256="0" * 64,
                           size_bytes=1, start_at=datetime(2026, 11, 25, 19, 25, tzinfo=UTC),
                           end_at=datetime(2026, 11, 25, 19, 35, tzinfo=UTC)))  # fmt: skip
    assert main(["case", "create", "C-9"]) == 0
    add = ["case", "add-window", "C-9", "--camera", GOOD["name"], "--start", "2026-11-25T19:30:00Z",
           "--end", "2026-11-25T19:34:00Z"]  # fmt: skip
    assert main(add) == 0, capsys.readouterr().err
    listed = _out(capsys, ["case", "windows", "C-9"])
    assert "1 window(s) in case C-9" in listed and "1 segment(s)" in listed
    window = listed.split()[0]
    assert main(["case", "remove-window", window, "--reason", "entered in error"]) == 0
    assert "1 segment(s) no longer on legal hold" in capsys.readouterr().out
    assert "0 window(s) in case C-9" in _out(capsys, ["case", "windows", "C-9"])
    removed = [e for e in audit.query(sessions) if e.action == "footage removed from case"]
    assert [e.details for e in removed] == ["entered in error"]

    assert main(["cameras", "consent", GOOD["name"], "--revoked-at", "2026-11-25 19:40"]) == 1
    assert "give the time zone too" in capsys.readouterr().err
    assert main(["cameras", "consent", GOOD["name"], "--revoked-at", "2026-11-25T19:40:00Z"]) == 0
    assert f"consent for '{GOOD['name']}' revoked at 2026-11-25 19:40 UTC" in capsys.readouterr().out
    [after] = [
        c for c in json.loads(_out(capsys, ["cameras", "list", "--json"])) if c["name"] == GOOD["name"]
    ]
    assert after["consent_revoked_at"].startswith("2026-11-25T19:40")
    assert main(["cameras", "consent", GOOD["name"], "--granted-at", "2026-11-26T08:00:00Z"]) == 0
    [again] = [
        c for c in json.loads(_out(capsys, ["cameras", "list", "--json"])) if c["name"] == GOOD["name"]
    ]
    assert not again["consent_revoked_at"] and again["consent_granted_at"].startswith("2026-11-26T08:00")


def _out(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    capsys.readouterr()
    assert main(args) == 0
    return capsys.readouterr().out


def test_lists_have_headers_and_say_when_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cameras", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no cameras in the registry at ") and "rtcc cameras add" in out
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out.startswith("no accounts yet: commands and the console run as this machine")
    assert main(ADD) == 0
    capsys.readouterr()
    assert main(["cameras", "list"]) == 0
    header, row, total = capsys.readouterr().out.splitlines()
    assert header.split() == ["ID", "NAME", "OWNER", "TYPE", "SHARING", "TERMS", "STATUS"]
    assert "CLI-1" in row and total == "1 camera(s)"
