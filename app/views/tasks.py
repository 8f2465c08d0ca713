"""The one way views run work off the GUI thread (after Anki's ``run_in_background``).

``TaskRunner.run(fn, on_done, on_error)`` runs ``fn`` on a pool thread and calls the callbacks
on the GUI thread through queued signals. Errors always reach ``on_error`` (or the log): none
vanish.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    sig_done = Signal(object)
    sig_failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # reported to the GUI thread, never swallowed
            log.debug("background task failed:\n%s", traceback.format_exc())
            self.relay.sig_failed.emit(exc)
        else:
            self.relay.sig_done.emit(result)


class TaskRunner(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(4)
        self._relays: set[_Relay] = set()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:  # fmt: skip
        relay = _Relay(self)
        self._relays.add(relay)

        @Slot(object)
        def done(result: Any) -> None:
            self._finish(relay)
            if on_done:
                on_done(result)

        @Slot(object)
        def failed(exc: BaseException) -> None:
            self._finish(relay)
            if on_error:
                on_error(exc)
            else:
                log.error("background task failed: %s", exc)

        relay.sig_done.connect(done)
        relay.sig_failed.connect(failed)
        self.pool.start(_Job(fn, relay))

    def _finish(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        relay.deleteLater()

    def wait(self, msecs: int = 30_000) -> bool:
        return self.pool.waitForDone(msecs)
