"""One camera stream pulled once over RTSP and fanned out as MPEG-TS to any number of viewers.

The relay stream-copies (no transcoding) with PyAV into an MPEG-TS muxer whose bytes go to every
subscribed viewer. It keeps the bytes since the last keyframe, so a viewer that joins mid-stream
starts with a decodable picture at once instead of waiting for the next keyframe.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av

from app.registry.urls import redact
from app.video.clock_watch import Arrival
from app.video.thread_wait import ThreadWait

log = logging.getLogger(__name__)

CHUNK_QUEUE = 512  # chunks a slow viewer may lag before it is dropped (about 10 s of sub-stream)
# A packet for which the relay slept less than this was already waiting (a frame's packets come
# over the network 67 ms apart at 15 fps; from its buffer FFmpeg hands one over in under 1 ms).
# Time spent waiting for a CPU does not count (app/video/thread_wait.py).
BUFFERED_S = 0.003


def _end(q: queue.Queue[bytes | None]) -> None:
    """Tell a viewer its stream ended, dropping what it had not read yet."""
    with contextlib.suppress(queue.Empty):
        while True:
            q.get_nowait()
    with contextlib.suppress(queue.Full):
        q.put_nowait(None)


class _Retimer:
    """Keeps the relayed stream's timestamps increasing when the camera's do not.

    A camera that reboots starts its clock again, and an RTSP server may re-sync a stream when
    another client joins it; the MPEG-TS muxer refuses a timestamp that goes back ("Invalid
    argument"), which ended the relay for every viewer. A jump back, or forward by more than
    10 s, is taken up by an offset from then on, one frame after the last packet sent."""

    def __init__(self, time_base: Fraction | None) -> None:
        self.units_per_s = float(1 / time_base) if time_base else 90_000.0
        self.offset = 0
        self.last: int | None = None
        self.step = int(self.units_per_s / 25)

    def __call__(self, packet: Any) -> bool:
        dts = packet.dts + self.offset
        retimed = False
        if self.last is not None:
            delta = dts - self.last
            if delta <= 0 or delta > 10 * self.units_per_s:
                shift = self.last + self.step - dts
                self.offset += shift
                dts += shift
                retimed = True
            else:
                self.step = delta
        if self.offset:
            packet.dts = dts
            if packet.pts is not None:
                packet.pts += self.offset
        self.last = dts
        return retimed


class _Fanout:
    """The muxer's file object: every write goes to each viewer that has its keyframe.

    A viewer joining within ``FRESH_GOP_S`` of a keyframe gets the bytes since that keyframe at
    once; a later one waits for the next keyframe. Sending an old GOP would make a live player
    start in the past and stay that far behind (libVLC does not catch up), so low delay wins
    over an instant first picture.
    """

    FRESH_GOP_S = 0.3

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.viewers: set[queue.Queue[bytes | None]] = set()
        self.waiting: set[queue.Queue[bytes | None]] = set()
        self.gop: list[bytes] = []
        self.keyframe_at = 0.0
        self.bytes_out = 0

    @property
    def count(self) -> int:
        return len(self.viewers) + len(self.waiting)

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        with self.lock:
            self.gop.append(chunk)
            self.bytes_out += len(chunk)
            for q in list(self.viewers):
                try:
                    q.put_nowait(chunk)
                except queue.Full:  # a stuck viewer never slows the camera or the others
                    self.viewers.discard(q)
                    _end(q)
        return len(chunk)

    def keyframe(self) -> None:
        with self.lock:
            self.gop = []
            self.keyframe_at = time.monotonic()
            self.viewers |= self.waiting
            self.waiting.clear()

    def subscribe(self, q: queue.Queue[bytes | None] | None = None) -> queue.Queue[bytes | None]:
        """A new viewer; ``q`` (anything with ``put_nowait`` and ``get_nowait``) receives its
        chunks, None when its stream ends."""
        q = q if q is not None else queue.Queue(CHUNK_QUEUE)
        with self.lock:
            if self.gop and time.monotonic() - self.keyframe_at <= self.FRESH_GOP_S:
                for chunk in self.gop[: CHUNK_QUEUE - 1]:
                    q.put_nowait(chunk)
                self.viewers.add(q)
            else:
                self.waiting.add(q)
        return q

    def unsubscribe(self, q: queue.Queue[bytes | None]) -> None:
        with self.lock:
            self.viewers.discard(q)
            self.waiting.discard(q)

    def close(self) -> None:
        with self.lock:
            for q in self.viewers | self.waiting:
                _end(q)
            self.viewers.clear()
            self.waiting.clear()

    def flush(self) -> None:
        pass


@dataclass
class RelayStats:
    started_at: float = field(default_factory=time.time)
    packets: int = 0
    keyframes: int = 0
    pulls: int = 0
    last_packet_at: float = 0.0
    error: str = ""
    retimed: int = 0  # timestamp jumps taken up (camera reboots, server re-syncs)


class Relay:
    """Pulls ``source_url`` while anyone watches; stops a little after the last viewer leaves."""

    def __init__(self, key: str, source_url: str, *, linger_s: float = 5.0, open_timeout_s: float = 5.0,
                 on_stopped: Callable[[Relay], None] | None = None) -> None:  # fmt: skip
        self.key = key
        self.source_url = source_url
        self.linger_s = linger_s
        self.open_timeout_s = open_timeout_s
        self.on_stopped = on_stopped
        self.fanout = _Fanout()
        # Called with (packet, input stream, the stream's first pts, its Arrival) on the relay
        # thread before the packet is relayed: the recorder takes the same pull this way. A
        # relay with listeners never idles out.
        self.listeners: list[Callable[[Any, Any, int | None, Arrival], None]] = []
        # Held while the source is closed: a listener that builds from the stream's parameters
        # outside the relay's thread (a recorder closing) holds it and checks ``stream``.
        self.source_lock = threading.Lock()
        self.stream: Any = None  # the camera's video stream while the source is open
        self.stats = RelayStats()
        self.ready = threading.Event()
        self.failed = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"relay {key}", daemon=True)

    def start(self) -> Relay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self.failed.is_set()

    def _run(self) -> None:
        self.stats.pulls += 1
        source: Any = None
        sink: Any = None
        wait = ThreadWait()  # on this thread: it measures this thread
        try:
            source = av.open(
                self.source_url,
                options={"rtsp_transport": "tcp", "timeout": str(int(self.open_timeout_s * 1e6))},
                timeout=(self.open_timeout_s, self.open_timeout_s),
            )
            video = self.stream = source.streams.video[0]
            # max_delay=0: ffmpeg's default 0.7 s mux delay would make every player wait that long.
            # PAT/PMT before every frame, so a viewer can start at any keyframe boundary.
            options = {"flush_packets": "1", "max_delay": "0", "mpegts_flags": "pat_pmt_at_frames"}
            sink = av.open(self.fanout, mode="w", format="mpegts", options=options)
            out = sink.add_stream_from_template(video)
            self.ready.set()
            idle_since: float | None = None
            retime = _Retimer(video.time_base)
            first_pts: int | None = None
            wait.start()
            handed_over: float | None = None  # when FFmpeg handed over the previous packet
            for packet in source.demux(video):
                # A packet this thread did not sleep for was waiting in the socket or FFmpeg
                # already: its arrival is when this thread caught up, not when it came (a busy
                # media service drains a backlog this way). The recorder does not judge a
                # camera's clock by it.
                buffered = wait.waited_s() < BUFFERED_S
                # FFmpeg's H.264 parser knows a picture has ended only when the next one begins,
                # so it hands each over a frame late: 67 ms at 15 frames a second, 200 ms at 5
                # (measured: 82 and 214 ms against the burned-in clock; 31 and 14 ms from when
                # the previous packet was handed over). The picture was whole about then.
                now = time.time()
                arrival = Arrival(now if handed_over is None else handed_over, buffered)
                handed_over = now
                if self._stop.is_set():
                    break
                if first_pts is None and packet.pts is not None:
                    # The camera's sender reports date this stream's first packet (FFmpeg's
                    # start_time_realtime), which may come without a dts; the stream's
                    # start_time says the same only while FFmpeg's probe saw that packet (with a
                    # short probe it was missing, or 0.2 s later).
                    first_pts = packet.pts
                if packet.dts is None:
                    wait.start()
                    continue
                for listener in list(self.listeners):
                    try:
                        listener(packet, video, first_pts, arrival)
                    except Exception:  # a failing recorder must not stop live video
                        log.exception("relay %s: a packet listener failed", self.key)
                if packet.is_keyframe:
                    self.fanout.keyframe()
                    self.stats.keyframes += 1
                if retime(packet):
                    self.stats.retimed += 1
                packet.stream = out
                sink.mux(packet)
                self.stats.packets += 1
                self.stats.last_packet_at = time.time()
                if self.fanout.count or self.listeners:
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > self.linger_s:
                    break
                wait.start()
            else:
                self.stats.error = "camera ended the stream"
        except (av.error.FFmpegError, OSError) as exc:
            self.stats.error = redact(str(exc))
            log.warning("relay %s: %s", self.key, self.stats.error)
        finally:
            wait.close()
            self.failed.set()
            self.ready.set()
            self.fanout.close()
            with self.source_lock:  # nobody reads the stream's parameters while it closes
                self.stream = None
                for container in (sink, source):
                    if container is not None:
                        # closing a broken stream must not hide the first error
                        with contextlib.suppress(Exception):
                            container.close()
            if self.on_stopped:
                self.on_stopped(self)
