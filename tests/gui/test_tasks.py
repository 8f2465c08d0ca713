"""The console's background path delivers every result, whatever order the work finishes in."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from app.views.tasks import TaskRunner


class _CompletesWhenAsked(Future[Any]):
    """A future whose work completes the moment someone first asks whether it is done: the
    window in which the old collector looked twice and lost the callback."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._fn = fn
        self._asked = False

    def done(self) -> bool:
        if not self._asked:
            self._asked = True
            answer = super().done()
            self.set_result(self._fn())
            return answer
        return super().done()


class _AskingExecutor:
    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        return _CompletesWhenAsked(fn)


def test_a_task_finishing_while_results_are_collected_still_gets_its_callback(qtbot: QtBot) -> None:
    runner = TaskRunner()
    runner._pool.shutdown()
    runner._pool = _AskingExecutor()  # type: ignore[assignment]
    got: list[int] = []
    for i in range(5):
        runner.run(lambda i=i: i, got.append)
    qtbot.waitUntil(lambda: sorted(got) == [0, 1, 2, 3, 4], timeout=5_000)
    assert not runner.busy


def _finish_in_order(qtbot: QtBot, order: tuple[int, ...]) -> list[str]:
    runner = TaskRunner(workers=4)
    gates = [threading.Event() for _ in range(4)]
    got: list[str] = []

    def work(i: int) -> int:
        assert gates[i].wait(10)
        if i == 2:
            raise ValueError("two")
        return i

    for i in range(4):
        runner.run(lambda i=i: work(i), lambda r: got.append(f"ok {r}"), lambda e: got.append(f"err {e}"))
    for i in order:
        gates[i].set()
    qtbot.waitUntil(lambda: len(got) == 4, timeout=5_000)
    assert runner.wait(1000)
    return got


def test_results_and_errors_arrive_whatever_order_the_work_finishes_in(qtbot: QtBot) -> None:
    for order in itertools.permutations(range(4)):
        assert sorted(_finish_in_order(qtbot, order)) == ["err two", "ok 0", "ok 1", "ok 3"], order


def test_the_console_and_the_windows_it_opens_share_one_pool(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    """One task manager: five windows each owned a thread pool. A dialog opened from the console
    runs its work on the console's workers, and still gets its own results."""
    from app.views.export_dialog import ExportDialog

    window = make_window()
    folders = window.incidents_ui.folders
    folders.recordings = folders.recordings or Path("/nonexistent")
    dialog = window.incidents_ui.export_case("NONE-1")
    assert isinstance(dialog, ExportDialog)
    qtbot.addWidget(dialog)
    assert dialog.tasks.pool is window.tasks.pool is window.task_manager.pool
    heard: list[int] = []
    dialog.tasks.run(lambda: 41 + 1, heard.append)
    qtbot.waitUntil(lambda: heard == [42], timeout=5_000)
    standalone = TaskRunner(None)
    assert standalone.pool is not window.tasks.pool  # ``rtcc review`` alone has its own
