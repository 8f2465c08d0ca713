"""Where each camera's live video comes from when several media services split a city.

A media service registers itself in the database (name, address, the divisions it serves, where
it records) and renews a heartbeat with its health every couple of seconds: cameras pulled and
recording, disk free, the newest segment per camera. Consoles read the directory to find the
service for a camera (the one serving its division, else one serving every division) and show a
service whose heartbeat stopped as not answering, whatever the reason (a crash, a cable, a
powered-off server): consoles need not reach it to know.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models.change_feed import publish
from app.models.db import write_transaction
from app.models.rows import CameraRow
from app.models.tables import MediaServiceEntry
from app.periodic import Periodic

log = logging.getLogger(__name__)


def database_id(url: str) -> str:
    """A short fingerprint of the registry a service serves, so a console never uses a media
    service that resolves camera ids against another database (the demo's, say)."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


HEARTBEAT_S = 2.0
# A service whose heartbeat is older than this is shown as not answering: three beats missed,
# well inside the 10 s in which a console must show a dead service.
STALE_S = 6.0


def parse_divisions(text: str) -> frozenset[str]:
    return frozenset(n.strip() for n in text.split(",") if n.strip())


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    base_url: str
    divisions: frozenset[str]  # empty: every division
    recordings_root: str
    heartbeat_at: datetime
    stopped_at: datetime | None
    pulled: int
    recording: int
    disk_free_bytes: int | None
    newest_segments: dict[int, datetime]

    def answering(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.stopped_at is None and now - self.heartbeat_at < timedelta(seconds=STALE_S)

    def serves(self, camera: CameraRow) -> bool:
        return not self.divisions or camera.division in self.divisions

    def describe(self, now: datetime | None = None) -> str:
        where = ", ".join(sorted(self.divisions)) or "all divisions"
        if self.stopped_at is not None:
            return f"{self.name} ({where}): stopped"
        if not self.answering(now):
            age = ((now or datetime.now(UTC)) - self.heartbeat_at).total_seconds()
            return f"{self.name} ({where}): not answering (last heartbeat {age:.0f} s ago)"
        disk = f", {self.disk_free_bytes / 1e9:.0f} GB free" if self.disk_free_bytes is not None else ""
        return f"{self.name} ({where}): {self.pulled} pulled, recording {self.recording}{disk}"


def read_directory(sessions: sessionmaker[Session]) -> list[ServiceEntry]:
    with sessions() as s:
        rows = list(s.scalars(select(MediaServiceEntry).order_by(MediaServiceEntry.name)))
    return [
        ServiceEntry(r.name, r.base_url, parse_divisions(r.divisions), r.recordings_root, r.heartbeat_at,
                     r.stopped_at, r.pulled, r.recording, r.disk_free_bytes, _newest(r.newest_segments))
        for r in rows
    ]  # fmt: skip


def _newest(text: str) -> dict[int, datetime]:
    return {int(k): datetime.fromisoformat(v) for k, v in json.loads(text or "{}").items()}


def service_for(camera: CameraRow, services: list[ServiceEntry]) -> ServiceEntry | None:
    """The service serving the camera's division; else one serving every division. A service
    registered for the division wins even when it is not answering: its cameras are then shown
    as unavailable rather than pulled a second time from the camera by another service."""
    for entry in services:
        if entry.divisions and camera.division in entry.divisions and entry.stopped_at is None:
            return entry
    city_wide = [e for e in services if not e.divisions and e.stopped_at is None]
    # Of the services for every division, one answering (a stale entry of a service that was
    # killed and started elsewhere must not win over it).
    return next((e for e in city_wide if e.answering()), city_wide[0] if city_wide else None)


class Heartbeat:
    """Registers a media service and renews its entry every :data:`HEARTBEAT_S`."""

    def __init__(self, sessions: sessionmaker[Session], service: Any, name: str = "",
                 divisions: frozenset[str] = frozenset()) -> None:  # fmt: skip
        self.sessions = sessions
        self.service = service
        self.name = name or f"{socket.gethostname()}:{service.port}"
        self.divisions = divisions
        self._periodic = Periodic(f"heartbeat of {self.name}", HEARTBEAT_S, self.beat, wait_first=False)

    def start(self) -> Heartbeat:
        self._periodic.start()
        return self

    def stop(self) -> None:
        """A clean stop: the entry says so at once (consoles need not wait for it to go stale)."""
        self._periodic.stop(5)
        try:
            with write_transaction(self.sessions) as s:
                entry = s.scalar(select(MediaServiceEntry).where(MediaServiceEntry.name == self.name))
                if entry is not None:
                    entry.stopped_at = datetime.now(UTC)
                    publish(s, "media", entry.id)
        except Exception as exc:  # the database may be what went away
            log.warning("media service %s: could not record its stop: %s", self.name, exc)

    def beat(self) -> None:
        health = self._health()
        try:
            with write_transaction(self.sessions) as s:
                entry = s.scalar(select(MediaServiceEntry).where(MediaServiceEntry.name == self.name))
                fresh = entry is None or entry.stopped_at is not None
                if entry is None:
                    entry = MediaServiceEntry(name=self.name, started_at=datetime.now(UTC))
                    s.add(entry)
                if fresh:
                    entry.started_at = datetime.now(UTC)
                entry.base_url = self.service.base_url
                entry.divisions = ",".join(sorted(self.divisions))
                entry.stopped_at = None
                entry.heartbeat_at = datetime.now(UTC)
                for key, value in health.items():
                    setattr(entry, key, value)
                s.flush()
                if fresh:  # consoles learn of a service that (re)started at once
                    publish(s, "media", entry.id)
        except Exception as exc:  # keep beating: the database may come back
            log.warning("media service %s: heartbeat not written: %s", self.name, exc)

    def _health(self) -> dict[str, Any]:
        root: Path | None = getattr(self.service, "recordings_root", None) if self.service.recording else None
        recorders = self.service.recorders
        # From the recorders' memory, not the database: a query over months of segments every
        # two seconds would grow with the archive.
        newest = {
            str(camera_id): rec.newest_end.astimezone(UTC).isoformat()
            for camera_id, rec in recorders.items()
            if rec.newest_end is not None
        }
        free = None
        if root is not None:
            try:
                free = shutil.disk_usage(root).free
            except OSError:
                free = None
        return {
            "recordings_root": str(root) if root is not None else "",
            "pulled": len(self.service.pulls),
            "recording": sum(1 for r in recorders.values() if r.recording),
            "disk_free_bytes": free,
            "newest_segments": json.dumps(newest, sort_keys=True),
        }
