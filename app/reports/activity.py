"""What the audit chain says happened, in the terms the reports count: accesses to cameras (live
views and playbacks) with their purpose category and legal basis, exports, hand-offs, owners'
requests and consent, refusals by reason, retention.

Everything the reports print is read from audit entries this way, so a reader holding the
database can recompute every figure from the chain (``rtcc report check``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.governance.roles import Role
from app.models.tables import AuditEvent

LIVE_STARTED, LIVE_STOPPED = "live view started", "live view stopped"
PLAYBACK = "playback opened"
HANDOFF, HANDOFF_OPENED, HANDOFF_REVOKED = "hand-off to officers", "hand-off opened", "hand-off link revoked"
EXPORTED, EXPORT_FAILED = "evidence exported", "evidence export failed"
REQUESTED = "footage requested from owner"
CONSENT_REVOKED, CONSENT_AGAIN = "consent revoked", "consent granted again"
RETENTION = "recordings deleted by retention"
INCIDENT_ENTERED = "incident entered"
INCIDENT_FROM_DISPATCH = "incident received from dispatch"
REFUSALS = ("refused", "playback refused", "live view refused")
PUBLISHED = "transparency report published"

BASIS = re.compile(r"(?:^|; )basis: ([^;]+)")
SECONDS = re.compile(r"(\d+) s\b")


def purpose_category(purpose: str) -> str:
    """incident, case, written reason, or none stated (a public camera needs none)."""
    text = purpose.strip()
    if text.startswith("incident "):
        return "incident"
    if text.startswith("case "):
        return "case"
    if text.startswith("reason:"):
        return "written reason"
    return "none stated"


def legal_basis(purpose: str) -> str:
    """The basis the access recorded ("warrant 2026-123" counts as "warrant"), or "not recorded"."""
    found = BASIS.search(purpose)
    if not found:
        return "not recorded"
    basis = found[1].strip()
    return next((b for b in ("warrant", "court order") if basis.startswith(b)), basis)


REFUSAL_KINDS = (
    ("sharing terms", ("sharing terms", "registered only", "recorded on request")),
    ("consent revoked", ("revoked consent",)),
    ("stated purpose missing or not covering", ("purpose", "justification", "incident '", "case '")),
    ("outside the owner's hours", ("live window", "hours")),
    ("owner's request not approved", ("request",)),
    ("camera retired", ("retired",)),
)


ROLE_NAMES = frozenset({r.value for r in Role} | {"not signed in"})


def refusal_reason(e: AuditEvent) -> str:
    """Why an access was refused, in a few kinds (from the gate's and the role table's words)."""
    text = e.details
    if e.action == "refused" and text.split(":", 1)[0].strip() in ROLE_NAMES:
        return "role does not allow it"
    if e.action == "playback refused":
        text = text.split(": ", 1)[-1]  # without the camera's name, which could hold any word
    lowered = text.lower()
    for kind, words in REFUSAL_KINDS:
        if any(w in lowered for w in words):
            return kind
    return "other"


def live_seconds(details: str) -> int:
    """A stopped live view's length, from its entry's details ("sub stream, 42 s")."""
    found = SECONDS.search(details)
    return int(found[1]) if found else 0


@dataclass(frozen=True)
class Access:
    """One look at a camera: a live view (with its length once it stopped) or a playback."""

    at: str  # ISO UTC
    kind: str  # "live view" or "playback"
    camera_id: str
    user: str
    purpose: str
    category: str
    basis: str
    seconds: int | None  # a live view's length; None for playbacks and views still open


def accesses(entries: list[AuditEvent]) -> list[Access]:
    """Live views (each start paired with its stop, by camera, user and workstation) and playbacks."""
    out: list[Access] = []
    open_views: dict[tuple[str, str, str], list[int]] = {}
    for e in entries:
        if e.action == LIVE_STARTED:
            open_views.setdefault((e.target_id, e.username, e.workstation), []).append(len(out))
            out.append(_access(e, "live view", None))
        elif e.action == LIVE_STOPPED:
            waiting = open_views.get((e.target_id, e.username, e.workstation))
            if waiting:
                index = waiting.pop(0)
                started = out[index]
                out[index] = Access(**{**started.__dict__, "seconds": live_seconds(e.details)})
        elif e.action == PLAYBACK:
            out.append(_access(e, "playback", None))
    return out


def _access(e: AuditEvent, kind: str, seconds: int | None) -> Access:
    return Access(iso(e), kind, e.target_id, e.username, e.purpose, purpose_category(e.purpose),
                  legal_basis(e.purpose), seconds)  # fmt: skip


def iso(e: AuditEvent) -> str:
    return e.at.isoformat().replace("+00:00", "Z")
