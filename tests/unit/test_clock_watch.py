"""The recorder's two clocks: a camera's claims against arrival, packet by packet.

Synthetic cameras at 15 frames a second whose pictures reach the recorder 80 ms after they were
taken, with up to 60 ms more of jitter (a busy machine, a shared network); each misbehaves as
real cameras do. The truth is the moment each frame was taken.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from app.video.clock_watch import ClockLimits, ClockWatch, pace_scale

FPS = 15
DELAY = 0.08
# The bound: one frame plus the network delay, which placing by arrival cannot know
# better than it measured it (and not at all before it measured it).
ALLOWED = 1 / FPS + DELAY
T0 = 1_800_000_000.0  # a wall-clock second, as the recorder sees time


def packets(seconds: float, *, claim: Callable[[float], float] = lambda t: t, every: int = 1,
            stall: tuple[float, float] | None = None, seed: int = 1
            ) -> Iterator[tuple[float, float, float, float]]:  # fmt: skip
    """(truth, stream time, arrival, camera time) of each frame delivered. ``claim`` maps the
    true time to what the camera claims; ``every`` delivers one frame in that many, stamped as
    if all were delivered; ``stall`` holds frames from ``start`` for ``length`` seconds."""
    rng = random.Random(seed)
    delivered = 0
    for n in range(int(seconds * FPS)):
        truth = T0 + n / FPS
        if n % every:
            continue
        stamped = T0 + delivered / FPS if every > 1 else truth
        delivered += 1
        arrival = truth + DELAY + rng.uniform(0, 0.06)
        if stall is not None and stall[0] <= truth - T0 < stall[0] + stall[1]:
            arrival = T0 + stall[0] + stall[1] + DELAY + rng.uniform(0, 0.01)
        camera = claim(stamped)
        yield truth, camera - T0, arrival, camera


Frame = tuple[float, float, float, float]


def run(watch: ClockWatch, frames: Iterator[Frame]) -> list[tuple[float, float, bool]]:
    """Feed every packet; (truth, disciplined time, trusted) for each."""
    out = []
    for truth, stream_s, arrival, camera in frames:
        watch.observe(stream_s, arrival, camera)
        out.append((truth, watch.disciplined_time(stream_s, arrival), watch.verdict.trusted))
    return out


def test_an_honest_camera_is_trusted_after_its_probation_with_the_delay_measured() -> None:
    watch = ClockWatch(ClockLimits(probation_s=10, drift_span_s=10))
    placed = run(watch, packets(20))
    trusted_from = next(truth for truth, _, trusted in placed if trusted) - T0
    assert 10 <= trusted_from <= 14  # warm-up, then ten steady seconds
    assert watch.verdict.describe() == "camera clock trusted"
    assert watch.verdict.delay_s == pytest.approx(DELAY, abs=0.01)
    # Before that, the disciplined clock placed every frame within the bound, and within a few
    # milliseconds once the delay was measured (jitter is taken out by the least delayed packets).
    assert max(abs(at - truth) for truth, at, _ in placed) < ALLOWED
    assert max(abs(at - truth) for truth, at, _ in placed if truth - T0 > 7) < 0.005


def test_a_clock_hours_ahead_is_never_trusted_and_frames_are_placed_by_arrival() -> None:
    watch = ClockWatch(ClockLimits(probation_s=5), neighbours_delay=lambda: DELAY)
    placed = run(watch, packets(30, claim=lambda t: t + 7200))
    assert not any(trusted for _, _, trusted in placed)
    assert watch.verdict.reason == "its clock is 2 h 0 min ahead of arrival"
    assert watch.verdict.delay_measured and watch.verdict.delay_s == DELAY  # its neighbours'
    assert max(abs(at - truth) for truth, at, _ in placed) < ALLOWED


def test_a_drift_of_a_second_a_minute_is_caught_before_trust() -> None:
    watch = ClockWatch()
    placed = run(watch, packets(60, claim=lambda t: t + (t - T0) / 60))
    assert not any(trusted for _, _, trusted in placed)
    assert watch.verdict.reason.startswith("its clock gains"), watch.verdict
    assert watch.verdict.drift_s_per_min == pytest.approx(1.0, abs=0.1)
    # The disciplined clock follows the truth, not the camera: a minute in, 1 s apart.
    assert max(abs(at - truth) for truth, at, _ in placed) < ALLOWED


def test_an_encoder_that_delivers_a_third_of_its_frames_runs_at_a_third_of_real_time() -> None:
    watch = ClockWatch()
    placed = run(watch, packets(30, every=3))
    assert watch.verdict.reason.startswith("its stream runs at 0.3"), watch.verdict
    assert watch.verdict.rate == pytest.approx(1 / 3, abs=0.03)
    # Frames stamped at 15 a second but taken at 5: placed where they were taken once the
    # rate is known (the first seconds are its warm-up).
    assert max(abs(at - truth) for truth, at, _ in placed) < ALLOWED


def test_a_jump_is_known_at_the_packet_and_moves_nothing() -> None:
    watch = ClockWatch(ClockLimits(probation_s=5, drift_span_s=5))
    reasons = []
    placed = []
    for truth, stream_s, arrival, camera in packets(30, claim=lambda t: t + (30 if t - T0 >= 20 else 0)):
        watch.observe(stream_s, arrival, camera)
        placed.append((truth, watch.disciplined_time(stream_s, arrival), watch.verdict.trusted))
        reasons.append(watch.verdict.reason)
    first_after = next(i for i, (truth, _, _) in enumerate(placed) if truth - T0 >= 20)
    assert reasons[first_after] == "its clock jumped forward 30.0 s"
    before = [trusted for truth, _, trusted in placed if 15 < truth - T0 < 20]
    after = [trusted for truth, _, trusted in placed if truth - T0 >= 20]
    assert all(before) and not any(after)
    # Known at once as a jump; from the next second on, as where the clock now is.
    assert watch.verdict.reason == "its clock is 29.9 s ahead of arrival", watch.verdict
    assert max(abs(at - truth) for truth, at, _ in placed) < ALLOWED


def test_a_stall_and_its_burst_leave_a_good_clock_trusted_and_bursts_placed_when_taken() -> None:
    watch = ClockWatch(ClockLimits(probation_s=5, drift_span_s=5))
    placed = run(watch, packets(30, stall=(15, 4)))
    assert all(trusted for truth, _, trusted in placed if truth - T0 > 10)
    assert watch.verdict.trusted
    # Even the disciplined clock puts the burst where it was taken, not where it arrived.
    assert max(abs(at - truth) for truth, at, _ in placed) < ALLOWED


def test_a_new_stream_must_earn_trust_again_but_keeps_the_delay_measured() -> None:
    watch = ClockWatch(ClockLimits(probation_s=5, drift_span_s=5))
    run(watch, packets(12))
    assert watch.verdict.trusted
    watch.restart()
    assert not watch.verdict.trusted and watch.verdict.reason == "watching a new stream"
    assert watch.verdict.delay_s == pytest.approx(DELAY, abs=0.01)


def test_before_a_sender_report_there_is_nothing_to_trust() -> None:
    watch = ClockWatch(ClockLimits(probation_s=5))
    for truth, stream_s, arrival, _camera in packets(10):
        watch.observe(stream_s, arrival, None)
        # No delay was measured, so none is taken off: the frames are placed late by the delay.
        assert 0 <= watch.disciplined_time(stream_s, arrival) - truth < DELAY + 0.065
    assert watch.verdict.reason.startswith("no sender report yet")
    assert not watch.verdict.delay_measured


def test_the_pace_of_an_opening_burst_is_measured_from_the_packets_after_it() -> None:
    """The recorder dates a new stream's opening burst by the pace of the packets after it: an
    encoder that delivers one frame in three, stamped as all, is three times slower than its
    timestamps; a late packet on a busy receiver does not move the measure; an honest stream
    keeps its own spacing exactly."""
    rng = random.Random(7)
    slow = [(i / 15, 100 + 3 * i / 15 + rng.uniform(0, 0.02)) for i in range(10)]
    slow[6] = (slow[6][0], slow[6][1] + 0.4)  # taken late
    assert pace_scale(slow, 0.05) == pytest.approx(3.0, rel=0.03)
    honest = [(i / 15, 100 + i / 15 + rng.uniform(0, 0.02)) for i in range(30)]
    assert pace_scale(honest, 0.05) == 1.0
    assert pace_scale(honest[:3], 0.05) == 1.0  # too few to say


def starved_receiver(frames: Iterator[Frame], start: float, length: float, share: float
                     ) -> Iterator[tuple[Frame, bool]]:  # fmt: skip
    """A receiver that, from ``start`` for ``length`` seconds, can handle only ``share`` of real
    time: packets wait for it and are read late, back to back, until it catches up. Each frame
    with whether it was waiting when read (what the relay tells the recorder)."""
    free_at = 0.0
    for truth, stream_s, arrival, camera in frames:
        cost = 1 / FPS / share if start <= truth - T0 < start + length else 0.001
        read = max(arrival, free_at)
        free_at = read + cost
        yield (truth, stream_s, read, camera), read > arrival


def test_a_receiver_draining_a_backlog_does_not_blame_the_cameras_clock() -> None:
    """Beside a full test run the media service fell 2 s behind its cameras for a minute and
    then caught up: every camera was judged to 'run at 0.85x' and then '1.3x real time' and its
    footage placed by arrival, seconds late. Packets that were waiting when read say nothing of
    the camera's clock; the honest camera stays trusted and its frames keep their times."""
    for told, trusted_after in ((True, True), (False, False)):
        watch = ClockWatch(ClockLimits(probation_s=5, drift_span_s=5))
        verdicts = []
        for (truth, stream_s, read, camera), buffered in starved_receiver(packets(60), 15, 20, 0.85):
            watch.observe(stream_s, read, camera, buffered if told else False)
            if truth - T0 > 10:
                verdicts.append(watch.verdict.trusted)
        assert all(verdicts) is trusted_after, watch.verdict


