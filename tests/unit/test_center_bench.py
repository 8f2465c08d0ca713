"""`rtcc bench center` measures what it says: every edit made at one session reaches every other
session's state, with the delay from commit to apply."""

from __future__ import annotations

from typing import Any

from app.bench.center_bench import run_center_bench


def test_every_edit_reaches_every_session_and_the_delay_is_measured(postgres_databases: Any) -> None:
    admin = postgres_databases.admin.render_as_string(hide_password=False)
    figures = run_center_bench(consoles=2, cameras=300, changes=6, every_s=0.1, database_url=admin)
    assert figures["deliveries"] == figures["deliveries_expected"] == 12
    assert 0 < figures["delay_ms_p50"] <= figures["delay_ms_p95"] <= figures["delay_ms_max"] < 2000
    assert figures["to_all_consoles_ms_p95"] >= figures["delay_ms_p50"]
    assert figures["session_load_s_median"] > 0 and figures["import_s"] > 0
