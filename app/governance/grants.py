"""Live-view grants: the media service's proof of who asks for a stream and why.

A stream URL names nothing a caller could make up: it carries an unguessable token that the
console's live-view use case wrote after the role table and the gate said yes. The token is
stored only as its SHA-256 (as hand-off links are), bound to the person, the workstation, the
camera and the purpose, and starts views for a few minutes; a view already running goes on (the
program's cap on a purpose's view still ends it). Signing out revokes the person's grants there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.governance.purpose import Purpose
from app.governance.tokens import new_token, token_hash
from app.models.tables import ViewGrant

# Long enough that a wall of tiles reconnecting does not ask again for every connection, short
# enough that a copied URL is soon worthless.
GRANT_TTL = timedelta(minutes=10)
MAX_TOKEN_CHARS = 100


class GrantRefused(Exception):
    """Why a stream's grant does not let it start; the media service answers 403 with it."""


@dataclass(frozen=True)
class Granted:
    """Who the grant speaks for: the viewer the media service checks and audits."""

    username: str
    workstation: str
    purpose: Purpose
    home: frozenset[str]
    expires_at: datetime


def issue(
    s: Session,
    username: str,
    workstation: str,
    camera_id: int,
    purpose: Purpose,
    home: frozenset[str],
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """Write a grant; the token (shown once, never stored) and when it stops starting views."""
    now = now or datetime.now(UTC)
    token = new_token()
    expires = now + GRANT_TTL
    s.add(
        ViewGrant(
            token_sha256=token_hash(token), username=username, workstation=workstation,
            camera_id=camera_id, purpose=purpose.query(), home_divisions="\n".join(sorted(home)),
            created_at=now, expires_at=expires,
        )
    )  # fmt: skip
    return token, expires


def check(s: Session, token: str, camera_id: int, now: datetime | None = None) -> Granted:
    """The grant behind ``token`` for this camera, or :class:`GrantRefused` saying what is wrong."""
    now = now or datetime.now(UTC)
    token = token.strip()
    if not token:
        raise GrantRefused(
            "no grant: a live view starts from the console, which asks for one under your name "
            "and purpose (a user or purpose written in the address counts for nothing)"
        )
    if len(token) > MAX_TOKEN_CHARS:
        raise GrantRefused("the grant is not one this program issued")
    grant = s.scalars(select(ViewGrant).where(ViewGrant.token_sha256 == token_hash(token))).first()
    if grant is None:
        raise GrantRefused("the grant is not one this program issued")
    if grant.camera_id != camera_id:
        raise GrantRefused(f"the grant is for camera #{grant.camera_id}, not #{camera_id}")
    if grant.revoked_at is not None:
        by = f" by {grant.revoked_by}" if grant.revoked_by else ""
        raise GrantRefused(f"the grant was revoked{by} at {grant.revoked_at:%Y-%m-%d %H:%M} UTC")
    if grant.expires_at <= now:
        raise GrantRefused(
            f"the grant expired at {grant.expires_at:%Y-%m-%d %H:%M:%S} UTC; the console asks for a new one"
        )
    home = frozenset(d for d in grant.home_divisions.splitlines() if d.strip())
    purpose = Purpose.from_query(parse_qs(grant.purpose))
    return Granted(grant.username, grant.workstation, purpose, home, grant.expires_at)


def revoke(s: Session, by: str, username: str, workstation: str | None = None,
           now: datetime | None = None) -> int:  # fmt: skip
    """Revoke a person's unexpired grants (at one workstation, if named); how many."""
    now = now or datetime.now(UTC)
    where = [ViewGrant.username == username, ViewGrant.revoked_at.is_(None), ViewGrant.expires_at > now]
    if workstation is not None:
        where.append(ViewGrant.workstation == workstation)
    done = s.execute(update(ViewGrant).where(*where).values(revoked_at=now, revoked_by=by))
    return int(getattr(done, "rowcount", 0) or 0)
