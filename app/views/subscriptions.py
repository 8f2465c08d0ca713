"""Views follow the session's events for as long as they live (napari's views connect to their
model's events the same way): a closed window's widgets stop hearing a session that outlives
them, instead of each event failing on a deleted widget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject

from app.console.events import EventEmitter

E = TypeVar("E")


def subscribe(owner: QObject, emitter: EventEmitter[E], callback: Callable[[E], Any]) -> None:
    """Call ``callback`` on each of ``emitter``'s events until ``owner`` is destroyed."""
    emitter.connect(callback)
    owner.destroyed.connect(lambda *_: emitter.disconnect(callback))
