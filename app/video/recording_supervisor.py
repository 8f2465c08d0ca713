"""Recording in the media service: every camera whose terms allow it is recorded from the same
pull as live viewing; a camera that drops is pulled again with backoff, and the time it was away
is a gap with its cause. Retention runs beside it on its own schedule."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.governance.gate import why_not_recorded
from app.governance.policy import load_policy
from app.models.rows import CameraRow
from app.periodic import Periodic
from app.registry import credentials
from app.registry.service import Registry
from app.video.clock_watch import ClockLimits
from app.video.gaps import GapBook
from app.video.recorder import SegmentRecorder
from app.video.recovery import recover_unindexed
from app.video.relay import Relay
from app.video.relay_hub import RelayHub
from app.video.retention import apply_retention
from app.video.sources import camera_source

log = logging.getLogger(__name__)

RETENTION_EVERY_S = 60.0
# The supervisor re-reads the registry when its change mark moves, and at least this often (a
# workstation with a slow clock can change a camera without moving the mark).
REGISTRY_REREAD_S = 60.0
# The longest wait between tries to pull a camera that dropped: the recording it misses after it
# comes back. An RTSP DESCRIBE every few seconds to a camera that is down costs next to nothing.
RECORD_RETRY_MAX_S = 4.0


class RecordingSupervisor:
    def __init__(self, sessions: sessionmaker[Session], hub: RelayHub, root: Path, segment_s: float = 60.0,
                 check_every_s: float = 1.0, limit: int = 0,
                 divisions: frozenset[str] = frozenset(),
                 clock_limits: ClockLimits | None = None) -> None:  # fmt: skip
        self.sessions = sessions
        self.registry = Registry(sessions)
        self.hub = hub
        self.root = root
        self.segment_s = segment_s
        self.check_every_s = check_every_s
        self.limit = limit  # a capacity cap: the lowest camera ids, stable across rounds (0: all)
        self.divisions = divisions  # only these divisions' cameras (empty: all)
        self.clock_limits = clock_limits or ClockLimits()
        self.recorders: dict[int, SegmentRecorder] = {}
        self.gaps = GapBook(sessions)
        self._relays: dict[int, Relay] = {}
        self._retry_at: dict[int, float] = {}
        self._failures: dict[int, int] = {}
        self._cameras: list[CameraRow] = []
        self._mark: tuple[int, str] | None = None
        self._reread_at = 0.0
        self._periodic = Periodic("recording", check_every_s, self.check_once, wait_first=False,
                                  on_stop=self._close_all)  # fmt: skip

    @property
    def running(self) -> bool:
        return self._periodic.running

    def start(self) -> None:
        try:
            recover_unindexed(self.sessions, self.root)
        except Exception as exc:  # recording must start even if an old file cannot be indexed
            log.error("recording: could not index segments left by an earlier run: %s", exc)
        self._periodic.start()

    def stop(self) -> None:
        """Stop recording and close every open segment (it is hashed and indexed)."""
        self._periodic.stop(10)

    def _close_all(self) -> None:
        for camera_id, recorder in self.recorders.items():
            self._close(camera_id, recorder)
        self.gaps.close_all(datetime.now(UTC), "recording stopped while the camera was down")

    def _wanted(self, now: float) -> set[int]:
        try:
            # The mark first: a change while the list is read shows as a new mark next round.
            current = self.registry.change_mark()
            if current != self._mark or now >= self._reread_at:
                self._cameras = self.registry.list_cameras(include_retired=False)
                self._mark, self._reread_at = current, now + REGISTRY_REREAD_S
        except Exception as exc:  # the database may be briefly locked: keep the last list
            log.warning("recording: cannot read the registry: %s", exc)
        wanted = {
            c.id for c in self._cameras
            if why_not_recorded(c) is None and (not self.divisions or c.division in self.divisions)
        }  # fmt: skip
        return set(sorted(wanted)[: self.limit]) if self.limit else wanted

    def _neighbours_delay(self) -> float | None:
        """The median network delay measured for the cameras whose clocks are trusted: what a
        camera never trusted is assumed to have (the same network, the same kind of encoder)."""
        measured = (r.watch.trusted_delay_s for r in list(self.recorders.values()))
        delays = sorted(d for d in measured if d is not None)
        return delays[len(delays) // 2] if delays else None

    def check_once(self) -> None:
        """One round: keep every wanted camera recording, stop the ones no longer wanted."""
        now = time.monotonic()
        wanted = self._wanted(now)
        for camera in self._cameras:
            if camera.id in wanted:
                self._keep_recording(camera, now)
        for camera_id in list(self.recorders):
            if camera_id not in wanted:  # consent revoked or terms changed: stop now
                self._close(camera_id, self.recorders.pop(camera_id))

    def _close(self, camera_id: int, recorder: SegmentRecorder) -> None:
        """Close a recorder whose camera still sends: what it held of a new stream's opening is
        recorded from the stream, which its relay keeps open meanwhile."""
        relay = self.hub.relays.get(f"{camera_id}/main")
        if relay is None:
            recorder.close()
            return
        with relay.source_lock:
            recorder.close(wait=False, open_stream=relay.stream)
        recorder.close()  # and wait for its indexing, without holding up the relay

    def _keep_recording(self, camera: CameraRow, now: float) -> None:
        recorder = self.recorders.get(camera.id)
        relay = self.hub.relays.get(f"{camera.id}/main")
        if (
            relay is not None
            and relay.alive
            and recorder is not None
            and recorder.on_packet in relay.listeners
        ):
            self._failures[camera.id] = 0
            if recorder.recording and recorder.segment_started_at is not None:
                self.gaps.close(camera.id, recorder.segment_started_at)
            return
        if recorder is not None:
            recorder.close()  # the camera dropped: the gap starts here
            if recorder.last_packet_at is not None and not self.gaps.is_open(camera.id):
                # It was recording and is not any more: the outage starts at its last packet.
                previous = self._relays.get(camera.id)
                why = (previous.stats.error if previous else "") or "the camera stopped sending video"
                self.gaps.open(camera.id, recorder.last_packet_at, f"camera did not deliver: {why}")
        if now < self._retry_at.get(camera.id, 0.0):
            return
        if recorder is None:
            recorder = SegmentRecorder(camera.id, camera.uid, self.root, self.sessions, self.segment_s,
                                       self.clock_limits, self._neighbours_delay)  # fmt: skip
            self.recorders[camera.id] = recorder
        try:
            relay = self.hub.relay(f"{camera.id}/main", camera_source(camera, "main"))
        except credentials.KeyringUnavailable as exc:
            recorder.error = str(exc)
            return
        relay.listeners.append(recorder.on_packet)
        self._relays[camera.id] = relay
        self._failures[camera.id] = self._failures.get(camera.id, 0) + 1
        self._retry_at[camera.id] = now + min(RECORD_RETRY_MAX_S, 2.0 ** min(self._failures[camera.id], 5))


class RetentionKeeper:
    """Deletes footage past each camera's retention (cases hold theirs) every ``every_s``."""

    def __init__(self, sessions: sessionmaker[Session], root: Path, every_s: float = RETENTION_EVERY_S):
        self.sessions = sessions
        self.root = root
        self._periodic = Periodic("retention", every_s, self.apply_now, wait_first=False)

    def apply_now(self) -> None:
        cap = load_policy(self.sessions).private_retention_cap_days  # read each pass: a change applies
        apply_retention(self.sessions, self.root, datetime.now(UTC), private_cap_days=cap)

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop(10)
