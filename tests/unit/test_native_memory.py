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


def test_the_media_service_caps_glibcs_arenas_in_its_own_process() -> None:
    import subprocess
    import sys

    code = "from app.native_memory import limit_arenas; print(limit_arenas(2))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True"
