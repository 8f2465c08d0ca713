"""The custody chain: every event on an evidence item carries the hash of the item's previous
event, so removing or altering any event breaks the chain.

An event's hash is SHA-256 over a canonical JSON of its fields (sorted keys, UTC times in ISO
8601 with a Z) and the previous event's hash; the first event of an item chains from "".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.governance.identity import current_user, current_workstation
from app.models.tables import CustodyEvent, EvidenceItem


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class EventFields:
    item_id: int
    at: datetime
    username: str
    workstation: str
    action: str
    reason: str
    item_sha256: str

    def canonical(self, prev_hash: str) -> bytes:
        data = {
            "item": self.item_id,
            "at": self.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "user": self.username,
            "workstation": self.workstation,
            "action": self.action,
            "reason": self.reason,
            "item_sha256": self.item_sha256,
            "prev": prev_hash,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def event_hash(fields: EventFields, prev_hash: str) -> str:
    return hashlib.sha256(fields.canonical(prev_hash)).hexdigest()


def append_event(s: Session, item: EvidenceItem, action: str, reason: str = "", *,
                 at: datetime | None = None) -> CustodyEvent:  # fmt: skip
    """Add the next event to ``item``'s chain (inside the caller's transaction)."""
    if s.get_bind().dialect.name == "postgresql":
        # Two workstations adding to one item's chain at once would both read the same last
        # event and fork it: the item's row lock makes the second wait for the first's commit.
        # (SQLite has one writer at a time already: write_transaction takes the lock first.)
        s.execute(select(EvidenceItem.id).where(EvidenceItem.id == item.id).with_for_update())
    last = s.execute(
        select(CustodyEvent.event_hash)
        .where(CustodyEvent.evidence_item_id == item.id)
        .order_by(CustodyEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    prev = last or ""
    when = at or datetime.now(UTC)
    fields = EventFields(item.id, when, current_user(), current_workstation(), action, reason, item.sha256)
    event = CustodyEvent(
        evidence_item_id=item.id,
        at=fields.at,
        username=fields.username,
        workstation=fields.workstation,
        action=action,
        reason=reason,
        item_sha256=item.sha256,
        prev_hash=prev,
        event_hash=event_hash(fields, prev),
    )
    s.add(event)
    s.flush()
    return event


def verify_chain(events: Iterable[CustodyEvent]) -> int | None:
    """None when the chain is whole; otherwise the 0-based position of the first bad event."""
    prev = ""
    for position, e in enumerate(events):
        fields = EventFields(
            e.evidence_item_id, e.at, e.username, e.workstation, e.action, e.reason, e.item_sha256
        )
        if e.prev_hash != prev or e.event_hash != event_hash(fields, prev):
            return position
        prev = e.event_hash
    return None
