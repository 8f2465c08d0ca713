"""The schema comes from Alembic migrations, matches the ORM, and SQLite runs in WAL mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from app.models import Base, Camera, Owner
from app.models.db import create_db_engine, current_revision, head_revision, open_database, upgrade


def test_upgrade_from_empty_creates_every_table(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    expected = {"divisions", "owners", "cameras", "incidents", "cases", "evidence_items", "custody_events",
                "audit_events", "users"}  # fmt: skip
    assert expected <= tables
    upgrade(engine)  # a second start is a no-op
    assert current_revision(engine) == head_revision()


def test_migrations_match_the_models(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models changed without a migration: {diff}"
    finally:
        engine.dispose()


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    sessions = open_database(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with sessions() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_times_round_trip_as_utc_aware(tmp_path: Path) -> None:
    sessions = open_database(f"sqlite:///{tmp_path / 't.sqlite'}")
    la = timezone(timedelta(hours=-8))
    granted = datetime(2026, 3, 1, 9, 30, tzinfo=la)
    with sessions.begin() as s:
        owner = Owner(name="Ace Liquor", owner_type="business")
        s.add(owner)
        s.flush()
        s.add(Camera(uid="u1", name="c1", owner_id=owner.id, latitude=34.0, longitude=-118.0, heading_deg=0,
                     fov_deg=90, range_m=50, main_url="rtsp://h/x", sharing_terms="registered_only",
                     consent_granted_at=granted))  # fmt: skip
    with sessions() as s:
        cam = s.query(Camera).one()
        assert cam.consent_granted_at == granted
        assert cam.consent_granted_at.tzinfo is UTC


def test_naive_times_are_refused(tmp_path: Path) -> None:
    sessions = open_database(f"sqlite:///{tmp_path / 'n.sqlite'}")
    with pytest.raises(Exception, match="naive datetime"), sessions.begin() as s:
        owner = Owner(name="x", owner_type="business")
        s.add(owner)
        s.flush()
        s.add(Camera(uid="u", name="c", owner_id=owner.id, latitude=0, longitude=0, heading_deg=0, fov_deg=1,
                     range_m=1, main_url="rtsp://h/", sharing_terms="registered_only",
                     consent_granted_at=datetime(2026, 1, 1)))  # fmt: skip
