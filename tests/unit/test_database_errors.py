"""A locked or read-only database gives a clear error and leaves the registry as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.models.db import DatabaseError, open_database
from app.registry.formats import RawRow
from app.registry.records import validate_camera
from app.registry.service import Registry
from tests.helpers.registry_rows import GOOD, write_csv


@pytest.mark.sqlite_only
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


@pytest.mark.sqlite_only
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


def test_a_write_that_reads_first_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    """A deferred SQLite transaction that reads, then writes after another connection committed,
    failed at once with "database is locked" (its snapshot is stale and the busy timeout does not
    apply): the walkthrough's incident was refused that way while the recorder indexed a segment.
    A write transaction now takes the write lock before it reads."""
    import threading

    from sqlalchemy import func, select

    from app.models.db import write_transaction
    from app.models.tables import Place

    sessions = open_database(f"sqlite:///{tmp_path / 'race.sqlite'}", busy_timeout_s=10)
    read_done, other_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with write_transaction(sessions) as s:
                s.scalar(select(func.count(Place.id)))  # reads first, as IncidentStore.create does
                read_done.set()
                other_done.wait(0.5)  # the other writer tries now, and has to wait for us
                s.add(Place(address="1 First St", normalized="1 first st", latitude=34.0, longitude=-118.0))
        except BaseException as exc:
            errors.append(exc)

    def second() -> None:
        read_done.wait(5)
        try:
            with write_transaction(sessions) as s:
                s.add(Place(address="2 Second St", normalized="2 second st", latitude=34.0, longitude=-118.0))
        except BaseException as exc:
            errors.append(exc)
        other_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with sessions() as s:
        assert s.scalar(select(func.count(Place.id))) == 2
