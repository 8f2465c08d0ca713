"""Whether a camera's live video may be shown, from its registry entry alone.

The media service asks before it pulls, and the wall asks before it plays, so an owner's terms
hold even if one of them is bypassed.
"""

from __future__ import annotations

from app.models.enums import CameraStatus, SharingTerms
from app.models.rows import CameraRow


def live_refusal(row: CameraRow) -> str | None:
    """Why live video of this camera may not be shown, or None when it may."""
    if row.status == CameraStatus.RETIRED:
        return "camera is retired"
    if row.consent_revoked_at is not None:
        return "owner revoked consent"
    if row.sharing_terms != SharingTerms.LIVE_AND_RECORDED:
        return f"owner's sharing terms ({row.sharing_terms.replace('_', ' ')}) do not include live viewing"
    return None


def recording_refusal(row: CameraRow) -> str | None:
    """Why this camera may not be recorded by the center, or None when it may."""
    if row.status == CameraStatus.RETIRED:
        return "camera is retired"
    if row.consent_revoked_at is not None:
        return "owner revoked consent"
    if row.sharing_terms == SharingTerms.REGISTERED_ONLY:
        return "owner's sharing terms (registered only) do not include recording"
    return None
