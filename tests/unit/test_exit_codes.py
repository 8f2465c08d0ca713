"""The exit-code table in docs/manual.md, walked: each example command, run as written, ends with
the code its row names (several commands used to differ from the documented table)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from app.cli import main
from app.config import load_settings
from app.models.db import open_database
from app.registry.sample_city import division_boundaries, sample_cameras
from app.registry.service import Registry

MANUAL = Path(__file__).resolve().parents[2] / "docs" / "manual.md"
PASSWORD = "correct horse battery staple"


def table() -> list[tuple[int, str]]:
    """(code, command) for every example in the exit-code table."""
    text = MANUAL.read_text(encoding="utf-8")
    section = text[text.index("### Exit codes") :]
    section = section[: section.index("\n### ", 1)]
    rows = []
    for line in section.splitlines():
        match = re.match(r"\|\s*(\d)\s*\|[^|]*\|(.*)\|\s*$", line)
        if match:
            rows += [(int(match.group(1)), cmd) for cmd in re.findall(r"`(rtcc [^`]*)`", match.group(2))]
    return rows


def test_the_table_covers_every_code_with_an_example() -> None:
    assert sorted({code for code, _ in table()}) == [0, 1, 2, 3]


@pytest.fixture
def center(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The state the manual's table describes: a demo database with the sample city, two
    accounts, a bad CSV and an empty folder in the current folder."""
    demo = Registry(open_database(load_settings().demo_database_url))
    demo.import_rows(sample_cameras(20), division_boundaries(), source="sample city")
    monkeypatch.setenv("RTCC_NEW_PASSWORD", PASSWORD)
    monkeypatch.setenv("RTCC_PASSWORD", PASSWORD)
    assert main(["users", "add", "admin", "--full-name", "Pat Admin", "--role", "administrator"]) == 0
    for name, role in (("olive", "operator"), ("sgt", "supervisor")):
        made = main(["--user", "admin", "users", "add", name, "--full-name", name.title(), "--role", role])
        assert made == 0
    (tmp_path / "bad.csv").write_text("name,latitude\nCAM-1,123\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("code", "command"), table(), ids=[cmd for _, cmd in table()])
def test_each_example_ends_with_its_documented_code(center: Path, code: int, command: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    ended = main(shlex.split(command)[1:])
    said = capsys.readouterr()
    assert ended == code, said.err
    assert not said.err.startswith("\n"), "an error message starts with its words, not a blank line"
    if code:  # a refusal or a failure always says why (a verdict on standard output)
        assert said.err.strip() or "INCOMPLETE" in said.out
