"""Two clocks for every camera, always compared: what the camera claims and when its frames arrive.

A camera's clock (its RTCP sender reports and stream timestamps) is the best record of when a
picture was taken, while it is right: arrival adds the encoder's and the network's delay, which
varies, and a link that stalls and then bursts delivers seconds of pictures at once. But real
cameras run hours off, drift, jump when NTP corrects them, and overloaded encoders stamp frames
at their nominal rate while delivering a third of them. Trusting such a clock moved footage
minutes away from where it belongs, and the signed package still verified.

So the recorder watches, for each camera, the difference between arrival and the camera's time:

- **offset**: the least difference over the last few seconds. Network delay only ever adds, so
  the least difference is the camera's error plus the smallest delay, and a stall (which delays
  some packets a lot) does not move it.
- **drift and rate**: the slope of that least difference against arrival, over a minute (drift,
  seconds gained a minute) and over a few seconds (rate, the stream's seconds per real second).
- **jumps**: the least difference moving away from where it settled.

A clock is *trusted* once it has stayed within every limit (:class:`ClockLimits`) for a
probation period; it loses trust the moment one is broken, and must then earn it again. While
it is not trusted, frames are placed on a *disciplined* clock instead: the camera's own
timestamps for the spacing between frames, scaled by the measured rate, and pinned to the
arrival of the least delayed packets less the measured network delay. Bursts after a stall are
placed where they were taken, not where they arrived; a jump moves nothing.

This module is arithmetic only (no video, no database), so that every rule has a unit test.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class ClockLimits:
    """When a camera's clock is believed. Defaults are for cameras on a LAN or a good WAN."""

    # Arrival less the camera's time beyond this (either way): the camera's clock is wrong, or
    # its pictures arrive later than any live view could use. Includes the network delay.
    max_offset_s: float = 2.0
    # Seconds gained or lost a minute, judged over at least ``drift_span_s`` of history.
    # A drift must also have moved the offset by half of ``max_step_s`` since it settled: on a
    # busy machine the least delay itself creeps up and down by a few hundred milliseconds.
    max_drift_s_per_min: float = 0.5
    drift_span_s: float = 20.0
    # The stream's seconds per real second outside 1 ± this, over ``rate_window_s``: an encoder
    # that stamps frames it never delivered, or a clock running fast.
    rate_tolerance: float = 0.05
    rate_window_s: float = 10.0
    # The offset moving this far from where it settled: a jump (an NTP correction, a reboot).
    max_step_s: float = 0.5
    # How long a clock must keep every limit before it is trusted again.
    probation_s: float = 20.0
    # The offset is the least difference over this long.
    window_s: float = 5.0
    # Packets of the first seconds after a (re)connection arrive in a burst: not judged.
    warmup_s: float = 0.5
    # History kept for the drift and the rate of the disciplined clock.
    history_s: float = 60.0


# Reasons that are a clock being watched, not a clock found wrong.
ON_PROBATION = ("watching", "no pictures yet", "no sender report yet")


@dataclass(frozen=True)
class ClockVerdict:
    trusted: bool
    reason: str  # why not trusted; what it is waiting for; "" when trusted
    offset_s: float | None  # arrival less camera time, least over the window (None: no camera time)
    drift_s_per_min: float | None  # seconds the camera's clock gains a minute (None: too little history)
    rate: float | None  # stream seconds per real second over the window
    delay_s: float  # the network delay taken off arrival to place frames when not trusted
    delay_measured: bool  # False: no delay was ever measured for this camera or its neighbours

    @property
    def on_probation(self) -> bool:
        """Not trusted yet, with nothing found wrong: a new stream, or a clock earning trust."""
        return not self.trusted and self.reason.startswith(ON_PROBATION)

    def describe(self) -> str:
        if self.trusted:
            return "camera clock trusted"
        if self.on_probation:
            return f"camera clock not yet trusted: {self.reason}"
        return f"camera clock not trusted: {self.reason}"


WAITING = ClockVerdict(False, "no pictures yet", None, None, None, 0.0, False)


@dataclass(frozen=True)
class Arrival:
    """When a packet's picture had wholly arrived (wall clock, seconds), and whether it was
    already waiting when the receiver asked for it (then ``at`` is when a busy receiver caught
    up, which says nothing of the camera's clock)."""

    at: float
    buffered: bool = False


SLOT_S = 0.5  # arrival is cut into slots this long; each keeps its least delayed packet
STALL_S = 1.0  # nothing arrived for this long: a stall
# Arrival this much later than where it settled, coming back down by more than this a second:
# a backlog draining (the least delay of a busy machine wanders by up to a few hundred ms).
BACKLOG_MARGIN_S = 0.25
DRAINING_SLOPE = 0.01


