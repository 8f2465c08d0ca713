"""Camera simulator: N live H.264 cameras over RTSP, each with a main and a sub stream.

Why GStreamer's RTSP server (``gst-rtsp-server`` through PyGObject): it installs from Debian's
packages, serves many mount points from one process over TCP and UDP to any number of clients,
survives clients coming and going, and lets one camera be stopped and restarted while the others
keep streaming. VLC's RTSP output refuses to run as root and drops clients when a looped file
wraps; ffmpeg cannot serve RTSP; the MediaMTX wrappers on PyPI download a binary at run time.

Every frame carries the camera's name, the wall-clock time in UTC (milliseconds) and a frame
counter, drawn by ``cairooverlay``, and the same time as a barcode (:mod:`app.video.barcode`)
that benchmarks read back from the screen; everything is generated locally from ``videotestsrc``.
A mount is encoded only while someone watches it, so a 200-camera city costs nothing until pulled.
With ``--shared-encoder`` (for wall benchmarks) one encoder per stream kind feeds every camera's
own media through ``appsrc``: each camera is still its own RTSP media, session and stream, every
frame still carries the time, but the machine pays for two encoders rather than two per camera.

Run as ``rtcc simulate``; control lines on stdin: ``stop N``, ``start N``, ``freeze N``, ``thaw N``,
``misbehave N offset=S,drift=S,slow=K``, ``jump N S``, ``stall N S``, ``quit``. A frozen camera
keeps its RTSP sessions up but sends no frames (a hung encoder). The misbehaviour switches
(:mod:`app.video.misbehaviour`) bend the camera's clock and its link; the picture keeps the truth.
Like a real camera, the simulator keeps real time when the machine cannot keep up: its encoder
drops frames rather than falling behind.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
# cairooverlay hands its draw callback a cairo context; load that conversion once, here, rather
# than lazily on whichever streaming thread draws first.
gi.require_foreign("cairo")
import cairo  # noqa: E402
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

from app.video.barcode import block_geometry, encode_ms  # noqa: E402
from app.video.misbehaviour import Misbehaviour, MisbehaviourError  # noqa: E402
from app.video.mounts import mount_path  # noqa: E402

PATTERNS = ("ball",)
BACKGROUNDS = (0xFF1E3A5F, 0xFF3B2F2F, 0xFF1F4D3A, 0xFF4A3B5C, 0xFF5C4A1E, 0xFF2E2E2E, 0xFF17455C, 0xFF5C1E2E)


@dataclass(frozen=True)
class StreamSpec:
    width: int
    height: int
    fps: int
    kbps: int


MAIN = StreamSpec(1280, 720, 15, 2000)
SUB = StreamSpec(640, 360, 15, 600)


def encoder_chain(index: int, spec: StreamSpec) -> str:
    """Test pattern, burned-in label, time and barcode, then H.264: everything before payloading."""
    bg = BACKGROUNDS[(index - 1) % len(BACKGROUNDS)]
    return (
        f"videotestsrc name=sensor is-live=true pattern=ball background-color={bg} "
        f"! video/x-raw,width={spec.width},height={spec.height},framerate={spec.fps}/1 "
        # A camera keeps real time when its encoder cannot keep up: it drops frames. Without this
        # queue the simulator on a busy machine encoded every frame late, still stamped at n/fps,
        # and fell minutes behind the clock (see docs/notes.md).
        "! queue name=capture leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 "
        "! videoconvert ! cairooverlay name=barcode ! videoconvert ! video/x-raw,format=I420 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={spec.fps} bitrate={spec.kbps} "
        "! video/x-h264,profile=constrained-baseline"
    )


# What a camera's link may hold before it drops new frames (a stall's burst excepted, for
# STALL_DRAIN_S after the stall): more than a moment of video waiting to leave is a network that
# cannot carry it.
LINK_BACKLOG_NS = Gst.SECOND
STALL_DRAIN_S = 10.0


def launch_line(index: int, spec: StreamSpec) -> str:
    # The valve lets the simulator freeze a camera: sessions stay up while no frames flow. The
    # queue before it is the camera's network link: a stall holds encoded frames there and lets
    # them go in one burst.
    payload = (
        "queue name=link max-size-buffers=0 max-size-bytes=0 max-size-time=0 "
        "! valve name=freeze drop=false ! rtph264pay name=pay0 pt=96 config-interval=1"
    )
    return f"( {encoder_chain(index, spec)} ! {payload} )"


# A camera's media behind a shared encoder: the encoder's access units, timestamped on arrival.
# The encoder keeps the queue to a few frames (SharedEncoder.MAX_BACKLOG); max-bytes is a backstop.
RELAY_LAUNCH = (
    "( appsrc name=src is-live=true format=time do-timestamp=true max-bytes=1000000 leaky-type=upstream "
    "caps=video/x-h264,stream-format=byte-stream,alignment=au "
    "! h264parse ! valve name=freeze drop=false ! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


def _draw_barcode(ctx: Any, taken_ms: int) -> None:
    """Burn the time the frame was taken (wall clock, ms) as blocks at the bottom, for delay
    measurement and for checking the recorded time of a frame."""
    target = ctx.get_target()
    width, height = target.get_width(), target.get_height()
    size, x0, y0 = block_geometry(width, height)
    for i, bit in enumerate(encode_ms(taken_ms)):
        shade = 1.0 if bit else 0.0
        ctx.set_source_rgb(shade, shade, shade)
        ctx.rectangle(x0 + i * size, y0, size, size)
        ctx.fill()


# Cairo's scaled fonts are not safe to use from several threads at once: textoverlay in every
# camera's pipeline aborted the demo's simulator (200 cameras, 18 watched, beside a test run:
# "cairo_scaled_font_destroy: Assertion `! scaled_font->cache_frozen' failed"), because it
# destroys its drawing context outside its own lock. Every caption is drawn here instead, font
# work under one lock and the font let go before the lock is, then copied onto the frame.
_FONT_LOCK = threading.Lock()
_EXTENTS: dict[int, tuple[float, float, float]] = {}  # font size -> ascent, line height, advance


def _font_extents(size_px: int) -> tuple[float, float, float]:
    """The caption font's ascent, line height and (monospace) advance, measured once per size.
    Call under ``_FONT_LOCK``."""
    if size_px not in _EXTENTS:
        probe = cairo.Context(cairo.ImageSurface(cairo.FORMAT_ARGB32, 1, 1))
        probe.select_font_face("DejaVu Sans Mono", cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_BOLD)
        probe.set_font_size(size_px)
        ascent, _descent, line_h, advance, _ = probe.font_extents()
        probe.set_font_face(None)
        del probe
        _EXTENTS[size_px] = ascent, line_h, advance
    return _EXTENTS[size_px]


def _caption(lines: list[str], size_px: int) -> Any:
    """White monospace text on a shaded box, as an image to paint onto a frame."""
    with _FONT_LOCK:
        ascent, line_h, advance = _font_extents(size_px)
        pad = max(2, size_px // 4)
        surface = cairo.ImageSurface(
            cairo.FORMAT_ARGB32,
            int(advance * max(len(line) for line in lines)) + 2 * pad,
            int(line_h * len(lines)) + 2 * pad,
        )
        ctx = cairo.Context(surface)
        ctx.set_source_rgba(0, 0, 0, 0.55)
        ctx.paint()
        ctx.select_font_face("DejaVu Sans Mono", cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_BOLD)
        ctx.set_font_size(size_px)
        ctx.set_source_rgb(1, 1, 1)
        for i, line in enumerate(lines):
            ctx.move_to(pad, pad + ascent + i * line_h)
            ctx.show_text(line)
        surface.flush()
        ctx.set_font_face(None)  # its scaled font released here, under the lock
        del ctx
    return surface


def frame_taken_ms(element: Any, timestamp: int, duration: int) -> int:
    """The wall-clock time at which the live source finished taking the frame: the end of its
    exposure, the frame's timestamp plus its duration, which is also the time the sender reports
    give it (GStreamer maps RTP time to the running time plus the source's one-frame latency).

    From the frame's own timestamp, not the moment of drawing: on a busy machine the drawing
    comes tens of milliseconds later, and a clock burned then disagreed with the recorded time
    of the frame by that much (a scrub test failed by 10.2 ms under load).
    """
    clock = element.get_clock()
    if clock is None or timestamp == Gst.CLOCK_TIME_NONE:
        return int(time.time() * 1000)
    taken = element.get_base_time() + timestamp + (0 if duration == Gst.CLOCK_TIME_NONE else duration)
    age_ns = max(0, clock.get_time() - taken)
    return int(time.time() * 1000 - age_ns / 1e6)


def _keep_real_time(element: Any, fps: int) -> None:
    """A camera's sensor takes each picture on time, whatever the rest of the camera is doing.

    ``videotestsrc`` stamps its n-th frame n/fps after it started and, when it cannot make frames
    that fast, sends them late with those stamps and never skips ahead: on two cores at load 50,
    twelve watched cameras fell 0.4 s further behind every second (38 s after 100 s) while nothing
    waited in any socket, and every clock downstream, burned-in or sent in RTCP, told that old
    time. A frame due more than a frame ago is stamped when it was made and the source's schedule
    moves up to now (its ``timestamp-offset``), so the frames it skipped are never made.
    """
    sensor = element.get_by_name("sensor")
    frame_ns = Gst.SECOND // fps

    def on_time(_pad: Any, info: Any) -> Any:
        buffer = info.get_buffer()
        clock = sensor.get_clock()
        if buffer is None or clock is None or buffer.pts == Gst.CLOCK_TIME_NONE:
            return Gst.PadProbeReturn.OK
        now = clock.get_time() - sensor.get_base_time()
        late = now - (buffer.pts + frame_ns)  # the frame is whole a frame after its stamp
        if late > frame_ns:
            skip = late - late % frame_ns
            sensor.set_property("timestamp-offset", sensor.get_property("timestamp-offset") + skip)
            buffer.pts = buffer.dts = max(0, now - frame_ns)
        return Gst.PadProbeReturn.OK

    sensor.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, on_time)


def _burn_in(element: Any, label: str) -> None:
    """Draw the label, the UTC time and frame number, and the barcode onto every frame."""
    counter = [0]

    def draw(overlay: Any, ctx: Any, timestamp: int, duration: int) -> None:
        counter[0] += 1
        # The moment the frame was taken, from its timestamp: the drawing comes later, after
        # the frame may have waited for a busy machine.
        taken_ms = frame_taken_ms(overlay, timestamp, duration)
        taken = datetime.fromtimestamp(taken_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        height = ctx.get_target().get_height()
        caption = _caption([label, f"{taken} UTC  frame {counter[0]:07d}"], max(11, height // 28))
        ctx.set_source_surface(caption, 4, 4)
        ctx.paint()
        _draw_barcode(ctx, taken_ms)

    element.get_by_name("barcode").connect("draw", draw)


def _not_seekable(_pad: Any, info: Any) -> Any:
    """A camera's live stream cannot be sought: a seeking query is answered unseekable (its
    default answer). Seekable, the RTSP server sought the shared media back to zero for every
    PLAY with a range (FFmpeg always sends one), which restarted the stream's timestamps under
    every client already watching; a recorder's sender-report mapping then dated them seconds
    wrong (a camera seen 5-14 s behind arrival whenever a viewer joined)."""
    query = info.get_query()
    if query is not None and query.type == Gst.QueryType.SEEKING:
        return Gst.PadProbeReturn.HANDLED
    return Gst.PadProbeReturn.OK


class CameraFaults:
    """One camera's misbehaviour (:mod:`app.video.misbehaviour`), applied to each of its media.

    Frames a slow camera does not deliver are dropped before the overlay and the encoder. What
    the camera claims is bent where its frames enter the payloader: a frame's timestamp there is
    what its RTP timestamp and so its RTCP sender reports say of it, while the burned-in clock
    drawn upstream keeps the truth. A stall blocks the camera's link queue and lets the held
    frames go in one burst.
    """

    def __init__(self, fps: int) -> None:
        self.frame_ns = Gst.SECOND // fps
        self.standing = Misbehaviour()
        self.jumped_ns = 0
        self._links: list[Any] = []
        self._stall_until = 0.0  # monotonic: a stall's frames may fill the link until then

    def attach(self, element: Any) -> None:
        seen = {"frames": 0, "first": None, "kept": 0, "link": element.get_by_name("link")}
        capture = element.get_by_name("capture")
        if capture is not None:
            capture.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self._thin, seen)
        element.get_by_name("pay0").get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER, self._claim, seen
        )
        link = element.get_by_name("link")
        if link is not None:
            self._links.append(link.get_static_pad("src"))

    def detach(self, element: Any) -> None:
        link = element.get_by_name("link")
        if link is not None and link.get_static_pad("src") in self._links:
            self._links.remove(link.get_static_pad("src"))

    def _thin(self, _pad: Any, _info: Any, seen: dict[str, Any]) -> Any:
        seen["frames"] += 1
        if self.standing.slow > 1 and (seen["frames"] - 1) % self.standing.slow:
            return Gst.PadProbeReturn.DROP
        link = seen["link"]
        if (
            link is not None
            and time.monotonic() > self._stall_until
            and link.get_property("current-level-time") > LINK_BACKLOG_NS
        ):
            # A camera whose network cannot take its frames drops new ones before encoding
            # and keeps real time; it does not send pictures seconds late. Beside a full test
            # run the simulator's sending fell behind and its pictures arrived 8-15 s late.
            return Gst.PadProbeReturn.DROP
        return Gst.PadProbeReturn.OK

    def _claim(self, _pad: Any, info: Any, seen: dict[str, Any]) -> Any:
        buffer = info.get_buffer()
        if buffer is None or buffer.pts == Gst.CLOCK_TIME_NONE:
            return Gst.PadProbeReturn.OK
        truth = buffer.pts
        if seen["first"] is None:
            seen["first"] = truth
        seen["kept"] += 1
        first, faults = seen["first"], self.standing
        # A slow camera counts frames: the n-th it delivers is stamped n frames after the first.
        counted = first + (seen["kept"] - 1) * self.frame_ns if faults.slow > 1 else truth
        drift_ns = int((truth - first) * faults.drift / 60)
        # Plus one frame: a live source's frame is whole a frame after its timestamp, which is the
        # moment the burned-in clock shows (frame_taken_ms). GStreamer added that latency to the
        # sender reports itself while the server's sinks waited for each frame's time; they no
        # longer do (_send_when_encoded), so the camera's claim adds it here.
        bent = int(faults.offset * Gst.SECOND) + self.jumped_ns + drift_ns
        claimed = max(0, counted + self.frame_ns + bent)
        shift = claimed - truth
        buffer.pts = claimed
        if buffer.dts != Gst.CLOCK_TIME_NONE:
            buffer.dts = max(0, buffer.dts + shift)
        return Gst.PadProbeReturn.OK

    def stall(self, seconds: float) -> None:
        """Hold every frame on the camera's link for ``seconds``, then let them go at once."""
        # The held frames are the burst: nothing is dropped for them while they drain.
        self._stall_until = time.monotonic() + seconds + STALL_DRAIN_S
        for pad in list(self._links):
            probe = pad.add_probe(Gst.PadProbeType.BLOCK_DOWNSTREAM, lambda *_: Gst.PadProbeReturn.OK)

            def release(pad: Any = pad, probe: int = probe) -> bool:
                pad.remove_probe(probe)
                return False

            GLib.timeout_add(int(seconds * 1000), release)


