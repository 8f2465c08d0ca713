"""``rtcc intake serve``: calls from dispatch feeds become incidents with ranked cameras.

POST /intake/FEED with the call's JSON, signed (see app/incidents/dispatch.py), answers 201 (a new
incident), 200 (updated or closed) or 4xx with the reason in the status line and the body;
every refusal is in the feed's log and changes nothing else. A CAD system that can only drop
files writes them into ``FOLDER/FEED/incoming/``: each file is taken once, then moved to
``done/`` or to ``refused/`` beside a ``.reason.txt`` (the folder's permissions stand in for
the signature). The registry's cameras are kept in a grid index that follows the registry's
change mark, so ranking a call never reads 100,000 cameras.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.console import use_cases
from app.console.actor import Actor
from app.governance.roles import Role
from app.incidents.dispatch import MAX_BODY_BYTES, CallRefused, FeedMapping, check_signature, read_call
from app.incidents.dispatch_intake import DispatchIntake, Received
from app.incidents.dispatch_rules import Rule
from app.incidents.spatial import CameraIndex
from app.periodic import Periodic
from app.registry.service import Registry

log = logging.getLogger(__name__)

SecretOf = Callable[[str], bytes | None]


class CameraCache:
    """The registry's cameras in a grid index, rebuilt when the change mark moves."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._mark: tuple[int, str] | None = None
        self._index = CameraIndex([])
        self._lock = threading.Lock()

    def refresh(self) -> None:
        mark = self.registry.change_mark()
        if mark != self._mark:
            index = CameraIndex(self.registry.list_cameras(include_retired=False))
            with self._lock:
                self._index, self._mark = index, mark

    @property
    def index(self) -> CameraIndex:
        with self._lock:
            return self._index


class Intake:
    """The intake's work, whoever delivers the call (HTTP or the folder)."""

    def __init__(self, sessions: sessionmaker[Session], feeds: dict[str, FeedMapping], secret_of: SecretOf,
                 time_zone: str = "UTC", rules: list[Rule] | None = None) -> None:  # fmt: skip
        self.sessions = sessions
        self.rules = rules or []
        self.feeds = feeds
        self.secret_of = secret_of
        self.time_zone = time_zone
        self.store = DispatchIntake(sessions, time_zone)
        self.cameras = CameraCache(Registry(sessions))
        self.cameras.refresh()

    def take(self, feed: str, body: bytes, digest: str | None) -> Received:
        mapping = self.feeds[feed]
        number = ""
        try:
            call = read_call(body, mapping)
            number = call.number
            actor = Actor(f"feed:{feed}", Role.DISPATCH_FEED)
            return use_cases.receive_dispatch_call(self.sessions, actor, call, self.cameras.index, digest,
                                                   self.time_zone, self.rules)  # fmt: skip
        except CallRefused as exc:
            self.store.refuse(feed, exc.reason, number)
            raise

    def take_signed(self, feed: str, body: bytes, timestamp: str, signature: str) -> Received:
        if feed not in self.feeds:
            raise CallRefused("unknown feed", 404)
        if len(body) > MAX_BODY_BYTES:
            self.store.refuse(feed, f"body of {len(body)} bytes refused (at most {MAX_BODY_BYTES})")
            raise CallRefused(f"at most {MAX_BODY_BYTES} bytes", 413)
        secret = self.secret_of(feed)
        if secret is None:
            self.store.refuse(feed, "this feed has no secret in the keyring (rtcc intake secret FEED)")
            raise CallRefused("this feed is not set up", 503)
        try:
            digest = check_signature(secret, timestamp, signature, body, time.time())
        except CallRefused as exc:
            self.store.refuse(feed, exc.reason)
            raise
        return self.take(feed, body, digest)