@dataclass
class _Slot:
    """The least delayed packet of one slot of arrival."""

    slot: int
    least: float  # arrival less stream time, seconds
    stream_s: float
    arrival_s: float


def _slope(points: list[tuple[float, float]]) -> float:
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx <= 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def pace_scale(points: list[tuple[float, float]], tolerance: float) -> float:
    """Real seconds per stream second, from packets that came at their pace: (stream time,
    arrival) each. The median slope of pairs at least half the span apart, so that a packet
    a busy receiver took late moves nothing; 1.0 within ``tolerance`` of it (the stream's own
    spacing is then right to within the noise of measuring it), or with too few packets."""
    n = len(points)
    half = n // 2
    slopes = sorted(
        (a2 - a1) / (s2 - s1) for i, (s1, a1) in enumerate(points) for s2, a2 in points[i + half :] if s2 > s1
    )
    if half < 2 or not slopes:
        return 1.0
    scale = slopes[len(slopes) // 2]
    return 1.0 if abs(1.0 - 1.0 / scale) <= tolerance or scale <= 0 else scale


def _seconds(value: float) -> str:
    """A difference people read at a glance: 80 ms, 3.4 s, 12 min 5 s, 2 h 0 min."""
    size = abs(value)
    if size < 1:
        return f"{size * 1000:.0f} ms"
    if size < 60:
        return f"{size:.1f} s"
    if size < 3600:
        return f"{int(size // 60)} min {int(size % 60)} s"
    minutes = round(size / 60)
    return f"{minutes // 60} h {minutes % 60} min"


class ClockWatch:
    """One camera's clock against arrival. Fed every packet; judges every half second of arrival."""

    def __init__(self, limits: ClockLimits | None = None,
                 neighbours_delay: Callable[[], float | None] = lambda: None) -> None:  # fmt: skip
        self.limits = limits or ClockLimits()
        # The delay measured for other cameras of this recorder: the best guess for a camera whose
        # own clock was never trusted (the same network, the same kind of encoder).
        self.neighbours_delay = neighbours_delay
        self.verdict = WAITING
        self.trusted_delay_s: float | None = None  # last measured while trusted
        self._settled_delay_s: float | None = None  # offset where a steady stretch began, once confirmed
        self._stretch_offset: float | None = None  # offset where the current steady stretch began
        self._history: deque[_Slot] = deque()
        self._current: _Slot | None = None
        self._camera_less_stream: float | None = None  # camera time less stream time (RTCP)
        self._started_at: float | None = None
        self._steady_since: float | None = None
        self._settled_least: float | None = None  # the level the least difference settled at
        self._rate_scale = 1.0  # real seconds per stream second, for the disciplined clock
        self._rate_known = False  # whether the stream's rate was measured yet
        self._last_disciplined: float | None = None
        self._delay_s = 0.0  # taken off arrival by the disciplined clock; re-read once a second
        self._previous: tuple[float, float] | None = None  # the last packet's stream time and arrival
        self._least_offset: float | None = None  # arrival less camera time, least since the stream began
        self._suspect = False  # a fault was found in this stream's clock: its own least offset is no delay
        self._vouched = False  # judged once with its rate known and no fault found

    # -- feeding -----------------------------------------------------------------------------

    def restart(self) -> None:
        """A new stream from the camera (it came back, its timestamps went back): what was
        learnt of the old one's timestamps is forgotten; the delays measured are kept."""
        self._history.clear()
        self._current = None
        self._camera_less_stream = None
        self._started_at = None
        self._steady_since = None
        self._settled_least = None
        self._rate_scale = 1.0
        self._rate_known = False
        self._last_disciplined = None
        self._previous = None
        self._least_offset = None
        self._suspect = False
        self._vouched = False
        self.verdict = ClockVerdict(False, "watching a new stream", None, None, None, *self._delay())

    def observe(
        self, stream_s: float, arrival_s: float, camera_s: float | None, buffered: bool = False
    ) -> None:
        """One packet: its stream time, when it arrived, and the camera's time for it (None until
        the camera's first sender report). A ``buffered`` packet was waiting when the receiver
        asked for it: its arrival is when a busy receiver caught up, so it is placed, and a jump
        in its timestamps is seen, but it never counts towards the offset, the rate or the drift
        (a receiver draining a backlog made every camera "run at 1.3x real time")."""
        if camera_s is not None:
            self._camera_less_stream = camera_s - stream_s
            offset = arrival_s - camera_s
            if not buffered and (self._least_offset is None or offset < self._least_offset):
                self._least_offset = offset
        if self._started_at is None:
            self._started_at = arrival_s
            self._delay_s = self._delay()[0]
        previous, self._previous = self._previous, (stream_s, arrival_s)
        ahead = 0.0 if previous is None else (stream_s - previous[0]) - (arrival_s - previous[1])
        if ahead > self.limits.max_step_s:
            # The stream moved on further than time did: a jump forward of the camera's clock (a
            # stall does the opposite). Known at this packet, not a second later, so no packet
            # after it is placed by the old clock; what came before says nothing of the new one.
            self._jumped(ahead)
        if buffered:
            return
        least = arrival_s - stream_s
        slot = int(arrival_s / SLOT_S)
        current = self._current
        if current is not None and current.slot == slot:
            if least < current.least:
                current.least, current.stream_s, current.arrival_s = least, stream_s, arrival_s
            return
        if current is not None and current.arrival_s - self._started_at >= self.limits.warmup_s:
            self._history.append(current)
            while self._history and (slot - self._history[0].slot) * SLOT_S > self.limits.history_s:
                self._history.popleft()
            self._judge(arrival_s)
        self._current = _Slot(slot, least, stream_s, arrival_s)

    def _jumped(self, seconds: float) -> None:
        self._suspect = True
        self._history.clear()
        self._current = None
        self._steady_since = self._settled_least = None
        self._delay_s, measured = self._delay()
        v = self.verdict
        reason = f"its clock jumped forward {_seconds(seconds)}"
        self.verdict = ClockVerdict(False, reason, v.offset_s, None, v.rate, self._delay_s, measured)

    # -- placing -----------------------------------------------------------------------------

    def camera_time(self, stream_s: float) -> float | None:
        """The camera's own time for a packet (its sender reports), or None before the first."""
        if self._camera_less_stream is None:
            return None
        return stream_s + self._camera_less_stream

    def disciplined_time(self, stream_s: float, arrival_s: float) -> float:
        """When a packet was taken, by arrival: the stream's spacing scaled by the measured rate,
        pinned to the least delayed packets of the last few seconds less the network delay.
        Until the rate is measured (the first second of a stream) the stream's spacing cannot be
        believed, and each packet is placed by its own arrival."""
        if not self._rate_known:
            return self._in_order(arrival_s - self._delay_s)
        # The last few seconds that had packets: a stall leaves no seconds, and the least delayed
        # packets before it still pin the clock while its burst arrives.
        history = self._history
        first = max(0, len(history) - int(self.limits.window_s / SLOT_S))
        recent = [history[i] for i in range(first, len(history))]
        if self._current is not None:
            recent.append(self._current)
        scale = self._rate_scale
        if recent:
            anchor = min(recent, key=lambda s: s.arrival_s - scale * s.stream_s)
            at = anchor.arrival_s + scale * (stream_s - anchor.stream_s) - self._delay_s
        else:
            at = arrival_s - self._delay_s
        return self._in_order(at)

    def _in_order(self, at: float) -> float:
        if self._last_disciplined is not None and at <= self._last_disciplined:
            at = self._last_disciplined + 1e-4  # a stream's frames keep their order
        self._last_disciplined = at
        return at

    # -- judging -----------------------------------------------------------------------------

    def _delay(self) -> tuple[float, bool]:
        """The network delay to take off arrival: measured while the clock was trusted, else where
        its steady stretch began, else the least seen since the stream began once its rate was
        measured and while no fault was found in its clock (an error within ``max_offset_s`` is
        what trusting it would accept),
        else its neighbours'. None of them: nothing is taken off."""
        least = self._least_offset if self._vouched and not self._suspect else None
        provisional = least if least is not None and 0.0 <= least <= self.limits.max_offset_s else None
        for delay in (self.trusted_delay_s, self._settled_delay_s, provisional, self.neighbours_delay()):
            if delay is not None:
                return max(0.0, delay), True
        return 0.0, False

    def _draining(self, history: list[_Slot]) -> bool:
        """Whether the newest slot is a backlog draining: arrival later than where it settled, after
        a stall or while the stream comes faster than real time. On a busy machine the burst after
        a 3 s stall came back at 1.08x real time for twenty seconds, each packet fresh (the link,
        not the receiver, held them): judged, the honest clock "ran at 1.08x real time" and lost its
        trust. A clock that runs fast goes on past the settled level; one that runs slow or jumps
        back does not come back down; both are judged once the stall has left the window."""
        settled, newest = self._settled_least, history[-1]
        if settled is None or newest.least - settled <= BACKLOG_MARGIN_S:
            return False
        window = history[-int(self.limits.rate_window_s / SLOT_S) :]
        if any(b.arrival_s - a.arrival_s > STALL_S for a, b in pairwise(window)):
            return True
        return len(window) >= 3 and _slope([(s.arrival_s, s.least) for s in window]) < -DRAINING_SLOPE

    def _judge(self, now: float) -> None:
        limits, history = self.limits, list(self._history)
        if self._draining(history):
            # Not judged, and kept out of the history: the level, the drift and the rate are the
            # camera's, not the backlog's. The verdict stands until the backlog has drained.
            self._history.pop()
            return
        recent = history[-int(limits.window_s / SLOT_S) :]
        least = min(s.least for s in recent)
        offset = None if self._camera_less_stream is None else least - self._camera_less_stream
        window = history[-int(limits.rate_window_s / SLOT_S) :]
        short = [(s.arrival_s, s.least) for s in window]
        # A stall in the window (a second with nothing, then a burst that a busy receiver drains
        # for a while) says nothing of the camera's rate: it is judged again once the stall has
        # left the window. An encoder that falls behind delivers steadily, only fewer frames.
        stalled = any(b.arrival_s - a.arrival_s > STALL_S for a, b in pairwise(window))
        rate = 1.0 - _slope(short) if len(short) >= 3 and not stalled else None
        span = history[-1].arrival_s - history[0].arrival_s
        long_slope = _slope([(s.arrival_s, s.least) for s in history]) if len(history) >= 3 else 0.0
        drift = -long_slope * 60 if span >= limits.drift_span_s else None
        # The disciplined clock's spacing: a stream far off real time is scaled as soon as two
        # slots show it; a small drift only once enough history measures it well. Below that
        # the stream's own spacing is right to within the noise of measuring it.
        if span >= 1.0:
            self._rate_known = True
        if abs(long_slope) < 0.9 and (
            (span >= 1.0 and abs(long_slope) > limits.rate_tolerance) or span >= limits.drift_span_s / 2
        ):
            self._rate_scale = 1.0 / (1.0 - long_slope)
        else:
            self._rate_scale = 1.0

        moved = 0.0 if self._settled_least is None else self._settled_least - least
        problem = ""
        if offset is None:
            problem = "no sender report yet: nothing to compare arrival with"
        elif rate is not None and abs(rate - 1.0) > limits.rate_tolerance:
            problem = f"its stream runs at {rate:.2f}x real time"
        elif abs(offset) > limits.max_offset_s:
            side = "ahead of" if offset < 0 else "behind"
            problem = f"its clock is {_seconds(offset)} {side} arrival"
        elif (
            drift is not None
            and abs(drift) > limits.max_drift_s_per_min
            and abs(moved) > limits.max_step_s / 2
        ):
            problem = f"its clock {'gains' if drift > 0 else 'loses'} {_seconds(drift)} a minute"
        elif abs(moved) > limits.max_step_s:
            problem = f"its clock jumped {'forward' if moved > 0 else 'back'} {_seconds(moved)}"
            # A new level to hold to; what came before says nothing of the slope after it.
            self._settled_least = least
            self._history = deque(history[-1:])

        if problem:
            self._suspect = self._suspect or offset is not None
            # Probation starts again; the level the clock settled at stays, so that a drift
            # goes on counting from where it began.
            self._steady_since = None
            self._delay_s, measured = self._delay()
            self.verdict = ClockVerdict(False, problem, offset, drift, rate, self._delay_s, measured)
            return
        assert offset is not None
        self._vouched = self._vouched or rate is not None
        if self._steady_since is None:
            self._steady_since, self._stretch_offset = now, offset
            if self._settled_least is None:
                self._settled_least = least
        steady_for = now - self._steady_since
        if steady_for >= limits.window_s and self._stretch_offset is not None and self._stretch_offset >= 0:
            # Steady for a while: where the stretch began is a delay measured (a drift caught
            # later has moved the offset since; the start of the stretch had less of it).
            self._settled_delay_s = self._stretch_offset
        if steady_for >= limits.probation_s and drift is not None:
            self.trusted_delay_s = self._delay_s = max(0.0, offset)
            self.verdict = ClockVerdict(True, "", offset, drift, rate, self._delay_s, True)
            return
        self._delay_s, measured = self._delay()
        reason = f"watching it: steady for {steady_for:.0f} of {limits.probation_s:.0f} s"
        self.verdict = ClockVerdict(False, reason, offset, drift, rate, self._delay_s, measured)
