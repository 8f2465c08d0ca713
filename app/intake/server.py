"""``rtcc intake serve``: calls from dispatch feeds become incidents with ranked cameras.

POST /intake/FEED with the call's JSON, signed (see app/incidents/dispatch.py), answers 201 (a new
incident), 200 (updated or closed) or 4xx with the reason in the body and the X-Reason header;
every refusal is in the feed's log and changes nothing else. A CAD system that can only drop
files writes them into ``FOLDER/FEED/incoming/``: each file is taken once, then moved to
``done/`` or to ``refused/`` beside a ``.reason.txt`` (the folder's permissions stand in for
the signature). The registry's cameras are kept in a grid index that follows the registry's
change mark, so ranking a call never reads 100,000 cameras.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.console import use_cases
from app.console.actor import Actor
from app.governance.roles import Role
from app.incidents.dispatch import (
    MAX_BODY_BYTES,
    CallRefused,
    FeedMapping,
    check_signature,
    load_feeds,
    read_call,
)
from app.incidents.dispatch_intake import DispatchIntake, Received
from app.incidents.dispatch_rules import Rule, load_rules
from app.incidents.spatial import CameraIndex
from app.intake.folder import FolderWatch
from app.models.db import DatabaseError
from app.periodic import Periodic
from app.registry.service import Registry
from app.web.guard import REASON_HEADER, BodyTooLarge, Guard, header_text, read_body
from app.web.server import WebServer
from app.web.threads import WorkerThreads

log = logging.getLogger(__name__)

SecretOf = Callable[[str], bytes | None]
T = TypeVar("T")
# A feed's secret is read from the keyring at most this often: a file keyring is parsed again on
# every read (5 % of a burst's time), a desktop keyring is a D-Bus call. A secret replaced in the
# keyring is in use within this long; a call signed with a new secret re-reads it at once.
SECRET_TTL_S = 10.0
MAPPINGS_EVERY_S = 2.0
# Calls being checked and written at once: under the connection pool's five, since a call may
# hold one connection while it opens another (more threads than that waited on each other).
WORKER_THREADS = 4


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
        self._secrets: dict[str, tuple[float, bytes]] = {}  # feed -> (read at, monotonic; secret)
        self._secrets_lock = threading.Lock()
        self.time_zone = time_zone
        self.store = DispatchIntake(sessions, time_zone)
        self.cameras = CameraCache(Registry(sessions))
        self.cameras.refresh()

    def reload(self, folder: Path) -> None:
        """Take the folder's feed mappings and rules again, as they are now: a feed added or
        changed works without a restart. A bad file is logged with its reason and the feeds
        and rules as they were stay."""
        try:
            feeds, rules = load_feeds(folder), load_rules(folder / "rules.json")
        except ValueError as exc:
            log.error("intake: the folder's mappings were not taken (the previous ones stay): %s", exc)
            return
        added, gone = sorted(set(feeds) - set(self.feeds)), sorted(set(self.feeds) - set(feeds))
        changed = sorted(f for f in set(feeds) & set(self.feeds) if feeds[f] != self.feeds[f])
        if added or gone or changed or rules != self.rules:
            log.info("intake: feeds taken again from %s: added %s, changed %s, removed %s; %d rule(s)",
                     folder, added or "none", changed or "none", gone or "none", len(rules))  # fmt: skip
        self.feeds, self.rules = feeds, rules  # each a new object: a call in flight keeps the one it read

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
        secret, cached = self._secret(feed)
        if secret is None:
            self.store.refuse(feed, "this feed has no secret in the keyring (rtcc intake secret FEED)")
            raise CallRefused("this feed is not set up", 503)
        try:
            try:
                digest = check_signature(secret, timestamp, signature, body, time.time())
            except CallRefused:
                fresh, _ = self._secret(feed, reread=True) if cached else (None, False)
                if fresh is None or fresh == secret:
                    raise
                digest = check_signature(fresh, timestamp, signature, body, time.time())
        except CallRefused as exc:
            self.store.refuse(feed, exc.reason)
            raise
        return self.take(feed, body, digest)

    def _secret(self, feed: str, reread: bool = False) -> tuple[bytes | None, bool]:
        """The feed's secret, and whether it came from the cache (see ``SECRET_TTL_S``)."""
        now = time.monotonic()
        with self._secrets_lock:
            held = self._secrets.get(feed)
            if held is not None and not reread and now - held[0] < SECRET_TTL_S:
                return held[1], True
        secret = self.secret_of(feed)
        with self._secrets_lock:
            if secret is None:
                self._secrets.pop(feed, None)
            else:
                self._secrets[feed] = (now, secret)
        return secret, False


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


