"""Incident input that cannot be right is refused with the field named, before anything is saved."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.incidents.service import IncidentError, IncidentInput, IncidentStore, check
from app.registry.service import Registry

GOOD = IncidentInput("LAPD-1", "robbery", datetime.now(UTC), "America/Los_Angeles", 34.05, -118.25, 300.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"number": " "}, "incident number: required"),
        ({"reported_at": datetime.now(UTC) + timedelta(hours=2)}, "minutes in the future"),
        ({"reported_at": datetime(2026, 1, 1, 12, 0)}, "needs a time zone"),
        ({"time_zone": "Mars/Olympus"}, "not a known zone"),
        ({"latitude": 95.0}, "not a place on Earth"),
        ({"radius_m": 0.0}, "search radius"),
    ],
)
def test_impossible_incidents_are_refused_and_nothing_is_saved(registry: Registry, change: dict[str, object],
                                                               message: str) -> None:  # fmt: skip
    store = IncidentStore(registry._sessions)
    bad = replace(GOOD, **change)  # type: ignore[arg-type]
    with pytest.raises(IncidentError, match=message):
        check(bad)
    with pytest.raises(IncidentError):
        store.create(bad, [])
    assert store.recent() == []


def test_a_clock_a_little_ahead_is_accepted() -> None:
    check(replace(GOOD, reported_at=datetime.now(UTC) + timedelta(minutes=3)))
