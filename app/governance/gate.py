"""The gate: every look at a camera, and every use of its footage, asks here, with one verb per
question. Each answers why not (a sentence an operator can act on), or None when it may.

- :func:`why_not_live`: may the owner's terms show this camera live at all (registry entry only)?
- :func:`why_not_recorded`: may the center record it?
- :func:`why_not_used`: may its footage be used for an incident (ranked as usable)?
- :func:`why_not_now`: is now inside the owner's live-viewing window?
- :func:`why_not_watch`: may this viewer watch it live now, with this purpose (terms, window,
  purpose, and the purpose's bounds: :mod:`app.governance.purpose_bounds`)? The media service
  asks before it relays a stream.
- :func:`why_not_play`: may its recordings of a stretch of time be opened with this purpose
  (terms, the owner's approval for footage on request, purpose and its bounds)?
- :func:`open_recordings`: :func:`why_not_play` for several cameras, each playback or refusal
  written to the audit log in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.live_window import ACTIVE_INCIDENT, parse_live_window
from app.governance.purpose import (
    Purpose,
    in_active_incident,
    needs_purpose,
    outside_home,
    purpose_needed_for,
    purpose_problem,
)
from app.governance.purpose_bounds import bounds_problem
from app.governance.requests import covering_request, pending_request
from app.models.db import write_transaction
from app.models.enums import CameraStatus, SharingTerms
from app.models.rows import CameraRow


def why_not_live(row: CameraRow) -> str | None:
    """Why live video of this camera may not be shown, or None when it may."""
    if row.status == CameraStatus.RETIRED:
        return "camera is retired"
    if row.consent_revoked_at is not None:
        return "owner revoked consent"
    if row.sharing_terms != SharingTerms.LIVE_AND_RECORDED:
        return f"owner's sharing terms ({row.sharing_terms.replace('_', ' ')}) do not include live viewing"
    return None


def why_not_recorded(row: CameraRow) -> str | None:
    """Why this camera may not be recorded by the center, or None when it may."""
    if row.status == CameraStatus.RETIRED:
        return "camera is retired"
    if row.consent_revoked_at is not None:
        return "owner revoked consent"
    if row.sharing_terms == SharingTerms.REGISTERED_ONLY:
        return "owner's sharing terms (registered only) do not include recording"
    return None


def why_not_used(camera: CameraRow) -> str | None:
    """Why this camera's footage may not be used for an incident (listed greyed, with why)."""
    if camera.status == CameraStatus.RETIRED:
        return "retired"
    if camera.consent_revoked_at is not None:
        return "owner revoked consent"
    if camera.sharing_terms == SharingTerms.REGISTERED_ONLY:
        return "registered only: the owner shares no footage"
    return None


def why_not_watch(s: Session, camera: CameraRow, purpose: Purpose, now: datetime | None = None,
                  home: frozenset[str] = frozenset()) -> str | None:  # fmt: skip
    """Why this live view may not start now, or None when it may. ``home``: the workstation's
    divisions (a camera outside them needs a stated purpose, as a private one does)."""
    now = now or datetime.now(UTC)
    refusal = why_not_live(camera) or why_not_now(s, camera, now)
    if refusal:
        return refusal
    return _purpose_refusal(s, camera, purpose, now, now, live=True, home=home)


def why_not_now(s: Session, camera: CameraRow, now: datetime) -> str | None:
    """Why live viewing is outside the owner's window now (dates, or no active incident)."""
    try:
        window = parse_live_window(camera.live_window)
    except ValueError as exc:  # a window nobody can read is not a permission
        return f"owner's live window cannot be read ({exc})"
    active = window.kind == ACTIVE_INCIDENT and in_active_incident(s, camera, now)
    return window.refusal(now, active)


def why_not_play(
    s: Session,
    camera: CameraRow,
    start: datetime,
    end: datetime,
    purpose: Purpose,
    home: frozenset[str] = frozenset(),
) -> str | None:
    """Why this camera's recordings between start and end may not be opened, or None."""
    refusal = why_not_by_terms(s, camera, start, end)
    if refusal:
        return refusal
    return _purpose_refusal(s, camera, purpose, start, end, live=False, home=home)


def _purpose_refusal(s: Session, camera: CameraRow, purpose: Purpose, start: datetime, end: datetime, *,
                     live: bool, home: frozenset[str]) -> str | None:  # fmt: skip
    """Where a purpose is needed: what is wrong with it, or what it does not cover."""
    if not needs_purpose(camera, home):
        return None
    problem = purpose_problem(s, purpose, purpose_needed_for(camera, home))
    return problem or bounds_problem(s, purpose, camera, start, end, live=live)


def why_not_by_terms(s: Session, camera: CameraRow, start: datetime, end: datetime) -> str | None:
    """The owner's terms alone for recordings (registered only, consent, footage on request): what
    the stores check again whatever the purpose; :func:`why_not_play` adds the purpose."""
    if camera.sharing_terms == SharingTerms.REGISTERED_ONLY:
        return "owner's sharing terms (registered only) do not include recordings"
    if camera.consent_revoked_at is not None:
        return (
            f"owner revoked consent on {camera.consent_revoked_at:%Y-%m-%d %H:%M} UTC; "
            "footage already in a case stays there under legal hold"
        )
    if (
        camera.sharing_terms == SharingTerms.RECORDED_ON_REQUEST
        and covering_request(s, camera.id, start, end) is None
    ):
        stretch = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC"
        pending = pending_request(s, camera.id)
        if pending is not None:
            return f"owner has not yet approved request {pending.id}; an approval must cover {stretch}"
        return f"recorded on request: ask the owner for {stretch} (rtcc request add) and mark the approval"
    return None


def open_recordings(
    sessions: sessionmaker[Session],
    cameras: list[CameraRow],
    start: datetime,
    end: datetime,
    purpose: Purpose,
    home: frozenset[str] = frozenset(),
) -> dict[int, str | None]:
    """Check each camera and audit the playback (opened or refused) with the stated purpose.

    Returns each camera id's refusal, or None for the cameras whose recordings may be shown."""
    result: dict[int, str | None] = {}
    window = f"{start:%Y-%m-%d %H:%M:%S}-{end:%H:%M:%S} UTC"
    with write_transaction(sessions) as s:
        for camera in cameras:
            refusal = why_not_play(s, camera, start, end, purpose, home)
            result[camera.id] = refusal
            away = (
                f"; outside the workstation's divisions ({camera.division})"
                if outside_home(camera, home)
                else ""
            )
            audit.append(
                s,
                "playback refused" if refusal else "playback opened",
                target_type="camera",
                target_id=camera.id,
                purpose=purpose.describe(),
                case_number=purpose.number,
                details=f"{camera.name}: {window}{away}" + (f"; {refusal}" if refusal else ""),
            )
    return result
