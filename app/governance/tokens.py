"""Bearer tokens (live-view grants, officers' hand-off links): unguessable, shown once, stored
only as their SHA-256, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
