"""Recording: a camera's packets into fixed-length Matroska segments, each indexed when it closes.

Segments are cut at the first keyframe after ``segment_s`` seconds, without transcoding; Matroska
stays playable if the service dies mid-segment. Each closed segment is hashed (SHA-256), indexed
as an evidence item of kind "segment" (camera, start and end in UTC, path, size, hash) and gets
its first custody event, "recorded", in the same transaction.

Clock: every packet is placed on one of two clocks, compared all the time (:mod:`app.video.clock_watch`).
While the camera's clock is trusted (its RTCP sender reports and timestamps steady against
arrival), a packet's time is the camera's: the moment the picture was taken, 5 ms from the
simulator's burned-in clock where arrival was 0.13-1.9 s late. While it is not (no report yet,
an offset beyond the limit, a drift, a jump, a stream that runs off real time), the packet is
placed on the disciplined clock: arrival of the least delayed packets less the measured network
delay, with the stream's own spacing between frames. A segment holds packets of one clock only
(it is cut at the first keyframe after the verdict changes), its file's timestamps are the
placed times, so a player of the file sees what the index says, and its index row and custody
event say which clock placed it and why. At close, a segment placed by the camera's clock whose
span disagrees with arrival's is indexed by arrival instead: a segment never claims a span its
pictures do not fill.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.governance.custody import append_event, sha256_file
from app.models.tables import EvidenceItem
from app.video.clock_watch import Arrival, ClockLimits, ClockVerdict, ClockWatch, pace_scale

log = logging.getLogger(__name__)

CAMERA_CLOCK = "camera RTCP"
ARRIVAL_LESS_DELAY = "arrival less measured delay"
ARRIVAL = "arrival"


@dataclass(frozen=True)
class CameraClock:
    """A stream's RTCP mapping, read while its container is open: wall time of pts ``first``."""

    realtime_us: int
    first: int
    time_base: Any

    @classmethod
    def of(cls, stream: Any, first_pts: int | None = None) -> CameraClock | None:
        """None until the camera's first sender report has arrived (or for a source without).
        FFmpeg dates the stream's first packet: ``first_pts`` where the caller saw it, else the
        stream's start time (which a short probe leaves missing or wrong: 0.2 s off, measured)."""
        realtime = getattr(getattr(stream, "container", None), "start_time_realtime", None)
        if realtime is None or not stream.time_base:
            return None
        first = first_pts if first_pts is not None else stream.start_time
        return cls(realtime, first if first is not None else 0, stream.time_base)

    def at(self, pts: int) -> datetime:
        return datetime.fromtimestamp(self.at_s(pts), UTC)

    def at_s(self, pts: int) -> float:
        return self.realtime_us / 1e6 + float((pts - self.first) * self.time_base)


def _frame_seconds(packet: Any, stream: Any) -> float:
    if packet.duration and packet.time_base:
        return float(packet.duration * packet.time_base)
    rate = getattr(stream, "average_rate", None) or getattr(stream, "guessed_rate", None)
    return float(1 / rate) if rate else 0.0


@dataclass(frozen=True)
class SegmentTime:
    start: datetime
    end: datetime
    source: str  # CAMERA_CLOCK, ARRIVAL_LESS_DELAY or ARRIVAL
    offset_ms: float | None  # the least delay measured (camera clock), or taken off arrival
    why: str = ""  # why the camera's clock did not place it
    partial: str = ""  # why the segment ends before it was due (a full disk), or ""

    def describe(self) -> str:
        if self.source == CAMERA_CLOCK:
            late = (
                ""
                if self.offset_ms is None
                else f" (packets arrive {self.offset_ms:+.0f} ms after the camera's time)"
            )
            return f"{self.source}{late}"
        delay = (
            f" {self.offset_ms:.0f} ms"
            if self.source == ARRIVAL_LESS_DELAY and self.offset_ms is not None
            else ""
        )
        return f"{self.source}{delay}; {self.why}" if self.why else f"{self.source}{delay}"


@dataclass
class _Placed:
    """Where the open segment's first and last packets lie on each clock."""

    source: str
    why: str
    delay_s: float
    first: float  # placed time (epoch seconds) of the first packet, on the segment's clock
    last: float
    first_disciplined: float
    last_disciplined: float
    first_written: int | None = None  # the first packet's stream time, in the stream's units
    last_written: int | None = None  # the last timestamp written, which the next must pass


