"""An owner's window for live viewing: always, during an active incident only, or between dates.

Stored on the camera as text so it travels through CSV and GeoJSON registries unchanged:
``always``, ``active_incident``, or an ISO 8601 interval ``<from>/<until>`` with time zones
(``2026-12-01T00:00:00Z/2027-01-01T00:00:00Z``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

ALWAYS = "always"
ACTIVE_INCIDENT = "active_incident"


@dataclass(frozen=True)
class LiveWindow:
    kind: str  # ALWAYS, ACTIVE_INCIDENT or "dates"
    start: datetime | None = None
    end: datetime | None = None

    def refusal(self, now: datetime, in_active_incident: bool) -> str | None:
        """Why live viewing is outside the owner's window now, or None when it is inside."""
        if self.kind == ACTIVE_INCIDENT and not in_active_incident:
            return "owner allows live viewing only during an active incident near the camera"
        if (
            self.kind == "dates"
            and self.start is not None
            and self.end is not None
            and not self.start <= now < self.end
        ):
            return (
                "owner allows live viewing only between "
                f"{self.start:%Y-%m-%d %H:%M} and {self.end:%Y-%m-%d %H:%M} UTC"
            )
        return None

    def text(self) -> str:
        if self.kind == "dates" and self.start and self.end:
            return f"{_iso(self.start)}/{_iso(self.end)}"
        return self.kind


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _instant(raw: str, which: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{raw}' ({which}) is not an ISO 8601 time such as 2026-12-01T00:00:00Z") from None
    if value.tzinfo is None:
        raise ValueError(f"'{raw}' ({which}) has no time zone; add Z or an offset such as -08:00")
    return value.astimezone(UTC)


def parse_live_window(text: str) -> LiveWindow:
    """Read the stored or typed form; ValueError names what is wrong."""
    raw = (text or "").strip()
    if raw in ("", ALWAYS):
        return LiveWindow(ALWAYS)
    if raw.lower().replace(" ", "_") == ACTIVE_INCIDENT:
        return LiveWindow(ACTIVE_INCIDENT)
    if "/" not in raw:
        raise ValueError(
            f"'{raw}' is not 'always', 'active_incident' or '<from>/<until>' "
            "(e.g. 2026-12-01T00:00:00Z/2027-01-01T00:00:00Z)"
        )
    first, _, second = raw.partition("/")
    start, end = _instant(first, "from"), _instant(second, "until")
    if end <= start:
        raise ValueError(f"'{raw}': the window ends before it starts")
    return LiveWindow("dates", start, end)


def describe(text: str) -> str:
    """The window in words, for the console's camera details."""
    try:
        window = parse_live_window(text)
    except ValueError:
        return "unreadable: not shown live"
    if window.kind == ACTIVE_INCIDENT:
        return "only during an active incident near the camera"
    if window.kind == "dates" and window.start and window.end:
        return f"only {window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC"
    return "always (within the sharing terms)"
