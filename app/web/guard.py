"""What every request to a service passes first, and what every answer carries.

- A target longer than :data:`MAX_TARGET` is refused with 414, more requests in flight than the
  service's limit with 503 and ``Retry-After``, an error in a handler with 500 and a line in the
  log (never a traceback to the caller).
- Every answer says ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
  (unless the page set its own policy) ``frame-ancestors 'none'``; none names a server or version.
- :func:`refusal` answers with the reason in the body and, for HEAD and players that show only
  the status, in the ``X-Reason`` header (ASGI has no custom status phrases).
"""

from __future__ import annotations

import logging
import threading

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

MAX_TARGET = 4096  # characters of path and query
REASON_HEADER = "X-Reason"
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
FRAME_POLICY = (b"content-security-policy", b"frame-ancestors 'none'")


def header_text(text: str, limit: int = 200) -> str:
    """One line of printable ASCII, for a header (a reason may hold any character)."""
    line = " ".join(text.split())
    ascii_only = line.encode("ascii", "replace").decode("ascii")
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in ascii_only)[:limit] or "refused"


def refusal(status: int, reason: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(reason.rstrip("\n") + "\n", status,
                             headers={REASON_HEADER: header_text(reason), **(headers or {})})  # fmt: skip


class BodyTooLarge(ValueError):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused past ``limit`` bytes before more is read (a declared length is checked
    before any byte; a chunked body as it arrives)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"{declared} bytes; at most {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(f"more than {limit} bytes")
    return bytes(body)


class Guard:
    """The ASGI middleware above: counts requests in flight, so a service can wait for them."""

    def __init__(self, app: ASGIApp, name: str, max_in_flight: int = 1000) -> None:
        self.app = app
        self.name = name
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                names = {k.lower() for k, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if FRAME_POLICY[0] not in names:
                    headers.append(FRAME_POLICY)
                message = {**message, "headers": headers}
            await send(message)

        target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        if target > MAX_TARGET:
            too_long = refusal(414, f"the address is {target} characters; at most {MAX_TARGET}")
            await too_long(scope, receive, secured)
            return
        with self._lock:
            busy = self.in_flight >= self.max_in_flight
            if not busy:
                self.in_flight += 1
        if busy:
            why = f"{self.name} is serving {self.max_in_flight} requests; retry in a second"
            await refusal(503, why, {"Retry-After": "1"})(scope, receive, secured)
            return
        try:
            await self.app(scope, receive, secured)
        finally:
            with self._lock:
                self.in_flight -= 1
