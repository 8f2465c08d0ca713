"""A named thread that does one step every so often until it is stopped, with explicit start and
stop: the media service's parts (consent watch, recording supervisor, retention) and a session
that follows the registry all run this way."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, name: str, every_s: float, step: Callable[[], object], *, wait_first: bool = True,
                 on_stop: Callable[[], object] | None = None) -> None:  # fmt: skip
        self.name = name
        self.every_s = every_s
        self.step = step
        self.wait_first = wait_first  # wait one period before the first step (else step at once)
        self.on_stop = on_stop  # runs on the thread after the last step
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._stop.is_set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        if not (self.wait_first and self._stop.wait(self.every_s)):
            while True:
                try:
                    self.step()
                except Exception as exc:  # a locked database, say: the next round tries again
                    log.warning("%s: %s", self.name, exc)
                if self._stop.wait(self.every_s):
                    break
        if self.on_stop is not None:
            self.on_stop()
