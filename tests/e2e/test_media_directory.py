"""Several media services split a city's cameras by division: each registers itself and its
health in the database, serves only its divisions' cameras, and one that dies is seen as not
answering within 10 s and comes back when it restarts. However many viewers watch, the camera
itself is pulled once per stream, counted at the simulator."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from app.models.db import open_database
from app.registry.formats import RawRow
from app.registry.sample_city import division_boundaries
from app.registry.service import Registry
from app.video.child_service import MediaProcess
from app.video.media_directory import ServiceEntry, read_directory, service_for
from app.video.media_status import describe_services, fetch_status
from app.video.simulator_process import SimulatorProcess
from tests.helpers.directory import upstream_sessions
from tests.helpers.live import enter_live_incident, get, grant, read_frames
from tests.helpers.registry_rows import GOOD

pytestmark = pytest.mark.e2e


def wait_for(what: str, check, timeout_s: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout_s} s")


def test_services_split_the_city_by_division_and_a_dead_one_shows_within_ten_seconds(
    simulator: SimulatorProcess, db_url: str
) -> None:
    sessions = open_database(db_url)
    registry = Registry(sessions)
    registry.import_rows([], division_boundaries())
    registry.import_rows(
        [
            RawRow(
                2,
                GOOD
                | {
                    "name": "HW-1",
                    "division": "Hollywood",
                    "main_url": simulator.url_of(1, "main"),
                    "sub_url": simulator.url_of(1, "sub"),
                },
            ),
            RawRow(
                3,
                GOOD
                | {
                    "name": "VN-1",
                    "division": "Van Nuys",
                    "main_url": simulator.url_of(2, "main"),
                    "sub_url": simulator.url_of(2, "sub"),
                },
            ),
        ]
    )
    enter_live_incident(registry)  # fmt: skip
    cams = {c.name: c for c in registry.list_cameras()}
    hollywood = MediaProcess(db_url, divisions="Hollywood", name="hw-media").start()
    valley = MediaProcess(db_url, divisions="Van Nuys", name="vn-media").start()
    try:

        def both() -> dict[str, ServiceEntry] | None:
            found = {e.name: e for e in read_directory(sessions) if e.answering()}
            return found if {"hw-media", "vn-media"} <= set(found) else None

        found = wait_for("both services registered", both)
        assert found["hw-media"].divisions == {"Hollywood"} and found["hw-media"].base_url == hollywood.url
        services = list(found.values())
        assert service_for(cams["HW-1"], services).name == "hw-media"
        assert service_for(cams["VN-1"], services).name == "vn-media"
        # A service does not pull another division's camera (that would pull the owner twice).
        status, body = get(
            f"{hollywood.url}/live/{cams['VN-1'].id}/sub.ts?grant={grant(sessions, cams['VN-1'].id)}"
        )
        assert status == 421 and "serves Hollywood" in body

        # Three viewers per camera, each through its division's service: one pull per camera.
        urls = [
            f"{service_for(c, services).base_url}/live/{c.id}/sub.ts?grant={grant(sessions, c.id)}"
            for c in cams.values()
        ]
        results: list[list[tuple[int, int]]] = []
        peak = [0]
        readers = [threading.Thread(target=lambda u=u: results.append(read_frames(u, 60))) for u in urls * 3]
        for r in readers:
            r.start()
        while any(r.is_alive() for r in readers):
            peak[0] = max(peak[0], upstream_sessions(simulator))
            time.sleep(0.1)
        assert len(results) == 6 and all(len(r) == 60 for r in results)
        assert peak[0] == 2, f"{peak[0]} RTSP sessions at the simulator for 2 cameras and 6 viewers"
        health = {e.name: e for e in read_directory(sessions)}
        assert health["hw-media"].disk_free_bytes is None and health["hw-media"].recording == 0

        # The valley's service dies (no goodbye): seen as not answering within 10 s.
        os.kill(valley.pid, signal.SIGKILL)
        killed = time.monotonic()
        wait_for("the dead service seen", lambda: not {e.name: e for e in read_directory(sessions)}[
            "vn-media"].answering(), timeout_s=10)  # fmt: skip
        assert time.monotonic() - killed < 10
        entries = [e for e in read_directory(sessions) if e.stopped_at is None]
        line = describe_services(entries, {e.base_url: fetch_status(e.base_url) for e in entries})
        assert line.endswith("not answering") and "vn-media" in line and "1 of 2 answering" in line
        valley.close()

        # It comes back (on another port): the directory points consoles at its new address.
        valley = MediaProcess(db_url, divisions="Van Nuys", name="vn-media").start()
        back = wait_for("the service back", lambda: next(
            (e for e in read_directory(sessions) if e.name == "vn-media" and e.answering()
             and e.base_url == valley.url), None))  # fmt: skip
        again = f"{back.base_url}/live/{cams['VN-1'].id}/sub.ts?grant={grant(sessions, cams['VN-1'].id)}"
        assert read_frames(again, 5) == [(640, 360)] * 5
    finally:
        hollywood.close()
        valley.close()
    # A clean stop says so at once.
    assert all(e.stopped_at is not None for e in read_directory(sessions))
    sessions.kw["bind"].dispose()
