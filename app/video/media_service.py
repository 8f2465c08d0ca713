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

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.governance import audit, grants
from app.governance.gate import why_not_watch
from app.governance.purpose import outside_home
from app.native_memory import heap_usage, start_heap_trimming
from app.periodic import Periodic
from app.registry import credentials
from app.registry.service import Registry, RegistryError
from app.video.clock_watch import ClockLimits, ClockVerdict
from app.video.consent_watch import ConsentWatch
from app.video.gaps import GapBook
from app.video.media_directory import Heartbeat, database_id
from app.video.media_http import MediaHttp
from app.video.recorder import SegmentRecorder
from app.video.recording_supervisor import RecordingSupervisor, RetentionKeeper
from app.video.relay import Relay
from app.video.relay_hub import RelayHub
from app.video.sources import camera_source
from app.video.viewing import LiveSource, Refusal, Viewer
from app.web.server import WebServer

log = logging.getLogger(__name__)

CLOSE_VIEWS_S = 10.0  # how long closing waits for live views to end and be audited


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
        self.consent = ConsentWatch(sessions, self.hub, recording=lambda: self.recording)
        self.supervisor: RecordingSupervisor | None = None
        self.retention: RetentionKeeper | None = None
        self.http = MediaHttp(self)
        self.web = WebServer(self.http.guard, host, port, "media service")
        self._stop_requested = threading.Event()
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
        return self.web.port

    @property
    def base_url(self) -> str:
        return self.web.base_url

    @property
    def handling(self) -> int:
        """Requests being answered, live streams included: closing waits for them."""
        return self.http.guard.in_flight

    def start(self) -> MediaService:
        self.consent.start()
        self.heartbeat.start()
        self._trimmer = start_heap_trimming()
        self.web.start()
        return self

    def serve_forever(self) -> None:
        """Serve until :meth:`stop_serving` (a signal handler calls it); then the caller closes
        the service, which ends the streams before the server stops."""
        self.start()
        self._stop_requested.wait()

    def stop_serving(self) -> None:
        """Make :meth:`serve_forever` return (from any thread, a signal handler included)."""
        self._stop_requested.set()

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
        # End the streams first (each viewer's stream writes "live view stopped" as it ends),
        # then stop the server, which waits a moment for the answers still being sent.
        self.close_relays()
        self.web.close()
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
