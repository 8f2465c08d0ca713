"""`rtcc bench intake` measures what it says: each posted call is answered with its camera ranked
first and that camera goes live on the console's wall, cold, through a rule."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

pytestmark = pytest.mark.e2e


def test_calls_posted_to_the_intake_reach_the_wall_live(qtbot: QtBot) -> None:
    from app.bench.intake_bench import run_intake_bench

    figures = run_intake_bench(calls=2, cameras=300, spacing_s=0.2)
    assert figures["failures"] == [] and figures["calls_live"] == 2
    assert 0 < figures["ranked_s_p50"] <= figures["ranked_s_p95"]
    assert figures["ranked_s_p95"] < figures["live_s_p50"] <= figures["live_s_max"]
