"""Stated purpose, owners' live windows and footage requests: the core's gate, without a display.

Each test fails if its safeguard is removed: a private camera opened without a purpose, a live
view outside the owner's window, recordings of a recorded-on-request camera without the owner's
recorded approval, and accesses that leave no audit entry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.cli import main
from app.config import load_settings
from app.governance import audit
from app.governance.gate import open_recordings, why_not_play, why_not_watch
from app.governance.live_window import parse_live_window
from app.governance.purpose import Purpose, PurposeBook, purpose_problem
from app.governance.requests import FootageRequests, RequestError
from app.incidents.service import IncidentInput, IncidentStore
from app.models.db import open_database
from app.registry.records import validate_camera
from app.registry.service import Registry
from tests.helpers.governance import add
from tests.helpers.registry_rows import GOOD

NOW = datetime.now(UTC)
REASON = Purpose(reason="a caller reports a man trying car doors on this block")
# An incident at the cameras' place (GOOD's), reported 90 minutes ago: its purpose covers them,
# their live video while it is open, and their recordings from 60 minutes before it to 120 after.
NEAR = Purpose(incident="NEAR-90")


def incident(registry: Registry, number: str, lat: float = 34.0983, lon: float = -118.3267,
             minutes_ago: float = 5) -> None:  # fmt: skip
    IncidentStore(registry._sessions).create(
        IncidentInput(number, "burglary", NOW - timedelta(minutes=minutes_ago), "UTC", lat, lon, 200.0), []
    )


def test_live_windows_parse_and_bad_ones_are_named(registry: Registry) -> None:
    assert (
        parse_live_window("").kind == "always"
        and parse_live_window("Active Incident").kind == "active_incident"
    )
    window = parse_live_window("2026-12-01T00:00:00Z/2027-01-01T00:00:00-08:00")
    assert window.text() == "2026-12-01T00:00:00Z/2027-01-01T08:00:00Z"
    assert window.refusal(datetime(2026, 12, 24, tzinfo=UTC), False) is None
    assert "only between 2026-12-01 00:00 and 2027-01-01 08:00 UTC" in str(
        window.refusal(datetime(2027, 2, 1, tzinfo=UTC), False)
    )
    for bad, message in (("weekends", "is not 'always'"),
                         ("2026-12-01T00:00:00/2027-01-01T00:00:00Z", "no time zone"),
                         ("2027-01-01T00:00:00Z/2026-12-01T00:00:00Z", "ends before it starts")):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            parse_live_window(bad)
        rec, errors = validate_camera(GOOD | {"live_window": bad})
        assert rec is None and [e.field for e in errors] == ["live_window"] and message in errors[0].reason


def test_a_private_camera_needs_a_purpose_and_a_public_one_does_not(registry: Registry) -> None:
    shop = add(registry, "shop")
    traffic = add(registry, "traffic", owner_type="public_agency", owner_name="LADOT")
    incident(registry, "2026-0412")
    with registry._sessions() as s:
        assert "stated purpose is required" in str(why_not_watch(s, shop, Purpose()))
        assert why_not_watch(s, traffic, Purpose()) is None
        assert "at least 20 characters" in str(purpose_problem(s, Purpose(reason="looking")))
        assert "'9999' is not recorded" in str(purpose_problem(s, Purpose(incident="9999")))
        assert "case 'C-1' does not exist" in str(purpose_problem(s, Purpose(case="C-1")))
        assert why_not_watch(s, shop, Purpose(incident="2026-0412")) is None
        # A written reason alone is checked for form only: it covers nothing without a second person.
        assert "a written reason alone is bound to no incident or case; write a justification" in str(
            why_not_watch(s, shop, REASON)
        )


def test_owners_live_windows_hold(registry: Registry) -> None:
    dates = add(registry, "dates", live_window=f"{(NOW - timedelta(days=2)):%Y-%m-%dT%H:%M:%SZ}/"
                f"{(NOW - timedelta(days=1)):%Y-%m-%dT%H:%M:%SZ}")  # fmt: skip
    emergency = add(registry, "emergency", live_window="active_incident")
    with registry._sessions() as s:
        assert "only between" in str(why_not_watch(s, dates, REASON))
        assert "only during an active incident" in str(why_not_watch(s, emergency, REASON))
    incident(registry, "FAR-1", lat=34.2, lon=-118.5)  # active, but 15 km away: does not count
    with registry._sessions() as s:
        assert "only during an active incident" in str(why_not_watch(s, emergency, REASON))
    incident(registry, "NEAR-1")
    with registry._sessions() as s:
        assert why_not_watch(s, emergency, Purpose(incident="NEAR-1")) is None
    IncidentStore(registry._sessions).close("NEAR-1")
    with registry._sessions() as s:
        assert "only during an active incident" in str(why_not_watch(s, emergency, REASON))


def test_recorded_on_request_opens_only_what_the_owner_approved(registry: Registry) -> None:
    incident(registry, "NEAR-90", minutes_ago=90)
    cam = add(registry, "door", sharing_terms="recorded_on_request")
    only_registered = add(registry, "listed", sharing_terms="registered_only")
    revoked = add(registry, "gone", consent_revoked_at="2026-06-01T00:00:00Z")
    start, end = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    book = FootageRequests(registry._sessions)
    with registry._sessions() as s:
        assert f"ask the owner for {start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC" in str(
            why_not_play(s, cam, start, end, NEAR)
        )
        assert "registered only" in str(why_not_play(s, only_registered, start, end, NEAR))
        assert "revoked consent" in str(why_not_play(s, revoked, start, end, NEAR))
    with pytest.raises(RequestError, match="stated purpose is required"):
        book.request(cam.id, start, end, Purpose())
    with pytest.raises(RequestError, match="requests are for recorded-on-request cameras"):
        book.request(revoked.id, start, end, NEAR)
    request = book.request(cam.id, start - timedelta(minutes=10), end + timedelta(minutes=10), NEAR)
    with registry._sessions() as s:
        assert f"not yet approved request {request.id}" in str(why_not_play(s, cam, start, end, NEAR))
    with pytest.raises(RequestError, match="name the person"):
        book.decide(request.id, True, " ")
    answered = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    approved = book.decide(request.id, True, "M. Ortiz, store manager", answered)
    assert (approved.status, approved.owner_decided_by, approved.owner_decided_at) == (
        "approved",
        "M. Ortiz, store manager",
        answered,
    )
    with pytest.raises(RequestError, match="already approved"):
        book.decide(request.id, False, "someone else")
    refusals = open_recordings(registry._sessions, [cam, only_registered], start, end, NEAR)
    assert refusals[cam.id] is None and "registered only" in str(refusals[only_registered.id])
    # Outside the approved stretch, still closed.
    with registry._sessions() as s:
        assert why_not_play(s, cam, start, end + timedelta(hours=1), NEAR) is not None
    entries = audit.query(registry._sessions, camera=str(cam.id))
    actions = [e.action for e in entries]
    assert actions[-3:] == [
        "footage requested from owner",
        "footage request approved by owner",
        "playback opened",
    ]
    assert entries[-1].purpose == NEAR.describe() and "M. Ortiz" in entries[-2].details
    refused = audit.query(registry._sessions, camera=str(only_registered.id))[-1]
    assert refused.action == "playback refused" and "registered only" in refused.details
    assert audit.verify_audit(registry._sessions).intact


def test_the_console_asks_once_per_incident() -> None:
    book = PurposeBook()
    assert not book.for_camera(3)
    book.remember(Purpose(incident="2026-0412"), [3, 4])
    assert book.for_camera(4).incident == "2026-0412" and not book.for_camera(5)
    assert book.for_camera(3).query() == "incident=2026-0412"
    assert Purpose(reason="two\nlines -and an option").query() == "reason=two+lines+-and+an+option"


def test_requests_and_closing_incidents_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    registry = Registry(open_database(load_settings().effective_database_url))
    add(registry, "door", sharing_terms="recorded_on_request")
    incident(registry, "2026-0500")
    span = ["--start", "2026-11-25T10:00:00Z", "--end", "2026-11-25T11:00:00Z"]
    assert main(["request", "add", "--camera", "door", *span]) == 1
    assert "stated purpose is required" in capsys.readouterr().err
    # A legal basis is one of the program's, numbered where it names a document.
    assert (
        main(["request", "add", "--camera", "door", *span, "--incident", "2026-0500", "--basis", "hunch"])
        == 1
    )
    assert "legal basis 'hunch' is not one of the program's" in capsys.readouterr().err
    assert (
        main(["request", "add", "--camera", "door", *span, "--incident", "2026-0500", "--basis", "warrant"])
        == 1
    )
    capsys.readouterr()
    basis = ["--basis", "warrant 26-SW-0412"]
    assert main(["request", "add", "--camera", "door", *span, "--incident", "2026-0500", *basis]) == 0
    assert main(["request", "approve", "1", "--owner-person", "J. Park (owner)"]) == 0
    assert "approved by J. Park (owner)" in capsys.readouterr().out
    assert main(["request", "list"]) == 0
    listed = capsys.readouterr().out
    assert "approved by J. Park (owner)  (incident 2026-0500; basis: warrant 26-SW-0412)" in listed
    assert main(["incident", "close", "2026-0500"]) == 0
    assert main(["incident", "close", "2026-0500"]) == 1
    assert "was already closed by" in capsys.readouterr().err  # who closed it, and when


def test_only_a_supervisor_marks_an_owners_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.governance.identity import sign_in

    registry = Registry(open_database(load_settings().effective_database_url))
    add(registry, "door", sharing_terms="recorded_on_request")
    monkeypatch.setenv("RTCC_NEW_PASSWORD", "a long admin passphrase")
    assert main(["users", "add", "admin", "--full-name", "Pat Admin", "--role", "administrator"]) == 0
    monkeypatch.setenv("RTCC_USER", "admin")
    monkeypatch.setenv("RTCC_PASSWORD", "a long admin passphrase")
    for name, role in (("ollie", "operator"), ("sam", "supervisor")):
        monkeypatch.setenv("RTCC_NEW_PASSWORD", f"{name}'s long passphrase")
        assert main(["users", "add", name, "--full-name", name.title(), "--role", role]) == 0
    span = ["--start", "2026-11-25T10:00:00Z", "--end", "2026-11-25T11:00:00Z"]
    monkeypatch.setenv("RTCC_PASSWORD", "ollie's long passphrase")
    reason = ["--reason", "a caller reports a man trying car doors on this block"]
    assert main(["--user", "ollie", "request", "add", "--camera", "door", *span, *reason]) == 0
    assert main(["--user", "ollie", "request", "approve", "1", "--owner-person", "J. Park"]) == 3
    assert "may not mark an owner's approval" in capsys.readouterr().err
    monkeypatch.setenv("RTCC_PASSWORD", "sam's long passphrase")
    assert main(["--user", "sam", "request", "approve", "1", "--owner-person", "J. Park"]) == 0
    sign_in(None)
    (row,) = FootageRequests(registry._sessions).list()
    assert (row.requested_by, row.marked_by, row.owner_decided_by) == ("ollie", "sam", "J. Park")


def test_a_camera_outside_the_workstations_divisions_needs_a_purpose_whoever_asks(registry: Registry) -> None:
    """The rule is the core's: the console's check, the recordings gate and the media service
    (tested with real streams in tests/e2e/test_media_service.py) all apply it."""
    from app.console import use_cases
    from app.console.actor import Actor
    from app.governance.roles import Role

    street = add(registry, "PUB-1 Street", owner_type="public_agency")  # in no division
    sessions = registry._sessions
    incident(registry, "NEAR-90", minutes_ago=90)
    settings = load_settings(
        {"RTCC_HOME_DIVISIONS": " Hollywood ,Wilshire,", "RTCC_CONFIG_DIR": "/nonexistent"}
    )
    home = settings.home_division_names
    assert home == frozenset({"Hollywood", "Wilshire"})
    with sessions() as s:
        assert why_not_watch(s, street, Purpose()) is None  # no home divisions: every one is home
        refusal = why_not_watch(s, street, Purpose(), home=home)
        assert refusal is not None and "outside this workstation's divisions" in refusal
        assert "Hollywood, Wilshire" in refusal
        assert why_not_watch(s, street, NEAR, home=home) is None
    operator = Actor("ollie", Role.OPERATOR, home_divisions=home)
    with pytest.raises(use_cases.Refused, match="outside this workstation's divisions"):
        use_cases.check_live(sessions, operator, street, Purpose())
    shown = use_cases.open_recordings(sessions, operator, [street], NOW - timedelta(hours=1), NOW, NEAR)
    assert shown == {street.id: None}
    opened = [e for e in audit.query(sessions) if e.action == "playback opened"][-1]
    assert "outside the workstation's divisions" in opened.details and opened.purpose


def test_a_stated_purpose_is_asked_again_after_the_programs_longest_live_view() -> None:
    now = [datetime(2026, 11, 30, 10, 0, tzinfo=UTC)]
    book = PurposeBook(max_age=timedelta(minutes=60), clock=lambda: now[0])
    book.remember(Purpose(incident="26-0042"), [7])
    now[0] += timedelta(minutes=59)
    assert book.for_camera(7) == Purpose(incident="26-0042")
    now[0] += timedelta(minutes=2)
    assert not book.for_camera(7)  # stated 61 minutes ago: asked again
