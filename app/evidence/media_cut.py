"""Working copies and stills made from recorded segments, never touching the segments.

Segment times are the recording host's UTC clock (see :mod:`app.video.recorder`): a packet's
wall time is its segment's start plus the packet's offset from the segment's first packet.

* :func:`trim_stream_copy` copies packets from the keyframe at or before the requested in point
  to the out point into one MP4, across segment boundaries, without decoding; the actual start is
  that keyframe, and both requested and actual times go into the manifest.
* :func:`render_derivative` decodes and re-encodes exactly from in to out, optionally blurring
  privacy masks (OpenCV) and burning a watermark; its output is labelled a derivative.
* :func:`grab_still` decodes the frame shown at a bookmark's time into a PNG.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from app.playback.clock import read_clock


class MediaCutError(RuntimeError):
    pass


@dataclass(frozen=True)
class SourceSegment:
    path: Path
    start_at: datetime
    end_at: datetime


@dataclass(frozen=True)
class Cut:
    actual_start: datetime
    actual_end: datetime
    frames: int


@dataclass(frozen=True)
class Mask:
    """A rectangle to blur, in fractions of the frame (0..1), so it fits main and sub streams."""

    x: float
    y: float
    w: float
    h: float


class _Output:
    """A container written through a Python file we own, so that a full or pulled device can never
    leave the file open (PyAV's own close can fail before it releases the file), and the drive can
    be ejected right after an error."""

    def __init__(self, path: Path, **options: Any) -> None:
        self.file = path.open("xb")
        try:
            self.container = av.open(self.file, mode="w", format="mp4", **options)
        except BaseException:
            self.file.close()
            raise

    def close(self) -> None:
        try:
            self.container.close()
        finally:
            self.file.close()


def _finish(output: _Output | None, out: Path, first: datetime | None, last: datetime, frames: int,
            start: datetime, end: datetime) -> Cut:  # fmt: skip
    """Close a cut that went through; one that found no frame leaves no file and says so."""
    if output is not None:
        output.close()
    if output is None or first is None:
        out.unlink(missing_ok=True)
        raise MediaCutError(f"no recorded frames between {start:%H:%M:%S} and {end:%H:%M:%S} UTC")
    return Cut(first, last, frames)


def _close_quietly(output: _Output | None) -> None:
    """Close after a failure; the first error is the one worth reporting."""
    if output is not None:
        with contextlib.suppress(av.error.FFmpegError, OSError):
            output.close()


def _packets(sources: list[SourceSegment]) -> Iterator[tuple[datetime, Any, Any]]:
    """(wall time, packet, input stream) for every video packet of the segments, in order."""
    for seg in sources:
        try:
            container = av.open(str(seg.path))
        except (av.error.FFmpegError, OSError) as exc:
            raise MediaCutError(f"cannot read segment {seg.path.name}: {exc}") from None
        with container:
            clock = read_clock(seg.path, seg.start_at, seg.end_at)
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.pts is None or packet.size == 0:
                    continue
                yield clock.at(packet.pts), packet, stream


TICKS = 90_000  # per second, the working copies' time base (as RTP's): fine enough for any rate


class RegularClock:
    """Regular frame times for a working copy. A recording's frame times carry the jitter of
    their arrival (63-70 ms apart for a 15 fps camera on a busy host), which players show as
    uneven motion. A copy places each frame on a grid of equal steps, the camera's usual frame
    interval (the median interval of the cut), at the step nearest its recorded time: frames come
    out evenly spaced (to one tick), every frame stays within half a step of its recorded time, and
    a frame the camera never sent leaves its slot empty instead of shifting the rest.

    The step was the cut's *average* interval once; a camera dropping frames on a busy machine
    then had its frames pushed into the slots ahead of them, one after another, and a working copy
    ran 1.1 s longer than the 10.6 s its manifest stated (caught by ``rtcc verify``)."""

    def __init__(self, times: list[datetime], fallback_fps: float = 15.0) -> None:
        gaps = sorted((b - a).total_seconds() for a, b in pairwise(times) if b > a)
        self.step = gaps[len(gaps) // 2] * TICKS if gaps else TICKS / fallback_fps
        self.first = times[0] if times else datetime.now(UTC)
        self._slot = -1

    def ticks(self, when: datetime) -> int:
        slot = max(0, round((when - self.first).total_seconds() * TICKS / self.step))
        self._slot = max(slot, self._slot + 1)  # two frames never share a slot
        return round(self._slot * self.step)


def _copy_times(sources: list[SourceSegment], start: datetime, end: datetime) -> list[datetime]:
    """Recorded times of the frames :func:`trim_stream_copy` copies (from the keyframe at or
    before ``start`` to ``end``): a demux-only pass, no decoding."""
    gop: list[datetime] = []
    times: list[datetime] = []
    for when, packet, _stream in _packets(sources):
        if when > end:
            break
        if not times:
            if packet.is_keyframe:
                gop = [when]
            elif gop:
                gop.append(when)
            if not gop or when < start:
                continue
            times = gop
        else:
            times.append(when)
    return times


def _frame_times(sources: list[SourceSegment], start: datetime, end: datetime) -> list[datetime]:
    """The same for an exact cut: the frames recorded from ``start`` to ``end`` (one packet is one
    frame in these recordings: no B-frames)."""
    times: list[datetime] = []
    for when, _packet, _stream in _packets(sources):
        if when > end:
            break
        if when >= start:
            times.append(when)
    return times


def trim_stream_copy(
    sources: list[SourceSegment],
    start: datetime,
    end: datetime,
    out: Path,
    cancelled: Callable[[], bool] = lambda: False,
) -> Cut:
    """Copy [start, end] from ``sources`` (ordered by time) into the MP4 ``out``."""
    gop: list[tuple[datetime, Any]] = []
    output: _Output | None = None
    ostream: Any = None
    actual_start: datetime | None = None
    last_time = start
    frames = 0
    clock = RegularClock(_copy_times(sources, start, end))
    try:
        for when, packet, istream in _packets(sources):
            if cancelled():
                raise MediaCutError("cancelled")
            if when > end:
                break
            if output is None:
                if packet.is_keyframe:
                    gop = [(when, packet)]
                elif gop:
                    gop.append((when, packet))
                if not gop or when < start:
                    continue  # before the in point, or no keyframe yet to start from
                output = _Output(out, options={"movflags": "+faststart"})
                ostream = output.container.add_stream_from_template(istream)
                actual_start = gop[0][0]
                pending, gop = gop, []
            else:
                pending = [(when, packet)]
            for t, pkt in pending:
                # Regular times from the actual start keep the copy continuous across segment
                # boundaries whatever each segment's own timestamps were, and its motion even.
                # The demuxed packet is muxed as it is, only retimed: no copy of the payload.
                pkt.pts = pkt.dts = clock.ticks(t)
                pkt.time_base = Fraction(1, TICKS)
                pkt.stream = ostream
                output.container.mux(pkt)
                last_time = t
                frames += 1
    except BaseException:
        _close_quietly(output)
        raise
    return _finish(output, out, actual_start, last_time, frames, start, end)


def _frames(sources: list[SourceSegment]) -> Iterator[tuple[datetime, Any]]:
    for seg in sources:
        clock = read_clock(seg.path, seg.start_at, seg.end_at)
        with av.open(str(seg.path)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                if frame.pts is not None:
                    yield clock.at(frame.pts), frame


def apply_masks(image: np.ndarray, masks: list[Mask]) -> np.ndarray:
    height, width = image.shape[:2]
    for m in masks:
        x0, y0 = max(0, int(m.x * width)), max(0, int(m.y * height))
        x1, y1 = min(width, int((m.x + m.w) * width)), min(height, int((m.y + m.h) * height))
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        region = image[y0:y1, x0:x1]
        # A coarse pixelation under the blur: faces and plates cannot be recovered by sharpening.
        small = cv2.resize(
            region, (max(1, (x1 - x0) // 16), max(1, (y1 - y0) // 16)), interpolation=cv2.INTER_AREA
        )
        coarse = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
        image[y0:y1, x0:x1] = cv2.GaussianBlur(coarse, (0, 0), sigmaX=max(3.0, (x1 - x0) / 20))
    return image


def burn_watermark(image: np.ndarray, text: str) -> np.ndarray:
    height = image.shape[0]
    scale = max(0.4, height / 900)
    thickness = max(1, int(scale * 2))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    y = height - int(th * 1.5)
    cv2.rectangle(image, (6, y - th - 6), (14 + tw, y + base + 4), (0, 0, 0), -1)
    cv2.putText(
        image, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA
    )
    return image


def burn_caption(image: np.ndarray, lines: tuple[str, ...]) -> np.ndarray:
    """A black strip along the bottom with the lines in white, readable on a phone (ASCII: the
    burned-in font has no other glyphs)."""
    height, width = image.shape[:2]
    scale = max(0.45, height / 560)  # large enough to read on a phone showing the frame scaled down
    widest = max(cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)[0][0] for line in lines)
    scale = min(scale, scale * (width - 20) / max(widest, 1))  # every line whole, never cut at the edge
    thickness = max(1, int(scale * 2))
    step = int(32 * scale)
    top = height - step * len(lines) - int(12 * scale)
    cv2.rectangle(image, (0, top), (width, height), (0, 0, 0), -1)
    for n, line in enumerate(lines):
        y = top + step * (n + 1)
        cv2.putText(image, line, (int(10 * scale), y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255),
                    thickness, cv2.LINE_AA)  # fmt: skip
    return image


def render_derivative(
    sources: list[SourceSegment],
    start: datetime,
    end: datetime,
    out: Path,
    *,
    masks: list[Mask] | None = None,
    watermark: str = "",
    caption: tuple[str, ...] = (),
    faststart: bool = False,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[[float], None] = lambda _fraction: None,
) -> Cut:
    """Re-encode exactly [start, end] (H.264), with masks blurred and the watermark burned in.
    ``progress`` hears how far through the window the encode is (0 to 1), every few frames:
    re-encoding is the slow part of an export, and its bar must move while it runs."""
    output: _Output | None = None
    ostream: Any = None
    first: datetime | None = None
    last = start
    frames = 0
    clock = RegularClock(_frame_times(sources, start, end))
    try:
        for when, frame in _frames(sources):
            if cancelled():
                raise MediaCutError("cancelled")
            if when < start:
                continue
            if when > end:
                break
            if output is None:
                # faststart: the index at the front, so a browser plays the file while it loads.
                output = _Output(out, options={"movflags": "+faststart"}) if faststart else _Output(out)
                ostream = output.container.add_stream(
                    "libx264", rate=Fraction(round(TICKS / clock.step * 1000), 1000)
                )
                ostream.width, ostream.height = frame.width, frame.height
                ostream.pix_fmt = "yuv420p"
                ostream.time_base = Fraction(1, TICKS)
                ostream.options = {"crf": "18", "preset": "veryfast"}
                first = when
            image = frame.to_ndarray(format="bgr24")
            if masks:
                image = apply_masks(image, masks)
            if watermark:
                image = burn_watermark(image, watermark)
            if caption:
                image = burn_caption(image, caption)
            encoded = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
            encoded.pts = clock.ticks(when)
            encoded.time_base = Fraction(1, TICKS)
            for packet in ostream.encode(encoded):
                output.container.mux(packet)
            last = when
            frames += 1
            if frames % 8 == 0:
                progress((when - start).total_seconds() / max((end - start).total_seconds(), 1e-6))
        if output is not None:
            for packet in ostream.encode(None):
                output.container.mux(packet)
    except BaseException:
        _close_quietly(output)
        raise
    return _finish(output, out, first, last, frames, start, end)


def grab_still(
    sources: list[SourceSegment], at: datetime, out: Path, caption: tuple[str, ...] = ()
) -> datetime:
    """Write the frame on screen at ``at`` (the last frame at or before it) as PNG; returns its time."""
    chosen: tuple[datetime, Any] | None = None
    for when, frame in _frames(sources):
        if when > at and chosen is not None:
            break
        chosen = (when, frame)
        if when > at:
            break
    if chosen is None:
        raise MediaCutError(f"no recorded frame near {at:%H:%M:%S} UTC")
    image = chosen[1].to_ndarray(format="bgr24")
    if caption:
        image = burn_caption(image, caption)
    if not cv2.imwrite(str(out), image):
        raise MediaCutError(f"cannot write the still {out.name}")
    return chosen[0]
