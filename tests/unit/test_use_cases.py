"""The application layer, without Qt and without GStreamer: every governed use case refuses (and
audits) a person whose role lacks the right, whichever front end calls it; a private camera's
footage needs a stated purpose; front ends reach governed actions only through the use cases;
and a camera added by the command line reaches an open console session within two seconds."""

from __future__ import annotations

import ast
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.console import use_cases
from app.console.actor import Actor
from app.console.events import CamerasChanged
from app.console.session import Session
from app.evidence.cases import CaseStore
from app.governance.identity import current_user, sign_in
from app.governance.purpose import Purpose
from app.governance.roles import PERMISSIONS, Action, Role
from app.incidents.service import IncidentInput, IncidentStore
from app.models.db import open_database
from app.models.rows import CameraRow
from app.models.tables import AuditEvent, Camera, Case, Incident
from app.registry.records import validate_camera
from app.registry.service import Registry
from tests.helpers.governance import ADD
from tests.helpers.registry_rows import GOOD, write_csv

APP = Path(__file__).resolve().parents[2] / "app"
NOW = datetime.now(UTC)
BOSS = Actor.before_accounts("setup")  # the workstation's user before accounts: sets the scene


def camera(registry: Registry, name: str, **fields: str) -> CameraRow:
    rec, errors = validate_camera(GOOD | {"name": name} | fields)
    assert rec is not None, errors
    return registry.add(rec)


@pytest.fixture
def scene(registry: Registry, tmp_path: Path) -> dict[str, Any]:
    shop = camera(registry, "SHOP-1", owner_type="business")
    traffic = camera(registry, "DOT-1", owner_type="public_agency", owner_name="DOT")
    IncidentStore(registry.sessions).create(
        IncidentInput("2026-0042", "robbery", NOW - timedelta(minutes=5), "UTC", 34.0983, -118.3267, 200.0),
        [],
    )
    CaseStore(registry.sessions).create("CASE-1")
    record, _ = validate_camera(GOOD | {"name": "NEW-1"})
    return {"shop": shop, "traffic": traffic, "record": record, "csv": write_csv(tmp_path / "c.csv", [GOOD]),
            "registry": registry}  # fmt: skip


def governed(scene: dict[str, Any]) -> dict[Action, list[tuple[str, Callable[[Any, Actor], Any]]]]:
    """Each governed use case, as a front end calls it, by the right it needs."""
    shop, traffic, record = scene["shop"], scene["traffic"], scene["record"]
    data = IncidentInput("2026-0099", "theft", NOW - timedelta(minutes=1), "UTC", 34.0, -118.3, 100.0)
    start, end = NOW - timedelta(minutes=10), NOW - timedelta(minutes=9)
    on_incident = Purpose(incident="2026-0042")
    uc = use_cases

    def export(s: Any, a: Actor) -> Any:
        return uc.export_case(s, a, "CASE-1", Path("/nonexistent"), Path("/tmp"))

    def file_marks(s: Any, a: Actor) -> Any:
        return uc.file_marks_in_case(s, a, "CASE-1", [traffic], start, end, [])

    return {
        Action.EDIT_REGISTRY: [
            ("register_camera", lambda s, a: uc.register_camera(s, a, record)),
            ("edit_camera", lambda s, a: uc.edit_camera(s, a, shop.id, record)),
            ("retire_camera", lambda s, a: uc.retire_camera(s, a, shop.id)),
            ("import_cameras", lambda s, a: uc.import_cameras(s, a, scene["csv"])),
        ],
        Action.RECORD_CONSENT: [
            ("record_consent", lambda s, a: uc.record_consent(s, a, shop.id, revoked_at=NOW))
        ],
        Action.ENTER_INCIDENT: [
            ("create_incident", lambda s, a: uc.create_incident(s, a, data, [])),
            ("close_incident", lambda s, a: uc.close_incident(s, a, "2026-0042")),
        ],
        Action.VIEW_RECORDINGS: [
            ("open_recordings", lambda s, a: uc.open_recordings(s, a, [traffic], start, end, Purpose())),
            ("request_footage", lambda s, a: uc.request_footage(s, a, shop.id, start, end, on_incident)),
            ("open_incident", lambda s, a: uc.open_incident(s, a, IncidentStore(s).recent(1)[0])),
        ],
        Action.VIEW_LIVE: [("check_live", lambda s, a: uc.check_live(s, a, traffic, Purpose()))],
        Action.PUT_IN_CASE: [
            ("create_case", lambda s, a: uc.create_case(s, a, "CASE-2")),
            ("add_to_case", lambda s, a: uc.add_to_case(s, a, "CASE-1", traffic, start, end)),
            ("bookmark_in_case", lambda s, a: uc.bookmark_in_case(s, a, "CASE-1", traffic.id, start)),
            ("file_marks_in_case", file_marks),
        ],
        Action.REMOVE_FROM_CASE: [("remove_from_case", lambda s, a: uc.remove_from_case(s, a, 1, "error"))],
        Action.EXPORT_EVIDENCE: [("export_case", export)],
        Action.APPROVE_REQUEST: [
            ("record_owner_answer", lambda s, a: uc.record_owner_answer(s, a, 1, True, "M."))
        ],
        Action.READ_AUDIT: [
            ("division_report", lambda s, a: uc.division_report(s, a)),
            (
                "publish_public_report",
                lambda s, a: uc.publish_public_report(s, a, NOW - timedelta(days=1), NOW),
            ),
            ("check_public_report", lambda s, a: uc.check_public_report(s, a, {})),
            (
                "make_owner_report",
                lambda s, a: uc.make_owner_report(s, a, "Sunset Liquor", NOW - timedelta(days=1), NOW),
            ),
            ("review_anomalies", lambda s, a: uc.review_anomalies(s, a, NOW - timedelta(days=1), NOW)),
            ("dismiss_anomaly", lambda s, a: uc.dismiss_anomaly(s, a, "rule:0", "looked at it, fine")),
        ],
        Action.SET_POLICY: [("set_policy", lambda s, a: uc.set_policy(s, a, "suppress_below", "10"))],
        Action.APPROVE_JUSTIFICATION: [
            ("decide_justification", lambda s, a: uc.decide_justification(s, a, 1, True))
        ],
    }