def _send_when_encoded(media: Any) -> None:
    """A camera sends each frame as soon as it is encoded: the server's sinks, added as clients
    join, must not hold a frame back until its timestamp, which a camera whose clock runs ahead
    puts in the future (its frames never left). The server sets ``sync`` after adding a sink, so
    the sink is held to ``sync=false`` whenever it changes. Each sink also answers that the
    stream cannot be sought (:func:`_not_seekable`)."""

    def unsynced(element: Any, _spec: Any = None) -> None:
        if element.get_property("sync"):
            element.set_property("sync", False)

    def added(_bin: Any, _sub: Any, element: Any) -> None:
        if element.find_property("sync") is not None:
            element.connect("notify::sync", unsynced)
            unsynced(element)
            element.get_static_pad("sink").add_probe(Gst.PadProbeType.QUERY_UPSTREAM, _not_seekable)

    media.get_element().get_parent().connect("deep-element-added", added)


class CameraFactory(GstRtspServer.RTSPMediaFactory):
    """One mount point; burns the label, UTC time and frame number into every frame."""

    def __init__(self, index: int, label: str, stream: str, spec: StreamSpec, faults: CameraFaults) -> None:
        super().__init__()
        self.faults = faults
        self.fps = spec.fps
        self.label = f"{label}  [{stream}]"
        self.set_launch(launch_line(index, spec))
        self.set_shared(True)
        self.medias: list[Any] = []
        self.frozen = False
        self.connect("media-configure", self._on_media_configure)

    def _on_media_configure(self, _factory: Any, media: Any) -> None:
        self.medias.append(media)
        _burn_in(media.get_element(), self.label)
        _keep_real_time(media.get_element(), self.fps)
        media.get_element().get_by_name("freeze").set_property("drop", self.frozen)
        self.faults.attach(media.get_element())
        media.connect("prepared", _send_when_encoded)

        def unprepared(m: Any) -> None:
            self.faults.detach(m.get_element())
            if m in self.medias:
                self.medias.remove(m)

        media.connect("unprepared", unprepared)


