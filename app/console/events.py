"""Events a session emits and views subscribe to (after napari's EventEmitter).

Callbacks run on the thread that emits: the console emits on its GUI thread (it reads changes on
a worker and applies them on the GUI thread); a Qt-free caller may emit from any thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
E = TypeVar("E")


class EventEmitter(Generic[E]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[[E], Any]] = []

    def connect(self, callback: Callable[[E], Any]) -> Callable[[E], Any]:
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[[E], Any]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    @property
    def subscribers(self) -> int:
        return len(self._callbacks)

    def emit(self, event: E) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("a subscriber of %s failed", self.name)


@dataclass(frozen=True)
class CamerasChanged:
    """The registry moved: cameras added, changed (terms, consent, place, status) or retired."""

    added: tuple[int, ...]
    changed: tuple[int, ...]
    retired: tuple[int, ...]
    # The session's first read (every view fills itself), or the divisions or counts moved.
    first: bool = False
    divisions_changed: bool = False


@dataclass(frozen=True)
class IncidentEvent:
    action: str  # "opened", "closed"
    number: str
    incident_id: int | None = None


@dataclass(frozen=True)
class PurposeGranted:
    camera_ids: tuple[int, ...]
    purpose: str


@dataclass(frozen=True)
class MediaChanged:
    """What the media services said when last asked (every 5 s, and when one starts or stops)."""

    line: str  # for the status bar
    recording: dict[int, str]  # camera id -> "recording" or why not
    clock_faults: dict[int, str]  # camera id -> why its clock is not trusted
    clock_delays: dict[int, float]  # camera id -> seconds behind, measured against trusted clocks


@dataclass(frozen=True)
class SignedIn:
    username: str
    role: str


@dataclass(frozen=True)
class FeedChanged:
    """Other workstations (or this one) changed something: a batch of the change feed of one
    kind. ``ids`` are the cameras, incidents or requests; empty: re-read all of them."""

    kind: str  # "cameras", "incident", "request", "media"
    ids: tuple[int, ...]
    by: tuple[str, ...]  # "user at workstation", once each, in order


@dataclass(frozen=True)
class FeedConnection:
    """The change feed lost or regained the database (a console says so and catches up)."""

    connected: bool
    why: str