def refusals(sessions: Any) -> list[AuditEvent]:
    with sessions() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "refused")))


def snapshot(sessions: Any) -> tuple[int, ...]:
    with sessions() as s:
        return tuple(len(s.scalars(select(t.id)).all()) for t in (Camera, Incident, Case))


def test_every_governed_use_case_refuses_and_audits_a_role_without_the_right(scene: dict[str, Any]) -> None:
    sessions = scene["registry"].sessions
    cases = governed(scene)
    assert {a for a in Action if a not in (Action.MANAGE_USERS, Action.MANAGE_SIGNING_KEY)} == set(cases)
    checked = 0
    for action, calls in cases.items():
        for role in Role:
            if action in PERMISSIONS[role]:
                continue
            actor = Actor(f"user-{role.value}", role)
            for name, call in calls:
                before, audited = snapshot(sessions), len(refusals(sessions))
                with pytest.raises(use_cases.Refused, match="may not"):
                    call(sessions, actor)
                assert snapshot(sessions) == before, f"{name} changed something for {role}"
                entries = refusals(sessions)
                assert len(entries) == audited + 1, f"{name} refused {role} without an audit entry"
                assert entries[-1].username == actor.username and str(action) in entries[-1].details
                checked += 1
    assert checked >= 40


def test_a_person_not_signed_in_is_refused_once_accounts_exist(scene: dict[str, Any]) -> None:
    sessions = scene["registry"].sessions
    nobody = Actor("nobody", None)
    with pytest.raises(use_cases.Refused, match="sign in first"):
        use_cases.create_case(sessions, nobody, "CASE-3")
    assert refusals(sessions)[-1].username == "nobody"


def test_a_role_with_the_right_gets_the_work_done(scene: dict[str, Any]) -> None:
    sessions = scene["registry"].sessions
    operator = Actor("olive", Role.OPERATOR)
    saved = use_cases.create_incident(
        sessions, operator, IncidentInput("2026-0100", "theft", NOW, "UTC", 34.0, -118.3, 100.0), []
    )
    assert saved.number == "2026-0100"
    assert use_cases.create_case(sessions, operator, "CASE-9") > 0
    admin = Actor("pat", Role.ADMINISTRATOR)
    assert use_cases.register_camera(sessions, admin, scene["record"]).name == "NEW-1"


def test_the_stores_stamp_the_use_cases_actor_not_whoever_signed_in_last(scene: dict[str, Any]) -> None:
    sessions = scene["registry"].sessions
    sign_in("someone-else")  # the console's signed-in person: a use case for olive must not use it
    try:
        olive = Actor("olive", Role.OPERATOR, workstation="rtcc-ws-7")
        with sessions() as s:
            before = s.scalar(select(func.max(AuditEvent.id))) or 0
        use_cases.create_incident(
            sessions, olive, IncidentInput("2026-0101", "theft", NOW, "UTC", 34.0, -118.3, 100.0), []
        )
        use_cases.create_case(sessions, olive, "CASE-10")
        with sessions() as s:
            incident = s.scalars(select(Incident).where(Incident.number == "2026-0101")).one()
            case = s.scalars(select(Case).where(Case.number == "CASE-10")).one()
            stamped = s.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
        assert incident.created_by == "olive" and case.created_by == "olive"
        assert stamped and {(e.username, e.workstation) for e in stamped} == {("olive", "rtcc-ws-7")}
        # Outside a use case the console's signed-in person is who acts, as before.
        assert current_user() == "someone-else"
    finally:
        sign_in(None)


