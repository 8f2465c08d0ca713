"""What a stated purpose covers, so that "incident 26-0042" is not a password for every camera.

- A purpose naming an **incident** covers a camera within the incident's search radius (or the
  wider radius the program's policy sets for the incident's category), its recordings from
  ``incident_window_before_minutes`` before the reported time to ``…_after_minutes`` after, and
  live video while the incident is open.
- A purpose naming a **case** covers the stretches of each camera put into that case.
- A **written reason** alone is bound to nothing that can be checked.

Beyond that, the operator writes a justification and a supervisor approves it: two people, both
recorded (:mod:`app.governance.justifications`). An approved justification covers that camera,
that purpose and that stretch of time; the refusal otherwise names the bound that was exceeded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.geo.geometry import haversine_m
from app.governance.justifications import approved_covering
from app.governance.policy import Policy, policy_in
from app.governance.purpose import Purpose
from app.models.rows import CameraRow
from app.models.tables import Case, CaseWindow, Incident

ASK = "write a justification for a supervisor to approve"


def exceeded_bound(s: Session, purpose: Purpose, camera: CameraRow, start: datetime, end: datetime, *,
                   live: bool, policy: Policy) -> str | None:  # fmt: skip
    """Which bound of the purpose this access goes beyond, or None when the purpose covers it."""
    if purpose.incident.strip():
        incident = s.scalar(select(Incident).where(Incident.number == purpose.incident.strip()))
        if incident is None:
            return f"incident '{purpose.incident.strip()}' is not recorded"
        radius = policy.radius_for(incident.category or incident.incident_type, incident.radius_m)
        distance = haversine_m(incident.latitude, incident.longitude, camera.latitude, camera.longitude)
        if distance > radius:
            far = f"{camera.name} is {distance:,.0f} m from incident {incident.number}"
            return f"{far}, whose purpose covers {radius:,.0f} m"
        if live:
            if incident.closed_at is not None:
                closed = f"incident {incident.number} was closed at {incident.closed_at:%Y-%m-%d %H:%M} UTC"
                return f"{closed}; its purpose no longer covers live video"
            return None
        first = incident.reported_at - timedelta(minutes=policy.incident_window_before_minutes)
        last = incident.reported_at + timedelta(minutes=policy.incident_window_after_minutes)
        if start < first or end > last:
            return (
                f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC is outside incident {incident.number}'s window "
                f"({first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC)"
            )
        return None
    if purpose.case.strip():
        if live:
            return f"case {purpose.case.strip()} covers its recorded stretches, not live video"
        covered = s.scalar(
            select(CaseWindow.id)
            .join(Case, Case.id == CaseWindow.case_id)
            .where(
                Case.number == purpose.case.strip(),
                CaseWindow.camera_id == camera.id,
                CaseWindow.start_at <= start,
                CaseWindow.end_at >= end,
            )
            .limit(1)
        )
        if covered is None:
            stretch = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC"
            return f"case {purpose.case.strip()} holds no stretch of {camera.name} covering {stretch}"
        return None
    return "a written reason alone is bound to no incident or case"


def bounds_problem(s: Session, purpose: Purpose, camera: CameraRow, start: datetime, end: datetime, *,
                   live: bool) -> str | None:  # fmt: skip
    """None when the purpose covers this access, or an approved justification does; else the
    bound exceeded and what to do about it."""
    exceeded = exceeded_bound(s, purpose, camera, start, end, live=live, policy=policy_in(s))
    if exceeded is None or approved_covering(s, camera.id, purpose.scope(), start, end):
        return None
    return f"{exceeded}; {ASK}"
