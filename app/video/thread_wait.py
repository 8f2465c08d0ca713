"""How long the calling thread waited for something other than a CPU: the time a read blocked.

A relay that asks FFmpeg for the next packet either gets one that was already waiting, or waits
for the network. Wall time alone cannot tell them apart on a busy machine: a thread that is
runnable but not running (the load average was 40 beside the demo and a test run) takes tens of
milliseconds to hand over a packet that was waiting all along. Linux counts, per thread, the time
it ran and the time it waited for a CPU (``/proc/thread-self/schedstat``); the rest of the wall
time it was asleep, which for a read is waiting for data.
"""

from __future__ import annotations

import contextlib
import time
from typing import BinaryIO


class ThreadWait:
    """Made on the thread it measures (the file names that thread). Without schedstat (another
    kernel), the whole wall time counts as waiting, as it did before."""

    def __init__(self) -> None:
        self._stat: BinaryIO | None = None
        with contextlib.suppress(OSError):
            self._stat = open("/proc/thread-self/schedstat", "rb", buffering=0)  # noqa: SIM115
        self._wall = 0.0
        self._busy_ns = 0

    def _busy(self) -> int:
        """Nanoseconds this thread ran or waited to run, so far."""
        if self._stat is None:
            return 0
        try:
            self._stat.seek(0)
            ran, queued = self._stat.read(100).split()[:2]
            return int(ran) + int(queued)
        except (OSError, ValueError):
            self._stat = None
            return 0

    def start(self) -> None:
        self._wall, self._busy_ns = time.monotonic(), self._busy()

    def waited_s(self) -> float:
        """Seconds since :meth:`start` this thread slept (blocked on a read, a lock or a sleep)."""
        wall = time.monotonic() - self._wall
        return max(0.0, wall - (self._busy() - self._busy_ns) / 1e9)

    def close(self) -> None:
        if self._stat is not None:
            self._stat.close()
            self._stat = None