def _unstamped(buffer: Any) -> Any:
    """A copy without the encoder's timestamps: appsrc's do-timestamp fills in only missing ones,
    and each camera's media must stamp its own running time."""
    copy = buffer.copy()
    copy.pts = copy.dts = Gst.CLOCK_TIME_NONE
    return copy


class SharedEncoder:
    """One live encoder whose access units are pushed into every attached camera's ``appsrc``.

    Each camera keeps its own media (its own pipeline, clock and RTSP sessions), so no media object
    is shared between mounts. An earlier version shared one media across every mount, which made
    clients of different cameras join the same media at once, and gst-rtsp-server 1.22 can abort
    on simultaneous joins of one media (see docs/notes.md). A newly attached camera starts
    at the next keyframe, whose SPS/PPS x264enc repeats in byte-stream output.
    """

    MAX_BACKLOG = 3

    def __init__(self, stream: str, spec: StreamSpec) -> None:
        self.pipeline = Gst.parse_launch(
            f"{encoder_chain(1, spec)},stream-format=byte-stream,alignment=au "
            "! appsink name=out emit-signals=true sync=false max-buffers=4 drop=true"
        )
        _burn_in(self.pipeline, f"shared encoder  [{stream}]")
        _keep_real_time(self.pipeline, spec.fps)
        self._lock = threading.Lock()
        self._sources: dict[Any, bool] = {}  # appsrc -> has had its keyframe
        self.pipeline.get_by_name("out").connect("new-sample", self._on_sample)
        self._running = False

    def attach(self, source: Any) -> None:
        with self._lock:
            self._sources[source] = False
            if not self._running:
                self._running = True
                self.pipeline.set_state(Gst.State.PLAYING)

    def detach(self, source: Any) -> None:
        with self._lock:
            self._sources.pop(source, None)

    def _on_sample(self, sink: Any) -> Any:
        sample = sink.emit("pull-sample")
        buffer = sample.get_buffer()
        keyframe = not buffer.has_flags(Gst.BufferFlags.DELTA_UNIT)
        with self._lock:
            targets = []
            for source, started in self._sources.items():
                # A media prepared but not yet playing (or stalled) does not drain its queue, and
                # appsrc stamps a buffer when it leaves: a backlog would become a delay for good.
                # Past a few frames, drop and start again at the next keyframe.
                if source.get_property("current-level-buffers") >= self.MAX_BACKLOG:
                    self._sources[source] = False
                elif started or keyframe:
                    self._sources[source] = True
                    targets.append(source)
        for source in targets:
            source.emit("push-buffer", _unstamped(buffer))
        return Gst.FlowReturn.OK


