"""Owners' terms while streams run: every second, the cameras being relayed are checked against
the registry, and what the terms no longer allow is cut at once (target: within 5 s)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.gate import why_not_live, why_not_now, why_not_recorded
from app.periodic import Periodic
from app.registry.service import Registry
from app.video.relay_hub import RelayHub

log = logging.getLogger(__name__)

CONSENT_CHECK_S = 1.0


class ConsentWatch:
    def __init__(self, sessions: sessionmaker[Session], hub: RelayHub, recording: Callable[[], bool],
                 every_s: float = CONSENT_CHECK_S) -> None:  # fmt: skip
        self.sessions = sessions
        self.registry = Registry(sessions)
        self.hub = hub
        self.recording = recording  # whether the service records (a recorded camera keeps its pull)
        self.every_s = every_s
        self._periodic = Periodic("consent watch", every_s, self.enforce)

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop(5)

    def enforce(self) -> list[str]:
        """Cut what the owners' terms no longer allow, at once: the live viewers of a camera that
        may not be shown live any more, and the whole pull of one that may neither be shown nor
        recorded (consent revoked, retired, registered only). Returns what was cut."""
        relays, _ = self.hub.snapshot()
        if not relays:
            return []
        # Only the cameras being relayed: a city's whole registry every second would not scale.
        cameras = self.registry.cameras_by_id(int(key.split("/")[0]) for key in relays)
        recording = self.recording()
        cut: list[str] = []
        now = datetime.now(UTC)
        with self.sessions() as s:  # the owner's window may close too: dates end, incident over
            live_now = {
                c.id for c in cameras.values() if why_not_live(c) is None and why_not_now(s, c, now) is None
            }
        for relay in relays.values():
            camera = cameras.get(int(relay.key.split("/")[0]))
            live = camera is not None and camera.id in live_now
            recorded = recording and camera is not None and why_not_recorded(camera) is None
            if not live and relay.fanout.count:
                relay.fanout.close()  # the viewers' streams end now; a new request is refused
                cut.append(f"{relay.key}: viewers")
            if not live and not recorded:
                relay.stop()
                cut.append(f"{relay.key}: pull")
        if cut:
            log.warning("owners' terms no longer allow: %s", ", ".join(cut))
            audit.record(self.sessions, "live video cut: owner's terms or consent changed",
                         user="media service", details=", ".join(cut))  # fmt: skip
        return cut
