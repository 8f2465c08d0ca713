"""The relay keeps its output's timestamps increasing whatever the camera's do.

A camera that reboots restarts its clock; an RTSP server re-syncs a shared stream when another
client joins. The MPEG-TS muxer refuses a timestamp that goes back, which ended the relay for
every viewer (found with the simulator's shared encoder: the first two of nine relays died).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from app.video.relay import _Retimer


@dataclass
class Packet:
    dts: int
    pts: int | None


def run(times: list[int]) -> tuple[list[int], list[bool]]:
    retime = _Retimer(Fraction(1, 90_000))
    out, flags = [], []
    for t in times:
        packet = Packet(t, t + 3600)
        flags.append(retime(packet))
        assert packet.pts == packet.dts + 3600  # presentation keeps its distance from decoding
        out.append(packet.dts)
    return out, flags


def test_steady_timestamps_pass_untouched() -> None:
    times = [1000 + 3600 * i for i in range(5)]
    assert run(times) == (times, [False] * 5)


def test_a_clock_that_restarts_continues_one_frame_later() -> None:
    out, flags = run([900_000, 903_600, 907_200, 0, 3600, 7200])
    assert out == [900_000, 903_600, 907_200, 910_800, 914_400, 918_000]
    assert flags == [False, False, False, True, False, False]


def test_a_jump_far_ahead_is_taken_up_too() -> None:
    out, flags = run([0, 3600, 3600 + 90_000 * 60, 3600 + 90_000 * 60 + 3600])
    assert out == [0, 3600, 7200, 10_800] and flags == [False, False, True, False]


def test_a_repeated_timestamp_moves_on() -> None:
    out, _ = run([0, 3600, 3600, 7200])
    assert out == [0, 3600, 7200, 10_800]
