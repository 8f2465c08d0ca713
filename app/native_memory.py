"""Give memory that Python and the libraries freed back to the operating system.

glibc keeps freed heap pages in per-thread arenas and returns them only when the top of an arena
is free. An export reads and hashes gigabytes through short-lived worker threads, so each export
leaves arenas full of free but fragmented pages: in the soak the console's resident size grew
by tens of megabytes per export while Python's own object count stayed flat, and
``malloc_trim(0)`` handed 84 MB of one export's 144 MB back at once. Long work calls
:func:`release_freed_memory` when it ends; elsewhere (musl, macOS, Windows) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from app.periodic import Periodic

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def _libc_function(symbol: str, argtypes: list[Any], restype: Any) -> Any | None:
    """A glibc function by name, typed; None where the C library has no such function (musl,
    macOS, Windows, or a glibc too old)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function = getattr(ctypes.CDLL(name), symbol)
    except (OSError, AttributeError):
        return None
    function.argtypes = argtypes
    function.restype = restype
    return function


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    return _libc_function("malloc_trim", [ctypes.c_size_t], ctypes.c_int)


def release_freed_memory() -> bool:
    """Return free heap pages to the system; True if glibc released any."""
    trim = _malloc_trim()
    if trim is None:
        return False
    return bool(trim(0))


def then_release_freed_memory(work: Callable[P, R]) -> Callable[P, R]:
    """Decorate long, allocation-heavy work (exports, verifications) to trim the heap afterwards,
    whether it succeeded or not."""

    @functools.wraps(work)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return work(*args, **kwargs)
        finally:
            released = release_freed_memory()
            log.debug("%s finished; heap trimmed: %s", work.__qualname__, released)

    return wrapped


TRIM_EVERY_S = 60.0


def start_heap_trimming(every_s: float = TRIM_EVERY_S) -> Periodic:
    """Trim the heap every ``every_s`` on a thread of its own, for the long-running processes
    (the console, the media service): their many threads (libVLC's decoders, the relays and
    recorders) free memory in arenas that glibc otherwise keeps at their high-water mark."""

    def trim() -> None:
        started = time.perf_counter()
        released = release_freed_memory()
        log.debug("heap trimmed in %.1f ms (released: %s)", 1000 * (time.perf_counter() - started), released)

    periodic = Periodic("heap trim", every_s, trim)
    periodic.start()
    return periodic


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost",
    )]  # fmt: skip


@functools.cache
def _mallinfo2() -> Callable[[], _MallInfo2] | None:
    return _libc_function("mallinfo2", [], _MallInfo2)  # glibc 2.33 and later


def heap_usage() -> dict[str, int]:
    """What the process's heap holds, to tell memory kept from memory freed but not returned:
    ``in_use`` (allocated by malloc, mmapped blocks included), ``free`` (freed, still held by
    glibc's arenas), ``arenas`` (the arenas' size) and ``python_blocks`` (Python's own
    allocations, a count). Only ``python_blocks`` where glibc's figures are not available."""
    figures = {"python_blocks": sys.getallocatedblocks()}
    info = _mallinfo2()
    if info is not None:
        m = info()
        figures |= {"in_use": m.uordblks + m.hblkhd, "free": m.fordblks, "arenas": m.arena}
    return figures


M_ARENA_MAX = -8  # glibc's mallopt parameter
# One arena: glibc's malloc_trim returns the free top of the main arena only (``systrim`` runs for
# ``main_arena`` alone; a thread arena's top is given back only when a free() finds it above the
# trim threshold, which glibc raises up to 64 MB after a large buffer is freed). With a second
# arena the service's threads left their freed pages resident at its top, and the periodic trim
# could not reach them: the soak's 7.5 % per hour with the heap's own figures flat.
SERVICE_ARENAS = 1


def limit_arenas(arenas: int = SERVICE_ARENAS) -> bool:
    """Cap glibc's malloc arenas for a process whose threads come and go (the media service: a
    thread per viewer's connection, per relay, per recorder). Each new thread may take a new
    arena, and freed pages stay scattered over them: measured with 8 cameras recording 10 s
    segments, 13 minutes grew the resident size 6.5 MB with glibc's default arenas and 1.8 MB
    with two. With one, every thread allocates where the periodic trim returns everything free
    (threads still allocate small blocks from their own caches without taking its lock). Call
    it before the threads start; False where it does not apply (not glibc)."""
    mallopt = _libc_function("mallopt", [ctypes.c_int, ctypes.c_int], ctypes.c_int)
    return mallopt is not None and bool(mallopt(M_ARENA_MAX, arenas))