def test_a_private_camera_needs_a_stated_purpose_whoever_asks(scene: dict[str, Any]) -> None:
    sessions = scene["registry"].sessions
    operator = Actor("olive", Role.OPERATOR)
    shop, traffic = scene["shop"], scene["traffic"]
    start, end = NOW - timedelta(minutes=10), NOW - timedelta(minutes=9)
    result = use_cases.open_recordings(sessions, operator, [shop, traffic], start, end, Purpose())
    assert "stated purpose is required" in str(result[shop.id]) and result[traffic.id] is None
    with pytest.raises(use_cases.Refused, match="stated purpose is required"):
        use_cases.check_live(sessions, operator, shop, Purpose())
    assert "stated purpose" in refusals(sessions)[-1].details
    use_cases.check_live(sessions, operator, shop, Purpose(incident="2026-0042"))  # with one: allowed
    use_cases.check_live(sessions, operator, traffic, Purpose())  # a public camera needs none


def test_the_owners_terms_apply_to_footage_put_into_a_case(scene: dict[str, Any]) -> None:
    sessions = scene["registry"].sessions
    registry: Registry = scene["registry"]
    private = camera(registry, "HOME-1", owner_type="resident", sharing_terms="registered_only")
    operator = Actor("olive", Role.OPERATOR)
    start, end = NOW - timedelta(minutes=10), NOW - timedelta(minutes=9)
    filed = use_cases.file_marks_in_case(sessions, operator, "CASE-1", [private], start, end, [])
    assert filed.windows == 0 and filed.problems and "registered only" in filed.problems[0]
    assert filed.problems[0].startswith("HOME-1: ") and "HOME-1: HOME-1" not in filed.problems[0]


# Governed methods of the stores, and the one function, that only the use cases may call.
GOVERNED_CALLS = {
    "add_window",
    "remove_window",
    "add_bookmark",
    "import_file",
    "import_rows",
    "retire",
    "decide",
    "export_case",
    "file_marks_in_case",
}
STORE_WRITES = {"create", "add", "update", "close", "request"}
STORE_NAMES = ("store", "registry", "incidents", "book", "cases", "requests")


def front_end_files() -> list[Path]:
    return [APP / "cli.py", *sorted((APP / "views").rglob("*.py"))]


def direct_calls(path: Path) -> list[str]:
    """Calls in a front-end module that reach a governed store method without a use case."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        receiver = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if receiver.endswith("use_cases"):
            continue
        through_store = any(n in receiver.lower() for n in STORE_NAMES)
        if name in GOVERNED_CALLS or (name in STORE_WRITES and through_store):
            found.append(f"{path.relative_to(APP)}:{node.lineno} {ast.unparse(func)}")
    return found


def test_front_ends_reach_governed_actions_only_through_the_use_cases() -> None:
    offenders = [call for path in front_end_files() for call in direct_calls(path)]
    assert offenders == []


def test_the_check_catches_a_front_end_that_calls_a_store_directly(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "def f(self, store, registry):\n"
        "    store.add_window(1, 2, 3, 4)\n"
        "    self.registry.retire(5)\n"
        "    self.incidents.create(d, r)\n"
        "    export_case(s, 1, r, t)\n"
        "    use_cases.export_case(s, a, 'C', r, t)\n",
        encoding="utf-8",
    )
    global APP
    saved, APP = APP, tmp_path
    try:
        assert len(direct_calls(sneaky)) == 4
    finally:
        APP = saved


def test_a_camera_added_by_the_command_line_reaches_an_open_session_within_two_seconds(db_url: str) -> None:
    sessions = open_database(db_url)
    session = Session(sessions, Actor("olive", Role.OPERATOR))
    session.refresh()
    heard: list[tuple[float, CamerasChanged]] = []
    session.events.cameras_changed.connect(lambda event: heard.append((time.monotonic(), event)))
    session.follow(interval_s=0.25)
    try:
        assert main(["--database", db_url, *ADD]) == 0
        added_at = time.monotonic()  # committed by now; the session may have heard already
        deadline = added_at + 10
        while not heard and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        session.stop()
    assert heard, "the session never heard of the new camera"
    at, event = heard[0]
    assert at - added_at < 2.0 and len(event.added) == 1
    assert session.cameras[event.added[0]].name == "CLI-1"
    # Retiring it elsewhere is heard too.
    camera_id = event.added[0]
    Registry(sessions).retire(camera_id)
    assert session.refresh() == CamerasChanged((), (), (camera_id,))
