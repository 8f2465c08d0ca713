"""The scrub view's in and out marks and bookmarks (no Qt: the window shows them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SAME_MOMENT_S = 0.001


@dataclass
class Bookmark:
    camera_id: int
    at: datetime
    note: str


@dataclass
class Marks:
    mark_in: datetime | None = None
    mark_out: datetime | None = None
    bookmarks: list[Bookmark] = field(default_factory=list)

    def set_in(self, at: datetime) -> None:
        self.mark_in = at
        if self.mark_out is not None and self.mark_out <= at:
            self.mark_out = None

    def set_out(self, at: datetime) -> str:
        """Mark out at ``at``; the reason it cannot be, or ""."""
        if self.mark_in is not None and at <= self.mark_in:
            return "The out mark must come after the in mark."
        self.mark_out = at
        return ""

    def next_bookmark(self, position: datetime, direction: int) -> Bookmark | None:
        """The nearest bookmark after (1) or before (-1) ``position``."""
        ahead = [b for b in self.bookmarks if (b.at - position).total_seconds() * direction > SAME_MOMENT_S]
        return min(ahead, key=lambda b: (b.at - position).total_seconds() * direction, default=None)

    def bookmark_at(self, position: datetime) -> Bookmark | None:
        return next(
            (b for b in self.bookmarks if abs((b.at - position).total_seconds()) < SAME_MOMENT_S), None
        )

    def summary(self) -> str:
        parts = []
        if self.mark_in is not None:
            parts.append(f"in {self.mark_in:%H:%M:%S}")
        if self.mark_out is not None:
            parts.append(f"out {self.mark_out:%H:%M:%S}")
        parts.append(f"{len(self.bookmarks)} bookmark(s)")
        return " · ".join(parts)
