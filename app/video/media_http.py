"""The media service's HTTP face: live streams, segment closes, officers' hand-off pages,
``/status`` and ``/health``, as a Starlette app (:mod:`app.web`).

Checking a grant, the registry and the gate, and auditing, read and write the database: that
runs on worker threads. A live stream is relayed on the event loop: the relay's thread hands
each chunk to the loop (:class:`LoopQueue`), so a wall of viewers holds no thread each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

import anyio
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from app.governance.policy import load_policy
from app.video.handoff_page import CSP, TOKEN, open_handoff, page
from app.video.recorder import SegmentRecorder
from app.video.relay import CHUNK_QUEUE, Relay
from app.video.segment_close import CLOSE_AHEAD_S, CLOSE_WAIT_S
from app.video.viewing import UNVERIFIED, LiveSource, Refusal, Viewer
from app.web.guard import Guard, refusal
from app.web.threads import WorkerThreads


class MediaService(Protocol):
    """What the HTTP face uses of :class:`app.video.media_service.MediaService`."""

    sessions: sessionmaker[Session]
    database_id: str
    open_timeout_s: float
    open_views: int
    clock: Callable[[], datetime]

    @property
    def _lock(self) -> threading.Lock: ...
    @property
    def recorders(self) -> dict[int, SegmentRecorder]: ...
    def status(self) -> dict[str, Any]: ...
    def viewer_for(self, query: str, camera_id: int) -> Viewer | Refusal: ...
    def source_url(self, camera_id: int, stream: str, viewer: Viewer,
                   audit_refusal: bool = True) -> LiveSource | Refusal: ...  # fmt: skip
    def audit_view(self, action: str, camera_id: int, viewer: Viewer, details: str = "") -> None: ...
    def relay(self, key: str, url: str) -> Relay: ...


log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_CAMERA_ID = 2**31 - 1  # beyond any registry's id: answered 404, not sent to the database
WORKER_THREADS = 200  # database and relay-opening work in flight at once


class LoopQueue:
    """A viewer's chunks, put by the relay's thread, taken on the event loop.

    It stands in for the relay's per-viewer ``queue.Queue``: ``put_nowait`` raises ``queue.Full``
    past ``maxsize`` (the relay then drops this viewer, never slowing the camera or the others),
    and None ends the stream, dropping what was not sent yet."""

    def __init__(self, loop: asyncio.AbstractEventLoop, maxsize: int = CHUNK_QUEUE) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._lock = threading.Lock()
        self._size = 0
        self.maxsize = maxsize
        self.ended = False

    def put_nowait(self, item: bytes | None) -> None:
        with self._lock:
            if item is None:
                self.ended = True
            elif self._size >= self.maxsize:
                raise queue.Full
            self._size += 1
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server is gone
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    def get_nowait(self) -> bytes | None:
        raise queue.Empty  # the relay drains before it ends a viewer; here ``ended`` does that

    async def get(self, timeout_s: float) -> bytes | None:
        """The next chunk; None once ended; :class:`TimeoutError` if none came in time."""
        if self.ended:
            return None
        item = await asyncio.wait_for(self._queue.get(), timeout_s)
        with self._lock:
            self._size -= 1
        return None if self.ended else item


def _camera(request: Request) -> int | None:
    camera_id = int(request.path_params["camera"])
    return camera_id if camera_id <= MAX_CAMERA_ID else None


def _refused(answer: Refusal) -> Response:
    return refusal(int(answer.status), answer.reason)


class MediaHttp:
    def __init__(self, service: MediaService) -> None:
        self.service = service
        self._workers = WorkerThreads(WORKER_THREADS)
        routes = [
            Route("/health", self.health, methods=["GET", "HEAD"]),
            Route("/status", self.status, methods=["GET", "HEAD"]),
            Route("/live/{camera:int}/{stream:str}.ts", self.live, methods=["GET", "HEAD"]),
            Route("/record/{camera:int}/close", self.close_segment, methods=["POST"]),
            Route("/h/{token:str}", self.handoff_page, methods=["GET", "HEAD"]),
            Route("/h/{token:str}/media", self.handoff_media, methods=["GET", "HEAD"]),
        ]
        app = Starlette(routes=routes)
        app.add_exception_handler(404, self._not_found)
        app.add_exception_handler(405, self._not_allowed)
        self.guard = Guard(app, "the media service")

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._workers.run(fn, *args)

    async def _not_found(self, _request: Request, _exc: Exception) -> Response:
        return refusal(404, "unknown path")

    async def _not_allowed(self, request: Request, _exc: Exception) -> Response:
        return refusal(405, f"{request.method} is not answered at this path")

    async def health(self, _request: Request) -> Response:
        return PlainTextResponse(f"ok {self.service.database_id}\n")

    async def status(self, _request: Request) -> Response:
        doc = await self._in_thread(self.service.status)
        return Response(json.dumps(doc, indent=1), media_type="application/json")

    # -- live -------------------------------------------------------------------------------
    async def live(self, request: Request) -> Response:
        service, stream, camera_id = self.service, request.path_params["stream"], _camera(request)
        if camera_id is None or stream not in ("main", "sub"):
            return refusal(404, "unknown path")
        viewer = await self._in_thread(service.viewer_for, request.url.query, camera_id)
        head = request.method == "HEAD"
        if isinstance(viewer, Refusal):
            if not head:  # HEAD asks why a stream ended: not another attempt to watch
                await self._in_thread(service.audit_view, "live view refused", camera_id, UNVERIFIED,
                                       viewer.reason)  # fmt: skip
            return _refused(viewer)
        source = await self._in_thread(service.source_url, camera_id, stream, viewer, not head)
        if isinstance(source, Refusal):
            return _refused(source)
        if head:
            return Response(media_type="video/mp2t")
        relay = await self._in_thread(self._open_relay, camera_id, stream, source)
        if relay.failed.is_set():
            return refusal(502, f"camera did not answer: {relay.stats.error}")
        cap = await self._in_thread(lambda: load_policy(service.sessions).live_view_max_minutes)
        view = _LiveView(self, relay, viewer, source, camera_id, stream, cap if viewer.purpose else None)
        return StreamingResponse(
            view.chunks(), media_type="video/mp2t", headers={"Cache-Control": "no-store"}
        )

    def _open_relay(self, camera_id: int, stream: str, source: LiveSource) -> Relay:
        relay = self.service.relay(f"{camera_id}/{stream}", source.url)
        relay.ready.wait(self.service.open_timeout_s + 2)
        return relay

    # -- segments ---------------------------------------------------------------------------
    async def close_segment(self, request: Request) -> Response:
        """``/record/<camera>/close?at=<ISO time>``: end the camera's open segment at the first
        keyframe taken at or after ``at`` and answer once it is indexed (a hand-off from a live
        tile needs its last seconds now, not when the minute is up). It changes only where a
        segment ends; no footage is served or removed."""
        camera_id = _camera(request)
        if camera_id is None:
            return refusal(404, "unknown path")
        try:
            at = datetime.fromisoformat(request.query_params.get("at", ""))
            if at.tzinfo is None:
                raise ValueError("no time zone")
        except ValueError:
            return refusal(400, "at: give the camera time as ISO 8601 with a zone")
        ahead = (at - datetime.now(UTC)).total_seconds()
        if ahead > CLOSE_AHEAD_S:
            return refusal(400, f"at: {ahead:.0f} s ahead; at most {CLOSE_AHEAD_S:.0f}")
        recorder = self.service.recorders.get(camera_id)
        close = recorder.close_after(at) if recorder is not None else None
        if close is None:
            return refusal(409, f"camera {camera_id} is not being recorded by this service")
        done = await self._in_thread(close.done.wait, max(ahead, 0.0) + CLOSE_WAIT_S)
        if not done or close.end is None:
            why = close.error or f"no keyframe from camera {camera_id} in time"
            return refusal(504, f"the segment was not closed: {why}")
        body = {"camera": camera_id, "indexed_until": close.end.isoformat()}
        return Response(json.dumps(body), media_type="application/json")

    # -- officers' hand-offs ----------------------------------------------------------------
    async def _open_handoff(self, request: Request) -> Any:
        token = request.path_params["token"]
        if not TOKEN.fullmatch(token):
            return None
        client = request.client.host if request.client else ""
        return await self._in_thread(open_handoff, self.service.sessions, token, self.service.clock(), client)

    async def handoff_page(self, request: Request) -> Response:
        opened = await self._open_handoff(request)
        if opened is None:
            return refusal(404, "unknown path")
        body = page(opened, request.path_params["token"])
        return Response(body, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"})  # fmt: skip

    async def handoff_media(self, request: Request) -> Response:
        """The clip or still, with byte ranges (players ask for them; a bad range gets 416)."""
        opened = await self._open_handoff(request)
        if opened is None or not opened.path.is_file():
            return refusal(404, "unknown path")
        media_type = "video/mp4" if opened.kind == "clip" else "image/png"
        return FileResponse(opened.path, media_type=media_type, headers={"Cache-Control": "no-store"})


class _LiveView:
    """One viewer's stream, from the first byte sent ("live view started") until the relay ends
    it, the viewer leaves or the purpose's time is up ("live view stopped", whatever ended it).
    All of it runs as the body is sent: a viewer gone before that leaves nothing behind."""

    def __init__(self, http: MediaHttp, relay: Relay, viewer: Viewer, source: LiveSource,
                 camera_id: int, stream: str, cap_minutes: int | None) -> None:  # fmt: skip
        self.http, self.relay, self.viewer = http, relay, viewer
        self.source, self.camera_id, self.stream, self.cap = source, camera_id, stream, cap_minutes

    async def chunks(self) -> AsyncIterator[bytes]:
        service, http = self.http.service, self.http
        self.queue = LoopQueue(asyncio.get_running_loop())
        self.relay.fanout.subscribe(self.queue)  # type: ignore[arg-type]
        with service._lock:
            service.open_views += 1
        started, ended = time.monotonic(), ""
        await http._in_thread(service.audit_view, "live view started", self.camera_id, self.viewer,
                              f"{self.stream} stream{self.source.note}")  # fmt: skip
        # A view under a stated purpose lasts at most the program's cap; then the purpose is
        # stated again (the console asks; another client reconnects with it).
        deadline = service.clock() + timedelta(minutes=self.cap) if self.cap else None
        try:
            while True:
                try:
                    chunk = await self.queue.get(service.open_timeout_s * 2)
                except TimeoutError:
                    if self.relay.failed.is_set():
                        break
                    continue
                if chunk is None:
                    break
                yield chunk
                if deadline is not None and service.clock() >= deadline:
                    ended = f"; ended after the program's {self.cap} minutes: the purpose is stated again"
                    break
        finally:
            self.relay.fanout.unsubscribe(self.queue)  # type: ignore[arg-type]
            stopped = f"{self.stream} stream, {time.monotonic() - started:.0f} s{ended}"
            with anyio.CancelScope(shield=True):  # the viewer left: the entry is written anyway
                await self.http._in_thread(service.audit_view, "live view stopped", self.camera_id,
                                           self.viewer, stopped)  # fmt: skip
            with service._lock:
                service.open_views -= 1
