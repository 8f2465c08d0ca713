"""The media service (``rtcc media``): pulls each camera once and relays it live to the consoles.

Debian's libVLC cannot open RTSP, and a shop's uplink cannot feed ten consoles, so consoles
never pull cameras themselves: they ask this service for
``http://<service>/live/<camera id>/<main|sub>.ts`` (MPEG-TS, which every libVLC build plays).
The service checks the registry before it pulls: retired cameras, revoked consent, sharing
terms that do not include live viewing, a time outside the owner's live window, and (for private
cameras) a missing stated purpose are refused with the reason. Who asks and why comes from the
grant in the URL's query (``?grant=…``), which the console's live-view use case wrote: a URL
without a valid one gets 403 with the reason, whatever user or purpose it writes about itself
(:mod:`app.governance.grants`). Every view's start, stop and refusal is written to the audit log
with the grant's person, workstation and purpose. Credentials come from the
keyring at pull time and never leave the service.

Also: ``/status`` (JSON: relays, viewers, packets, errors) and ``/health``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.governance import audit, grants
from app.governance.gate import why_not_watch
from app.governance.policy import load_policy
from app.governance.purpose import Purpose, outside_home
from app.native_memory import heap_usage, start_heap_trimming
from app.periodic import Periodic
from app.registry import credentials
from app.registry.service import Registry, RegistryError
from app.video.clock_watch import ClockLimits, ClockVerdict
from app.video.consent_watch import ConsentWatch
from app.video.gaps import GapBook
from app.video.handoff_page import CSP, TOKEN_PATH, open_handoff, page
from app.video.media_directory import Heartbeat
from app.video.recorder import SegmentRecorder
from app.video.recording_supervisor import RecordingSupervisor, RetentionKeeper
from app.video.relay import Relay
from app.video.relay_hub import RelayHub
from app.video.segment_close import CLOSE_AHEAD_S, CLOSE_PATTERN, CLOSE_WAIT_S
from app.video.sources import camera_source

log = logging.getLogger(__name__)

LIVE_PATH = re.compile(r"^/live/(\d+)/(main|sub)\.ts$")
CLOSE_PATH = re.compile(CLOSE_PATTERN)
CLOSE_VIEWS_S = 10.0  # how long closing waits for live views to end and be audited


def reason_phrase(text: str) -> str:
    """One line of printable ASCII for an HTTP status line (http.server sends it as Latin-1)."""
    line = " ".join(text.split())
    ascii_only = line.encode("ascii", "replace").decode("ascii")
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in ascii_only)[:200] or "refused"


@dataclass(frozen=True)
class Refusal:
    status: HTTPStatus
    reason: str


@dataclass(frozen=True)
class LiveSource:
    """Where to pull an allowed live view from, and what its audit entry adds about it."""

    url: str
    note: str = ""  # "; outside the workstation's divisions (X)" for a cross-division view


@dataclass(frozen=True)
class Viewer:
    """Who asks for a live stream and why, as the grant in the URL's query says
    (:mod:`app.governance.grants`): never what the caller writes about itself."""

    user: str = ""
    workstation: str = ""
    purpose: Purpose = field(default_factory=Purpose)
    # The workstation's own divisions: a camera outside them needs a stated purpose.
    home: frozenset[str] = frozenset()


UNVERIFIED = Viewer(user="caller without a valid grant")


def database_id(url: str) -> str:
    """A short fingerprint of the registry a service serves, so a console never uses a media
    service that resolves camera ids against another database (the demo's, say)."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


class MediaService:
    """The HTTP front (live streams, ``/status``, ``/health``) over its parts, each started and
    stopped on its own: the relay hub (one pull per camera stream), the consent watch, and, when
    recording, the recording supervisor and the retention keeper."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        host: str = "127.0.0.1",
        port: int = 8765,
        *,
        open_timeout_s: float = 5.0,
        linger_s: float = 5.0,
        divisions: frozenset[str] = frozenset(),
        name: str = "",
    ) -> None:
        self.sessions = sessions
        # The divisions whose cameras this service pulls and records (empty: every camera).
        self.divisions = divisions
        self.registry = Registry(sessions)
        self.database_id = database_id(str(sessions.kw["bind"].url))
        self.hub = RelayHub(open_timeout_s=open_timeout_s, linger_s=linger_s)
        self.open_timeout_s = open_timeout_s
        self.open_views = 0  # live views being served (guarded by _lock)
        self.handling = 0  # requests being handled, any kind (guarded by _lock): close waits for them
        self.consent = ConsentWatch(sessions, self.hub, recording=lambda: self.recording)
        self.supervisor: RecordingSupervisor | None = None
        self.retention: RetentionKeeper | None = None
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.heartbeat = Heartbeat(sessions, self, name, divisions)
        # When hand-off links expire is decided by this clock (a test moves it forward).
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._trimmer: Periodic | None = None

    # The hub's state, under the names the service has always had.
    @property
    def relays(self) -> dict[str, Relay]:
        return self.hub.relays

    @property
    def pulls(self) -> dict[str, int]:
        return self.hub.pulls

    @property
    def _lock(self) -> threading.Lock:
        return self.hub.lock

    @property
    def recorders(self) -> dict[int, SegmentRecorder]:
        return self.supervisor.recorders if self.supervisor is not None else {}

    @property
    def gaps(self) -> GapBook:
        assert self.supervisor is not None, "not recording"
        return self.supervisor.gaps

    @property
    def recording(self) -> bool:
        return self.supervisor is not None and self.supervisor.running

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def base_url(self) -> str:
        host = self.server.server_address[0]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{self.port}"

    def start(self) -> MediaService:
        self.consent.start()
        self.heartbeat.start()
        self._trimmer = start_heap_trimming()
        self._thread = threading.Thread(target=self.server.serve_forever, name="media http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.consent.start()
        self.heartbeat.start()
        self._trimmer = start_heap_trimming()
        self.server.serve_forever()

    def enforce_consent(self) -> list[str]:
        return self.consent.enforce()

    def start_recording(
        self, root: Path, segment_s: float = 60.0, check_every_s: float = 1.0, limit: int = 0,
        clock_limits: ClockLimits | None = None,
    ) -> None:  # fmt: skip
        """Record every camera whose terms allow it, from the same pull as live viewing; cameras
        that drop are pulled again with backoff (the time between segments is the gap)."""
        self.recordings_root = root
        self.segment_s = segment_s
        self.supervisor = RecordingSupervisor(
            self.sessions, self.hub, root, segment_s, check_every_s, limit,
            divisions=self.divisions, clock_limits=clock_limits,
        )  # fmt: skip
        self.supervisor.start()
        self.retention = RetentionKeeper(self.sessions, root)
        self.retention.start()

    def stop_recording(self) -> None:
        """Stop recording and close every open segment (it is hashed and indexed)."""
        if self.supervisor is not None:
            self.supervisor.stop()
        if self.retention is not None:
            self.retention.stop()

    def close(self) -> None:
        self.consent.stop()
        self.stop_recording()
        self.heartbeat.stop()
        if self._trimmer is not None:
            self._trimmer.stop(2)
        self.server.shutdown()
        self.close_relays()
        # Each viewer's handler ends its stream and writes "live view stopped" on its own thread:
        # wait for them, so nothing uses the database after the service is closed.
        if not self.wait_for_views(CLOSE_VIEWS_S):
            log.warning("media service closed with %s request(s) still being handled", self.handling)

    def wait_for_views(self, timeout_s: float) -> bool:
        """Wait until every request's handler has ended: each live view has written "live view
        stopped", and no handler uses the database any more."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if self.open_views == 0 and self.handling == 0:
                    return True
            time.sleep(0.05)
        return False

    def close_relays(self) -> None:
        self.server.server_close()
        self.hub.stop_all()

    # -- sources --------------------------------------------------------------------------
    def source_url(
        self, camera_id: int, stream: str, viewer: Viewer, audit_refusal: bool = True
    ) -> LiveSource | Refusal:
        """The camera's stream, or why it may not be shown (audited, unless ``audit_refusal`` is
        off: a HEAD asking why a stream stopped is not a second attempt to watch it)."""
        try:
            row = self.registry.get(camera_id)
        except RegistryError:
            return Refusal(HTTPStatus.NOT_FOUND, f"camera #{camera_id} is not registered")
        if self.divisions and row.division not in self.divisions:
            # Another service pulls this camera: a second pull would double the owner's uplink.
            return Refusal(
                HTTPStatus.MISDIRECTED_REQUEST,
                f"{row.name} is in {row.division or 'no division'}; this media service serves "
                f"{', '.join(sorted(self.divisions))} (the console finds the right one in the directory)",
            )
        with self.sessions() as s:
            refusal = why_not_watch(s, row, viewer.purpose, home=viewer.home)
        if refusal:
            if audit_refusal:
                self.audit_view("live view refused", camera_id, viewer, refusal)
            return Refusal(HTTPStatus.FORBIDDEN, refusal)
        note = (
            f"; outside the workstation's divisions ({row.division})"
            if outside_home(row, viewer.home)
            else ""
        )
        try:
            return LiveSource(camera_source(row, stream), note)
        except credentials.KeyringUnavailable as exc:
            return Refusal(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))

    def viewer_for(self, query: str, camera_id: int) -> Viewer | Refusal:
        """The viewer the URL's grant speaks for, or why it speaks for no one (403)."""
        token = (parse_qs(query, max_num_fields=12).get("grant") or [""])[0]
        try:
            with self.sessions() as s:
                granted = grants.check(s, token, camera_id)
        except grants.GrantRefused as exc:
            return Refusal(HTTPStatus.FORBIDDEN, str(exc))
        return Viewer(granted.username, granted.workstation, granted.purpose, granted.home)

    def audit_view(self, action: str, camera_id: int, viewer: Viewer, details: str = "") -> None:
        try:
            audit.record(
                self.sessions,
                action,
                user=viewer.user or "unnamed console",
                workstation=viewer.workstation,
                target_type="camera",
                target_id=camera_id,
                purpose=viewer.purpose.describe(),
                case_number=viewer.purpose.number,
                details=details,
            )
        except Exception as exc:  # a locked database must not cut a running stream
            log.error("audit of %s for camera %s failed: %s", action, camera_id, exc)

    def relay(self, key: str, url: str) -> Relay:
        return self.hub.relay(key, url)

    def status(self) -> dict[str, Any]:
        now = time.time()
        relays, pulls = self.hub.snapshot()
        return {
            "service": "rtcc media",
            "version": __version__,
            "relays": [
                {
                    "key": key,
                    "viewers": r.fanout.count,
                    "packets": r.stats.packets,
                    "bytes_out": r.fanout.bytes_out,
                    "seconds_since_packet": round(now - r.stats.last_packet_at, 2)
                    if r.stats.last_packet_at
                    else None,
                    "error": r.stats.error,
                    "retimed": r.stats.retimed,
                }
                for key, r in sorted(relays.items())
            ],
            "recording": [
                {
                    "camera": cid,
                    "recording": rec.recording,
                    "segments": rec.segments,
                    "error": rec.error,
                    "clock": clock_status(rec.clock),
                }
                for cid, rec in sorted(self.recorders.items())
            ],
            "pulls": pulls,
            # native heap in use against freed-but-held: tells a leak from glibc's fragmentation
            "memory": heap_usage(),
        }