class CloseRequest:
    """Someone waits for the footage up to ``at`` to be in an indexed segment: a hand-off from a
    live tile, which cannot wait for the minute to be up. ``at`` is compared with the packets'
    placed times: the camera's clock while it is trusted, arrival less the delay while not."""

    def __init__(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)
        self.done = threading.Event()
        self.end: datetime | None = None  # the indexed segment's end, once done
        self.error = ""

    def finish(self, end: datetime | None, error: str = "") -> None:
        self.end, self.error = end, error
        self.done.set()


# Free space under which no segment is opened: a segment started on a full disk left an empty or
# unreadable file every few seconds per camera. Recording of each camera resumes at the first
# keyframe that finds this much free again, and the alarm clears.
MIN_FREE_BYTES = 256 * 1024 * 1024
MAX_CLOSE_REQUESTS = 16  # a flood of requests cannot grow the list without end
MAX_HELD = 150  # packets of a stream's opening burst held at most (10 s at 15 fps; FFmpeg reads 2 s)
PACE_MEASURED_S = 2.0  # how long packets that come at their pace are held to measure it


def _stream_s(packet: Any) -> float:
    """A packet's stream time in seconds (its pts, else its dts; the recorder takes no packet
    with neither)."""
    stamp = packet.pts if packet.pts is not None else packet.dts
    return float(stamp * packet.time_base)


