"""The one way views run work off the GUI thread (after Anki's ``run_in_background``).

``TaskRunner.run(fn, on_done, on_error)`` runs ``fn`` on a plain Python worker thread of the
console's one :class:`TaskManager` and calls the callbacks on the GUI thread. Workers never
touch Qt: results come back through futures that a GUI-thread timer collects. (Emitting PySide
signals with Python payloads from worker threads can deadlock: the emitting thread holds a Qt
signal lock while it waits for the GIL, and the GUI thread holds the GIL while it waits for that
lock.) Errors always reach ``on_error`` or the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class TaskManager:
    """The console's one pool of worker threads. The main window holds it; every window and
    dialog opened from the console runs its work here (through its own :class:`TaskRunner`,
    which delivers results to that window only while it lives)."""

    def __init__(self, workers: int = 8) -> None:
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rtcc-task")

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def _manager_of(obj: QObject | None) -> TaskManager | None:
    """The task manager of the nearest window up the parent chain that holds one."""
    while obj is not None:
        manager = getattr(obj, "task_manager", None)
        if isinstance(manager, TaskManager):
            return manager
        obj = obj.parent()
    return None


class TaskRunner(QObject):
    """Runs work for one window: on the console's task manager when the window is the console's
    (found up the parent chain), else on a pool of its own (``rtcc review`` alone)."""

    def __init__(self, parent: QObject | None = None, workers: int = 4) -> None:
        super().__init__(parent)
        manager = _manager_of(parent)
        self._own = manager is None
        self._pool = (
            manager.pool if manager is not None
            else ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rtcc-task")
        )  # fmt: skip
        self._pending: list[tuple[Future[Any], Done | None, Failed | None]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self._collect)

    def run(self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None) -> None:
        self._pending.append((self._pool.submit(fn), on_done, on_error))
        if not self._timer.isActive():
            self._timer.start()

    def _collect(self) -> None:
        # One look at each future: asking done() twice let a future that finished between the
        # two passes drop out of both lists, and its callback was never called (a frozen tile).
        finished: list[tuple[Future[Any], Done | None, Failed | None]] = []
        waiting: list[tuple[Future[Any], Done | None, Failed | None]] = []
        for entry in self._pending:
            (finished if entry[0].done() else waiting).append(entry)
        self._pending = waiting
        if not self._pending:
            self._timer.stop()
        for future, on_done, on_error in finished:
            exc = future.exception()
            if exc is not None:
                if on_error:
                    on_error(exc)
                else:
                    log.error("background task failed: %s", exc)
            elif on_done:
                on_done(future.result())

    @property
    def pool(self) -> ThreadPoolExecutor:
        return self._pool

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until running work ends (used when closing); results are delivered later."""
        _done, not_done = wait_futures([p[0] for p in self._pending], timeout=msecs / 1000)
        return not not_done
