"""The gate every look at a camera passes: owner's terms, live window, approvals, stated purpose.

The media service asks :func:`live_access_refusal` before it relays a viewer a live stream; the
scrub view opens recordings through :func:`open_recordings`. Both write the audit entry, so a
view cannot show video without the access being checked and recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.live_access import live_refusal
from app.governance.live_window import ACTIVE_INCIDENT, parse_live_window
from app.governance.purpose import Purpose, in_active_incident, needs_purpose, purpose_problem
from app.governance.requests import covering_request, pending_request
from app.models.enums import SharingTerms
from app.models.rows import CameraRow


def live_access_refusal(
    s: Session, camera: CameraRow, purpose: Purpose, now: datetime | None = None
) -> str | None:
    """Why this live view may not start now, or None when it may."""
    now = now or datetime.now(UTC)
    refusal = live_refusal(camera) or window_refusal(s, camera, now)
    if refusal:
        return refusal
    if needs_purpose(camera):
        return purpose_problem(s, purpose)
    return None


def window_refusal(s: Session, camera: CameraRow, now: datetime) -> str | None:
    """Why live viewing is outside the owner's window now (dates, or no active incident)."""
    try:
        window = parse_live_window(camera.live_window)
    except ValueError as exc:  # a window nobody can read is not a permission
        return f"owner's live window cannot be read ({exc})"
    active = window.kind == ACTIVE_INCIDENT and in_active_incident(s, camera, now)
    return window.refusal(now, active)


def recordings_refusal(
    s: Session, camera: CameraRow, start: datetime, end: datetime, purpose: Purpose
) -> str | None:
    """Why this camera's recordings between start and end may not be opened, or None."""
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
    if needs_purpose(camera):
        return purpose_problem(s, purpose)
    return None


def open_recordings(
    sessions: sessionmaker[Session],
    cameras: list[CameraRow],
    start: datetime,
    end: datetime,
    purpose: Purpose,
) -> dict[int, str | None]:
    """Check each camera and audit the playback (opened or refused) with the stated purpose.

    Returns each camera id's refusal, or None for the cameras whose recordings may be shown."""
    result: dict[int, str | None] = {}
    window = f"{start:%Y-%m-%d %H:%M:%S}-{end:%H:%M:%S} UTC"
    with sessions.begin() as s:
        for camera in cameras:
            refusal = recordings_refusal(s, camera, start, end, purpose)
            result[camera.id] = refusal
            audit.append(
                s,
                "playback refused" if refusal else "playback opened",
                target_type="camera",
                target_id=camera.id,
                purpose=purpose.describe(),
                case_number=purpose.number,
                details=f"{camera.name}: {window}" + (f"; {refusal}" if refusal else ""),
            )
    return result
