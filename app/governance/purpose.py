"""The stated purpose for looking at a private camera: an incident, a case, or a written reason.

Opening a private camera live, opening its recordings and exporting all need one; public
agencies' cameras do not. The purpose travels with the request (the media service reads it from
the live URL's query) and is written on every audit entry the access makes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.geo.geometry import haversine_m
from app.governance.policy import LEGAL_BASES, NUMBERED_BASES, policy_in
from app.models.enums import OwnerType
from app.models.rows import CameraRow
from app.models.tables import Case, Incident

MIN_REASON_CHARS = 20
CONSENT = LEGAL_BASES[0]  # owner's consent
MAX_PURPOSE_CHARS = 500
# An incident counts as active for this long after it was reported, unless closed earlier.
ACTIVE_INCIDENT_HOURS = 12


@dataclass(frozen=True)
class Purpose:
    incident: str = ""
    case: str = ""
    reason: str = ""
    # The legal basis of the access (one of the policy's: owner's consent, exigent circumstances,
    # warrant NUMBER, court order NUMBER); empty when none was stated.
    basis: str = ""

    def __bool__(self) -> bool:
        return bool(self.incident.strip() or self.case.strip() or self.reason.strip())

    @classmethod
    def of_incident(cls, number: str) -> Purpose:
        """The purpose the console states by itself for an incident's cameras: the incident, on
        the owners' consent (they registered their cameras to share them on their terms); the
        operator states another basis in the purpose dialog."""
        return cls(incident=number, basis=CONSENT)

    def scope(self) -> str:
        """What the access is for, without its legal basis (what a justification covers)."""
        parts = []
        if self.incident.strip():
            parts.append(f"incident {self.incident.strip()}")
        if self.case.strip():
            parts.append(f"case {self.case.strip()}")
        if self.reason.strip():
            parts.append(f"reason: {self.reason.strip()}")
        return "; ".join(parts)

    def describe(self) -> str:
        """As the audit log records it: the scope, then "basis: …" when one was stated."""
        basis = f"basis: {self.basis.strip()}" if self.basis.strip() else ""
        return "; ".join(p for p in (self.scope(), basis) if p)

    @property
    def number(self) -> str:
        """The case or incident number an audit entry files this access under."""
        return self.case.strip() or self.incident.strip()

    def query(self) -> str:
        """The URL query form (without ``?``) the media service reads."""
        fields = {"incident": self.incident, "case": self.case, "reason": self.reason, "basis": self.basis}
        # Whitespace folded to single spaces: a URL handed to libVLC carries no newlines or tabs.
        return urlencode({k: " ".join(v.split()) for k, v in fields.items() if v.strip()})

    @classmethod
    def from_query(cls, params: Mapping[str, list[str]]) -> Purpose:
        def one(key: str) -> str:
            return " ".join((params.get(key) or [""])[0][:MAX_PURPOSE_CHARS].split())

        return cls(one("incident"), one("case"), one("reason"), one("basis"))


def outside_home(camera: CameraRow, home: frozenset[str]) -> bool:
    """A camera of another division than the workstation's own (no home divisions: none is)."""
    return bool(home) and camera.division not in home


def needs_purpose(camera: CameraRow, home: frozenset[str] = frozenset()) -> bool:
    """Private cameras, and any camera outside the workstation's home divisions, need a purpose."""
    return camera.owner_type != OwnerType.PUBLIC_AGENCY or outside_home(camera, home)


def asked_for_its_division(camera: CameraRow, home: frozenset[str]) -> bool:
    """A public camera that needs a purpose only because it is outside the home divisions."""
    return camera.owner_type == OwnerType.PUBLIC_AGENCY and outside_home(camera, home)


def purpose_needed_for(camera: CameraRow, home: frozenset[str] = frozenset()) -> str:
    if asked_for_its_division(camera, home):
        return (
            f"a camera outside this workstation's divisions ({camera.division or 'no division'}; "
            f"this workstation's: {', '.join(sorted(home))})"
        )
    return "a private camera"


def purpose_problem(s: Session, purpose: Purpose, needed_for: str = "a private camera") -> str | None:
    """What is wrong with a stated purpose, or None when it will do."""
    if not purpose:
        return (
            f"a stated purpose is required for {needed_for}: an incident or case number, or a written reason"
        )
    if purpose.incident.strip():
        number = purpose.incident.strip()
        if s.scalar(select(Incident.id).where(Incident.number == number)) is None:
            return f"incident '{number}' is not recorded; enter the incident first (Ctrl+N)"
    if purpose.case.strip():
        number = purpose.case.strip()
        if s.scalar(select(Case.id).where(Case.number == number)) is None:
            return f"case '{number}' does not exist"
    reason = purpose.reason.strip()
    if reason and not purpose.number and len(reason) < MIN_REASON_CHARS:
        return f"a written reason must say why in at least {MIN_REASON_CHARS} characters"
    return basis_problem(purpose.basis, policy_in(s).legal_bases)


def basis_problem(basis: str, bases: tuple[str, ...]) -> str | None:
    """What is wrong with a stated legal basis (none stated is allowed: the report says so)."""
    basis = " ".join(basis.split())
    if not basis:
        return None
    kind = next((b for b in bases if basis == b or basis.startswith(b + " ")), None)
    if kind is None:
        return f"legal basis '{basis}' is not one of the program's: {', '.join(bases)}"
    if kind in NUMBERED_BASES and basis == kind:
        return f"a {kind} is named with its number, e.g. '{kind} 2026-0042'"
    return None


def active_incidents(s: Session, now: datetime) -> list[Incident]:
    since = now - timedelta(hours=ACTIVE_INCIDENT_HOURS)
    stmt = select(Incident).where(Incident.closed_at.is_(None), Incident.reported_at >= since)
    return list(s.scalars(stmt))


def in_active_incident(s: Session, camera: CameraRow, now: datetime) -> bool:
    """Whether an open incident reported in the last hours has this camera within its radius."""
    return any(
        haversine_m(i.latitude, i.longitude, camera.latitude, camera.longitude) <= i.radius_m
        for i in active_incidents(s, now)
    )


class PurposeBook:
    """What this console stated for which camera, so it asks once per incident.

    An incident's number becomes the purpose of all its cameras when the incident is entered or
    opened; a purpose typed for one camera is kept for that camera until sign-out, or until the
    program's longest live view (``max_age``, its policy's cap) has passed since it was stated:
    then it is asked again."""

    def __init__(self, max_age: timedelta = timedelta(minutes=60),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:  # fmt: skip
        self._by_camera: dict[int, tuple[Purpose, datetime]] = {}
        self.last: Purpose = Purpose()
        self.max_age = max_age
        self.clock = clock

    def remember(self, purpose: Purpose, camera_ids: list[int]) -> None:
        now = self.clock()
        for camera_id in camera_ids:
            self._by_camera[camera_id] = (purpose, now)
        self.last = purpose

    def for_camera(self, camera_id: int) -> Purpose:
        purpose, stated = self._by_camera.get(camera_id, (Purpose(), self.clock()))
        return purpose if self.clock() - stated < self.max_age else Purpose()

    def forget_all(self) -> None:
        self._by_camera.clear()
        self.last = Purpose()
