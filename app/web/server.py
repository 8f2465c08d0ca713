"""One ASGI app served by uvicorn on its own thread, as the services need it.

The standard library's server listened with a backlog of 5 and one thread per connection: of
200 calls posted at once about 150 were reset with no answer. uvicorn listens with a real backlog
on one event loop; the socket is bound here, before the thread starts, so a port in use fails
at once with the reason, and port 0 gives a free port known at once.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)

BACKLOG = 2048  # connections the kernel holds while the loop accepts (a wall reconnecting at once)
KEEP_ALIVE_S = 5  # an idle kept-alive connection is closed after this
GRACE_S = 3  # on stop, requests in flight get this long; streams are ended by their owners first
MAX_HEAD_BYTES = 64 * 1024  # a request line and headers beyond this are refused (400)


class WebServer:
    """``app`` on ``host:port`` (0: a free port) in a daemon thread, until :meth:`close`."""

    def __init__(self, app: ASGIApp, host: str, port: int, name: str, *,
                 limit_concurrency: int | None = None) -> None:  # fmt: skip
        self.name = name
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((host, port))
            self.socket.listen(BACKLOG)
        except OSError:
            self.socket.close()
            raise
        self.socket.setblocking(False)
        config = uvicorn.Config(
            app,
            loop="asyncio",
            http="h11",
            ws="none",
            lifespan="off",
            backlog=BACKLOG,
            timeout_keep_alive=KEEP_ALIVE_S,
            timeout_graceful_shutdown=GRACE_S,
            limit_concurrency=limit_concurrency,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES,
            # No "server: uvicorn" and no version: nothing to fingerprint.
            server_header=False,
            proxy_headers=False,
            access_log=False,
            log_config=None,
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.socket.getsockname()[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def base_url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self._run, name=f"{self.name} http", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            # uvicorn installs no signal handlers off the main thread: the owner stops it.
            asyncio.run(self.server.serve(sockets=[self.socket]))
        except Exception:
            log.exception("%s: the web server stopped with an error", self.name)
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop accepting and end (from any thread, a signal handler included; returns at once)."""
        self.server.should_exit = True

    def wait(self, timeout_s: float | None = None) -> bool:
        """Until the server has stopped (after :meth:`shutdown`)."""
        return self._stopped.wait(timeout_s)

    def close(self, timeout_s: float = GRACE_S + 5) -> None:
        self.shutdown()
        if self._thread is not None and not self.wait(timeout_s):
            log.warning("%s: the web server did not stop within %.0f s", self.name, timeout_s)
        self.socket.close()