def slow_link(frames: Iterator[Frame], start: float, length: float, capacity: float) -> Iterator[Frame]:
    """A link that stalls from ``start`` for ``length`` seconds and can then carry only
    ``capacity`` times real time: the held frames come back faster than they were taken, but
    not at once, for many seconds (each arrives fresh; nothing was waiting at the receiver)."""
    free_at = 0.0
    for truth, stream_s, arrival, camera in frames:
        if start <= truth - T0 < start + length:
            arrival = T0 + start + length + DELAY
        sent = max(arrival, free_at)
        free_at = sent + 1 / FPS / capacity
        yield truth, stream_s, sent, camera


def test_a_backlog_draining_slowly_after_a_stall_leaves_a_good_clock_trusted() -> None:
    """On a busy machine the burst after a 3 s stall came at 1.08x real time for half a minute,
    each packet fresh: the honest clock was judged to 'run at 1.08x real time' and lost its trust.
    Arrival coming back down to where it settled is a backlog draining, not a fast clock; a clock
    that really runs fast goes on past that level and is caught."""
    watch = ClockWatch(ClockLimits(probation_s=5, drift_span_s=5))
    placed = run(watch, slow_link(packets(70), 15, 3, 1.08))
    lag = [arrival - truth for truth, _, arrival, _ in slow_link(packets(70), 15, 3, 1.08)]
    assert max(lag) > 2.5 and lag[int(40 * FPS)] > 0.5  # still draining 22 s after the stall
    # Trusted throughout, so every frame is placed by the camera's clock, which is right.
    assert all(trusted for truth, _, trusted in placed if truth - T0 > 10), watch.verdict

    fast = ClockWatch(ClockLimits(probation_s=5, drift_span_s=5))
    placed = run(fast, packets(40, claim=lambda t: t if t - T0 < 15 else t + (t - T0 - 15) * 0.08))
    assert any(trusted for truth, _, trusted in placed if truth - T0 < 15)
    assert not fast.verdict.trusted, fast.verdict