class FolderWatch:
    """Calls dropped as files: ``FOLDER/FEED/incoming/*.json``, each taken once."""

    def __init__(self, intake: Intake, folder: Path, every_s: float = 1.0) -> None:
        self.intake = intake
        self.folder = folder
        self._periodic = Periodic("dispatch folder", every_s, self.scan, wait_first=False)

    def start(self) -> None:
        for feed in self.intake.feeds:
            for sub in ("incoming", "done", "refused"):
                (self.folder / feed / sub).mkdir(parents=True, exist_ok=True)
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop(5)

    def scan(self) -> None:
        for feed in self.intake.feeds:
            incoming = self.folder / feed / "incoming"
            # Only finished files: a CAD writes NAME.json.part and renames it (or writes elsewhere
            # and moves it in), so a half-written call is never read.
            for path in sorted(incoming.glob("*.json")):
                self._take(feed, path)

    def _take(self, feed: str, path: Path) -> None:
        try:
            body = path.read_bytes()[: MAX_BODY_BYTES + 1]
        except OSError as exc:
            log.warning("dispatch folder: cannot read %s: %s", path, exc)
            return
        try:
            received = self.intake.take(feed, body, None)
            log.info("dispatch folder %s: %s %s", feed, received.outcome, received.incident.number)
            path.replace(self.folder / feed / "done" / path.name)
        except CallRefused as exc:
            target = self.folder / feed / "refused" / path.name
            path.replace(target)
            target.with_suffix(".reason.txt").write_text(exc.reason + "\n", encoding="utf-8")
        except Exception as exc:  # the database away: leave the file for the next scan
            log.warning("dispatch folder %s: %s not taken yet: %s", feed, path.name, exc)


class IntakeServer:
    def __init__(self, intake: Intake, host: str = "127.0.0.1", port: int = 8770,
                 folder: Path | None = None) -> None:  # fmt: skip
        self.intake = intake
        self.server = ThreadingHTTPServer((host, port), _handler(intake))
        self.server.daemon_threads = True
        self.watch = FolderWatch(intake, folder) if folder is not None else None
        self._cameras = Periodic("intake cameras", 2.0, intake.cameras.refresh)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start(self) -> IntakeServer:
        self._cameras.start()
        if self.watch is not None:
            self.watch.start()
        self._thread = threading.Thread(target=self.server.serve_forever, name="intake http", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._cameras.stop(2)
        if self.watch is not None:
            self.watch.stop()
        self.server.shutdown()
        self.server.server_close()


def _handler(intake: Intake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        server_version = "rtcc-intake"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("intake: " + format, *args)

        def _answer(self, status: int, doc: dict[str, Any]) -> None:
            body = (json.dumps(doc) + "\n").encode()
            reason = str(doc.get("refused", ""))[:120].replace("\r", " ").replace("\n", " ")
            self.send_response(status, reason or None)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/health":
                self._answer(HTTPStatus.OK, {"service": "rtcc intake", "feeds": sorted(intake.feeds)})
                return
            self._answer(HTTPStatus.NOT_FOUND, {"refused": "not found"})

        def do_POST(self) -> None:
            parts = self.path.split("?")[0].strip("/").split("/")
            if len(parts) != 2 or parts[0] != "intake":
                self._answer(HTTPStatus.NOT_FOUND, {"refused": "not found"})
                return
            feed = parts[1]
            try:
                length = int(self.headers.get("Content-Length", "-1"))
            except ValueError:
                length = -1
            if length < 0:
                self._answer(HTTPStatus.LENGTH_REQUIRED, {"refused": "Content-Length required"})
                return
            if length > MAX_BODY_BYTES:
                if feed in intake.feeds:
                    intake.store.refuse(feed, f"body of {length} bytes refused (at most {MAX_BODY_BYTES})")
                self._answer(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"refused": f"at most {MAX_BODY_BYTES} bytes"}
                )
                return
            body = self.rfile.read(length)
            try:
                received = intake.take_signed(feed, body, self.headers.get("X-RTCC-Timestamp", ""),
                                              self.headers.get("X-RTCC-Signature", ""))  # fmt: skip
            except CallRefused as exc:
                self._answer(exc.status, {"refused": exc.reason})
                return
            except Exception as exc:  # the database away: the CAD retries later
                log.error("intake %s: %s", feed, exc)
                self._answer(
                    HTTPStatus.SERVICE_UNAVAILABLE, {"refused": "the database is not answering; retry"}
                )
                return
            incident = received.incident
            self._answer(HTTPStatus.CREATED if received.outcome == "created" else HTTPStatus.OK, {
                "outcome": received.outcome, "incident": incident.number, "division": incident.division,
                "cameras": [c.camera.id for c in received.ranked if c.usable],
            })  # fmt: skip

    return Handler
