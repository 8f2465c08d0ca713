"""A locked or read-only database gives a clear error and leaves the registry as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.models.db import DatabaseError, open_database
from app.registry.formats import RawRow
from app.registry.records import validate_camera
from app.registry.service import Registry
from tests.unit.test_registry_io import GOOD, write_csv


def test_locked_database(registry: Registry, db_url: str, tmp_path: Path) -> None:
    registry.import_rows([RawRow(2, GOOD)])
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseError, match="locked by another program; nothing was changed"):
            registry.import_file(write_csv(tmp_path / "c.csv", [GOOD | {"name": "new"}]))
        with pytest.raises(DatabaseError, match="locked"):
            registry.add(validate_camera(GOOD | {"name": "other"})[0])  # type: ignore[arg-type]
    finally:
        holder.rollback()
        holder.close()
    assert [r.name for r in registry.list_cameras()] == [GOOD["name"]]


def test_read_only_database(registry: Registry, db_url: str, tmp_path: Path) -> None:
    registry.import_rows([RawRow(2, GOOD)])
    path = db_url.removeprefix("sqlite:///")
    # Root ignores file permissions, so open the file the way a read-only mount behaves.
    read_only = Registry(open_database(f"sqlite:///file:{path}?mode=ro&uri=true"))
    assert read_only.counts()["total"] == 1
    with pytest.raises(DatabaseError, match="read-only; nothing was changed"):
        read_only.import_file(write_csv(tmp_path / "c.csv", [GOOD | {"name": "new"}]))
    assert registry.counts()["total"] == 1


def test_database_in_unwritable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(DatabaseError, match="cannot create the database folder"):
        open_database(f"sqlite:///{blocker / 'sub' / 'db.sqlite'}")


def test_invalid_url() -> None:
    with pytest.raises(DatabaseError, match="not valid"):
        open_database("notaurl")
