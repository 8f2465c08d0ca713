"""Blocking work (the database, a relay opening) from a service's event loop, on a bounded pool
of worker threads, so the loop keeps answering while it runs."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class WorkerThreads:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._limiter: anyio.CapacityLimiter | None = None  # made on the loop, at first use

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.limit)
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=self._limiter)
