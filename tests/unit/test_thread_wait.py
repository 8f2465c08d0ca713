"""The relay tells a packet that was waiting from one it waited for by the time its thread slept,
not by wall time: on a busy machine a thread waits for a CPU for tens of milliseconds."""

from __future__ import annotations

import threading
import time

from app.video.thread_wait import ThreadWait


def measured(work: str) -> float:
    result: list[float] = []

    def run() -> None:
        wait = ThreadWait()
        wait.start()
        if work == "sleep":
            time.sleep(0.05)
        else:
            until = time.perf_counter() + 0.05  # wall time: longer in CPU time on an idle machine
            while time.perf_counter() < until:
                pass
        result.append(wait.waited_s())
        wait.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


def test_sleeping_counts_as_waiting_and_running_or_waiting_for_a_cpu_does_not() -> None:
    assert measured("sleep") >= 0.045
    # Spinning, the thread runs or queues for a CPU the whole time, whatever the load (the GIL
    # is not contended here: the main thread is blocked in join).
    assert measured("spin") < 0.01
