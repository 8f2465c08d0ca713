"""Simulator cameras registered for live viewing under an open incident; reading a media service."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import av
from sqlalchemy.orm import Session, sessionmaker

from app.governance import grants
from app.governance.purpose import Purpose
from app.incidents.service import IncidentInput, IncidentStore
from app.models.db import write_transaction
from app.models.rows import CameraRow
from app.registry.formats import RawRow
from app.registry.service import Registry, RegistryError
from app.video.media_service import MediaService
from app.video.simulator_process import SimulatorProcess
from tests.helpers.registry_rows import GOOD

# Test cameras belong to a business: a live view states why (the service refuses it otherwise),
# under an open incident at their place (GOOD's), which cameras_on enters.
LIVE_INCIDENT = "E2E-LIVE"
PURPOSE = f"incident={LIVE_INCIDENT}"


def grant(sessions: sessionmaker[Session], camera_id: int, purpose: str = PURPOSE, user: str = "jdoe",
          workstation: str = "desk-4", home: frozenset[str] = frozenset()) -> str:  # fmt: skip
    """A grant as the live-view use case writes it, without the use case's own check: the tests
    of the media service see the service's check."""
    with write_transaction(sessions) as s:
        token, _ = grants.issue(s, user, workstation, camera_id, Purpose.from_query(parse_qs(purpose)), home)
    return token


def live(service: MediaService, camera_id: int | str, stream: str = "sub", purpose: str = PURPOSE,
         user: str = "jdoe", base: str = "") -> str:  # fmt: skip
    """The address a console opens: its grant for this person, camera and purpose (none for a
    camera that is not registered)."""
    url = f"{base or service.base_url}/live/{camera_id}/{stream}.ts"
    try:
        service.registry.get(int(camera_id))
    except (ValueError, RegistryError):
        return url
    return f"{url}?grant={grant(service.sessions, int(camera_id), purpose, user)}"


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


def grant_behind(qtbot: Any, window: Any, camera: CameraRow) -> grants.Granted:
    """What the media service reads from the address the console opens for this camera: its
    grant, once the live-view use case (on the task manager) has written it."""
    urls: list[str | None] = []
    qtbot.waitUntil(
        lambda: bool(urls.append(window.live.live_url(camera, "sub")) or urls[-1]), timeout=10_000
    )
    url = urls[-1]
    assert url is not None
    token = parse_qs(urlsplit(url).query)["grant"][0]
    with window.session.sessions() as s:
        return grants.check(s, token, camera.id)
