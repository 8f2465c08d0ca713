"""Fixtures shared by the end-to-end tests: a short recording of a simulated camera, and a
file keyring chosen explicitly for the agency's signing key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models.db import open_database
from app.models.tables import EvidenceItem
from app.playback.reader import FrameReader
from app.video.barcode import decode
from app.video.clock_watch import ClockLimits
from app.video.media_service import MediaService
from app.video.simulator_process import SimulatorProcess
from tests.helpers.live import cameras_on


@dataclass
class Recorded:
    url: str
    root: Path
    camera_id: int
    segments: list[EvidenceItem]

    def sessions(self) -> sessionmaker[Session]:
        """One engine for the session's tests (a PostgreSQL connection is not free)."""
        if self.url not in _engines:
            _engines[self.url] = open_database(self.url)
        return _engines[self.url]


_engines: dict[str, sessionmaker[Session]] = {}


def frame_time_errors(
    reader: FrameReader, spans: list[tuple[datetime, datetime]], step_s: float
) -> list[float]:
    """Every ``step_s`` through each span, the frame the reader shows: how far (s) the time it
    gives the frame is from the clock burned into its picture."""
    errors = []
    for start, end in spans:
        when = start
        while when < end:
            shown = reader.frame_at(when)
            assert shown.frame_time is not None and shown.image is not None, shown.status
            ms = decode(shown.image)
            assert ms is not None, "the burned-in barcode could not be read"
            errors.append(abs(ms / 1000 - shown.frame_time.timestamp()))
            when += timedelta(seconds=step_s)
    return errors


@pytest.fixture(scope="module")
def signing_keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    import keyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path_factory.mktemp("keyring") / "keyring_pass.cfg")  # type: ignore[misc]
    previous = keyring.get_keyring()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        keyring.set_keyring(backend)
        yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def recorded_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def recorded(
    tmp_path_factory: pytest.TempPathFactory, recorded_backend: str, request: pytest.FixtureRequest
) -> Iterator[Recorded]:
    """About eight seconds of one simulated camera placed by its own clock, in 2-second segments
    (on each backend)."""
    base = tmp_path_factory.mktemp("recorded")
    if recorded_backend == "sqlite":
        url = f"sqlite:///{base / 'rtcc.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_databases").new_database()
    svc = MediaService(open_database(url), port=0, linger_s=1.0).start()
    root = base / "recordings"
    try:
        with SimulatorProcess(1, port=0) as sim:
            cams = cameras_on(sim, svc.registry, lobby={})
            # The camera's clock earns trust in 3 s instead of 20: the fixture records 8 s.
            quick = ClockLimits(probation_s=3.0, drift_span_s=3.0)
            svc.start_recording(root, segment_s=2.0, check_every_s=0.3, clock_limits=quick)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                with svc.sessions() as s:
                    placed = list(
                        s.scalars(select(EvidenceItem.clock_source).order_by(EvidenceItem.start_at))
                    )
                if placed.count("camera RTCP") >= 4:
                    break
                time.sleep(0.3)
            svc.stop_recording()
    finally:
        svc.close()
        svc.sessions.kw["bind"].dispose()
    done = Recorded(url, root, cams["lobby"].id, [])
    with done.sessions()() as s:
        items = list(s.scalars(select(EvidenceItem).order_by(EvidenceItem.start_at)))
    # The footage the tests look at frame by frame is what the camera's clock placed, from its
    # first trusted segment on; what came before (placed by arrival while the clock was on
    # probation) stays recorded, and test_camera_clocks holds it to its own bound.
    trusted = next(i for i, item in enumerate(items) if item.clock_source == "camera RTCP")
    done.segments.extend(items[trusted:])
    assert len(done.segments) >= 4
    yield done
    _engines.pop(url).kw["bind"].dispose()
