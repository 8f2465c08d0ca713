"""Purposes, cases and people for the governance tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.governance import audit
from app.models.rows import CameraRow
from app.models.tables import AuditEvent
from app.registry.records import validate_camera
from app.registry.service import Registry
from tests.helpers.registry_rows import GOOD


def add(registry: Registry, name: str, **fields: str) -> CameraRow:
    rec, errors = validate_camera(GOOD | {"name": name} | fields)
    assert rec is not None, errors
    return registry.add(rec)


ADD = [
    "cameras", "add", "--name", "CLI-1", "--owner-name", "Ace", "--owner-type", "business",
    "--latitude", "34.05", "--longitude", "-118.25", "--heading-deg", "90", "--fov-deg", "70",
    "--range-m", "50", "--main-url", "rtsp://10.0.0.1/main", "--sharing-terms", "recorded_on_request",
]  # fmt: skip


def rehash_from(sessions: Any, entry_id: int) -> None:
    """What someone who can write the database does to hide an edit: every hash again."""
    with sessions.begin() as s:
        prev = ""
        for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            if e.id >= entry_id:
                e.prev_hash, e.event_hash = prev, audit.entry_hash(e, prev)
            prev = e.event_hash


def rewrite_entry(sessions: Any, action: str, details: str) -> None:
    """Change the first entry with this action and re-hash the chain after it."""
    with sessions.begin() as s:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        entry = s.scalars(query).first()
        assert entry is not None, action
        entry.details, entry_id = details, entry.id
    rehash_from(sessions, entry_id)
