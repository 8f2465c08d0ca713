"""Accesses worth a second look, for the auditor: each flag names the rule that raised it.

The rules read the audit chain (and the registry and incidents for places):

- ``far from its incident``: a private camera opened under an incident it is outside the radius
  of (allowed only through an approved justification, so worth reading);
- ``unusual hour for this person``: an access at an hour of the day (UTC) in which this person
  made under 5 % of their accesses, once they have at least 40;
- ``same private camera again``: one person opening the same private camera on 3 or more days
  within 7 under the same purpose, with no new incident;
- ``export without an incident's window``: an export of a case holding footage put in under a
  purpose other than an incident's (a reason or the case itself);
- ``approved by a subordinate``: a justification approved by someone who reports to the person
  who asked.

A flag's key is the rule and the audit entry's hash, so a dismissal ("anomaly dismissed", with
the reason, on the chain) stays attached to that entry.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.geo.geometry import haversine_m
from app.governance import audit
from app.models.enums import OwnerType
from app.models.tables import AuditEvent, Camera, Incident, Owner, User
from app.reports import activity as a

DISMISSED = "anomaly dismissed"
REVIEWED = "anomalies reviewed"
UNUSUAL_SHARE, UNUSUAL_BASELINE = 0.05, 40
REPEAT_DAYS, REPEAT_WITHIN = 3, timedelta(days=7)
ACCESS_ACTIONS = (a.LIVE_STARTED, a.PLAYBACK)


@dataclass(frozen=True)
class Flag:
    key: str  # rule:entry hash (first 16)
    rule: str
    at: datetime
    user: str
    what: str  # in words, with the camera or case
    dismissed: str  # the dismissal's reason and who, or ""


def find_anomalies(sessions: sessionmaker[Session], since: datetime, until: datetime) -> list[Flag]:
    entries = audit.query(sessions, since=since, until=until)
    with sessions() as s:
        cameras = {str(c.id): c for c in s.scalars(select(Camera))}
        owned = s.execute(select(Camera.id, Owner.owner_type).join(Owner)).all()
        private = {str(camera_id) for camera_id, kind in owned if kind != OwnerType.PUBLIC_AGENCY}
        incidents = {i.number: i for i in s.scalars(select(Incident))}
        bosses = {u.username: u.reports_to for u in s.scalars(select(User))}
        for row in (*cameras.values(), *incidents.values()):
            s.expunge(row)
    dismissed = {
        e.target_id: f"{e.details} ({e.username})"
        for e in audit.query(sessions) if e.action == DISMISSED
    }  # fmt: skip
    accesses = [e for e in entries if e.action in ACCESS_ACTIONS and e.target_id in private]
    found: list[tuple[str, AuditEvent, str]] = []
    found += _far(accesses, cameras, incidents)
    found += _unusual_hours(accesses)
    found += _repeated(accesses, cameras)
    found += _exports(entries)
    found += _subordinates(entries, bosses)
    flags = []
    for rule, entry, what in sorted(found, key=lambda f: f[1].id):
        key = f"{rule.replace(' ', '-')}:{entry.event_hash[:16]}"
        flags.append(Flag(key, rule, entry.at, entry.username, what, dismissed.get(key, "")))
    return flags


def _far(accesses: list[AuditEvent], cameras: dict[str, Camera],
         incidents: dict[str, Incident]) -> list[tuple[str, AuditEvent, str]]:  # fmt: skip
    out = []
    for e in accesses:
        number = (
            e.purpose.removeprefix("incident ").split(";")[0].strip()
            if e.purpose.startswith("incident ")
            else ""
        )
        incident, camera = incidents.get(number), cameras.get(e.target_id)
        if incident is None or camera is None:
            continue
        distance = haversine_m(incident.latitude, incident.longitude, camera.latitude, camera.longitude)
        if distance > incident.radius_m:
            away = f"{distance:,.0f} m away (radius {incident.radius_m:,.0f} m)"
            out.append(("far from its incident", e, f"{camera.name} opened under incident {number}, {away}"))
    return out


def _unusual_hours(accesses: list[AuditEvent]) -> list[tuple[str, AuditEvent, str]]:
    by_user: dict[str, list[AuditEvent]] = defaultdict(list)
    for e in accesses:
        by_user[e.username].append(e)
    out = []
    for user, mine in by_user.items():
        if len(mine) < UNUSUAL_BASELINE:
            continue
        hours = Counter(e.at.hour for e in mine)
        for e in mine:
            if hours[e.at.hour] / len(mine) < UNUSUAL_SHARE:
                share = f"{hours[e.at.hour]} of their {len(mine)} accesses at that hour"
                out.append(("unusual hour for this person", e, f"{user} at {e.at:%H:%M} UTC: {share}"))
    return out


def _repeated(accesses: list[AuditEvent], cameras: dict[str, Camera]) -> list[tuple[str, AuditEvent, str]]:
    groups: dict[tuple[str, str, str], list[AuditEvent]] = defaultdict(list)
    for e in accesses:
        groups[(e.username, e.target_id, e.purpose.split("; basis:")[0])].append(e)
    out = []
    for (user, camera_id, purpose), mine in groups.items():
        days = sorted({e.at.date() for e in mine})
        for i in range(len(days) - REPEAT_DAYS + 1):
            if days[i + REPEAT_DAYS - 1] - days[i] <= REPEAT_WITHIN:
                last = max(mine, key=lambda e: e.at)
                name = cameras[camera_id].name if camera_id in cameras else f"camera {camera_id}"
                under = f"under '{purpose or 'no purpose'}'"
                out.append(
                    ("same private camera again", last, f"{user} opened {name} on {len(days)} days {under}")
                )
                break
    return out


def _exports(entries: list[AuditEvent]) -> list[tuple[str, AuditEvent, str]]:
    not_incident: set[str] = {
        e.case_number for e in entries
        if e.action == "footage put into case (legal hold)" and not e.purpose.startswith("incident ")
    }  # fmt: skip
    return [
        (
            "export without an incident's window",
            e,
            f"case {e.case_number} holds footage put in under a purpose other than an incident's",
        )
        for e in entries
        if e.action == a.EXPORTED and e.case_number in not_incident
    ]


def _subordinates(entries: list[AuditEvent], bosses: dict[str, str]) -> list[tuple[str, AuditEvent, str]]:
    out = []
    for e in entries:
        if e.action != "justification approved":
            continue
        asked = re.search(r"requested by ([^;]+);", e.details)
        if asked and bosses.get(e.username) == asked[1].strip():
            which = e.details.split(",")[0]
            boss = asked[1].strip()
            out.append(
                ("approved by a subordinate", e, f"{e.username}, who reports to {boss}, approved {which}")
            )
    return out


def dismiss(sessions: sessionmaker[Session], key: str, reason: str, by: str) -> None:
    """The auditor looked and found it fine: the reason goes on the chain with the flag's key."""
    if len(" ".join(reason.split())) < 10:
        raise ValueError("a dismissal says why, in at least 10 characters")
    audit.record(
        sessions, DISMISSED, target_type="anomaly", target_id=key, user=by, details=" ".join(reason.split())
    )
