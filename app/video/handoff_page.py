"""The page a responding officer opens from a hand-off link: the clip (or still) and its caption,
nothing else, served by the media service at ``/h/TOKEN`` (the media at ``/h/TOKEN/media``).

The token is long and random and only its SHA-256 is stored. An unknown, expired or revoked
token answers the same 404 as any other wrong path, so the answer never says whether a link
existed. The page is plain HTML with its style inline: no script, no third-party resource, and a
Content-Security-Policy that forbids loading anything but the media from the same place. The
first opening is recorded on the hand-off and in the audit log.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.tokens import token_hash
from app.models.change_feed import publish
from app.models.db import write_transaction
from app.models.tables import EvidenceItem, Handoff, Incident

TOKEN = re.compile(r"[A-Za-z0-9_-]{40,100}")  # a hand-off link's token, as made; anything else: 404
CSP = (
    "default-src 'none'; media-src 'self'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class OpenHandoff:
    kind: str
    path: Path
    caption: str
    incident: str
    expires_at: datetime


def open_handoff(sessions: sessionmaker[Session], token: str, now: datetime | None = None,
                 viewer: str = "") -> OpenHandoff | None:  # fmt: skip
    """The hand-off this token opens, or None (unknown, expired, revoked: all alike)."""
    now = now or datetime.now(UTC)
    digest = token_hash(token)
    with write_transaction(sessions) as s:
        row = s.scalar(select(Handoff).where(Handoff.token_sha256 == digest))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        item = s.get(EvidenceItem, row.evidence_item_id)
        incident = s.get(Incident, row.incident_id)
        if item is None or incident is None:
            return None
        if row.first_opened_at is None:
            row.first_opened_at = now
            publish(s, "incident", row.incident_id, username="officer link")  # "opened" at the consoles
            where = f" from {viewer}" if viewer else ""
            audit.append(s, "hand-off opened", target_type="camera", target_id=row.camera_id,
                         case_number=incident.number, user="officer link",
                         details=f"{row.kind} {Path(item.path).name} first opened{where}")  # fmt: skip
        return OpenHandoff(row.kind, Path(item.path), row.caption, incident.number, row.expires_at)


def page(handoff: OpenHandoff, token: str) -> bytes:
    """The officer's page: fits a phone's width, the media and the caption as text."""
    media = f"/h/{token}/media"
    if handoff.kind == "clip":
        player = f'<video src="{media}" controls autoplay muted playsinline loop></video>'
    else:
        player = f'<img src="{media}" alt="still">'
    caption = "<br>".join(html.escape(line) for line in handoff.caption.splitlines())
    expires = f"{handoff.expires_at:%Y-%m-%d %H:%M} UTC"
    text = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Incident {html.escape(handoff.incident)}</title>
<style>
body {{ margin: 0; background: #111; color: #eee; font: 16px/1.4 sans-serif; }}
main {{ max-width: 960px; margin: 0 auto; padding: 8px; }}
video, img {{ display: block; width: 100%; height: auto; background: #000; }}
p {{ margin: 8px 0; overflow-wrap: anywhere; }}
.small {{ color: #aaa; font-size: 13px; }}
</style></head>
<body><main>
{player}
<p id="caption">{caption}</p>
<p class="small">For the responding officers. This link stops working at {html.escape(expires)}.</p>
</main></body></html>
"""
    return text.encode("utf-8")
