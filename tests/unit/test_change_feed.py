"""Live updates between workstations: what one workstation (or the command line) changes —
cameras, incidents opened and closed, consent revoked, owners' answers — reaches another
workstation's session within two seconds, on SQLite (polling the feed) and on PostgreSQL
(LISTEN/NOTIFY); a session that lost the database catches up on everything it missed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from app.cli import main
from app.console.actor import Actor
from app.console.events import CamerasChanged, FeedChanged, FeedConnection
from app.console.session import Session
from app.governance.purpose import Purpose
from app.governance.requests import FootageRequests
from app.governance.roles import Role
from app.incidents.service import IncidentInput, IncidentStore
from app.models.change_feed import newest_id, read_since
from app.models.db import open_database
from app.registry.records import validate_camera
from app.registry.service import Registry
from tests.helpers.governance import ADD
from tests.helpers.registry_rows import GOOD

NOW = datetime.now(UTC)


class Heard:
    """What a following session heard, with when."""

    def __init__(self, session: Session) -> None:
        self.feed: list[tuple[float, FeedChanged]] = []
        self.cameras: list[tuple[float, CamerasChanged]] = []
        self.connection: list[FeedConnection] = []
        self._lock = threading.Lock()
        session.events.feed_changed.connect(lambda e: self._add(self.feed, e))
        session.events.cameras_changed.connect(lambda e: self._add(self.cameras, e))
        session.events.feed_connection.connect(self.connection.append)

    def _add(self, into: list, event: object) -> None:  # type: ignore[type-arg]
        with self._lock:
            into.append((time.monotonic(), event))

    def wait_for(
        self, kind: str, ids: tuple[int, ...] = (), timeout_s: float = 10
    ) -> tuple[float, FeedChanged]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                for at, event in self.feed:
                    if event.kind == kind and (not ids or set(ids) <= set(event.ids)):
                        return at, event
            time.sleep(0.02)
        raise AssertionError(f"no {kind} change {ids} heard within {timeout_s} s; heard {self.feed}")


@pytest.fixture
def other_desk(db_url: str) -> Iterator[tuple[Session, Heard]]:
    """A second workstation's session following the feed."""
    sessions = open_database(db_url)
    session = Session(sessions, Actor("olive", Role.OPERATOR))
    session.refresh()
    heard = Heard(session)
    session.follow_changes()
    yield session, heard
    session.stop()
    sessions.kw["bind"].dispose()


def test_every_kind_of_change_reaches_another_workstation_within_two_seconds(
    db_url: str, other_desk: tuple[Session, Heard]
) -> None:
    session, heard = other_desk
    here = open_database(db_url)
    registry = Registry(here)

    # A camera registered from the command line: heard, and applied to the session's cameras.
    assert main(["--database", db_url, *ADD]) == 0
    done = time.monotonic()
    at, event = heard.wait_for("cameras")
    new_id = event.ids[0]
    assert at - done < 2.0
    deadline = time.monotonic() + 5
    while new_id not in session.cameras and time.monotonic() < deadline:
        time.sleep(0.02)
    assert session.cameras[new_id].name == "CLI-1"

    # Consent revoked at another desk: the camera's row changes in this session.
    rec, _ = validate_camera(GOOD | {"name": "SHOP-9", "sharing_terms": "recorded_on_request"})
    assert rec is not None
    shop = registry.add(rec)
    heard.wait_for("cameras", (shop.id,))
    revoked, _ = validate_camera(GOOD | {"name": "SHOP-9", "sharing_terms": "recorded_on_request",
                                         "consent_revoked_at": NOW.isoformat()})  # fmt: skip
    assert revoked is not None
    count = len(heard.feed)
    registry.update(shop.id, revoked)
    done = time.monotonic()
    at, _ = _next(heard, "cameras", shop.id, after=count)
    assert at - done < 2.0
    deadline = time.monotonic() + 5
    while session.cameras[shop.id].consent_revoked_at is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert session.cameras[shop.id].consent_revoked_at is not None

    # An incident opened, then closed, elsewhere.
    incidents = IncidentStore(here)
    saved = incidents.create(IncidentInput("26-0777", "robbery", NOW, "UTC", 34.0983, -118.3267, 200.0), [])
    done = time.monotonic()
    at, event = heard.wait_for("incident", (saved.id,))
    assert at - done < 2.0 and event.by and "at" in event.by[0]
    count = len(heard.feed)
    incidents.close("26-0777")
    done = time.monotonic()
    at, _ = _next(heard, "incident", saved.id, after=count)
    assert at - done < 2.0
    # A second desk closing it again is told who closed it.
    with pytest.raises(Exception, match="already closed by"):
        incidents.close("26-0777")

    # An owner's answer recorded at another desk.
    registry.update(shop.id, rec)  # consent back, so the request is allowed
    requests = FootageRequests(here)
    incidents.create(IncidentInput("26-0778", "robbery", NOW, "UTC", 34.0983, -118.3267, 200.0), [])
    asked = requests.request(shop.id, NOW - timedelta(hours=2), NOW - timedelta(hours=1),
                             Purpose(incident="26-0778"))  # fmt: skip
    heard.wait_for("request", (asked.id,))
    count = len(heard.feed)
    requests.decide(asked.id, True, "Sam at the shop")
    done = time.monotonic()
    at, _ = _next(heard, "request", asked.id, after=count)
    assert at - done < 2.0
    here.kw["bind"].dispose()


def _next(heard: Heard, kind: str, subject: int, after: int | None = None) -> tuple[float, FeedChanged]:
    """The first event of ``kind`` naming ``subject`` after position ``after`` (default: the
    newest such event that arrives after now)."""
    start = len(heard.feed) if after is None else after
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for at, event in heard.feed[start:]:
            if event.kind == kind and subject in event.ids:
                return at, event
        time.sleep(0.02)
    raise AssertionError(f"no further {kind} change for {subject}")


def test_a_session_that_lost_the_database_catches_up_on_everything_it_missed(
    db_url: str, other_desk: tuple[Session, Heard]
) -> None:
    session, heard = other_desk
    here = open_database(db_url)
    incidents = IncidentStore(here)
    listener = session.follow_changes()
    seen_before = listener.last_id
    if here.kw["bind"].dialect.name == "postgresql":
        # The server drops the listening connection (a restart, a network cut): changes made
        # before it is back are not notified to it, and must still arrive.
        with here() as s:
            s.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"))  # fmt: skip
    made = [incidents.create(IncidentInput(f"26-09{n}", "theft", NOW, "UTC", 34.0983, -118.3267, 200.0), [])
            for n in range(3)]  # fmt: skip
    for saved in made:
        heard.wait_for("incident", (saved.id,))
    assert listener.last_id == newest_id(here)
    assert [c.subject for c in read_since(here, seen_before or 0) if c.kind == "incident"] == [
        (saved.id,) for saved in made
    ]
    if here.kw["bind"].dialect.name == "postgresql":
        assert [c.connected for c in heard.connection][:2] == [False, True], "the drop was not reported"
    here.kw["bind"].dispose()