def clock_status(verdict: ClockVerdict) -> dict[str, object]:
    """What the recorder believes of a camera's clock, for /status (and so for the console)."""
    rounded = {
        name: None if value is None else round(value, 3)
        for name, value in (("offset_s", verdict.offset_s), ("drift_s_per_min", verdict.drift_s_per_min),
                            ("rate", verdict.rate), ("delay_s", verdict.delay_s))
    }  # fmt: skip
    return {"trusted": verdict.trusted, "reason": verdict.reason, **rounded}


@contextlib.contextmanager
def _handling(service: MediaService) -> Iterator[None]:
    """Count a request while its handler runs, so that closing waits for it."""
    with service._lock:
        service.handling += 1
    try:
        yield
    finally:
        with service._lock:
            service.handling -= 1


def _handler(service: MediaService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        server_version = f"rtcc-media/{__version__}"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s %s", self.address_string(), format % args)

        def _text(
            self, status: HTTPStatus, body: str, content_type: str = "text/plain; charset=utf-8"
        ) -> None:
            data = body.encode("utf-8") if self.command != "HEAD" else b""
            try:
                # The reason in the status line too: players show "403 owner revoked consent",
                # not a bare "403 Forbidden" with the reason hidden in a body they never show.
                self.send_response(status, reason_phrase(body) if status >= 400 else None)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the viewer gave up waiting; nothing to tell it

        def do_HEAD(self) -> None:
            with _handling(service):
                self._head()

        def do_POST(self) -> None:
            with _handling(service):
                self._post()

        def do_GET(self) -> None:
            with _handling(service):
                self._get()

        def _head(self) -> None:
            """The answer a GET would start with, without opening the camera or recording a view
            (the wall asks this way why a stream ended)."""
            url = urlsplit(self.path)
            match = LIVE_PATH.match(url.path)
            if self.path in ("/health", "/status"):
                self._text(HTTPStatus.OK, "")
                return
            if not match:
                self._text(HTTPStatus.NOT_FOUND, "unknown path\n")
                return
            viewer = service.viewer_for(url.query, int(match[1]))
            source = (
                viewer
                if isinstance(viewer, Refusal)
                else service.source_url(int(match[1]), match[2], viewer, audit_refusal=False)
            )
            if isinstance(source, Refusal):
                self._text(source.status, source.reason + "\n")
                return
            try:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "video/mp2t")
                self.end_headers()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _handoff(self, match: re.Match[str]) -> None:
            """An officer's link: the page, or its media (with byte ranges, which players ask)."""
            opened = open_handoff(service.sessions, match[1], service.clock(), self.client_address[0])
            if opened is None or (match[2] and not opened.path.is_file()):
                self._text(HTTPStatus.NOT_FOUND, "unknown path\n")
                return
            if not match[2]:
                body = page(opened, match[1])
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", CSP)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            size = opened.path.stat().st_size
            first, last = 0, size - 1
            wanted = re.match(r"bytes=(\d*)-(\d*)$", self.headers.get("Range", ""))
            if wanted and (wanted[1] or wanted[2]):
                if wanted[1]:
                    first = int(wanted[1])
                    last = min(int(wanted[2]), size - 1) if wanted[2] else size - 1
                else:  # the last N bytes
                    first = max(0, size - int(wanted[2]))
            if first > last:
                self._text(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "range\n")
                return
            self.send_response(HTTPStatus.PARTIAL_CONTENT if wanted else HTTPStatus.OK)
            self.send_header("Content-Type", "video/mp4" if opened.kind == "clip" else "image/png")
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(last - first + 1))
            if wanted:
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            try:
                with opened.path.open("rb") as media:
                    media.seek(first)
                    left = last - first + 1
                    while left > 0:
                        chunk = media.read(min(left, 1 << 16))
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        left -= len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the player moved on (a seek asks for another range)

        def _post(self) -> None:
            """``/record/<camera>/close?at=<ISO time>``: end the camera's open segment at the
            first keyframe taken at or after ``at`` and answer once it is indexed (a hand-off from
            a live tile needs its last seconds now, not when the minute is up). It changes only
            where a segment ends; no footage is served or removed."""
            url = urlsplit(self.path)
            match = CLOSE_PATH.match(url.path)
            if not match:
                self._text(HTTPStatus.NOT_FOUND, "unknown path\n")
                return
            camera_id = int(match[1])
            try:
                at = datetime.fromisoformat((parse_qs(url.query).get("at") or [""])[0])
                if at.tzinfo is None:
                    raise ValueError("no time zone")
            except ValueError:
                self._text(HTTPStatus.BAD_REQUEST, "at: give the camera time as ISO 8601 with a zone\n")
                return
            ahead = (at - datetime.now(UTC)).total_seconds()
            if ahead > CLOSE_AHEAD_S:
                self._text(HTTPStatus.BAD_REQUEST, f"at: {ahead:.0f} s ahead; at most {CLOSE_AHEAD_S:.0f}\n")
                return
            recorder = service.recorders.get(camera_id)
            request = recorder.close_after(at) if recorder is not None else None
            if request is None:
                self._text(HTTPStatus.CONFLICT, f"camera {camera_id} is not being recorded by this service\n")
                return
            if not request.done.wait(max(ahead, 0.0) + CLOSE_WAIT_S) or request.end is None:
                why = request.error or f"no keyframe from camera {camera_id} in time"
                self._text(HTTPStatus.GATEWAY_TIMEOUT, f"the segment was not closed: {why}\n")
                return
            body = {"camera": camera_id, "indexed_until": request.end.isoformat()}
            self._text(HTTPStatus.OK, json.dumps(body), "application/json")

        def _get(self) -> None:
            handoff = TOKEN_PATH.match(urlsplit(self.path).path)
            if handoff:
                self._handoff(handoff)
                return
            if self.path == "/health":
                self._text(HTTPStatus.OK, f"ok {service.database_id}\n")
                return
            if self.path == "/status":
                self._text(HTTPStatus.OK, json.dumps(service.status(), indent=1), "application/json")
                return
            url = urlsplit(self.path)
            match = LIVE_PATH.match(url.path)
            if not match:
                self._text(HTTPStatus.NOT_FOUND, "unknown path\n")
                return
            camera_id, stream = int(match[1]), match[2]
            viewer = service.viewer_for(url.query, camera_id)
            if isinstance(viewer, Refusal):
                service.audit_view("live view refused", camera_id, UNVERIFIED, viewer.reason)
                self._text(viewer.status, viewer.reason + "\n")
                return
            source = service.source_url(camera_id, stream, viewer)
            if isinstance(source, Refusal):
                self._text(source.status, source.reason + "\n")
                return
            relay = service.relay(f"{camera_id}/{stream}", source.url)
            relay.ready.wait(service.open_timeout_s + 2)
            if relay.failed.is_set():
                self._text(HTTPStatus.BAD_GATEWAY, f"camera did not answer: {relay.stats.error}\n")
                return
            queue_ = relay.fanout.subscribe()
            started = time.monotonic()
            # A view under a stated purpose lasts at most the program's cap; then the purpose is
            # stated again (the console asks; another client reconnects with it).
            cap = load_policy(service.sessions).live_view_max_minutes if viewer.purpose else None
            deadline = service.clock() + timedelta(minutes=cap) if cap else None
            ended = ""
            with service._lock:
                service.open_views += 1
            service.audit_view("live view started", camera_id, viewer, f"{stream} stream{source.note}")
            try:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "video/mp2t")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                while True:
                    try:
                        chunk = queue_.get(timeout=service.open_timeout_s * 2)
                    except queue.Empty:
                        if relay.failed.is_set():
                            break
                        continue
                    if chunk is None:
                        break
                    self.wfile.write(chunk)
                    if deadline is not None and service.clock() >= deadline:
                        ended = f"; ended after the program's {cap} minutes: the purpose is stated again"
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                relay.fanout.unsubscribe(queue_)
                seconds = time.monotonic() - started
                stopped = f"{stream} stream, {seconds:.0f} s{ended}"
                service.audit_view("live view stopped", camera_id, viewer, stopped)
                with service._lock:
                    service.open_views -= 1

    return Handler
