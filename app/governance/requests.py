"""Requests for a recorded-on-request camera's footage, and the owner's answer.

The owner keeps the footage's key: recordings of such a camera open only for a stretch that an
approved request covers. The answer is recorded with who at the owner's side gave it and when,
and which of the center's users marked it (a supervisor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.identity import current_user
from app.governance.purpose import Purpose, purpose_problem
from app.models.change_feed import publish
from app.models.db import write_transaction
from app.models.enums import SharingTerms
from app.models.tables import Camera, FootageRequest

PENDING, APPROVED, DENIED = "pending", "approved", "denied"
MAX_REQUEST = timedelta(days=7)


class RequestError(ValueError):
    """A request or an answer that cannot be recorded, with the reason."""


class RequestNotFound(RequestError):
    """No footage request has the id given."""


@dataclass(frozen=True)
class RequestRow:
    id: int
    camera_id: int
    camera_name: str
    start_at: datetime
    end_at: datetime
    purpose: str
    requested_by: str
    requested_at: datetime
    status: str
    owner_decided_by: str
    owner_decided_at: datetime | None
    marked_by: str


def _row(r: FootageRequest, camera_name: str) -> RequestRow:
    return RequestRow(
        r.id, r.camera_id, camera_name, r.start_at, r.end_at, r.purpose, r.requested_by,
        r.requested_at, r.status, r.owner_decided_by, r.owner_decided_at, r.marked_by,
    )  # fmt: skip


def covering_request(s: Session, camera_id: int, start: datetime, end: datetime) -> FootageRequest | None:
    """The approved request that covers the whole stretch, if any."""
    stmt = select(FootageRequest).where(
        FootageRequest.camera_id == camera_id,
        FootageRequest.status == APPROVED,
        FootageRequest.start_at <= start,
        FootageRequest.end_at >= end,
    )
    return s.scalars(stmt.limit(1)).first()


def pending_request(s: Session, camera_id: int) -> FootageRequest | None:
    stmt = select(FootageRequest).where(
        FootageRequest.camera_id == camera_id, FootageRequest.status == PENDING
    )
    return s.scalars(stmt.order_by(FootageRequest.id.desc()).limit(1)).first()


class FootageRequests:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def request(self, camera_id: int, start: datetime, end: datetime, purpose: Purpose) -> RequestRow:
        if start.tzinfo is None or end.tzinfo is None:
            raise RequestError("request times need a time zone")
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            raise RequestError("the requested stretch ends before it starts")
        if end - start > MAX_REQUEST:
            raise RequestError("a request covers at most 7 days; ask for the stretch the purpose needs")
        with write_transaction(self.sessions) as s:
            camera = s.get(Camera, camera_id)
            if camera is None:
                raise RequestError(f"camera #{camera_id} is not registered")
            if camera.sharing_terms != SharingTerms.RECORDED_ON_REQUEST:
                raise RequestError(
                    f"{camera.name}: the owner's terms are {camera.sharing_terms.replace('_', ' ')}; "
                    "requests are for recorded-on-request cameras"
                )
            problem = purpose_problem(s, purpose)
            if problem:
                raise RequestError(problem)
            req = FootageRequest(
                camera_id=camera_id, start_at=start, end_at=end, purpose=purpose.describe(),
                requested_by=current_user(), requested_at=datetime.now(UTC), status=PENDING,
            )  # fmt: skip
            s.add(req)
            s.flush()
            audit.append(
                s, "footage requested from owner", target_type="camera", target_id=camera_id,
                purpose=purpose.describe(), case_number=purpose.number,
                details=f"request {req.id}: {start:%Y-%m-%d %H:%M}-{end:%Y-%m-%d %H:%M} UTC",
            )  # fmt: skip
            publish(s, "request", req.id, username=req.requested_by)
            return _row(req, camera.name)

    def decide(
        self, request_id: int, approved: bool, owner_person: str, decided_at: datetime | None = None
    ) -> RequestRow:
        """Record the owner's answer: who at the owner's side gave it, and when."""
        owner_person = owner_person.strip()
        if not owner_person:
            raise RequestError("name the person at the owner's side who answered")
        decided_at = (decided_at or datetime.now(UTC)).astimezone(UTC)
        with write_transaction(self.sessions) as s:
            req = s.get(FootageRequest, request_id)
            if req is None:
                raise RequestNotFound(f"no footage request {request_id}")
            if req.status != PENDING:
                raise RequestError(f"request {request_id} was already {req.status} by {req.owner_decided_by}")
            req.status = APPROVED if approved else DENIED
            req.owner_decided_by = owner_person[:200]
            req.owner_decided_at = decided_at
            req.marked_by = current_user()
            req.marked_at = datetime.now(UTC)
            camera = s.get(Camera, req.camera_id)
            audit.append(
                s, f"footage request {req.status} by owner", target_type="camera",
                target_id=req.camera_id, purpose=req.purpose,
                details=f"request {req.id}: {req.status} by {req.owner_decided_by} at "
                f"{decided_at:%Y-%m-%d %H:%M} UTC",
            )  # fmt: skip
            publish(s, "request", req.id, username=req.marked_by)
            return _row(req, camera.name if camera else "")

    def list(self, camera_id: int | None = None, status: str = "") -> list[RequestRow]:
        with self.sessions() as s:
            stmt = select(FootageRequest, Camera.name).join(Camera, Camera.id == FootageRequest.camera_id)
            if camera_id is not None:
                stmt = stmt.where(FootageRequest.camera_id == camera_id)
            if status:
                stmt = stmt.where(FootageRequest.status == status)
            return [_row(r, name) for r, name in s.execute(stmt.order_by(FootageRequest.id))]
