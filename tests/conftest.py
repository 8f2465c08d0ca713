"""Shared fixtures: isolated folders and settings, a fresh registry, a file keyring, the simulator."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from app.config import Settings, load_settings
from app.models.db import open_database
from app.registry.sample_city import division_boundaries, sample_cameras
from app.registry.service import Registry
from tests.server_connections import closing_server_connections


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches the real user's data, config, log folders or keyring."""
    home = tmp_path / "home"
    for name, sub in (("RTCC_DATA_DIR", "data"), ("RTCC_CONFIG_DIR", "config"), ("RTCC_LOG_DIR", "log")):
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.delenv("RTCC_DATABASE_URL", raising=False)
    monkeypatch.delenv("RTCC_CONFIG", raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    return home


@pytest.fixture(autouse=True)
def close_log_files() -> Iterator[None]:
    yield
    from app.logging_setup import remove_handlers

    remove_handlers()


@pytest.fixture
def settings(isolated_dirs: Path) -> Settings:
    return load_settings()


# -- the database: SQLite and PostgreSQL ---------------------------------------------------------
# Tests that take ``db_url`` in tests/unit and tests/e2e run twice, on an SQLite file and on a
# fresh database of a real PostgreSQL server: a throw-away cluster of Debian's package that the
# session starts on 127.0.0.1 on first use, or the server RTCC_TEST_POSTGRES_URL names (a URL
# of a role that may create databases). The GUI tests use SQLite: the views see only use cases.
BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames and "/tests/gui/" not in str(metafunc.definition.path):
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("db_backend", ("sqlite",) if only else BACKENDS, indirect=True)
    if "recorded_backend" in metafunc.fixturenames:  # the e2e tests' shared recording, once per backend
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("recorded_backend", ("sqlite",) if only else BACKENDS, indirect=True)


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Any]:
    """Makes fresh, migrated PostgreSQL databases for the session's tests."""
    import os

    from app.bench.postgres_cluster import DatabaseFactory, ThrowawayCluster

    given = os.environ.get("RTCC_TEST_POSTGRES_URL")
    if given:
        yield DatabaseFactory(given)
        return
    with ThrowawayCluster() as cluster:
        yield DatabaseFactory(cluster.admin_url)


@pytest.fixture
def db_url(tmp_path: Path, db_backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite'}"
        return
    factory = request.getfixturevalue("postgres_databases")
    url = factory.new_database()
    with closing_server_connections():
        yield url
    factory.drop(url)


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    sessions = open_database(db_url, busy_timeout_s=0.3)
    yield Registry(sessions)
    sessions.kw["bind"].dispose()


@pytest.fixture
def city_registry(registry: Registry) -> Registry:
    registry.import_rows(sample_cameras(200), division_boundaries(), source="sample city")
    return registry


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlaintextKeyring]:
    """A real keyring backend writing to a file, chosen explicitly as an operator would."""
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")  # type: ignore[misc]
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A headless machine: only keyring's refusing backend."""
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def _shared_simulator() -> Iterator[list[Any]]:
    from app.video.simulator_process import SimulatorProcess

    holder: list[Any] = [SimulatorProcess(3, port=0).start()]
    yield holder
    holder[0].close()


@pytest.fixture
def simulator(_shared_simulator: list[Any]) -> Iterator[Any]:
    """Three simulated cameras on a free port, shared by the session's video tests.

    If the simulator died during a test, that test fails with the simulator's last output and the
    next test gets a new one, so one crash is reported once instead of failing every later test.
    """
    from app.video.simulator_process import SimulatorProcess

    sim = _shared_simulator[0]
    assert isinstance(sim, SimulatorProcess)
    if not sim.running:
        sim.close()
        sim = _shared_simulator[0] = SimulatorProcess(3, port=0).start()
    yield sim
    if not sim.running:
        pytest.fail(f"the camera simulator died during this test; its last output:\n{sim.last_output()}")


def pytest_configure(config: pytest.Config) -> None:
    # QtWebEngine: no sandbox as root, no GPU on CI, and no background calls home. The map's URL
    # scheme has to be declared before pytest-qt creates the QApplication.
    from app.main import set_web_engine_switches
    from app.views.map.scheme import register_schemes

    set_web_engine_switches()

    register_schemes()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Delete every widget the tests left before Python tears the QApplication down.

    pytest-qt closes a test's widgets with ``deleteLater``, which only an event loop carries out;
    after the last GUI test none runs, and Python then frees QtWebEngine pages and their profiles
    in any order: "Release of profile requested but WebEnginePage still not deleted" and a
    segmentation fault at exit, which turned a green run of the map tests into exit code 139."""
    if "PySide6.QtWidgets" not in sys.modules:  # a run of unit tests only: no Qt to tear down
        return
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