class IntakeServer:
    """POST /intake/FEED and GET /health on :mod:`app.web` (a real backlog, limits, a reason
    for every refusal), and the folder watch beside it."""

    def __init__(self, intake: Intake, host: str = "127.0.0.1", port: int = 8770,
                 folder: Path | None = None) -> None:  # fmt: skip
        self.intake = intake
        self.folder = folder
        self.http = IntakeHttp(intake)
        self.web = WebServer(self.http.guard, host, port, "intake")
        self.watch = FolderWatch(intake, folder) if folder is not None else None
        self._cameras = Periodic("intake cameras", 2.0, intake.cameras.refresh)
        # A mapping or rules file added or changed in the folder is taken within this long.
        self._mappings = Periodic("intake mappings", MAPPINGS_EVERY_S, self._reload_if_changed)
        self._seen: tuple[tuple[str, float, int], ...] | None = None

    @property
    def base_url(self) -> str:
        return self.web.base_url

    def _reload_if_changed(self) -> None:
        folder = self.folder
        if folder is None or not folder.is_dir():
            return
        files = [*sorted(folder.glob("*.mapping.json")), folder / "rules.json"]
        seen = tuple((p.name, st.st_mtime, st.st_size) for p in files if (st := _stat(p)) is not None)
        if self._seen is not None and seen != self._seen:
            self.intake.reload(folder)
        self._seen = seen

    def start(self) -> IntakeServer:
        self._cameras.start()
        self._reload_if_changed()
        self._mappings.start()
        if self.watch is not None:
            self.watch.start()
        self.web.start()
        return self

    def close(self) -> None:
        self._cameras.stop(2)
        self._mappings.stop(2)
        if self.watch is not None:
            self.watch.stop()
        self.web.close()


def _answer(status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    reason = {REASON_HEADER: header_text(str(doc["refused"]))} if "refused" in doc else {}
    return Response(json.dumps(doc) + "\n", status, reason | (headers or {}), "application/json")


class IntakeHttp:
    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        # SQLite writes one at a time: more writers would only wait for its lock (and give up
        # after the busy timeout); PostgreSQL takes calls side by side.
        sqlite = intake.sessions.kw["bind"].dialect.name == "sqlite"
        self._workers = WorkerThreads(1 if sqlite else WORKER_THREADS)
        app = Starlette(routes=[
            Route("/health", self.health, methods=["GET", "HEAD"]),
            Route("/intake/{feed:str}", self.post, methods=["POST"]),
        ])  # fmt: skip
        app.add_exception_handler(404, self._not_found)
        app.add_exception_handler(405, self._not_allowed)
        self.guard = Guard(app, "the intake")

    async def _not_found(self, _request: Request, _exc: Exception) -> Response:
        return _answer(404, {"refused": "not found"})

    async def _not_allowed(self, request: Request, _exc: Exception) -> Response:
        return _answer(405, {"refused": f"{request.method} is not answered here"})

    async def health(self, _request: Request) -> Response:
        return _answer(200, {"service": "rtcc intake", "feeds": sorted(self.intake.feeds)})

    async def post(self, request: Request) -> Response:
        intake, feed = self.intake, request.path_params["feed"]
        try:
            body = await read_body(request, MAX_BODY_BYTES)
        except BodyTooLarge as exc:
            if feed in intake.feeds:
                await self._in_thread(intake.store.refuse, feed, f"body of {exc} refused")
            return _answer(413, {"refused": f"at most {MAX_BODY_BYTES} bytes"})
        timestamp = request.headers.get("X-RTCC-Timestamp", "")
        signature = request.headers.get("X-RTCC-Signature", "")
        try:
            received = await self._in_thread(intake.take_signed, feed, body, timestamp, signature)
        except CallRefused as exc:
            return _answer(exc.status, {"refused": exc.reason})
        except (DBAPIError, SQLAlchemyTimeout, DatabaseError) as exc:  # the database away: retry later
            log.error("intake %s: %s", feed, exc)
            return _answer(503, {"refused": "the database is not answering; retry"}, {"Retry-After": "5"})
        incident = received.incident
        return _answer(201 if received.outcome == "created" else 200, {
            "outcome": received.outcome, "incident": incident.number, "division": incident.division,
            "cameras": [c.camera.id for c in received.ranked if c.usable],
        })  # fmt: skip

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._workers.run(fn, *args)
