"""The live-view grants this console holds: one per camera and purpose, asked for once, reused by
every tile and reconnection until a few minutes before it stops starting views.

The book only remembers; asking is the live-view use case, run on the console's task manager
(it writes to the database). A tile that finds no usable grant shows "connecting" and looks
again on its next poll; a refusal is told to the next tile that asks, once.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from app.console.use_cases import Grant
from app.governance.purpose import Purpose

# Asked for again this long before a grant stops starting views, so a reconnecting tile never
# waits for one.
RENEW_BEFORE = timedelta(minutes=3)

RETRY_AFTER = timedelta(seconds=5)

Key = tuple[int, str]


def key_of(camera_id: int, purpose: Purpose) -> Key:
    return camera_id, purpose.query()


class LiveGrants:
    def __init__(self) -> None:
        self._held: dict[Key, Grant] = {}
        self._asking: set[Key] = set()
        self._refused: dict[Key, str] = {}
        self._retry_at: dict[Key, datetime] = {}  # after a failure to ask (the database away)
        self._lock = threading.Lock()

    def usable(self, camera_id: int, purpose: Purpose, now: datetime | None = None) -> Grant | None:
        """A grant that will still start views for a while, or None (then :meth:`ask`)."""
        now = now or datetime.now(UTC)
        with self._lock:
            grant = self._held.get(key_of(camera_id, purpose))
        return grant if grant is not None and grant.expires_at - now > RENEW_BEFORE else None

    def ask(self, camera_id: int, purpose: Purpose) -> bool:
        """True if the caller should ask the use case now (no one is asking for this one yet)."""
        key = key_of(camera_id, purpose)
        with self._lock:
            retry_at = self._retry_at.get(key)
            if key in self._asking or (retry_at is not None and datetime.now(UTC) < retry_at):
                return False
            self._asking.add(key)
            return True

    def failed(self, camera_id: int, purpose: Purpose) -> None:
        """Asking failed for another reason than a refusal: ask again in a few seconds."""
        key = key_of(camera_id, purpose)
        with self._lock:
            self._asking.discard(key)
            self._retry_at[key] = datetime.now(UTC) + RETRY_AFTER

    def granted(self, grant: Grant) -> None:
        key = key_of(grant.camera_id, grant.purpose)
        with self._lock:
            self._asking.discard(key)
            self._held[key] = grant

    def refused(self, camera_id: int, purpose: Purpose, reason: str) -> None:
        key = key_of(camera_id, purpose)
        with self._lock:
            self._asking.discard(key)
            self._refused[key] = reason

    def refusal(self, camera_id: int, purpose: Purpose) -> str | None:
        """Why the use case said no to this camera and purpose, told once."""
        with self._lock:
            return self._refused.pop(key_of(camera_id, purpose), None)

    def forget(self) -> None:
        """Drop every grant (the person signed out, or another signed in)."""
        with self._lock:
            self._held.clear()
            self._asking.clear()
            self._refused.clear()
            self._retry_at.clear()
