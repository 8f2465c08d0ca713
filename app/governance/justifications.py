"""Justifications: going beyond a purpose's bounds takes two people. The operator writes why
(which bound, which camera, which stretch of time); a supervisor other than the operator approves
or denies it. Both are audited with each other's names, and an approved justification covers that
camera, that purpose and that stretch only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.models.db import write_transaction
from app.models.tables import Camera, Justification

PENDING, APPROVED, DENIED = "pending", "approved", "denied"
MIN_JUSTIFICATION_CHARS = 30


class JustificationError(ValueError):
    """A justification that cannot be recorded or decided; the message says why."""


@dataclass(frozen=True)
class JustificationRow:
    id: int
    camera_id: int
    camera: str
    purpose: str
    exceeded: str
    justification: str
    start_at: datetime
    end_at: datetime
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str


def approved_covering(s: Session, camera_id: int, purpose: str, start: datetime, end: datetime) -> bool:
    return s.scalar(
        select(Justification.id).where(
            Justification.camera_id == camera_id, Justification.purpose == purpose,
            Justification.status == APPROVED, Justification.start_at <= start, Justification.end_at >= end,
        ).limit(1)
    ) is not None  # fmt: skip


def request_justification(sessions: sessionmaker[Session], camera_id: int, purpose: str, exceeded: str,
                          why: str, start: datetime, end: datetime, by: str) -> int:  # fmt: skip
    why = " ".join(why.split())
    if len(why) < MIN_JUSTIFICATION_CHARS:
        raise JustificationError(f"a justification says why in at least {MIN_JUSTIFICATION_CHARS} characters")
    if end <= start:
        raise JustificationError("the stretch of time must end after it starts")
    if not purpose.strip():
        raise JustificationError("a justification is for a stated purpose (incident, case or reason)")
    with write_transaction(sessions) as s:
        if s.get(Camera, camera_id) is None:
            raise JustificationError(f"camera #{camera_id} is not registered")
        row = Justification(camera_id=camera_id, purpose=purpose.strip(), exceeded=exceeded,
                            justification=why, start_at=start, end_at=end, requested_by=by,
                            requested_at=datetime.now(UTC))  # fmt: skip
        s.add(row)
        s.flush()
        audit.append(s, "justification requested", target_type="camera", target_id=camera_id, user=by,
                     purpose=purpose, details=f"#{row.id} {start:%Y-%m-%d %H:%M}-{end:%Y-%m-%d %H:%M} UTC; "
                     f"beyond: {exceeded}; why: {why}")  # fmt: skip
        return row.id


def decide_justification(
    sessions: sessionmaker[Session], justification_id: int, approve: bool, by: str
) -> None:
    """A supervisor's answer; never the requester's own."""
    with write_transaction(sessions) as s:
        row = s.get(Justification, justification_id)
        if row is None:
            raise JustificationError(f"no justification #{justification_id}")
        if row.status != PENDING:
            raise JustificationError(
                f"justification #{justification_id} was already {row.status} by {row.decided_by}"
            )
        if row.requested_by.lower() == by.lower():
            raise JustificationError(
                "a justification is approved by a second person, not by whoever wrote it"
            )
        row.status, row.decided_by, row.decided_at = APPROVED if approve else DENIED, by, datetime.now(UTC)
        audit.append(s, f"justification {row.status}", target_type="camera", target_id=row.camera_id, user=by,
                     purpose=row.purpose, details=f"#{row.id}, requested by {row.requested_by}; "
                     f"{row.start_at:%Y-%m-%d %H:%M}-{row.end_at:%Y-%m-%d %H:%M} UTC")  # fmt: skip


def list_justifications(sessions: sessionmaker[Session], status: str = "") -> list[JustificationRow]:
    with sessions() as s:
        stmt = select(Justification, Camera.name).join(Camera, Camera.id == Justification.camera_id)
        if status:
            stmt = stmt.where(Justification.status == status)
        return [
            JustificationRow(j.id, j.camera_id, name, j.purpose, j.exceeded, j.justification, j.start_at,
                             j.end_at, j.requested_by, j.requested_at, j.status, j.decided_by)
            for j, name in s.execute(stmt.order_by(Justification.id))
        ]  # fmt: skip
