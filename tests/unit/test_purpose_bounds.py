"""A purpose is bound to its incident's place and time, or its case's stretches: a camera outside
the radius, footage outside the window, live video after the incident closed, and a written
reason alone are refused with the bound named, until a justification is approved by a second
person (both recorded). Each access records its legal basis, from the program's list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.console import use_cases
from app.console.actor import Actor
from app.governance import audit
from app.governance.gate import open_recordings, why_not_play, why_not_watch
from app.governance.justifications import JustificationError
from app.governance.purpose import Purpose, purpose_problem
from app.governance.roles import Role
from app.incidents.service import IncidentInput, IncidentStore
from app.models.tables import EvidenceItem
from app.registry.service import Registry
from app.reports.activity import legal_basis
from tests.helpers.governance import add

NOW = datetime.now(UTC)
REPORTED = NOW - timedelta(minutes=30)
OPERATOR, SUPERVISOR = Actor("ollie", Role.OPERATOR), Actor("sgt-park", Role.SUPERVISOR)


def scene(registry: Registry):  # type: ignore[no-untyped-def]
    """An incident at GOOD's place with a 200 m radius; one camera there, one 1.1 km north."""
    near = add(registry, "near")
    far = add(registry, "far", latitude="34.1083")
    IncidentStore(registry._sessions).create(
        IncidentInput("26-0042", "Burglary", REPORTED, "UTC", 34.0983, -118.3267, 200.0), []
    )
    return near, far


def test_an_incident_covers_its_radius_and_window_and_live_while_open(registry: Registry) -> None:
    near, far = scene(registry)
    purpose = Purpose(incident="26-0042")
    in_window = (REPORTED - timedelta(minutes=10), REPORTED + timedelta(minutes=10))
    with registry._sessions() as s:
        assert why_not_watch(s, near, purpose) is None
        assert why_not_play(s, near, *in_window, purpose) is None
        refusal = str(why_not_watch(s, far, purpose))
        assert "far is 1,112 m from incident 26-0042, whose purpose covers 200 m" in refusal
        assert "write a justification for a supervisor to approve" in refusal
        early = (REPORTED - timedelta(hours=3), REPORTED - timedelta(hours=2, minutes=50))
        assert "is outside incident 26-0042's window" in str(why_not_play(s, near, *early, purpose))
    use_cases.set_policy(registry._sessions, Actor("admin", Role.ADMINISTRATOR), "category_radius_m",
                         '{"burglary": 1500}')  # fmt: skip
    with registry._sessions() as s:
        assert why_not_watch(s, far, purpose) is None  # the category's wider radius
    IncidentStore(registry._sessions).close("26-0042")
    with registry._sessions() as s:
        assert "was closed at" in str(why_not_watch(s, near, purpose))
        assert why_not_play(s, near, *in_window, purpose) is None  # its recordings stay covered


def test_a_case_covers_its_stretches_only(registry: Registry) -> None:
    near, _far = scene(registry)
    sessions = registry._sessions
    use_cases.create_case(sessions, OPERATOR, "C-7")
    stretch = (REPORTED, REPORTED + timedelta(minutes=5))
    with sessions.begin() as s:  # the recording the stretch is cut from
        first, last = REPORTED - timedelta(minutes=1), REPORTED + timedelta(minutes=9)
        s.add(EvidenceItem(kind="segment", camera_id=near.id, path="near/1.mkv", sha256="0" * 64,
                           size_bytes=1, start_at=first, end_at=last))  # fmt: skip
    use_cases.add_to_case(sessions, OPERATOR, "C-7", near, *stretch, "", Purpose(incident="26-0042"))
    with sessions() as s:
        assert why_not_play(s, near, *stretch, Purpose(case="C-7")) is None
        later = (REPORTED + timedelta(minutes=6), REPORTED + timedelta(minutes=7))
        assert "case C-7 holds no stretch of near covering" in str(
            why_not_play(s, near, *later, Purpose(case="C-7"))
        )
        assert "covers its recorded stretches, not live video" in str(
            why_not_watch(s, near, Purpose(case="C-7"))
        )


def test_beyond_the_bounds_takes_a_second_person_and_both_are_recorded(registry: Registry) -> None:
    _near, far = scene(registry)
    sessions = registry._sessions
    purpose = Purpose(incident="26-0042")
    window = (REPORTED - timedelta(minutes=5), REPORTED + timedelta(minutes=5))
    with pytest.raises(JustificationError, match="at least 30 characters"):
        use_cases.request_justification(sessions, OPERATOR, far.id, purpose, "suspect ran", *window)
    why = "The suspect ran north on Vine toward this camera, per unit 12A at 10:42."
    asked = use_cases.request_justification(sessions, OPERATOR, far.id, purpose, why, *window)
    with pytest.raises(use_cases.Refused, match="may not approve"):
        use_cases.decide_justification(sessions, OPERATOR, asked, True)
    with pytest.raises(JustificationError, match="second person"):
        use_cases.decide_justification(sessions, Actor("ollie", Role.SUPERVISOR), asked, True)
    with sessions() as s:
        assert why_not_play(s, far, *window, purpose) is not None  # not yet approved
    use_cases.decide_justification(sessions, SUPERVISOR, asked, True)
    assert open_recordings(sessions, [far], *window, purpose) == {far.id: None}
    with sessions() as s:
        beyond = (window[0], window[1] + timedelta(minutes=1))
        assert "write a justification" in str(why_not_play(s, far, *beyond, purpose))  # that stretch only
        assert why_not_watch(s, far, purpose) is not None  # and not live
    entries = [e for e in audit.query(sessions, camera=str(far.id)) if e.action.startswith("justification")]
    assert [(e.action, e.username) for e in entries] == [
        ("justification requested", "ollie"), ("justification approved", "sgt-park")
    ]  # fmt: skip
    assert (
        "1,112 m from incident 26-0042" in entries[0].details and "requested by ollie" in entries[1].details
    )
    with pytest.raises(JustificationError, match="already approved by sgt-park"):
        use_cases.decide_justification(sessions, Actor("lt-ray", Role.SUPERVISOR), asked, False)


def test_each_access_records_its_legal_basis_from_the_programs_list(registry: Registry) -> None:
    near, _far = scene(registry)
    with registry._sessions() as s:
        assert "named with its number" in str(
            purpose_problem(s, Purpose(incident="26-0042", basis="warrant"))
        )
        assert "'a hunch' is not one of the program's" in str(
            purpose_problem(s, Purpose(incident="26-0042", basis="a hunch"))
        )
    purpose = Purpose(incident="26-0042", basis="warrant 2026-SW-0042")
    assert purpose.describe() == "incident 26-0042; basis: warrant 2026-SW-0042"
    assert Purpose.from_query({"incident": ["26-0042"], "basis": ["exigent circumstances"]}).basis == (
        "exigent circumstances"
    )
    open_recordings(registry._sessions, [near], REPORTED, REPORTED + timedelta(minutes=1), purpose)
    opened = [e for e in audit.query(registry._sessions) if e.action == "playback opened"][-1]
    assert opened.purpose == purpose.describe() and legal_basis(opened.purpose) == "warrant"
