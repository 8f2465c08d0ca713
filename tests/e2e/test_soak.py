"""``rtcc bench soak`` in miniature: the real console, media service and simulator for a minute
and a half, with a camera drop, incidents and exports. The hour-long figures in the benchmarks
page come from the same code; this proves every figure is measured and the shift's events work."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bench.soak_bench import run_soak_bench

pytestmark = pytest.mark.e2e


def main_windows() -> set[int]:
    """The main windows alive in this process (other tests' among them)."""
    return {id(w) for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow"}


def test_a_short_soak_measures_every_process_and_brings_the_dropped_camera_back(qtbot: QtBot) -> None:
    consoles_before = main_windows()
    report = run_soak_bench(1.5, tiles=4, drop_every_s=40, drop_for_s=6, work_every_s=30, sample_s=10,
                            warmup_s=20, segment_s=4)  # fmt: skip
    # The camera dropped off the network came back on its tile, and it was counted.
    assert report["camera_drops"] == 1 and report["drops_never_back_live"] == 0, report["drops"]
    assert report["back_live_after_return_s"][0] < 20 and report["tile_reconnects"] >= 1
    # Incidents were entered and cases exported and verified while the wall played.
    assert report["export_errors"] == [] and report["exports"] >= 2
    assert report["exports_valid"] == report["exports"] == report["incidents_entered"]
    # Nothing recorded was lost but what the drop explains.
    assert report["segments_indexed"] > 0 and report["recording_holes_unexplained"] == []
    # Every process is sampled: memory, threads and open handles.
    samples = report["samples"]
    assert len(samples) >= 8 and samples[-1]["tiles_live"] == 4 and samples[-1]["frames_shown"] > 0
    for name in ("console", "media", "simulator"):
        assert all(row[name]["rss_mb"] > 0 and row[name]["threads"] > 0 and row[name]["handles"] > 0
                   for row in samples), name  # fmt: skip
        # resident memory that maps files (libraries), told apart from the process's own
        assert all(0 < row[name]["file_mb"] < row[name]["rss_mb"] for row in samples), name
        assert "own_growth_pct_per_hour" in report["growth_after_warmup"][name]
    assert {"console", "media", "simulator"} <= set(report["growth_after_warmup"])
    # The media service's native heap, from its /status: held apart from freed-but-kept.
    assert all(row["media_heap"]["in_use_mb"] > 0 and row["media_heap"]["free_mb"] >= 0 for row in samples)
    assert report["growth_after_warmup"]["media_heap"]["in_use_mb_end"] > 0
    # and Python's objects, which live outside that heap
    assert all(row["media_heap"]["python_blocks"] > 0 for row in samples)
    assert report["growth_after_warmup"]["media_heap"]["python_blocks_end"] > 0
    # The console is gone with the soak: nothing of it polls its deleted database afterwards.
    assert main_windows() == consoles_before
