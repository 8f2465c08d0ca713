"""Who asks the media service for a live view, and its answer: where to pull from, or why not."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus

from app.governance.purpose import Purpose


@dataclass(frozen=True)
class Refusal:
    status: HTTPStatus
    reason: str


@dataclass(frozen=True)
class LiveSource:
    """Where to pull an allowed live view from, and what its audit entry adds about it."""

    url: str
    note: str = ""  # "; outside the workstation's divisions (X)" for a cross-division view


@dataclass(frozen=True)
class Viewer:
    """Who asks for a live stream and why, as the grant in the URL's query says
    (:mod:`app.governance.grants`): never what the caller writes about itself."""

    user: str = ""
    workstation: str = ""
    purpose: Purpose = field(default_factory=Purpose)
    # The workstation's own divisions: a camera outside them needs a stated purpose.
    home: frozenset[str] = frozenset()


UNVERIFIED = Viewer(user="caller without a valid grant")