class RelayedCameraFactory(GstRtspServer.RTSPMediaFactory):
    """One camera's mount fed by a :class:`SharedEncoder`."""

    def __init__(self, encoder: SharedEncoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.set_launch(RELAY_LAUNCH)
        self.set_shared(True)
        self.medias: list[Any] = []
        self.frozen = False
        self.connect("media-configure", self._on_media_configure)

    def _on_media_configure(self, _factory: Any, media: Any) -> None:
        self.medias.append(media)
        media.get_element().get_by_name("freeze").set_property("drop", self.frozen)
        source = media.get_element().get_by_name("src")
        self.encoder.attach(source)

        def unprepared(m: Any) -> None:
            self.encoder.detach(source)
            if m in self.medias:
                self.medias.remove(m)

        media.connect("unprepared", unprepared)


class Simulator:
    def __init__(self, cameras: int, host: str = "127.0.0.1", port: int = 8554, fps: int = 15,
                 labels: list[str] | None = None, shared_encoder: bool = False) -> None:  # fmt: skip
        Gst.init(None)
        self.count = cameras
        self.fps = fps
        self.labels = labels or []
        self.encoders: dict[str, SharedEncoder] = {}
        if shared_encoder:
            for stream, base in (("main", MAIN), ("sub", SUB)):
                self.encoders[stream] = SharedEncoder(
                    stream, StreamSpec(base.width, base.height, fps, base.kbps)
                )
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address(host)
        self.server.set_service(str(port))

        if shared_encoder:
            # Each media waits up to a second for the shared encoder's next keyframe before the
            # server can answer DESCRIBE; with one client thread, sixteen cameras joining at once
            # would wait in line for sixteen seconds. (Pushing an old keyframe instead gave each
            # camera a timestamp gap that players kept as a second of delay.)
            self.server.get_thread_pool().set_max_threads(-1)
        self.host = host
        self.mounts = self.server.get_mount_points()
        self.factories: dict[int, list[CameraFactory | RelayedCameraFactory]] = {}
        self.faults = {i: CameraFaults(fps) for i in range(1, cameras + 1)}
        for i in range(1, cameras + 1):
            self.start_camera(i)
        self.source_id = self.server.attach(None)
        self.port = self.server.get_bound_port()

    def label(self, index: int) -> str:
        return self.labels[index - 1] if index <= len(self.labels) else f"CAM {index:03d}"

    def start_camera(self, index: int) -> None:
        if index in self.factories or not 1 <= index <= self.count:
            return
        facs: list[CameraFactory | RelayedCameraFactory] = []
        for stream, base in (("main", MAIN), ("sub", SUB)):
            spec = StreamSpec(base.width, base.height, self.fps, base.kbps)
            encoder = self.encoders.get(stream)
            fac = (
                RelayedCameraFactory(encoder)
                if encoder
                else CameraFactory(index, self.label(index), stream, spec, self.faults[index])
            )
            self.mounts.add_factory(mount_path(index, stream), fac)
            facs.append(fac)
        self.factories[index] = facs

    def stop_camera(self, index: int) -> None:
        """Take the camera off the network: new clients get 404, current ones lose the stream."""
        for stream, fac in zip(("main", "sub"), self.factories.pop(index, []), strict=False):
            self.mounts.remove_factory(mount_path(index, stream))
            for media in list(fac.medias):
                media.unprepare()

    def set_frozen(self, index: int, frozen: bool) -> None:
        """Stop (or resume) the camera's frames without closing its RTSP sessions: the stream
        stays connected and silent, as a camera with a hung encoder does."""
        for fac in self.factories.get(index, []):
            fac.frozen = frozen
            for media in list(fac.medias):
                valve = media.get_element().get_by_name("freeze")
                if valve is not None:
                    valve.set_property("drop", frozen)

    def misbehave(self, index: int, faults: Misbehaviour) -> None:
        """From now on the camera claims its frames as ``faults`` says (both of its streams)."""
        self.faults[index].standing = faults

    def jump_clock(self, index: int, seconds: float) -> None:
        """The camera's clock jumps (an NTP correction, a clock set by hand): from the next frame on
        it claims times ``seconds`` later (earlier, when negative) than it did."""
        self.faults[index].jumped_ns += int(seconds * Gst.SECOND)

    def stall(self, index: int, seconds: float) -> None:
        """The camera's link stalls for ``seconds``; what it sent meanwhile arrives in one burst."""
        self.faults[index].stall(seconds)

    def url(self, index: int, stream: str = "main") -> str:
        return f"rtsp://{self.host}:{self.port}{mount_path(index, stream)}"


def _apply(sim: Simulator, verb: str, index: int, argument: str = "") -> bool:
    if not 1 <= index <= sim.count:
        print(f"ERROR {verb} {index}: no camera {index} (1 to {sim.count})", flush=True)
        return False
    if verb == "misbehave":
        try:
            sim.misbehave(index, Misbehaviour.parse(argument))
        except MisbehaviourError as exc:
            print(f"ERROR {verb} {index}: {exc}", flush=True)
            return False
    elif verb in ("jump", "stall"):
        try:
            seconds = float(argument)
        except ValueError:
            print(f"ERROR {verb} {index}: {argument!r} is not a number of seconds", flush=True)
            return False
        (sim.jump_clock if verb == "jump" else sim.stall)(index, seconds)
    elif verb in ("freeze", "thaw"):
        sim.set_frozen(index, verb == "freeze")
    else:
        (sim.stop_camera if verb == "stop" else sim.start_camera)(index)
    print(f"OK {verb} {index}", flush=True)
    return False  # run once


def _read_commands(sim: Simulator, loop: GLib.MainLoop, exit_on_eof: bool) -> None:
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] in ("stop", "start", "freeze", "thaw") and len(words) == 2 and words[1].isdigit():
            GLib.idle_add(_apply, sim, words[0], int(words[1]))
        elif words[0] in ("misbehave", "jump", "stall") and len(words) in (2, 3) and words[1].isdigit():
            GLib.idle_add(_apply, sim, words[0], int(words[1]), words[2] if len(words) == 3 else "")
        else:
            print(f"ERROR unknown command: {line.strip()}", flush=True)
    else:
        if not exit_on_eof:
            return
    GLib.idle_add(loop.quit)


def run(cameras: int, host: str, port: int, labels_file: Path | None, exit_on_eof: bool = False,
        fps: int = 15, shared_encoder: bool = False,
        misbehaving: dict[int, Misbehaviour] | None = None) -> int:  # fmt: skip
    """Serve until ``quit`` on stdin, Ctrl+C, or (with ``exit_on_eof``) the parent closing stdin."""
    labels = labels_file.read_text(encoding="utf-8").splitlines() if labels_file else None
    sim = Simulator(cameras, host, port, fps=fps, labels=labels, shared_encoder=shared_encoder)
    for index, faults in (misbehaving or {}).items():
        if not 1 <= index <= cameras:
            print(f"ERROR --misbehave {index}: no camera {index} (1 to {cameras})", file=sys.stderr)
            return 2
        sim.misbehave(index, faults)
    loop = GLib.MainLoop()
    print(f"READY rtsp://{host}:{sim.port} cameras={cameras}", flush=True)
    threading.Thread(target=_read_commands, args=(sim, loop, exit_on_eof), daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        loop.run()
    return 0