class SegmentRecorder:
    def __init__(self, camera_id: int, camera_uid: str, root: Path, sessions: sessionmaker[Session],
                 segment_s: float = 60.0, clock_limits: ClockLimits | None = None,
                 neighbours_delay: Callable[[], float | None] = lambda: None) -> None:  # fmt: skip
        self.camera_id = camera_id
        self.root = root
        self.folder = root / camera_uid
        self.sessions = sessions
        self.segment_s = segment_s
        self.segments = 0
        self.newest_end: datetime | None = None  # the newest indexed segment's end (the heartbeat's)
        self.error = ""
        self.min_free_bytes = MIN_FREE_BYTES
        self._disk_error = False  # the error is the disk's: it clears when a segment opens again
        self._lock = threading.Lock()
        self._out: Any = None
        self._stream: Any = None
        self._path: Path | None = None
        self._opened_mono = 0.0
        self._started_at: datetime | None = None
        self._last_at: datetime | None = None
        self._last_stamp: int | None = None
        self._clock: CameraClock | None = None  # the camera's RTCP mapping, once known
        self._clock_of: Any = None  # the stream it was read from
        self._first_pts: int | None = None  # that stream's first packet, which its RTCP mapping dates
        self._paced = False  # whether the stream's packets come at its pace yet (after the opening burst)
        # The opening burst: each packet, when it arrived and whether it was buffered.
        self._held: list[tuple[Any, float, bool]] = []
        self._paced_from: int | None = None  # the first held packet that came at the stream's pace
        self._base: int | None = None  # the camera's timestamp at the segment's first packet
        self._frame_s = 0.0  # how long the last frame stays on screen
        self._placed: _Placed | None = None  # the open segment's clock and ends
        self.watch = ClockWatch(clock_limits, neighbours_delay)
        # Closed segments wait here for one indexing thread per recorder, which stays while
        # segments keep coming: a thread per segment churned glibc's per-thread heaps, and the
        # media service's memory grew with the segments (about 4 kB each, measured).
        self._to_index: queue.Queue[tuple[Path, SegmentTime, list[CloseRequest]]] = queue.Queue()
        self._indexer: threading.Thread | None = None
        self._close_requests: list[CloseRequest] = []  # earliest first

    @property
    def last_packet_at(self) -> datetime | None:
        return self._last_at

    @property
    def segment_started_at(self) -> datetime | None:
        return self._started_at if self._out is not None else None

    @property
    def recording(self) -> bool:
        return self._out is not None

    @property
    def clock(self) -> ClockVerdict:
        """What the recorder believes of the camera's clock now (for status and the console)."""
        return self.watch.verdict

    def on_packet(
        self, packet: Any, source: Any, first_pts: int | None = None, arrival: Arrival | None = None
    ) -> None:
        """Called on the relay's thread for every packet of the camera's main stream, with the
        stream's first pts (the relay saw it; without it, the first this recorder sees) and when
        its picture arrived as the relay saw it (without it, now, and not waiting)."""
        with self._lock:
            stamp = packet.dts if packet.dts is not None else packet.pts
            pts = packet.pts if packet.pts is not None else packet.dts
            if stamp is None or pts is None or not packet.time_base:
                return  # nothing to place it by (the relay skips these too)
            came = arrival or Arrival(time.time())
            if self._clock_of is not source:
                # A new pull of the camera: a new RTCP mapping and timestamps, to be judged anew.
                self._first_pts = first_pts if first_pts is not None else pts
                self._clock, self._clock_of = CameraClock.of(source, self._first_pts), source
                self.watch.restart()
                self._paced, self._held, self._paced_from = False, [], None
            elif self._clock is None:
                # Read here, on the relay's thread, while the source is open.
                self._clock = CameraClock.of(source, self._first_pts)
            if not self._paced:
                self._hold_until_paced(packet, source, came.at, came.buffered)
                return
            self._take(packet, source, came.at, came.buffered)

    def _hold_until_paced(self, packet: Any, source: Any, arrival: float, buffered: bool) -> None:
        """A new stream's first packets: what FFmpeg read while it opened the stream (about two
        seconds of it) arrives at once, and arrival says nothing of when those pictures were
        taken. They are held until packets come at the stream's pace, and then for a couple of
        seconds more, to measure that pace against real time (an encoder that delivers a third
        of its frames stamps them three times too close). Then all are taken: the burst as if
        it had arrived at that pace, each as long before the first paced packet as the stream
        says, scaled by the pace measured."""
        held = av.Packet(bytes(packet))
        held.pts, held.dts, held.time_base = packet.pts, packet.dts, packet.time_base
        held.is_keyframe, held.duration = packet.is_keyframe, packet.duration
        self._held.append((held, arrival, buffered))
        full = len(self._held) >= MAX_HELD
        if self._paced_from is None:
            if len(self._held) < 2:
                return
            (before, came_before, _), (now, came_now, _) = self._held[-2], self._held[-1]
            stream_gap = _stream_s(now) - _stream_s(before)
            if stream_gap > 0 and came_now - came_before < stream_gap / 2 and not full:
                return  # still the burst
            self._paced_from = len(self._held) - 1
        paced = self._held[self._paced_from :]
        if paced[-1][1] - paced[0][1] < PACE_MEASURED_S and not full:
            return
        self._release_held(source)

    def _release_held(self, source: Any) -> None:
        """Take every held packet: the burst dated by the pace measured since (the stream's own
        spacing when too little was measured, as when recording stops meanwhile), the packets
        that came at that pace by their own arrival."""
        held, paced_from = self._held, self._paced_from
        self._paced, self._paced_from, self._held = True, None, []
        if not held:
            return
        if paced_from is None:
            paced_from = len(held) - 1
        paced = [(_stream_s(p), came) for p, came, late in held[paced_from:] if not late]
        scale = pace_scale(paced, self.watch.limits.rate_tolerance)
        anchor, came_anchor = _stream_s(held[paced_from][0]), held[paced_from][1]
        for i, (packet_held, came, late) in enumerate(held):
            if i < paced_from:
                # The burst's arrival says nothing: it is dated from the pace, and not judged.
                came, late = min(came, came_anchor - scale * (anchor - _stream_s(packet_held))), True
            self._take(packet_held, source, came, late)

    def _take(self, packet: Any, source: Any, arrival: float, buffered: bool = False) -> None:
        """One packet into the open segment (or the start of a new one), placed on its clock."""
        stamp = packet.dts if packet.dts is not None else packet.pts
        pts = packet.pts if packet.pts is not None else packet.dts
        if self._out is not None and self._last_stamp is not None and stamp <= self._last_stamp:
            # The camera's timestamps went back (a reboot, a wrap, a clock set back): a segment
            # cannot hold that, so it ends here and the next one starts at the next keyframe.
            log.warning("recorder for camera %s: timestamps went back; segment closed", self.camera_id)
            self._close()
            self.watch.restart()
        stream_s = _stream_s(packet)
        camera_s = self._clock.at_s(pts) if self._clock is not None else None
        self.watch.observe(stream_s, arrival, camera_s, buffered)
        disciplined = self.watch.disciplined_time(stream_s, arrival)
        verdict = self.watch.verdict
        source_now = CAMERA_CLOCK if verdict.trusted and camera_s is not None else self._arrival_source()
        placed = self._placed
        if placed is not None and placed.source == CAMERA_CLOCK and source_now != CAMERA_CLOCK:
            # The camera's clock lost trust in the middle of a segment: from this packet on, it
            # is placed by the disciplined clock, which ran beside the camera's, so the file's
            # timestamps go on without a seam. The segment is indexed as placed by arrival.
            placed.source, placed.why, placed.delay_s = source_now, verdict.describe(), verdict.delay_s
        elif placed is not None and placed.source != CAMERA_CLOCK and source_now != CAMERA_CLOCK:
            # Still arrival's clock: only the delay taken off it (now measured) or why may change,
            # which is no reason for a new segment. The index says the delay as of the segment's
            # end, and why as first found wrong in it (a jump stays a jump, though the clock is
            # then simply "ahead").
            placed.source, placed.delay_s = source_now, verdict.delay_s
            if not placed.why or placed.why.startswith("camera clock not yet trusted"):
                placed.why = verdict.describe()
        due = self._out is None or time.monotonic() - self._opened_mono >= self.segment_s
        taken: datetime | None = None
        if placed is not None and self._out is not None:
            # A verdict that changed starts a new segment: one clock per segment.
            due = due or (placed.source == CAMERA_CLOCK) != (source_now == CAMERA_CLOCK)
            if packet.is_keyframe and self._close_requests:
                at = camera_s if placed.source == CAMERA_CLOCK and camera_s is not None else disciplined
                taken = datetime.fromtimestamp(at, UTC)
                due = due or self._close_requests[0].at <= taken
        if packet.is_keyframe and due:
            if taken is None and placed is not None:
                at = camera_s if placed.source == CAMERA_CLOCK and camera_s is not None else disciplined
                taken = datetime.fromtimestamp(at, UTC)
            self._close(before=taken)
            short = self._short_of_space()
            if short:
                self._disk_failed(short)
                return
            try:
                self._open(source)
            except (av.error.FFmpegError, OSError) as exc:
                # A full or failing disk: recording of this camera stops until a later keyframe
                # finds space again; earlier segments are never touched.
                failed, self._out, self._path = self._path, None, None
                self._disk_failed(f"cannot start a segment in {self.folder}: {exc}")
                if failed is not None:
                    failed.unlink(missing_ok=True)
                return
            why = "" if source_now == CAMERA_CLOCK else verdict.describe()
            at = camera_s if source_now == CAMERA_CLOCK and camera_s is not None else disciplined
            self._placed = placed = _Placed(source_now, why, verdict.delay_s, at, at,
                                            disciplined, disciplined)  # fmt: skip
        if self._out is None or placed is None:
            return  # a segment starts at a keyframe
        if self._base is None:
            self._base = stamp
        copy = av.Packet(bytes(packet))
        copy.time_base = packet.time_base
        if placed.source == CAMERA_CLOCK and camera_s is not None:
            # Each segment's timestamps start at zero, as a stand-alone file's do: with the
            # camera's running timestamps, players and ffprobe took a 5 s segment for 13 s.
            # Decided here, at write time, so no byte changes after the segment is hashed.
            copy.pts = packet.pts - self._base if packet.pts is not None else None
            copy.dts = packet.dts - self._base if packet.dts is not None else None
            at = camera_s
        else:
            # The disciplined clock's times, so that the file plays at the pace the pictures
            # were taken, whatever the camera's timestamps claim.
            at = disciplined
            written = round((at - placed.first) / packet.time_base)
            if placed.last_written is not None and written <= placed.last_written:
                written = placed.last_written + 1
            reorder = packet.pts - packet.dts if packet.pts is not None and packet.dts is not None else 0
            copy.dts = written if packet.dts is not None else None
            copy.pts = written + reorder
        copy.is_keyframe = packet.is_keyframe
        copy.stream = self._stream
        try:
            self._out.mux(copy)
        except (av.error.FFmpegError, OSError) as exc:
            # Never let one bad packet (or a full disk) kill the relay thread that feeds the
            # live viewers: end the segment (indexed as partial, to its last written frame),
            # report it, and start again at a keyframe that finds space.
            self._disk_failed(f"writing {self._path.name if self._path else 'segment'}: {exc}")
            self._close(
                partial=f"partial: writing stopped ({exc}); the footage ends at its last written frame"
            )
            return
        placed.last_written = copy.dts if copy.dts is not None else copy.pts
        placed.last, placed.last_disciplined = at, disciplined
        self._last_stamp = stamp
        self._last_at = datetime.fromtimestamp(arrival, UTC)
        if not self._frame_s:  # a camera's frame rate does not change: once is enough
            self._frame_s = _frame_seconds(packet, source)

    def _arrival_source(self) -> str:
        return ARRIVAL_LESS_DELAY if self.watch.verdict.delay_measured else ARRIVAL

    def close_after(self, at: datetime) -> CloseRequest | None:
        """End the open segment at the first keyframe taken at or after ``at`` (the camera's time)
        and index it; the request is done once it is. None when nothing is being recorded."""
        request = CloseRequest(at)
        with self._lock:
            if self._out is None:
                return None
            if len(self._close_requests) >= MAX_CLOSE_REQUESTS:
                request.at = max(self._close_requests[-1].at, request.at)  # ride on the last one
            self._close_requests = sorted([*self._close_requests, request], key=lambda r: r.at)
        return request

    def _open(self, source: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._started_at = datetime.now(UTC)
        self._path = self.folder / f"{self._started_at:%Y%m%dT%H%M%S.%fZ}.mkv"
        self._out = av.open(str(self._path), mode="w", format="matroska")
        self._stream = self._out.add_stream_from_template(source)
        self._placed = None
        self._base = None
        self._opened_mono = time.monotonic()
        if self._disk_error:
            log.info("recorder for camera %s: recording again (%s)", self.camera_id, self.error)
            self.error, self._disk_error = "", False  # space again: the alarm clears

    def _short_of_space(self) -> str:
        """Why no segment may open for want of space, or ""."""
        where = self.folder
        while not where.exists() and where != where.parent:  # the folder is made at the first segment
            where = where.parent
        try:
            free = shutil.disk_usage(where).free
        except OSError:
            return ""  # the folder's disk cannot be asked: opening the segment will say why
        if free >= self.min_free_bytes:
            return ""
        return (f"disk full: {free / 1e6:.0f} MB free in {self.root}, under the floor of "
                f"{self.min_free_bytes / 1e6:.0f} MB; recording resumes when space returns")  # fmt: skip

    def _disk_failed(self, error: str) -> None:
        if not self._disk_error:  # once, not at every keyframe while the disk stays full
            log.error("recorder for camera %s: %s", self.camera_id, error)
        self.error, self._disk_error = error, True

    def close(self, wait: bool = True, open_stream: Any = None) -> None:
        """Finish the open segment (the camera dropped or recording stops); with ``wait``, also
        wait until every closed segment is hashed and indexed. Given the stream its relay still
        holds open, what this recorder held of that stream's opening is recorded too; from a
        closed stream it cannot be (a segment is made from its stream's parameters)."""
        with self._lock:
            if self._held and open_stream is not None and open_stream is self._clock_of:
                self._release_held(open_stream)
            self._close()
        if wait:
            self._to_index.join()

    def _close(self, before: datetime | None = None, partial: str = "") -> None:
        """End the open segment; its footage runs up to ``before`` (the keyframe that starts the
        next one), or up to now when nothing follows. Close requests it answers go with it."""
        if self._out is None or self._path is None or self._started_at is None:
            return
        answered = [r for r in self._close_requests if before is None or r.at <= before]
        self._close_requests = [r for r in self._close_requests if r not in answered]
        out, path, placed = self._out, self._path, self._place()
        self._last_stamp = None
        self._out = self._stream = self._path = self._placed = None
        try:
            out.close()
        except Exception as exc:
            # A full disk: the file's end was not written. What was written before plays; it is
            # indexed as partial, to its last written frame.
            self._disk_failed(f"segment {path.name}: {exc}")
            partial = partial or f"partial: closing the file failed ({exc})"
        if placed is not None and partial:
            placed = replace(placed, partial=partial)
        if placed is None or not path.exists() or path.stat().st_size == 0:  # nothing to index
            path.unlink(missing_ok=True)
            for request in answered:
                request.finish(None, "no footage recorded yet")
            return
        # Hashing a minute of main stream takes tens of milliseconds: not on the relay's thread,
        # where it would stall live video for every viewer.
        self._to_index.put((path, placed, answered))
        if self._indexer is None:
            name = f"index camera {self.camera_id}"
            self._indexer = threading.Thread(target=self._index_while_busy, name=name, daemon=True)
            self._indexer.start()

    def _index_while_busy(self) -> None:
        """Index closed segments in order; end after a while with none (a camera that stopped)."""
        idle_s = max(120.0, 2 * self.segment_s)
        while True:
            try:
                path, placed, answered = self._to_index.get(timeout=idle_s)
            except queue.Empty:
                with self._lock:  # _close queues under this lock: nothing can slip in between
                    if self._to_index.empty():
                        self._indexer = None
                        return
                continue
            try:
                self._index(path, placed, answered)
            finally:
                self._to_index.task_done()

    def _place(self) -> SegmentTime | None:
        """Where the open segment lies, on the clock that placed its packets, checked against
        arrival: a segment never claims a span its pictures do not fill."""
        placed = self._placed
        if placed is None or placed.last_written is None:
            return None
        start, end, source, why = placed.first, placed.last, placed.source, placed.why
        delay_ms: float | None = round(placed.delay_s * 1000, 1)
        if source == CAMERA_CLOCK:
            claimed = end - start
            arrived = placed.last_disciplined - placed.first_disciplined
            if abs(claimed - arrived) > 0.5 + 0.05 * arrived:
                # The camera's timestamps say one span, arrival another (an encoder that stamps
                # frames it never sent, a clock that jumped within the segment): arrival wins.
                start, end = placed.first_disciplined, placed.last_disciplined
                source = self._arrival_source()
                delay_ms = round(self.watch.verdict.delay_s * 1000, 1)
                why = f"its timestamps span {claimed:.1f} s where arrival spans {arrived:.1f} s"
        if end <= start:
            # One frame only (recording stopped just after a segment began): it is on screen for
            # a frame's time, not for none, which no case window could hold.
            end = start + (self._frame_s or 1 / 15)
        return SegmentTime(
            datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC), source,
            delay_ms if source != ARRIVAL else None, why,
        )  # fmt: skip

    def _index(self, path: Path, placed: SegmentTime, answered: list[CloseRequest] | None = None) -> None:
        indexed = self._index_with_retries(path, placed)
        for request in answered or []:
            request.finish(placed.end if indexed else None, "" if indexed else self.error)

    def _index_with_retries(self, path: Path, placed: SegmentTime) -> bool:
        # A busy shared database (many cameras closing segments at once, a console writing) is
        # worth waiting for; a segment that still cannot be indexed is picked up by the crash
        # recovery at the next start, so nothing recorded is lost either way.
        for wait_s in (0.5, 1.0, 2.0, 4.0, 0.0):
            try:
                return self._index_once(path, placed)
            except OperationalError as exc:
                if not wait_s:
                    self.error = f"segment {path.name}: database busy: {exc.orig}"
                    log.error("recorder for camera %s: %s", self.camera_id, self.error)
                    return False
                time.sleep(wait_s)
        return False

    def _index_once(self, path: Path, placed: SegmentTime) -> bool:
        started, ended = placed.start, placed.end
        try:
            digest = sha256_file(path)
            with self.sessions.begin() as s:
                item = EvidenceItem(
                    kind="segment", camera_id=self.camera_id, path=str(path.relative_to(self.root)),
                    sha256=digest, size_bytes=path.stat().st_size, start_at=started, end_at=ended,
                    clock_source=placed.source, clock_offset_ms=placed.offset_ms,
                )  # fmt: skip
                s.add(item)
                s.flush()
                append_event(
                    s, item, "recorded",
                    f"segment {started:%H:%M:%S.%f}"[:-3] + f"-{ended:%H:%M:%S.%f}"[:-3]
                    + f" UTC, media service; clock: {placed.describe()}"
                    + (f"; {placed.partial}" if placed.partial else ""),
                )  # fmt: skip
            self.segments += 1
            self.newest_end = ended if self.newest_end is None else max(self.newest_end, ended)
            return True
        except OperationalError:
            raise  # busy: the caller waits and tries again
        except Exception as exc:  # the next segment still records; the error shows in /status
            self.error = f"segment {path.name}: {exc}"
            log.exception("recorder for camera %s: closing %s failed", self.camera_id, path.name)
            return False
