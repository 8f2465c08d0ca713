"""The media service (``rtcc media``): pulls each camera once and relays it live to the consoles.

Debian's libVLC cannot open RTSP, and a shop's uplink cannot feed ten consoles, so consoles
never pull cameras themselves: they ask this service for
``http://<service>/live/<camera id>/<main|sub>.ts`` (MPEG-TS, which every libVLC build plays).
The service checks the registry before it pulls: retired cameras, revoked consent, sharing
terms that do not include live viewing, a time outside the owner's live window, and (for private
cameras) a missing stated purpose are refused with the reason. The purpose and the viewer come in
the URL's query (``?user=…&ws=…&incident=…|case=…|reason=…``); every view's start, stop and
refusal is written to the audit log with them. Credentials come from the
keyring at pull time and never leave the service.

Also: ``/status`` (JSON: relays, viewers, packets, errors) and ``/health``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.governance import audit
from app.governance.access import live_access_refusal, window_refusal
from app.governance.live_access import live_refusal, recording_refusal
from app.governance.purpose import Purpose
from app.registry import credentials
from app.registry.service import CameraRow, Registry, RegistryError
from app.video.gaps import GapBook
from app.video.recorder import SegmentRecorder
from app.video.recovery import recover_unindexed
from app.video.relay import Relay
from app.video.retention import apply_retention
from app.video.sources import camera_source

log = logging.getLogger(__name__)

# How often running streams are checked against the owners' current terms (target: cut within 5 s).
CONSENT_CHECK_S = 1.0

RETENTION_EVERY_S = 60.0
# The recording supervisor re-reads the registry when its change mark moves, and at least this
# often (a workstation with a slow clock can change a camera without moving the mark).
REGISTRY_REREAD_S = 60.0
# The longest wait between tries to pull a camera that dropped: the recording it misses after it
# comes back. An RTSP DESCRIBE every few seconds to a camera that is down costs next to nothing.
RECORD_RETRY_MAX_S = 4.0
LIVE_PATH = re.compile(r"^/live/(\d+)/(main|sub)\.ts$")


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
class Viewer:
    """Who asks for a live stream and why, as the console states it in the URL's query."""

    user: str = ""
    workstation: str = ""
    purpose: Purpose = field(default_factory=Purpose)

    @classmethod
    def from_query(cls, query: str) -> Viewer:
        params = parse_qs(query, max_num_fields=10)
        user = (params.get("user") or [""])[0][:64]
        workstation = (params.get("ws") or [""])[0][:200]
        return cls(user, workstation, Purpose.from_query(params))


