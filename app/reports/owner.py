"""The owner's report: for one owner and a period, every time the center looked at their cameras
(live, with how long, or in recordings), under which incident or case and legal basis, what it
exported or handed to officers, what retention deleted, and their consent and requests, read from
the audit chain. The operator is named only where the program's policy says so; no other owner's
camera appears."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.policy import Policy
from app.models.tables import AuditEvent, Camera, CaseWindow, Owner
from app.reports import activity as a

WHAT = {
    a.LIVE_STARTED: "viewed live",
    a.PLAYBACK: "recordings viewed",
    "playback refused": "recordings refused",
    "live view refused": "live view refused",
    a.HANDOFF: "sent to responding officers",
    a.HANDOFF_OPENED: "officers opened the hand-off",
    a.HANDOFF_REVOKED: "hand-off link revoked",
    a.REQUESTED: "footage requested from you",
    "footage request approved by owner": "you approved a request",
    "footage request denied by owner": "you denied a request",
    a.CONSENT_REVOKED: "consent revoked",
    a.CONSENT_AGAIN: "consent granted again",
    a.RETENTION: "deleted by retention",
    "live video cut: owner's terms or consent changed": "live video cut after your change",
}
STAFF = {
    "retention": "retention (automatic)",
    "officer link": "an officer's link",
    "media service": "the system",
}


class OwnerReportError(ValueError):
    """No such owner; the message says which names exist that are close."""


@dataclass(frozen=True)
class OwnerRow:
    at: str
    camera: str
    what: str
    under: str
    basis: str
    by: str
    details: str


@dataclass(frozen=True)
class OwnerReport:
    owner: str
    since: str
    until: str
    cameras: list[str]
    rows: list[OwnerRow]
    caps: dict[str, object]
    names_note: str
    chain_entries: int
    chain_head: str


def owner_report(sessions: sessionmaker[Session], owner_name: str, since: datetime, until: datetime,
                 policy: Policy) -> OwnerReport:  # fmt: skip
    with sessions() as s:
        owners = list(s.scalars(select(Owner).where(Owner.name == owner_name.strip())))
        if not owners:
            close = s.scalars(
                select(Owner.name).where(Owner.name.ilike(f"%{owner_name.strip()[:20]}%")).limit(5)
            )
            hint = "; ".join(close) or "none"
            raise OwnerReportError(f"no owner named {owner_name!r}; owners with a similar name: {hint}")
        cameras = {
            str(c.id): c.name
            for c in s.scalars(select(Camera).where(Camera.owner_id.in_([o.id for o in owners])))
        }
        cases = {
            str(case_id)
            for (case_id,) in s.execute(
                select(CaseWindow.case_id).where(CaseWindow.camera_id.in_([int(i) for i in cameras]))
            )
        }
    mine = {"camera": cameras.keys(), "case": cases}
    entries = [
        e
        for e in audit.query(sessions, since=since, until=until)
        if e.target_id in mine.get(e.target_type, ())
    ]
    rows = _rows(entries, cameras, policy)
    check = audit.verify_audit(sessions)
    names = (
        "Operators are named, as the program's policy says."
        if policy.owner_report_names_operators
        else "Operators are not named (the program's policy); each access names its purpose."
    )
    return OwnerReport(owner_name.strip(), _iso(since), _iso(until), sorted(cameras.values()), rows,
                       policy.caps(), names, check.entries, check.head)  # fmt: skip


def _rows(entries: list[AuditEvent], cameras: dict[str, str], policy: Policy) -> list[OwnerRow]:
    seconds = {x.at + x.camera_id + x.user: x.seconds for x in a.accesses(entries) if x.kind == "live view"}
    rows: list[OwnerRow] = []
    for e in entries:
        if e.target_type == "case":
            if e.action != a.EXPORTED:
                continue
            what, camera, details = (
                "exported in an evidence package",
                "(in the case)",
                e.details.split(" (")[0],
            )
            details = f"package for case {e.case_number}"
        elif e.action in WHAT:
            what, camera, details = WHAT[e.action], cameras[e.target_id], e.details
            if e.action == a.LIVE_STARTED:
                length = seconds.get(a.iso(e) + e.target_id + e.username)
                details = f"{length} s" if length is not None else "still open or not closed properly"
            elif e.action in (a.PLAYBACK, "playback refused"):
                details = e.details.split(": ", 1)[-1]  # the window, without the camera's name again
        else:
            continue
        by = STAFF.get(e.username) or (e.username if policy.owner_report_names_operators else "center staff")
        rows.append(OwnerRow(a.iso(e), camera, what, e.purpose or "-", a.legal_basis(e.purpose), by, details))
    return rows


def owner_report_csv(report: OwnerReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when (UTC)", "camera", "what", "under", "legal basis", "by", "details"])
    for r in report.rows:
        writer.writerow(
            [audit.neutralise(c) for c in (r.at, r.camera, r.what, r.under, r.basis, r.by, r.details)]
        )
    return out.getvalue()


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
