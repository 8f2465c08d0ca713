"""The media service (``rtcc media``): pulls each camera once and relays it live to the consoles.

Debian's libVLC cannot open RTSP, and a shop's uplink cannot feed ten consoles, so consoles
never pull cameras themselves: they ask this service for
``http://<service>/live/<camera id>/<main|sub>.ts`` (MPEG-TS, which every libVLC build plays).
The service checks the registry before it pulls: retired cameras, revoked consent and sharing
terms that do not include live viewing are refused with the reason. Credentials come from the
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
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.governance.live_access import live_refusal
from app.registry import credentials
from app.registry.service import Registry, RegistryError
from app.video.relay import Relay
from app.video.sources import camera_source

log = logging.getLogger(__name__)

LIVE_PATH = re.compile(r"^/live/(\d+)/(main|sub)\.ts$")


@dataclass(frozen=True)
class Refusal:
    status: HTTPStatus
    reason: str


def database_id(url: str) -> str:
    """A short fingerprint of the registry a service serves, so a console never uses a media
    service that resolves camera ids against another database (the demo's, say)."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


class MediaService:
    def __init__(self, sessions: sessionmaker[Session], host: str = "127.0.0.1", port: int = 8765, *,
                 open_timeout_s: float = 5.0, linger_s: float = 5.0) -> None:  # fmt: skip
        self.registry = Registry(sessions)
        self.database_id = database_id(str(sessions.kw["bind"].url))
        self.open_timeout_s = open_timeout_s
        self.linger_s = linger_s
        self.relays: dict[str, Relay] = {}
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
        self._thread = threading.Thread(target=self.server.serve_forever, name="media http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def close(self) -> None:
        self.server.shutdown()
        self.close_relays()

    def close_relays(self) -> None:
        self.server.server_close()
        with self._lock:
            relays = list(self.relays.values())
        for relay in relays:
            relay.stop()
        for relay in relays:
            relay.join(2)

    # -- sources --------------------------------------------------------------------------
    def source_url(self, camera_id: int, stream: str) -> str | Refusal:
        try:
            row = self.registry.get(camera_id)
        except RegistryError:
            return Refusal(HTTPStatus.NOT_FOUND, f"camera #{camera_id} is not registered")
        refusal = live_refusal(row)
        if refusal:
            return Refusal(HTTPStatus.FORBIDDEN, refusal)
        try:
            return camera_source(row, stream)
        except credentials.KeyringUnavailable as exc:
            return Refusal(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))

    def relay(self, key: str, url: str) -> Relay:
        with self._lock:
            relay = self.relays.get(key)
            if relay is None or not relay.alive:
                relay = Relay(key, url, linger_s=self.linger_s, open_timeout_s=self.open_timeout_s,
                              on_stopped=self._forget)  # fmt: skip
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
                }
                for key, r in sorted(relays.items())
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
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/health":
                self._text(HTTPStatus.OK, f"ok {service.database_id}\n")
                return
            if self.path == "/status":
                self._text(HTTPStatus.OK, json.dumps(service.status(), indent=1), "application/json")
                return
            match = LIVE_PATH.match(self.path)
            if not match:
                self._text(HTTPStatus.NOT_FOUND, "unknown path\n")
                return
            camera_id, stream = int(match[1]), match[2]
            source = service.source_url(camera_id, stream)
            if isinstance(source, Refusal):
                self._text(source.status, source.reason + "\n")
                return
            relay = service.relay(f"{camera_id}/{stream}", source)
            relay.ready.wait(service.open_timeout_s + 2)
            if relay.failed.is_set():
                self._text(HTTPStatus.BAD_GATEWAY, f"camera did not answer: {relay.stats.error}\n")
                return
            viewer = relay.fanout.subscribe()
            try:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "video/mp2t")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                while True:
                    try:
                        chunk = viewer.get(timeout=service.open_timeout_s * 2)
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
                relay.fanout.unsubscribe(viewer)

    return Handler
