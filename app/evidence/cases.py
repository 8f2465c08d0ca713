"""Cases: incidents, camera time windows and bookmarks grouped for evidence.

Putting footage into a case places every recorded segment that overlaps the window on legal
hold, with a "placed in case" custody event per segment, so retention never deletes it. Removing
a window lifts the hold only from segments no other window still holds; that is a supervisor's
action and needs a reason, which goes into each segment's custody chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.custody import append_event
from app.governance.gate import why_not_by_terms, why_not_play
from app.governance.identity import current_user
from app.governance.purpose import Purpose
from app.models.db import write_transaction
from app.models.tables import Bookmark, Camera, Case, CaseWindow, EvidenceItem, Incident
from app.registry.service import Registry, RegistryError

MAX_WINDOW = timedelta(hours=24)


class CaseError(ValueError):
    """A case action that cannot be done, with what to do instead."""


@dataclass(frozen=True)
class WindowInfo:
    id: int
    camera_id: int
    camera_name: str
    start_at: datetime
    end_at: datetime
    note: str
    segment_ids: tuple[int, ...]


@dataclass(frozen=True)
class CaseSummary:
    number: str
    title: str
    status: str
    created_by: str
    created_at: datetime
    windows: int


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise CaseError(f"{what} needs a time zone (times are stored in UTC)")
    return value.astimezone(UTC)


def overlapping_segments(s: Session, camera_id: int, start: datetime, end: datetime) -> list[EvidenceItem]:
    return list(
        s.scalars(
            select(EvidenceItem)
            .where(
                EvidenceItem.kind == "segment",
                EvidenceItem.camera_id == camera_id,
                EvidenceItem.deleted_at.is_(None),
                EvidenceItem.start_at < end,
                EvidenceItem.end_at > start,
            )
            .order_by(EvidenceItem.start_at)
        )
    )


class CaseStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(self, number: str, title: str = "", notes: str = "") -> int:
        number = number.strip()
        if not number:
            raise CaseError("a case needs a number (the agency's case or report number)")
        if len(number) > 64:
            raise CaseError(f"case number is {len(number)} characters long; at most 64")
        try:
            with write_transaction(self.sessions) as s:
                case = Case(number=number, title=title.strip(), notes=notes, created_by=current_user())
                s.add(case)
                s.flush()
                audit.append(s, "case opened", target_type="case", target_id=case.id, case_number=number)
                return case.id
        except IntegrityError:
            raise CaseError(f"case {number} already exists") from None

    def summaries(self) -> list[CaseSummary]:
        """Every case, newest first, with how much footage it holds."""
        with self.sessions() as s:
            per_case = select(CaseWindow.case_id, func.count()).group_by(CaseWindow.case_id)
            counts: dict[int, int] = {case_id: n for case_id, n in s.execute(per_case)}
            return [
                CaseSummary(c.number, c.title, c.status, c.created_by, c.created_at, int(counts.get(c.id, 0)))
                for c in s.scalars(select(Case).order_by(Case.created_at.desc(), Case.id.desc()))
            ]

    def find(self, number: str) -> int | None:
        with self.sessions() as s:
            return s.scalar(select(Case.id).where(Case.number == number.strip()))

    def get(self, case_id: int) -> Case:
        with self.sessions() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise CaseError(f"no case with id {case_id}")
            s.expunge(case)
            return case

    def attach_incident(self, case_id: int, incident_id: int) -> None:
        with write_transaction(self.sessions) as s:
            incident = s.get(Incident, incident_id)
            if incident is None or s.get(Case, case_id) is None:
                raise CaseError(f"no incident {incident_id} or case {case_id}")
            incident.case_id = case_id

    def add_window(self, case_id: int, camera_id: int, start: datetime, end: datetime, note: str = "",
                   viewed_under: Purpose | None = None) -> int:  # fmt: skip
        """Put ``camera``'s recording between ``start`` and ``end`` into the case, holding its segments;
        checked under the purpose it is looked at under (else the case's own)."""
        start, end = _utc(start, "window start"), _utc(end, "window end")
        if end <= start:
            raise CaseError(f"window ends ({end:%H:%M:%S}) before it starts ({start:%H:%M:%S}) UTC")
        if end - start > MAX_WINDOW:
            raise CaseError("a window is at most 24 hours long; split longer footage into several windows")
        try:
            row = Registry(self.sessions).get(camera_id)
        except RegistryError:
            raise CaseError(f"no camera {camera_id}") from None
        with write_transaction(self.sessions) as s:
            case = s.get(Case, case_id)
            camera = s.get(Camera, camera_id)
            if case is None or camera is None:
                raise CaseError(f"no case {case_id} or camera {camera_id}")
            # The owner's terms hold here too: registered-only, revoked, or not approved on request.
            # The purpose is the use case's to check (and again here when given); the owner's
            # terms are checked whoever calls.
            refusal = (
                why_not_play(s, row, start, end, viewed_under)
                if viewed_under is not None
                else why_not_by_terms(s, row, start, end)
            )
            if refusal:
                raise CaseError(f"{camera.name}: {refusal}")
            segments = overlapping_segments(s, camera_id, start, end)
            if not segments:
                raise CaseError(
                    f"no recording of {camera.name} between {start:%Y-%m-%d %H:%M:%S} and "
                    f"{end:%H:%M:%S} UTC (deleted by retention, never recorded, or still being written)"
                )
            window = CaseWindow(
                case_id=case_id,
                camera_id=camera_id,
                start_at=start,
                end_at=end,
                note=note,
                created_by=current_user(),
            )
            s.add(window)
            s.flush()
            reason = f"case {case.number}, window {window.id}: {start:%Y-%m-%d %H:%M:%S}-{end:%H:%M:%S} UTC"
            for item in segments:
                item.legal_hold = True
                append_event(s, item, "placed in case", reason)
            audit.append(
                s,
                "footage put into case (legal hold)",
                target_type="camera",
                target_id=camera_id,
                purpose=(viewed_under or Purpose(case=case.number)).describe(),
                case_number=case.number,
                details=reason,
            )
            return window.id

    def add_bookmark(self, case_id: int, camera_id: int, at: datetime, note: str = "") -> int:
        at = _utc(at, "bookmark time")
        with write_transaction(self.sessions) as s:
            if s.get(Case, case_id) is None or s.get(Camera, camera_id) is None:
                raise CaseError(f"no case {case_id} or camera {camera_id}")
            mark = Bookmark(case_id=case_id, camera_id=camera_id, at=at, note=note, created_by=current_user())
            s.add(mark)
            s.flush()
            return mark.id

    def windows(self, case_id: int) -> list[WindowInfo]:
        with self.sessions() as s:
            rows = s.execute(
                select(CaseWindow, Camera.name)
                .join(Camera, CaseWindow.camera_id == Camera.id)
                .where(CaseWindow.case_id == case_id)
                .order_by(CaseWindow.id)
            ).all()
            return [
                WindowInfo(
                    w.id,
                    w.camera_id,
                    name,
                    w.start_at,
                    w.end_at,
                    w.note,
                    tuple(i.id for i in overlapping_segments(s, w.camera_id, w.start_at, w.end_at)),
                )
                for w, name in rows
            ]

    def bookmarks(self, case_id: int) -> list[Bookmark]:
        with self.sessions() as s:
            marks = list(s.scalars(select(Bookmark).where(Bookmark.case_id == case_id).order_by(Bookmark.at)))
            for m in marks:
                s.expunge(m)
            return marks

    def remove_window(self, window_id: int, reason: str) -> int:
        """Take a window out of its case (a supervisor's action); returns how many holds were lifted."""
        if not reason.strip():
            raise CaseError("removing footage from a case needs a reason (court order, duplicate, error)")
        lifted = 0
        with write_transaction(self.sessions) as s:
            window = s.get(CaseWindow, window_id)
            if window is None:
                raise CaseError(f"no case window {window_id}")
            held = overlapping_segments(s, window.camera_id, window.start_at, window.end_at)
            case = s.get(Case, window.case_id)
            audit.append(
                s,
                "footage removed from case",
                target_type="camera",
                target_id=window.camera_id,
                case_number=case.number if case else "",
                details=reason.strip(),
            )
            s.delete(window)
            s.flush()
            for item in held:
                still_held = s.scalar(
                    select(CaseWindow.id).where(
                        CaseWindow.camera_id == item.camera_id,
                        CaseWindow.start_at < item.end_at,
                        CaseWindow.end_at > item.start_at,
                    )
                )
                if still_held is None and item.legal_hold:
                    item.legal_hold = False
                    append_event(s, item, "legal hold lifted", reason.strip())
                    lifted += 1
        return lifted
