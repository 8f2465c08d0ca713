"""Revoking consent takes effect at once: open live streams end within 5 seconds, recording of
the camera stops, and new requests are refused, measured against the simulator."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from app.governance import audit
from app.models.db import open_database
from app.models.tables import Camera
from app.video.media_service import MediaService
from app.video.simulator_process import SimulatorProcess
from tests.e2e.test_media_service import cameras_on, get

pytestmark = pytest.mark.e2e


@pytest.fixture
def service(tmp_path: Path) -> Iterator[MediaService]:
    svc = MediaService(
        open_database(f"sqlite:///{tmp_path / 'consent.sqlite'}"), port=0, linger_s=1.0
    ).start()
    yield svc
    svc.close()


def test_revoking_consent_cuts_live_viewers_and_recording_within_five_seconds(
    service: MediaService, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    with SimulatorProcess(1, port=0) as sim:
        cams = cameras_on(sim, service.registry, shop={})
        cid = cams["shop"].id
        service.start_recording(tmp_path / "rec", segment_s=2.0, check_every_s=0.5)
        received = [0]
        ended_at: list[float] = []

        def watch() -> None:
            with urllib.request.urlopen(f"{service.base_url}/live/{cid}/sub.ts", timeout=30) as reply:
                while chunk := reply.read(4096):
                    received[0] += len(chunk)
            ended_at.append(time.monotonic())

        viewer = threading.Thread(target=watch, daemon=True)
        viewer.start()
        qtbot.waitUntil(lambda: received[0] > 50_000, timeout=30_000)
        qtbot.waitUntil(
            lambda: f"{cid}/main" in service.relays, timeout=30_000
        )  # recording pulls the main stream
        with service.sessions.begin() as s:  # the owner's revocation, entered at any workstation
            s.execute(update(Camera).where(Camera.id == cid).values(consent_revoked_at=datetime.now(UTC)))
        revoked = time.monotonic()
        qtbot.waitUntil(lambda: bool(ended_at), timeout=10_000)
        cut_after = ended_at[0] - revoked
        qtbot.waitUntil(lambda: not any(k.startswith(f"{cid}/") for k in service.relays), timeout=10_000)
        pulls_gone_after = time.monotonic() - revoked
        status, body = get(f"{service.base_url}/live/{cid}/sub.ts")
    timing = f"viewers cut after {cut_after:.2f} s, pulls stopped after {pulls_gone_after:.2f} s"
    assert cut_after < 5.0 and pulls_gone_after < 5.0, timing
    assert status == 403 and "consent" in body
    assert not service.recorders.get(cid) or not service.recorders[cid].recording
    assert any("owner's terms or consent changed" in e.action for e in audit.query(service.sessions))