def database_id(url: str) -> str:
    """A short fingerprint of the registry a service serves, so a console never uses a media
    service that resolves camera ids against another database (the demo's, say)."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


class MediaService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        host: str = "127.0.0.1",
        port: int = 8765,
        *,
        open_timeout_s: float = 5.0,
        linger_s: float = 5.0,
    ) -> None:
        self.sessions = sessions
        self.registry = Registry(sessions)
        self.database_id = database_id(str(sessions.kw["bind"].url))
        self.open_timeout_s = open_timeout_s
        self.linger_s = linger_s
        self.relays: dict[str, Relay] = {}
        self.recorders: dict[int, SegmentRecorder] = {}
        self.open_views = 0  # live views being served (guarded by _lock)
        self.pulls: dict[str, int] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def base_url(self) -> str:
        host = self.server.server_address[0]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{self.port}"

    def start(self) -> MediaService:
        self._start_consent_watch()
        self._thread = threading.Thread(target=self.server.serve_forever, name="media http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._start_consent_watch()
        self.server.serve_forever()

    # -- owners' terms while streams run ---------------------------------------------------------
    def _start_consent_watch(self) -> None:
        if getattr(self, "_watch", None) is None:
            self._watch_stop = threading.Event()
            self._watch = threading.Thread(target=self._watch_consent, name="consent watch", daemon=True)
            self._watch.start()

    def _watch_consent(self) -> None:
        while not self._watch_stop.wait(CONSENT_CHECK_S):
            try:
                self.enforce_consent()
            except Exception as exc:  # a locked database is retried next second
                log.warning("consent watch: %s", exc)

    def enforce_consent(self) -> list[str]:
        """Cut what the owners' terms no longer allow, at once: the live viewers of a camera that
        may not be shown live any more, and the whole pull of one that may neither be shown nor
        recorded (consent revoked, retired, registered only). Returns what was cut."""
        with self._lock:
            relays = list(self.relays.values())
        if not relays:
            return []
        # Only the cameras being relayed: a city's whole registry every second would not scale.
        cameras = self.registry.cameras_by_id(int(r.key.split("/")[0]) for r in relays)
        recording = getattr(self, "_recording_stop", None) is not None and not self._recording_stop.is_set()
        cut: list[str] = []
        now = datetime.now(UTC)
        with self.sessions() as s:  # the owner's window may close too: dates end, incident over
            live_now = {
                c.id
                for c in cameras.values()
                if live_refusal(c) is None and window_refusal(s, c, now) is None
            }
        for relay in relays:
            camera = cameras.get(int(relay.key.split("/")[0]))
            live = camera is not None and camera.id in live_now
            recorded = recording and camera is not None and recording_refusal(camera) is None
            if not live and relay.fanout.count:
                relay.fanout.close()  # the viewers' streams end now; a new request is refused
                cut.append(f"{relay.key}: viewers")
            if not live and not recorded:
                relay.stop()
                cut.append(f"{relay.key}: pull")
        if cut:
            log.warning("owners' terms no longer allow: %s", ", ".join(cut))
            audit.record(
                self.sessions,
                "live video cut: owner's terms or consent changed",
                user="media service",
                details=", ".join(cut),
            )
        return cut

    # -- recording ------------------------------------------------------------------------
    def start_recording(
        self, root: Path, segment_s: float = 60.0, check_every_s: float = 1.0, limit: int = 0
    ) -> None:
        """Record every camera whose terms allow it, from the same pull as live viewing; cameras
        that drop are pulled again with backoff (the time between segments is the gap)."""
        self.recordings_root = root
        self.segment_s = segment_s
        self.record_limit = limit
        try:
            recover_unindexed(self.sessions, root)
        except Exception as exc:  # recording must start even if an old file cannot be indexed
            log.error("recording: could not index segments left by an earlier run: %s", exc)
        self.gaps = GapBook(self.sessions)
        self._recording_relays: dict[int, Relay] = {}
        self._recording_stop = threading.Event()
        self._record_thread = threading.Thread(
            target=self._supervise, args=(check_every_s,), name="recording", daemon=True
        )
        self._record_thread.start()

    def _supervise(self, check_every_s: float) -> None:
        retry_at: dict[int, float] = {}
        failures: dict[int, int] = {}
        next_retention = 0.0
        cameras: list[CameraRow] = []
        mark: tuple[int, str] | None = None
        reread_at = 0.0
        while not self._recording_stop.is_set():
            now = time.monotonic()
            try:
                # The mark first: a change while the list is read shows as a new mark next round.
                current = self.registry.change_mark()
                if current != mark or now >= reread_at:
                    cameras = self.registry.list_cameras(include_retired=False)
                    mark, reread_at = current, now + REGISTRY_REREAD_S
            except Exception as exc:  # the database may be briefly locked: keep the last list
                log.warning("recording: cannot read the registry: %s", exc)
            wanted = {c.id for c in cameras if recording_refusal(c) is None}
            if self.record_limit:  # a capacity cap: the lowest camera ids, stable across rounds
                wanted = set(sorted(wanted)[: self.record_limit])
            for camera in cameras:
                if camera.id not in wanted:
                    continue
                recorder = self.recorders.get(camera.id)
                key = f"{camera.id}/main"
                relay = self.relays.get(key)
                if (
                    relay is not None
                    and relay.alive
                    and recorder is not None
                    and recorder.on_packet in relay.listeners
                ):
                    failures[camera.id] = 0
                    if recorder.recording and recorder.segment_started_at is not None:
                        self.gaps.close(camera.id, recorder.segment_started_at)
                    continue
                if recorder is not None:
                    recorder.close()  # the camera dropped: the gap starts here
                if (
                    recorder is not None
                    and recorder.last_packet_at is not None
                    and not self.gaps.is_open(camera.id)
                ):
                    # It was recording and is not any more: the outage starts at its last packet.
                    previous = self._recording_relays.get(camera.id)
                    why = (previous.stats.error if previous else "") or "the camera stopped sending video"
                    self.gaps.open(camera.id, recorder.last_packet_at, f"camera did not deliver: {why}")
                if now < retry_at.get(camera.id, 0.0):
                    continue
                if recorder is None:
                    recorder = SegmentRecorder(
                        camera.id, camera.uid, self.recordings_root, self.sessions, self.segment_s
                    )
                    self.recorders[camera.id] = recorder
                try:
                    relay = self.relay(key, camera_source(camera, "main"))
                except credentials.KeyringUnavailable as exc:
                    recorder.error = str(exc)
                    continue
                relay.listeners.append(recorder.on_packet)
                self._recording_relays[camera.id] = relay
                failures[camera.id] = failures.get(camera.id, 0) + 1
                retry_at[camera.id] = now + min(RECORD_RETRY_MAX_S, 2.0 ** min(failures[camera.id], 5))
            for camera_id in list(self.recorders):
                if camera_id not in wanted:  # consent revoked or terms changed: stop now
                    self.recorders.pop(camera_id).close()
            if now >= next_retention:
                try:
                    apply_retention(self.sessions, self.recordings_root, datetime.now(UTC))
                except Exception as exc:  # retention retries next time; recording goes on
                    log.warning("retention failed: %s", exc)
                next_retention = now + RETENTION_EVERY_S
            self._recording_stop.wait(check_every_s)
        for recorder in self.recorders.values():
            recorder.close()
        self.gaps.close_all(datetime.now(UTC), "recording stopped while the camera was down")

    def stop_recording(self) -> None:
        """Stop recording and close every open segment (it is hashed and indexed)."""
        stop = getattr(self, "_recording_stop", None)
        if stop is not None:
            stop.set()
            self._record_thread.join(10)

    def close(self) -> None:
        if getattr(self, "_watch", None) is not None:
            self._watch_stop.set()
        self.stop_recording()
        self.server.shutdown()
        self.close_relays()

    def wait_for_views(self, timeout_s: float) -> bool:
        """Wait until every viewer's handler has ended (and written "live view stopped")."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if self.open_views == 0:
                    return True
            time.sleep(0.05)
        return False

    def close_relays(self) -> None:
        self.server.server_close()
        with self._lock:
            relays = list(self.relays.values())
        for relay in relays:
            relay.stop()
        for relay in relays:
            relay.join(2)

    # -- sources --------------------------------------------------------------------------
    def source_url(
        self, camera_id: int, stream: str, viewer: Viewer, audit_refusal: bool = True
    ) -> str | Refusal:
        """The camera's stream, or why it may not be shown (audited, unless ``audit_refusal`` is
        off: a HEAD asking why a stream stopped is not a second attempt to watch it)."""
        try:
            row = self.registry.get(camera_id)
        except RegistryError:
            return Refusal(HTTPStatus.NOT_FOUND, f"camera #{camera_id} is not registered")
        with self.sessions() as s:
            refusal = live_access_refusal(s, row, viewer.purpose)
        if refusal:
            if audit_refusal:
                self.audit_view("live view refused", camera_id, viewer, refusal)
            return Refusal(HTTPStatus.FORBIDDEN, refusal)
        try:
            return camera_source(row, stream)
        except credentials.KeyringUnavailable as exc:
            return Refusal(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))

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
        with self._lock:
            relay = self.relays.get(key)
            if relay is None or not relay.alive:
                relay = Relay(
                    key,
                    url,
                    linger_s=self.linger_s,
                    open_timeout_s=self.open_timeout_s,
                    on_stopped=self._forget,
                )
                self.relays[key] = relay
                self.pulls[key] = self.pulls.get(key, 0) + 1
                relay.start()
            return relay

    def _forget(self, relay: Relay) -> None:
        with self._lock:
            if self.relays.get(relay.key) is relay:
                del self.relays[relay.key]

    def status(self) -> dict[str, Any]:
        now = time.time()
        with self._lock:
            relays = dict(self.relays)
            pulls = dict(self.pulls)
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
                {"camera": cid, "recording": rec.recording, "segments": rec.segments, "error": rec.error}
                for cid, rec in sorted(self.recorders.items())
            ],
            "pulls": pulls,
        }


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
            source = service.source_url(
                int(match[1]), match[2], Viewer.from_query(url.query), audit_refusal=False
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

        def do_GET(self) -> None:
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
            viewer = Viewer.from_query(url.query)
            source = service.source_url(camera_id, stream, viewer)
            if isinstance(source, Refusal):
                self._text(source.status, source.reason + "\n")
                return
            relay = service.relay(f"{camera_id}/{stream}", source)
            relay.ready.wait(service.open_timeout_s + 2)
            if relay.failed.is_set():
                self._text(HTTPStatus.BAD_GATEWAY, f"camera did not answer: {relay.stats.error}\n")
                return
            queue_ = relay.fanout.subscribe()
            started = time.monotonic()
            with service._lock:
                service.open_views += 1
            service.audit_view("live view started", camera_id, viewer, f"{stream} stream")
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
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                relay.fanout.unsubscribe(queue_)
                seconds = time.monotonic() - started
                stopped = f"{stream} stream, {seconds:.0f} s"
                service.audit_view("live view stopped", camera_id, viewer, stopped)
                with service._lock:
                    service.open_views -= 1

    return Handler
