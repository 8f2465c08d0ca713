"""The soak benchmark's arithmetic: memory growth per hour, and recorded time lost to something
other than a camera drop. Its figures decide whether a build may run a shift unattended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.bench.soak_bench import growth_per_hour_pct, lost_recording

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_flat_memory_with_noise_is_no_growth_and_a_steady_climb_is_measured() -> None:
    times = [i * 60.0 for i in range(61)]
    flat = [500 + (3 if i % 2 else -3) for i in range(61)]
    assert abs(growth_per_hour_pct(times, flat)) < 0.5
    climbing = [500 + 0.5 * i for i in range(61)]  # 30 MB over the hour, on about 515 MB
    assert 5.5 < growth_per_hour_pct(times, climbing) < 6.0
    assert growth_per_hour_pct([0.0, 1.0], [1.0, 2.0]) == 0.0  # too few samples to say


def test_back_to_back_segments_lose_nothing() -> None:
    segments = [(s(i * 10), s(i * 10 + 9.95)) for i in range(12)]
    assert lost_recording(segments, s(5), s(115), []) == []


def test_a_hole_inside_a_drop_is_excused_and_one_outside_is_reported() -> None:
    segments = [(s(0), s(30)), (s(60), s(90)), (s(100), s(120))]
    drop = [(s(29), s(58) + timedelta(seconds=20))]  # down 29-58 s, reconnect allowance after
    holes = lost_recording(segments, s(0), s(120), drop)
    assert holes == [(s(90), s(100))]
    # A camera that never came back is lost until the end, unless the drop covers it.
    assert lost_recording([(s(0), s(30))], s(0), s(120), []) == [(s(30), s(120))]
    assert lost_recording([(s(0), s(30))], s(0), s(120), [(s(29), s(130))]) == []
