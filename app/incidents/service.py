"""Saving incidents and the cameras chosen for them, in one transaction."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.geo.divisions import DivisionMap
from app.governance import audit
from app.governance.identity import current_user
from app.models.change_feed import publish
from app.models.db import write_transaction
from app.models.tables import Division, Incident, IncidentCamera


class IncidentError(ValueError):
    """The incident was not saved; the message names the field and what is wrong."""


class IncidentNotFound(IncidentError):
    """No incident has the number given (the command line exits 2, as for any name not found)."""


@dataclass(frozen=True)
class IncidentInput:
    number: str
    incident_type: str
    reported_at: datetime
    time_zone: str
    latitude: float
    longitude: float
    radius_m: float
    notes: str = ""


@dataclass(frozen=True)
class SavedIncident:
    id: int
    number: str
    incident_type: str
    reported_at: datetime
    time_zone: str
    latitude: float
    longitude: float
    radius_m: float
    notes: str
    camera_ids: list[int]  # selected, best first
    division: str = ""  # whose boundary holds the point; "" outside every division
    created_by: str = ""
    closed_at: datetime | None = None
    closed_by: str = ""
    source: str = ""  # "" typed at a console, else "feed NAME"
    category: str = ""
    priority: int | None = None
    auto_rule: str = ""  # the dispatch rule that opened it by itself ("" queued or typed)
    auto_actions: dict[str, Any] = field(default_factory=dict)  # {"top": 4, "wall": "main", "alert": true}
    disposition: str = ""  # how it was closed ("" open, or closed without one)


# How incidents end, offered first; a center may type its own.
DISPOSITIONS = ("Report taken", "Arrest made", "Gone on arrival", "Unfounded", "Referred to another agency",
                "Duplicate call")  # fmt: skip
MAX_DISPOSITION = 200


def check_disposition(text: str) -> str:
    """A disposition: one line of printable text, at most ``MAX_DISPOSITION`` characters."""
    text = " ".join(text.split())
    if len(text) > MAX_DISPOSITION or not text.isprintable():
        raise IncidentError(f"disposition: one line of at most {MAX_DISPOSITION} printable characters")
    return text


# A caller's clock may run a little ahead of ours; beyond this, the time was mistyped.
FUTURE_TOLERANCE = timedelta(minutes=5)
INCIDENT_ENTERED = "incident entered"


def check(data: IncidentInput) -> None:
    if not data.number.strip():
        raise IncidentError("incident number: required (the CAD or report number)")
    if len(data.number) > 64:
        raise IncidentError("incident number: at most 64 characters")
    if data.reported_at.tzinfo is None:
        raise IncidentError("reported time: needs a time zone")
    ahead = data.reported_at - datetime.now(UTC)
    if ahead > FUTURE_TOLERANCE:
        raise IncidentError(
            f"reported time: {ahead.total_seconds() / 60:.0f} minutes in the future by this workstation's "
            "clock; check the date, the time and the zone"
        )
    try:
        ZoneInfo(data.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise IncidentError(f"time zone: '{data.time_zone}' is not a known zone") from exc
    if not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180):
        raise IncidentError(f"location: {data.latitude}, {data.longitude} is not a place on Earth")
    if not 1 <= data.radius_m <= 5000:
        raise IncidentError("search radius: must be between 1 and 5000 m")


class IncidentStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self._sessions

    def create(self, data: IncidentInput, ranked: list[tuple[int, bool, str]]) -> SavedIncident:
        """Save the incident and every considered camera: (camera id, selected, reason), best first."""
        check(data)
        with write_transaction(self._sessions) as s:
            if s.scalar(select(Incident.id).where(Incident.number == data.number.strip())) is not None:
                raise IncidentError(f"incident number: '{data.number.strip()}' already exists")
            incident = Incident(
                number=data.number.strip(), incident_type=data.incident_type.strip(),
                reported_at=data.reported_at, time_zone=data.time_zone, latitude=data.latitude,
                longitude=data.longitude, radius_m=data.radius_m, notes=data.notes,
                created_by=current_user(), division_id=division_id_at(s, data.latitude, data.longitude),
            )  # fmt: skip
            s.add(incident)
            s.flush()
            for rank, (camera_id, selected, reason) in enumerate(ranked, start=1):
                s.add(IncidentCamera(incident_id=incident.id, camera_id=camera_id, rank=rank,
                                     selected=selected, reason=reason[:300]))  # fmt: skip
            incident_id = incident.id
            publish(s, "incident", incident_id, username=incident.created_by)
            # The type on the chain: the public report counts incidents by category from it.
            audit.append(s, INCIDENT_ENTERED, target_type="incident", target_id=incident_id,
                         case_number=incident.number, user=incident.created_by,
                         details=f"type {incident.incident_type.lower()}")  # fmt: skip
        return self.get(incident_id)

    def get(self, incident_id: int) -> SavedIncident:
        with self._sessions() as s:
            inc = s.get(Incident, incident_id)
            if inc is None:
                raise IncidentError(f"incident #{incident_id} does not exist")
            return saved_incident(s, inc)

    def close(self, number: str, disposition: str = "") -> SavedIncident:
        """Close an incident with its disposition: owners' "during an active incident only"
        windows end with it."""
        from app.governance import audit

        disposition = check_disposition(disposition)
        with write_transaction(self._sessions) as s:
            inc = self._named(s, number)
            if inc.closed_at is not None:
                by = f" by {inc.closed_by}" if inc.closed_by else ""
                raise IncidentError(
                    f"incident '{number}' was already closed{by} at {inc.closed_at:%Y-%m-%d %H:%M} UTC"
                )
            inc.closed_at = datetime.now(UTC)
            inc.closed_by = current_user()
            inc.disposition = disposition
            publish(s, "incident", inc.id, username=inc.closed_by)
            audit.append(s, "incident closed", target_type="incident", target_id=inc.id,
                         case_number=inc.number,
                         details=f"disposition: {disposition}" if disposition else "")  # fmt: skip
            return saved_incident(s, inc)

    def reopen(self, number: str) -> SavedIncident:
        """Open a closed incident again (closed by mistake, or new information)."""
        from app.governance import audit

        with write_transaction(self._sessions) as s:
            inc = self._named(s, number)
            if inc.closed_at is None:
                raise IncidentError(f"incident '{number}' is open")
            was = f"closed by {inc.closed_by or 'someone'} at {inc.closed_at:%Y-%m-%d %H:%M} UTC" + (
                f" ({inc.disposition})" if inc.disposition else "")  # fmt: skip
            inc.closed_at, inc.closed_by, inc.disposition = None, "", ""
            publish(s, "incident", inc.id, username=current_user())
            audit.append(s, "incident reopened", target_type="incident", target_id=inc.id,
                         case_number=inc.number, details=f"was {was}")  # fmt: skip
            return saved_incident(s, inc)

    @staticmethod
    def _named(s: Session, number: str) -> Incident:
        inc = s.scalar(select(Incident).where(Incident.number == number.strip()).with_for_update())
        if inc is None:
            raise IncidentNotFound(f"incident '{number.strip()}' does not exist")
        return inc

    def newest_id(self) -> int:
        """The highest incident id so far (0 for none): what is newer was entered after now."""
        from sqlalchemy import func

        with self._sessions() as s:
            return int(s.scalar(select(func.max(Incident.id))) or 0)

    def recent(self, limit: int = 20, open_only: bool = False) -> list[SavedIncident]:
        with self._sessions() as s:
            query = select(Incident.id).order_by(Incident.reported_at.desc()).limit(limit)
            if open_only:
                query = query.where(Incident.closed_at.is_(None))
            ids = list(s.scalars(query))
        return [self.get(i) for i in ids]

    def cameras_viewed_for(self, number: str) -> list[int]:
        """Cameras opened under this incident's number as their purpose, read from the audit log:
        reopening the incident restores them too, without storing purposes anywhere else."""
        from app.models.tables import AuditEvent

        stated = f"incident {number.strip()}"
        with self._sessions() as s:
            found = s.scalars(
                select(AuditEvent.target_id)
                .where(AuditEvent.target_type == "camera", AuditEvent.purpose == stated)
                .distinct()
            )
            return sorted(int(t) for t in found if str(t).isdigit())


def saved_incident(s: Session, inc: Incident, camera_ids: list[int] | None = None,
                   division: str | None = None) -> SavedIncident:  # fmt: skip
    """The incident as the console and the intake hold it (inside ``s``'s transaction too); a
    caller that has just written its selected cameras or found its division passes them, and
    they are not read back (a dispatch burst writes one call at a time)."""
    if camera_ids is None:
        camera_ids = list(
            s.scalars(
                select(IncidentCamera.camera_id)
                .where(IncidentCamera.incident_id == inc.id, IncidentCamera.selected.is_(True))
                .order_by(IncidentCamera.rank)
            )
        )
    if division is None:
        row = s.get(Division, inc.division_id) if inc.division_id is not None else None
        division = row.name if row else ""
    return SavedIncident(inc.id, inc.number, inc.incident_type, inc.reported_at, inc.time_zone,
                         inc.latitude, inc.longitude, inc.radius_m, inc.notes, camera_ids,
                         division, inc.created_by, inc.closed_at,
                         inc.closed_by, inc.source, inc.category, inc.priority, inc.auto_rule,
                         json.loads(inc.auto_actions) if inc.auto_actions else {},
                         inc.disposition or "")  # fmt: skip


def division_at(s: Session, latitude: float, longitude: float) -> tuple[int, str] | None:
    """The id and name of the division whose boundary holds the point (app/geo/divisions.py
    decides shared edges), or None outside every division."""
    query = select(Division.id, Division.name, Division.boundary_geojson)
    rows: tuple[tuple[int, str, str], ...] = tuple((i, n, b) for i, n, b in s.execute(query))
    ids = {name: division_id for division_id, name, _ in rows}
    name = _division_map(rows).division_of(latitude, longitude)
    return (ids[name], name) if name in ids else None


def division_id_at(s: Session, latitude: float, longitude: float) -> int | None:
    found = division_at(s, latitude, longitude)
    return found[0] if found else None


@functools.lru_cache(maxsize=4)
def _division_map(rows: tuple[tuple[int, str, str], ...]) -> DivisionMap:
    """Parsed once per set of boundaries (a dispatch burst parsed them twice a call)."""
    return DivisionMap((name, json.loads(text)) for _, name, text in rows)
