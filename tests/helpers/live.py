"""Simulator cameras registered for live viewing under an open incident; reading a media service."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime

import av

from app.incidents.service import IncidentInput, IncidentStore
from app.models.rows import CameraRow
from app.registry.formats import RawRow
from app.registry.service import Registry
from app.video.media_service import MediaService
from app.video.simulator_process import SimulatorProcess
from tests.helpers.registry_rows import GOOD

# Test cameras belong to a business: a live view states why (the service refuses it otherwise),
# under an open incident at their place (GOOD's), which cameras_on enters.
LIVE_INCIDENT = "E2E-LIVE"
PURPOSE = f"incident={LIVE_INCIDENT}"


def live(service: MediaService, camera_id: int | str, stream: str = "sub") -> str:
    return f"{service.base_url}/live/{camera_id}/{stream}.ts?{PURPOSE}"


def cameras_on(
    sim: SimulatorProcess, registry: Registry, **overrides: dict[str, str]
) -> dict[str, CameraRow]:
    """Register simulator camera N under each given name, with the given field overrides."""
    rows = []
    for n, (name, extra) in enumerate(overrides.items(), start=1):
        index = int(extra.pop("index", n))
        fields = GOOD | {
            "name": name,
            "main_url": sim.url_of(index, "main"),
            "sub_url": sim.url_of(index, "sub"),
        }
        rows.append(RawRow(n + 1, fields | extra))
    registry.import_rows(rows)
    enter_live_incident(registry)
    return {r.name: r for r in registry.list_cameras()}


def enter_live_incident(registry: Registry) -> None:
    """The open incident at the test cameras' place (GOOD's) that PURPOSE names."""
    store = IncidentStore(registry._sessions)
    if not any(i.number == LIVE_INCIDENT for i in store.recent(50)):
        place = (float(GOOD["latitude"]), float(GOOD["longitude"]))
        store.create(IncidentInput(LIVE_INCIDENT, "test", datetime.now(UTC), "UTC", *place, 300.0), [])


def read_frames(url: str, count: int = 10) -> list[tuple[int, int]]:
    container = av.open(url, timeout=(15, 15))
    try:
        sizes = []
        for frame in container.decode(video=0):
            sizes.append((frame.width, frame.height))
            if len(sizes) >= count:
                return sizes
        return sizes
    finally:
        container.close()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
