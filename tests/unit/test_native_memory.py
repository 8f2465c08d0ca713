"""Freed heap goes back to the system after long work (the soak's console growth per export)."""

from __future__ import annotations

import ctypes
import os
import threading

import pytest

from app.native_memory import heap_usage, release_freed_memory, then_release_freed_memory

glibc = pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "malloc_trim"), reason="needs glibc")


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _fragment_heap_in_a_thread(megabytes: int) -> None:
    """What an export's worker leaves behind: many malloc'd blocks freed except a few that pin
    the arena's top, so glibc cannot shrink it by itself."""

    def work() -> None:
        blocks = [ctypes.create_string_buffer(4000) for _ in range(megabytes * 256)]
        keep = blocks[::64]
        del blocks
        _fragment_heap_in_a_thread.kept = keep  # type: ignore[attr-defined]

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()


@glibc
def test_freed_pages_of_a_worker_thread_return_to_the_system() -> None:
    _fragment_heap_in_a_thread(200)
    before = _resident_bytes()
    assert release_freed_memory() is True
    after = _resident_bytes()
    assert before - after > 100 * 2**20, f"resident {before / 2**20:.0f} MB -> {after / 2**20:.0f} MB"


@glibc
def test_heap_figures_tell_memory_held_from_memory_freed_but_kept() -> None:
    """What the soak reads from the media service's /status to tell a leak from fragmentation."""
    start = heap_usage()
    blocks = [ctypes.create_string_buffer(4000) for _ in range(100 * 256)]
    held = heap_usage()
    assert held["in_use"] - start["in_use"] > 90 * 2**20
    keep = blocks[::64]  # pin the heap's pages, as long-lived allocations among short ones do
    del blocks
    freed = heap_usage()
    assert held["in_use"] - freed["in_use"] > 90 * 2**20
    assert freed["free"] - held["free"] > 90 * 2**20  # freed, but glibc still holds it
    assert freed["python_blocks"] > 0 and len(keep) == 400


@glibc
def test_long_work_trims_the_heap_even_when_it_fails() -> None:
    @then_release_freed_memory
    def export() -> None:
        _fragment_heap_in_a_thread(200)
        raise OSError("the drive went away")

    with pytest.raises(OSError, match="went away"):
        export()
    # After the failed export the freed pages are already back: nothing left to trim.
    before = _resident_bytes()
    release_freed_memory()
    assert abs(before - _resident_bytes()) < 20 * 2**20


@glibc
def test_a_long_running_process_trims_its_heap_on_a_thread_of_its_own() -> None:
    import time

    from app.native_memory import start_heap_trimming

    _fragment_heap_in_a_thread(200)
    before = _resident_bytes()
    trimmer = start_heap_trimming(every_s=0.05)
    try:
        deadline = time.monotonic() + 10
        while before - _resident_bytes() < 100 * 2**20 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        trimmer.stop(2)
    assert before - _resident_bytes() > 100 * 2**20


# Run in a process of its own: glibc takes the arena cap only before a second thread allocates.
_THREAD_FREES_AFTER_A_LARGE_BUFFER = """
import threading
from app.native_memory import limit_arenas, release_freed_memory

def anon_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("RssAnon"))

assert limit_arenas()
big = bytes(20 << 20)  # freeing a large buffer raises glibc's trim threshold (to 40 MB here)
del big
release_freed_memory()
before = anon_mb()

def work():
    blocks = [bytes(2000) for _ in range(20000)]  # 40 MB in blocks Python takes from malloc
    del blocks

worker = threading.Thread(target=work)
worker.start()
worker.join()
freed = anon_mb()
release_freed_memory()
print(before, freed, anon_mb())
"""


@glibc
def test_the_media_services_periodic_trim_returns_what_its_threads_freed() -> None:
    """The media service's threads (relays, recorders, a thread per request) free their blocks
    where the periodic trim can give them back: with a second arena, 40 MB a thread had freed
    stayed resident through every trim."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _THREAD_FREES_AFTER_A_LARGE_BUFFER], capture_output=True,
                            text=True, timeout=60, check=True)  # fmt: skip
    before, freed, trimmed = (int(v) for v in result.stdout.split())
    assert freed - before > 30, f"the thread's blocks were not allocated: {result.stdout}"
    assert trimmed - before < 8, f"RssAnon MB before, after the thread freed, after the trim: {result.stdout}"
