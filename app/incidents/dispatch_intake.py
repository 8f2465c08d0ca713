"""A dispatch call becomes an incident: created with its ranked cameras, or, when the feed sends
the same call number again, updated (location moved, priority raised, notes) or closed.

Each call is one transaction: the feed's log entry (whose digest refuses a replay), the incident
and its cameras, the audit entry naming the feed, and the change feed's event land together or
not at all. A refused call writes only its log entry, with the reason.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.incidents.dispatch import CallRefused, DispatchCall
from app.incidents.dispatch_rules import Rule, first_match
from app.incidents.selection import Candidate, rank_cameras
from app.incidents.service import IncidentStore, SavedIncident, division_at, division_id_at, saved_incident
from app.incidents.spatial import CameraIndex
from app.models.change_feed import publish
from app.models.db import write_transaction
from app.models.tables import Division, Incident, IncidentCamera, IntakeLogEntry
from app.registry.gazetteer import OfflineGazetteer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    outcome: str  # "created", "updated", "closed"
    incident: SavedIncident
    ranked: list[Candidate]


class DispatchIntake:
    def __init__(self, sessions: sessionmaker[Session], time_zone: str = "UTC") -> None:
        self.sessions = sessions
        self.time_zone = time_zone
        self.incidents = IncidentStore(sessions)
        self.gazetteer = OfflineGazetteer(sessions)

    def refuse(self, feed: str, reason: str, number: str = "") -> None:
        """Write a refused call to the feed's log (it changed nothing else)."""
        log.warning("dispatch feed %s: call %s refused: %s", feed, number or "?", reason)
        try:
            with write_transaction(self.sessions) as s:
                s.add(IntakeLogEntry(feed=feed[:40], outcome="refused", reason=reason[:2000],
                                     call_number=number[:64]))  # fmt: skip
        except Exception as exc:  # the log is not worth failing the answer for
            log.error("dispatch feed %s: could not log a refusal: %s", feed, exc)

    def receive(self, call: DispatchCall, cameras: CameraIndex, digest: str | None,
                now: datetime | None = None, rules: list[Rule] | None = None) -> Received:  # fmt: skip
        """Create, update or close the call's incident; :class:`CallRefused` changes nothing."""
        latitude, longitude = self._place(call)
        actor = f"feed:{call.feed}"
        ranked = rank_cameras(cameras, latitude, longitude, 300.0)
        selected = [(c.camera.id, c.usable, c.reason) for c in ranked]
        try:
            with write_transaction(self.sessions) as s:
                division = division_at(s, latitude, longitude)
                if division is None:
                    raise CallRefused(f"location: {latitude:.5f}, {longitude:.5f} is outside every division "
                                      "of the city", 422)  # fmt: skip
                entry = IntakeLogEntry(feed=call.feed, outcome="", call_number=call.number, digest=digest)
                s.add(entry)
                s.flush()  # a replayed digest fails here, before anything else is written
                incident = s.scalar(select(Incident).where(Incident.number == call.number).with_for_update())
                if incident is None:
                    outcome = "closed" if call.closed else "created"
                    incident = self._create(s, call, latitude, longitude, division[0], selected, actor, now)
                    camera_ids: list[int] | None = [cid for cid, usable, _ in selected if usable]
                else:
                    moved = (incident.latitude, incident.longitude) != (latitude, longitude)
                    outcome = self._update(s, incident, call, latitude, longitude, selected, actor, now)
                    camera_ids = [cid for cid, usable, _ in selected if usable] if moved else None
                # The division the point is in; an incident saved before the boundaries changed keeps its own.
                name = division[1] if incident.division_id == division[0] else None
                if not incident.auto_rule and incident.closed_at is None:
                    self._apply_rules(s, incident, rules or [], actor, name)
                entry.outcome, entry.incident_id = outcome, incident.id
                entry.reason = (
                    f"{call.call_type.label}, priority {call.priority if call.priority is not None else '-'}"
                )
                publish(s, "incident", incident.id, username=actor)
                s.flush()
                # Read back inside the transaction: a second session after it cost a burst of
                # calls 1.5 ms each, one writer at a time.
                saved = saved_incident(s, incident, camera_ids, name)
        except IntegrityError as exc:
            if "digest" in str(exc.orig):
                raise CallRefused(
                    "this call was received before (a replay); nothing was changed", 409
                ) from None
            raise CallRefused(f"call {call.number} was being saved by another message at the same time; "
                              "send it again", 409) from None  # fmt: skip
        return Received(outcome, saved, ranked)

    @staticmethod
    def _apply_rules(s: Session, incident: Incident, rules: list[Rule], actor: str,
                     division_name: str | None) -> None:  # fmt: skip
        """The first rule the call matches opens it at its division's consoles; none: queued."""
        if division_name is None:
            division = s.get(Division, incident.division_id) if incident.division_id is not None else None
            division_name = division.name if division else ""
        rule = first_match(rules, incident.category, incident.priority, division_name)
        if rule is None:
            audit.append(s, "dispatch call queued", target_type="incident", target_id=incident.id,
                         case_number=incident.number, user=actor, details="no rule matched")  # fmt: skip
            return
        incident.auto_rule, incident.auto_actions = rule.name, json.dumps(rule.actions(), sort_keys=True)
        audit.append(s, "dispatch call opened by rule", target_type="incident", target_id=incident.id,
                     case_number=incident.number, user=actor,
                     details=f"rule {rule.name}: top {rule.top} camera(s) on {rule.wall}"
                     f"{', alert' if rule.alert else ''}")  # fmt: skip

    def _place(self, call: DispatchCall) -> tuple[float, float]:
        if call.latitude is not None and call.longitude is not None:
            return call.latitude, call.longitude
        found = self.gazetteer.lookup(call.address, limit=2)
        if not found:
            raise CallRefused(
                f"address: {call.address!r} is not in the gazetteer and the call has no coordinates", 422
            )
        return found[0].latitude, found[0].longitude

    def _create(self, s: Session, call: DispatchCall, lat: float, lon: float, division_id: int,
                selected: list[tuple[int, bool, str]], actor: str,
                now: datetime | None) -> Incident:  # fmt: skip
        incident = Incident(
            number=call.number, incident_type=call.call_type.label, reported_at=call.reported_at,
            time_zone=self.time_zone, latitude=lat, longitude=lon, radius_m=300.0, notes=call.notes,
            created_by=actor, division_id=division_id, source=f"feed {call.feed}",
            category=call.call_type.category, priority=call.priority,
        )  # fmt: skip
        if call.closed:
            incident.closed_at, incident.closed_by = now or datetime.now(UTC), actor
        s.add(incident)
        s.flush()
        self._cameras(s, incident, selected, new=True)
        audit.append(s, "incident received from dispatch", target_type="incident", target_id=incident.id,
                     case_number=call.number, user=actor,
                     details=f"feed {call.feed}: {call.call_type.code} {call.call_type.label} "
                     f"({call.call_type.category}), priority {call.priority}; "
                     f"{sum(u for _, u, _ in selected)} usable camera(s) ranked")  # fmt: skip
        return incident

    def _update(self, s: Session, incident: Incident, call: DispatchCall, lat: float, lon: float,
                selected: list[tuple[int, bool, str]], actor: str, now: datetime | None) -> str:  # fmt: skip
        changed = []
        if (incident.latitude, incident.longitude) != (lat, lon):
            incident.latitude, incident.longitude = lat, lon
            incident.division_id = division_id_at(s, lat, lon)
            self._cameras(s, incident, selected)
            changed.append("location")
        if call.priority is not None and call.priority != incident.priority:
            changed.append(f"priority {incident.priority} -> {call.priority}")
            incident.priority = call.priority
        if call.call_type.label != incident.incident_type:
            changed.append("type")
            incident.incident_type, incident.category = call.call_type.label, call.call_type.category
        if call.notes and call.notes != incident.notes:
            incident.notes = call.notes
            changed.append("notes")
        outcome = "updated"
        if call.closed and incident.closed_at is None:
            incident.closed_at, incident.closed_by = now or datetime.now(UTC), actor
            changed.append("closed")
            outcome = "closed"
        audit.append(s, "incident closed" if outcome == "closed" else "incident updated from dispatch",
                     target_type="incident", target_id=incident.id, case_number=incident.number, user=actor,
                     details=f"feed {call.feed}: {', '.join(changed) or 'no change'}")  # fmt: skip
        return outcome

    @staticmethod
    def _cameras(s: Session, incident: Incident, selected: list[tuple[int, bool, str]], new: bool = False
                 ) -> None:  # fmt: skip
        if not new:
            s.execute(delete(IncidentCamera).where(IncidentCamera.incident_id == incident.id))
        for rank, (camera_id, usable, reason) in enumerate(selected, start=1):
            s.add(IncidentCamera(incident_id=incident.id, camera_id=camera_id, rank=rank, selected=usable,
                                 reason=reason[:300]))  # fmt: skip

    def log_entries(self, feed: str, limit: int = 100) -> list[IntakeLogEntry]:
        with self.sessions() as s:
            rows = s.scalars(select(IntakeLogEntry).where(IntakeLogEntry.feed == feed)
                             .order_by(IntakeLogEntry.id.desc()).limit(limit))  # fmt: skip
            return list(rows)
