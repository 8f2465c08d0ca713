"""The ``rtcc cameras`` and ``rtcc bench`` commands, as an administrator uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.unit.test_registry_io import GOOD, write_csv

ADD = [
    "cameras", "add", "--name", "CLI-1", "--owner-name", "Ace", "--owner-type", "business",
    "--latitude", "34.05", "--longitude", "-118.25", "--heading-deg", "90", "--fov-deg", "70",
    "--range-m", "50", "--main-url", "rtsp://10.0.0.1/main", "--sharing-terms", "recorded_on_request",
]  # fmt: skip


def test_add_list_export_import_retire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(ADD) == 0
    assert "registered camera 'CLI-1'" in capsys.readouterr().out
    assert main(["cameras", "import", str(write_csv(tmp_path / "c.csv", [GOOD]))]) == 0
    assert "imported 1 camera(s)" in capsys.readouterr().out
    assert main(["cameras", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(c["name"] for c in listed) == sorted(["CLI-1", GOOD["name"]])
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
