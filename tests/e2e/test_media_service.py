"""The media service pulls each camera once and relays it as MPEG-TS, within the owner's terms."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import av
import pytest
from keyrings.alt.file import PlaintextKeyring

from app.models.db import open_database
from app.video.media_service import MediaService
from app.video.simulator_process import SimulatorProcess
from tests.helpers.live import LIVE_INCIDENT, PURPOSE, cameras_on, get, grant, live, read_frames

pytestmark = pytest.mark.e2e


@pytest.fixture
def service(db_url: str) -> Iterator[MediaService]:
    svc = MediaService(open_database(db_url), port=0, linger_s=1.0).start()
    yield svc
    svc.close()


def test_one_pull_serves_several_viewers(simulator: SimulatorProcess, service: MediaService) -> None:
    cams = cameras_on(simulator, service.registry, shop={})
    url = live(service, cams["shop"].id, "sub")
    results: list[list[tuple[int, int]]] = []
    threads = [threading.Thread(target=lambda: results.append(read_frames(url, 20))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 3 and all(r == [(640, 360)] * 20 for r in results)
    assert service.pulls == {f"{cams['shop'].id}/sub": 1}
    assert read_frames(live(service, cams["shop"].id, "main"), 3) == [(1280, 720)] * 3


def test_owner_terms_are_enforced_before_any_pull(simulator: SimulatorProcess, service: MediaService) -> None:
    cams = cameras_on(
        simulator,
        service.registry,
        on_request={"sharing_terms": "recorded_on_request"},
        revoked={"consent_revoked_at": "2026-06-01T00:00:00Z"},
        retired={"status": "retired"},
    )
    for name, reason in (("on_request", "do not include live viewing"), ("revoked", "revoked consent"),
                         ("retired", "retired")):  # fmt: skip
        status, body = get(live(service, cams[name].id, "sub"))
        assert (status, reason in body) == (403, True), body
    assert get(live(service, 999))[0] == 403  # no grant: whether #999 exists is not said
    assert get(live(service, "x"))[0] == 404
    assert service.pulls == {}
    assert get(f"{service.base_url}/health") == (200, f"ok {service.database_id}\n")
    # A HEAD has no body: the reason is in the X-Reason header (and in a GET's body), so the
    # console's tile shows "owner revoked consent", not a bare "403 Forbidden".
    import http.client
    from urllib.parse import urlsplit

    from app.governance import audit

    where = urlsplit(live(service, cams["revoked"].id, "sub"))

    def ask(method: str) -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
        conn.request(method, f"{where.path}?{where.query}")
        reply = conn.getresponse()
        answer = (reply.status, reply.getheader("X-Reason") or "", reply.read())
        conn.close()
        return answer

    status, reason, body = ask("GET")
    assert status == 403 and "revoked consent" in reason and b"revoked consent" in body
    # HEAD: the same verdict, no body, no pull, no second refusal in the audit (HEAD was 501).
    entries = len(audit.query(service.sessions))
    status, reason, body = ask("HEAD")
    assert (status, body) == (403, b"") and "revoked consent" in reason
    assert len(audit.query(service.sessions)) == entries and service.pulls == {}


def test_a_camera_outside_the_workstations_divisions_needs_a_purpose_and_the_audit_marks_it(
    simulator: SimulatorProcess, service: MediaService
) -> None:
    """A public camera needs no purpose at its own center; seen from another division's center it
    does, like a private one, and the audit log shows the view as a cross-division one."""
    from app.governance import audit

    cams = cameras_on(simulator, service.registry, street={"owner_type": "public_agency"})
    street = cams["street"]

    def granted(purpose: str = "", *home: str) -> str:
        token = grant(service.sessions, street.id, purpose, "ollie", "hw-desk-2", frozenset(home))
        return f"{service.base_url}/live/{street.id}/sub.ts?grant={token}"

    assert read_frames(granted(), 2) == [(640, 360)] * 2  # no home divisions: every division is home
    status, body = get(granted("", "Hollywood", "Wilshire"))
    assert status == 403 and "outside this workstation's divisions" in body and "Hollywood, Wilshire" in body
    assert read_frames(granted(PURPOSE, "Hollywood"), 2) == [(640, 360)] * 2
    entries = audit.query(service.sessions)
    refused = [e for e in entries if e.action == "live view refused"]
    started = [e for e in entries if e.action == "live view started"]
    assert refused and "outside this workstation's divisions" in refused[-1].details
    assert "outside the workstation's divisions" in started[-1].details and started[-1].purpose
    assert "outside" not in started[0].details  # the first view, with no home divisions


def test_a_camera_that_drops_ends_its_viewers_and_comes_back(service: MediaService) -> None:
    with SimulatorProcess(1, port=0) as sim:
        cams = cameras_on(sim, service.registry, door={})
        url = live(service, cams["door"].id, "sub")
        container = av.open(url, timeout=(15, 10))
        frames = container.decode(video=0)
        next(frames)
        sim.stop_camera(1)
        with pytest.raises((av.error.FFmpegError, StopIteration)):
            for _ in range(100_000):
                next(frames)
        container.close()
        status, body = get(url)
        assert status == 502 and "camera did not answer" in body
        sim.start_camera(1)
        assert read_frames(url, 5) == [(640, 360)] * 5


def test_credentials_are_used_but_never_shown(
    simulator: SimulatorProcess, service: MediaService, file_keyring: PlaintextKeyring
) -> None:
    secret = "S3cret-pass"
    url = simulator.url_of(2, "sub").replace("rtsp://", f"rtsp://viewer:{secret}@")
    cams = cameras_on(simulator, service.registry, locked={"index": "2", "sub_url": url})
    assert cams["locked"].has_credentials
    assert read_frames(live(service, cams["locked"].id, "sub"), 3) == [(640, 360)] * 3
    status, body = get(f"{service.base_url}/status")
    assert status == 200 and secret not in body
    assert json.loads(body)["relays"][0]["key"] == f"{cams['locked'].id}/sub"


def test_console_reuses_a_service_only_for_its_own_registry(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    from app.config import with_overrides
    from app.main import ensure_media_service

    url_a = f"sqlite:///{tmp_path / 'a.sqlite'}"
    url_b = f"sqlite:///{tmp_path / 'b.sqlite'}"
    running = MediaService(open_database(url_a), port=0).start()
    try:
        local = with_overrides(settings, media_port=running.port)
        url, child, line = ensure_media_service(local, url_a)
        assert (url, child) == (running.base_url, None) and "started" not in line
        url, child, line = ensure_media_service(local, url_b)
        assert child is not None and url != running.base_url and "started by this console" in line
        status, body = get(f"{url}/health")
        assert status == 200 and body.split()[1] != running.database_id
        child.close()
    finally:
        running.close()


def test_a_view_under_a_purpose_ends_at_the_programs_cap(
    simulator: SimulatorProcess, service: MediaService
) -> None:
    """After ``live_view_max_minutes`` the purpose is stated again: the service ends the view
    (its clock is moved past the cap here) and says why in the audit log."""
    from datetime import timedelta

    from app.governance import audit

    cams = cameras_on(simulator, service.registry, shop={})
    received, ended = [0], threading.Event()

    def watch() -> None:
        with urllib.request.urlopen(live(service, cams["shop"].id), timeout=30) as reply:
            while chunk := reply.read(4096):
                received[0] += len(chunk)
        ended.set()

    threading.Thread(target=watch, daemon=True).start()
    deadline = time.monotonic() + 30
    while received[0] < 20_000:
        assert time.monotonic() < deadline, "no video"
        time.sleep(0.05)
    assert not ended.is_set()
    later = datetime.now(UTC) + timedelta(minutes=61)
    service.clock = lambda: later  # an hour and a minute on
    assert ended.wait(10), "the view should have ended at the cap"
    deadline = time.monotonic() + 5
    while not (stops := [e for e in audit.query(service.sessions) if e.action == "live view stopped"]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert "ended after the program's 60 minutes: the purpose is stated again" in stops[-1].details


def test_only_a_grant_the_console_was_given_starts_a_view(
    simulator: SimulatorProcess, service: MediaService
) -> None:
    """Who watches and why comes from the grant the live-view use case wrote, never from the
    address: a made-up user and purpose, another camera's grant, an expired or a revoked one
    each get 403 with the reason, and the legitimate view plays."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from app.console.actor import Actor
    from app.console.use_cases import grant_live_view, revoke_live_grants
    from app.governance import audit
    from app.governance.purpose import Purpose
    from app.models.tables import ViewGrant

    cams = cameras_on(simulator, service.registry, shop={}, lobby={"index": "2"})
    shop, lobby = cams["shop"], cams["lobby"]
    address = f"{service.base_url}/live/{shop.id}/sub.ts"
    forged = get(f"{address}?user=chief&ws=hq&{PURPOSE}")
    assert forged[0] == 403 and "no grant" in forged[1] and "counts for nothing" in forged[1]
    assert get(f"{address}?grant=made-up-token")[0] == 403
    other = grant(service.sessions, lobby.id)
    status, body = get(f"{address}?grant={other}")
    assert status == 403 and f"for camera #{lobby.id}, not #{shop.id}" in body

    dana = Actor("dana", None, workstation="desk-7", bootstrap=True)
    given = grant_live_view(service.sessions, dana, shop, Purpose(incident=LIVE_INCIDENT))
    assert read_frames(f"{address}?grant={given.token}", 3) == [(640, 360)] * 3
    with service.sessions.begin() as s:
        s.execute(update(ViewGrant).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    status, body = get(f"{address}?grant={given.token}")
    assert status == 403 and "expired" in body

    again = grant_live_view(service.sessions, dana, shop, Purpose(incident=LIVE_INCIDENT))
    assert revoke_live_grants(service.sessions, dana, "signed out") == 1
    status, body = get(f"{address}?grant={again.token}")
    assert status == 403 and "revoked by dana" in body

    entries = audit.query(service.sessions, camera=str(shop.id))
    started = [e for e in entries if e.action == "live view started"]
    assert [(e.username, e.workstation, e.case_number) for e in started] == [
        ("dana", "desk-7", LIVE_INCIDENT)
    ]
    refused = [e for e in entries if e.action == "live view refused"]
    assert len(refused) == 5 and all(e.username == "caller without a valid grant" for e in refused)
    granted_entries = [e for e in entries if e.action == "live view granted"]
    assert len(granted_entries) == 2 and granted_entries[0].username == "dana"
