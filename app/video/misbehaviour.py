"""How a simulated camera misbehaves on purpose, the way real cameras do in the field.

Real cameras run hours off, drift, jump when NTP corrects them, deliver fewer frames than they
claim when their encoder is overloaded, and reach the recorder over links that stall and then
burst. The simulator does each of these on demand, so that the tests of the recorder's clock
checks never depend on a quiet (or a busy) machine.

What a switch bends is what the camera *claims*: its stream timestamps, which its RTCP sender
reports map to wall-clock time. The picture always carries the truth: the burned-in clock and
barcode are the moment the frame was taken, as a clock on the wall of the scene would be. Tests
compare what the console shows and writes against that truth.

This module is the switches' grammar only (no GStreamer): the simulator applies them, and the
test fixtures and ``rtcc simulate --misbehave`` build them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


class MisbehaviourError(ValueError):
    """A misbehaviour switch that cannot be applied, with what is wrong in it."""


@dataclass(frozen=True)
class Misbehaviour:
    """A camera's standing faults. Stalls and jumps are events, sent while it runs."""

    # The camera's clock is this many seconds ahead of the truth (hours, for a camera never set).
    # Negative values work only while the stream's own timestamps stay above zero, which is
    # seconds after it starts; a camera behind the truth is simulated as one ahead of it.
    offset: float = 0.0
    # The camera's clock gains this many seconds a minute (negative: loses).
    drift: float = 0.0
    # The camera delivers one frame in this many, each still stamped as if it delivered every one:
    # an encoder that cannot keep up and whose timestamps count frames, not time.
    slow: int = 1

    def __post_init__(self) -> None:
        if not -30.0 <= self.drift <= 30.0:
            raise MisbehaviourError(f"drift={self.drift:g}: a drift must be within ±30 seconds a minute")
        if not 1 <= self.slow <= 15:
            raise MisbehaviourError(f"slow={self.slow}: one frame in 1 to 15")
        if not -86_400 * 7 <= self.offset <= 86_400 * 7:
            raise MisbehaviourError(f"offset={self.offset:g}: an offset must be within a week")

    @property
    def honest(self) -> bool:
        return self == Misbehaviour()

    @classmethod
    def parse(cls, text: str) -> Misbehaviour:
        """``offset=7200,drift=1,slow=3`` (any subset; an empty text is an honest camera)."""
        values: dict[str, Any] = {}
        known = {f.name: f.type for f in fields(cls)}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = part.partition("=")
            key = key.strip()
            if not sep or key not in known:
                raise MisbehaviourError(f"{part!r}: expected one of {', '.join(k + '=N' for k in known)}")
            try:
                values[key] = int(value) if key == "slow" else float(value)
            except ValueError:
                raise MisbehaviourError(f"{part!r}: {value.strip()!r} is not a number") from None
        return replace(cls(), **values)

    def spec(self) -> str:
        return ",".join(f"{f.name}={getattr(self, f.name):g}" for f in fields(self))


def parse_camera_switch(text: str) -> tuple[int, Misbehaviour]:
    """``--misbehave 2:offset=7200`` → (2, Misbehaviour(offset=7200))."""
    index, sep, rest = text.partition(":")
    if not sep or not index.strip().isdigit():
        raise MisbehaviourError(f"{text!r}: expected CAMERA:SWITCHES, for example 2:offset=7200,drift=1")
    return int(index), Misbehaviour.parse(rest)
