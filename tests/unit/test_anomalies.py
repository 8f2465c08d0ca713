"""Each anomaly rule flags its case and not the normal one next to it; a dismissal goes on the
chain with its reason and stays attached to its flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.console import use_cases
from app.console.actor import Actor
from app.governance import audit
from app.governance.accounts import AccountStore
from app.governance.roles import Role
from app.incidents.service import IncidentInput, IncidentStore
from app.registry.service import Registry
from tests.helpers.governance import add

AUDITOR = Actor("ada", Role.AUDITOR)
# Midnight, 20 days ago: the hours the entries are placed at must not depend on when the test runs
# (started at 19:16, sam's 45th access at "14:00 plus 44 minutes" fell at 15:00, an unusual hour).
START = (datetime.now(UTC) - timedelta(days=20)).replace(hour=0, minute=0, second=0, microsecond=0)


def entry(registry: Registry, action: str, at: datetime, user: str = "ollie", **fields: object) -> None:
    """An audit entry as the media service or the gate writes it, placed at ``at``."""
    with registry._sessions.begin() as s:
        row = audit.append(s, action, user=user, **fields)  # type: ignore[arg-type]
        row.at = at
        row.event_hash = audit.entry_hash(row, row.prev_hash)


def flags(registry: Registry) -> dict[str, list[str]]:
    found = use_cases.review_anomalies(
        registry._sessions, AUDITOR, START, datetime.now(UTC) + timedelta(days=1)
    )
    out: dict[str, list[str]] = {}
    for f in found:
        out.setdefault(f.rule, []).append(f.what)
    return out


def test_each_rule_flags_its_case_and_not_a_normal_one(registry: Registry) -> None:
    near, far = add(registry, "near"), add(registry, "far", latitude="34.1083")
    IncidentStore(registry._sessions).create(
        IncidentInput("26-0042", "burglary", START, "UTC", 34.0983, -118.3267, 200.0), []
    )
    view = {"target_type": "camera", "purpose": "incident 26-0042; basis: owner's consent"}
    # Far from its incident: the far camera is, the near one is not.
    entry(registry, "playback opened", START + timedelta(hours=1), target_id=near.id, **view)
    entry(registry, "playback opened", START + timedelta(hours=1), target_id=far.id, **view)
    # Unusual hours: 45 accesses by sam at 14:00, one at 03:00.
    for day in range(45):
        entry(registry, "live view started", START.replace(hour=14) + timedelta(days=day % 15, minutes=day),
              user="sam", target_id=near.id, target_type="camera", purpose=f"incident X-{day}")  # fmt: skip
    entry(registry, "live view started", START.replace(hour=3) + timedelta(days=2), user="sam",
          target_id=near.id, target_type="camera", purpose="incident X-night")  # fmt: skip
    # The same private camera on 3 days within a week under one purpose (and kim on 2 days: fine).
    for day in (1, 3, 5):
        entry(registry, "playback opened", START + timedelta(days=day), user="lee", target_id=near.id,
              target_type="camera", purpose="reason: watching the corner for the neighbourhood")  # fmt: skip
    for day in (1, 3):
        entry(registry, "playback opened", START + timedelta(days=day), user="kim", target_id=near.id,
              target_type="camera", purpose="reason: watching the corner for the neighbourhood")  # fmt: skip
    # An export of a case holding footage put in under a reason; another under an incident.
    for case, purpose in (
        ("C-REASON", "reason: looked interesting at the time"),
        ("C-OK", "incident 26-0042"),
    ):
        entry(registry, "footage put into case (legal hold)", START + timedelta(days=6), target_type="camera",
              target_id=near.id, case_number=case, purpose=purpose)  # fmt: skip
        entry(registry, "evidence exported", START + timedelta(days=7), target_type="case", case_number=case)
    # A justification approved by the requester's own subordinate; another by a peer.
    store = AccountStore(registry._sessions)
    store.add("lt-ray", "Ray Lieutenant", Role.SUPERVISOR, "long enough pw")
    store.add("sgt-park", "Park Sergeant", Role.SUPERVISOR, "long enough pw", reports_to="lt-ray")
    store.add("sgt-kay", "Kay Sergeant", Role.SUPERVISOR, "long enough pw")
    for approver in ("sgt-park", "sgt-kay"):
        entry(registry, "justification approved", START + timedelta(days=8), user=approver,
              target_type="camera", target_id=far.id,
              details="#1, requested by lt-ray; 2026-11-01 10:00-11:00 UTC")  # fmt: skip

    found = flags(registry)
    assert found["far from its incident"] == [
        "far opened under incident 26-0042, 1,112 m away (radius 200 m)"
    ]
    assert (
        len(found["unusual hour for this person"]) == 1
        and "sam at 03:" in found["unusual hour for this person"][0]
    )
    assert found["same private camera again"] == [
        "lee opened near on 3 days under 'reason: watching the corner for the neighbourhood'"
    ]
    assert found["export without an incident's window"] == [
        "case C-REASON holds footage put in under a purpose other than an incident's"
    ]
    assert found["approved by a subordinate"] == ["sgt-park, who reports to lt-ray, approved #1"]


def test_a_dismissal_is_on_the_chain_with_its_reason(registry: Registry) -> None:
    far = add(registry, "far", latitude="34.1083")
    IncidentStore(registry._sessions).create(
        IncidentInput("26-0042", "burglary", START, "UTC", 34.0983, -118.3267, 200.0), []
    )
    entry(registry, "playback opened", START + timedelta(hours=1), target_id=far.id, target_type="camera",
          purpose="incident 26-0042")  # fmt: skip
    (flag,) = use_cases.review_anomalies(registry._sessions, AUDITOR, START, datetime.now(UTC))
    with pytest.raises(ValueError, match="at least 10 characters"):
        use_cases.dismiss_anomaly(registry._sessions, AUDITOR, flag.key, "ok")
    use_cases.dismiss_anomaly(registry._sessions, AUDITOR, flag.key, "justification #4 approved by Lt. Ray")
    (again,) = use_cases.review_anomalies(registry._sessions, AUDITOR, START, datetime.now(UTC))
    assert again.key == flag.key and again.dismissed == "justification #4 approved by Lt. Ray (ada)"
    assert [e.action for e in audit.query(registry._sessions)][-3:] == [
        "anomalies reviewed", "anomaly dismissed", "anomalies reviewed"
    ]  # fmt: skip
    assert audit.verify_audit(registry._sessions).intact


def test_the_command_line_lists_flags_and_dismisses_one(registry: Registry, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    far = add(registry, "far", latitude="34.1083")
    IncidentStore(registry._sessions).create(
        IncidentInput("26-0042", "burglary", START, "UTC", 34.0983, -118.3267, 200.0), []
    )
    entry(registry, "playback opened", START + timedelta(hours=1), target_id=far.id, target_type="camera",
          purpose="incident 26-0042")  # fmt: skip
    monkeypatch.setenv("RTCC_DATABASE_URL", str(registry._sessions.kw["bind"].url.render_as_string(False)))
    assert main(["audit", "anomalies", "--since", START.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "far from its incident" in out and "1 flagged, 1 open" in out
    key = out.split("key ")[1].split()[0]
    assert main(["audit", "dismiss", key, "--reason", "ok"]) == 2
    assert "at least 10 characters" in capsys.readouterr().err
    assert main(["audit", "dismiss", key, "--reason", "approved justification #3, read it"]) == 0
    assert main(["audit", "anomalies", "--since", START.isoformat()]) == 0
    assert "1 flagged, 0 open" in capsys.readouterr().out
