"""Roles, accounts and the hash-chained audit log: each safeguard fails its test if removed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from app.cli import main
from app.config import load_settings
from app.governance import audit
from app.governance.accounts import AccountError, AccountStore, password_matches
from app.governance.identity import current_user, sign_in
from app.governance.roles import PERMISSIONS, Action, Forbidden, Role, may, require
from app.models.db import open_database
from app.registry.service import Registry

# The whole table, spelled out: changing who may do what must change this test too.
EXPECTED = {
    Role.OPERATOR: {"view live video", "view recordings", "enter an incident", "put footage into a case"},
    Role.SUPERVISOR: {"view live video", "view recordings", "enter an incident", "put footage into a case",
                      "remove footage from a case (lift a legal hold)",
                      "mark an owner's approval of a footage request",
                      "record an owner's consent or revocation",
                      "approve or deny a justification to go beyond a purpose's bounds"},
    Role.EVIDENCE_TECHNICIAN: {"view recordings", "put footage into a case", "export evidence"},
    Role.AUDITOR: {"read and export the audit log"},
    Role.ADMINISTRATOR: {"change the camera registry", "record an owner's consent or revocation",
                         "add users and change roles", "move the evidence signing key",
                         "change the program's caps and reporting rules"},
    # A dispatch system's feed, not a person: it only enters and updates incidents.
    Role.DISPATCH_FEED: {"enter an incident"},
}  # fmt: skip


def test_the_role_table() -> None:
    assert {role: {a.value for a in actions} for role, actions in PERMISSIONS.items()} == EXPECTED
    assert not may(Role.OPERATOR, Action.EXPORT_EVIDENCE) and may(
        Role.EVIDENCE_TECHNICIAN, Action.EXPORT_EVIDENCE
    )
    assert not may(Role.ADMINISTRATOR, Action.VIEW_LIVE) and not may(Role.AUDITOR, Action.VIEW_RECORDINGS)
    assert not may("superuser", Action.VIEW_LIVE)
    with pytest.raises(Forbidden, match="may not export evidence"):
        require(Role.OPERATOR, Action.EXPORT_EVIDENCE, "jdoe")
    with pytest.raises(Forbidden, match="sign in"):
        require(None, Action.VIEW_LIVE)


def test_accounts_hash_passwords_and_name_one_person(registry: Registry) -> None:
    store = AccountStore(registry._sessions)
    store.add("jdoe", "Jane Doe", Role.OPERATOR, "correct horse battery")
    with registry._sessions() as s:
        stored = s.execute(text("select password_hash from users")).scalar_one()
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert password_matches("correct horse battery", stored) and not password_matches("wrong", stored)
    assert store.authenticate("JDoe", "correct horse battery").role is Role.OPERATOR  # type: ignore[union-attr]
    assert store.authenticate("jdoe", "correct horse batterY") is None
    assert store.authenticate("nobody", "correct horse battery") is None
    for bad, message in ((("jdoe", "Jane", Role.OPERATOR, "long enough pw"), "already exists"),
                         (("shift2", " ", Role.OPERATOR, "long enough pw"), "full name"),
                         (("x", "X", Role.OPERATOR, "long enough pw"), "user name"),
                         (("kim", "Kim", "root", "long enough pw"), "role"),
                         (("kim", "Kim", Role.AUDITOR, "short"), "at least 10")):  # fmt: skip
        with pytest.raises(AccountError, match=message):
            store.add(*bad)


def test_the_audit_chain_catches_altered_removed_inserted_and_reordered_entries(registry: Registry) -> None:
    sessions = registry._sessions
    for i in range(5):
        audit.record(
            sessions, "live view started", target_type="camera", target_id=i, purpose="incident 26-1"
        )
    check = audit.verify_audit(sessions)
    assert check.intact and check.entries == 5 and len(check.head) == 64
    tampers = [
        "update audit_events set details = 'nothing to see' where id = 3",
        "delete from audit_events where id = 3",
        # a forged line slipped in directly, with plausible-looking hashes
        "insert into audit_events (id, at, username, workstation, action, target_type, target_id, purpose,"
        " case_number, details, prev_hash, event_hash) select 99, at, 'mallory', workstation, 'export',"
        " '', '', '', '', '', event_hash, event_hash from audit_events where id = 5",
        "update audit_events set id = 100 where id = 2",  # reordered: entry 2 now comes last
    ]
    engine = sessions.kw["bind"]
    for statement in tampers:
        # Tamper inside a transaction, check through it, roll it back: the same on SQLite and
        # on PostgreSQL, and the next statement starts from the intact log.
        with engine.connect() as conn:
            change = conn.begin()
            conn.execute(text(statement))
            tampered = audit.verify_audit(sessionmaker(bind=conn, join_transaction_mode="create_savepoint"))
            change.rollback()
        assert not tampered.intact, statement
        if statement.startswith("update audit_events set details"):
            # The break is placed in the whole log: altering entry 3 of 5 says "3 of 5", not "3 of 3".
            assert (tampered.first_bad, tampered.entries) == (3, 5)
    assert audit.verify_audit(sessions).intact


def test_entries_appended_in_one_transaction_chain_and_a_rolled_back_savepoints_entry_is_skipped(
    registry: Registry,
) -> None:
    # A dispatch call logs twice in one transaction; the second entry chains to the first without
    # reading the log again, and never to an entry whose savepoint was rolled back.
    sessions = registry._sessions
    with sessions.begin() as s:
        first = audit.append(s, "incident received from dispatch", target_type="incident", target_id=1)
        second = audit.append(s, "dispatch call queued", target_type="incident", target_id=1)
        assert second.prev_hash == first.event_hash
        savepoint = s.begin_nested()
        audit.append(s, "dispatch call opened by rule", target_type="incident", target_id=1)
        savepoint.rollback()
        third = audit.append(s, "incident updated from dispatch", target_type="incident", target_id=1)
        assert third.prev_hash == second.event_hash
    with sessions.begin() as s:
        assert audit.append(s, "incident closed").prev_hash == third.event_hash
    check = audit.verify_audit(sessions)
    assert check.intact and check.entries == 4


def test_the_audit_csv_neutralises_spreadsheet_formulas(registry: Registry) -> None:
    sessions = registry._sessions
    for evil in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "ordinary"):
        audit.record(sessions, "registry change", details=evil, purpose=evil)
    rows = list(csv.reader(io.StringIO(audit.to_csv(audit.query(sessions)))))
    details = [r[8] for r in rows[1:]]
    assert details == ["'=cmd|' /C calc'!A0", "'+1+1", "'-2+3", "'@SUM(A1)", "'\t=1", "ordinary"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_the_command_line_needs_a_person_whose_role_allows_the_action(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RTCC_NEW_PASSWORD", "a long admin passphrase")
    assert (
        main(["users", "add", "admin", "--full-name", "Pat Admin", "--role", "administrator"]) == 0
    )  # bootstrap
    monkeypatch.setenv("RTCC_USER", "admin")
    monkeypatch.setenv("RTCC_PASSWORD", "a long admin passphrase")
    monkeypatch.setenv("RTCC_NEW_PASSWORD", "an operator passphrase")
    assert main(["users", "add", "ollie", "--full-name", "Ollie Operator", "--role", "operator"]) == 0
    monkeypatch.delenv("RTCC_USER")
    assert main(["export", "C-1", "--to", str(tmp_path)]) == 3  # nobody signed in
    assert "sign in" in capsys.readouterr().err
    monkeypatch.setenv("RTCC_PASSWORD", "an operator passphrase")
    assert main(["--user", "ollie", "export", "C-1", "--to", str(tmp_path)]) == 3
    assert "may not export evidence" in capsys.readouterr().err
    assert main(["--user", "ollie", "users", "set-role", "ollie", "administrator"]) == 3
    monkeypatch.setenv("RTCC_PASSWORD", "not the password")
    assert main(["--user", "ollie", "cameras", "list"]) == 3
    sign_in(None)
    sessions = open_database(load_settings().effective_database_url)
    actions = [e.action for e in audit.query(sessions)]
    assert actions.count("refused") == 2 and "sign-in failed" in actions and "user added" in actions
    assert audit.verify_audit(sessions).intact
    monkeypatch.setenv("RTCC_PASSWORD", "a long admin passphrase")
    assert main(["--user", "admin", "audit", "verify"]) == 3  # administrators do not read the audit
    assert current_user() == "admin"  # the signed-in person is who the process acts for
    sign_in(None)


def test_registry_changes_and_consent_are_audited(registry: Registry) -> None:
    from app.registry.formats import RawRow
    from app.registry.records import validate_camera
    from tests.helpers.registry_rows import GOOD

    registry.import_rows([RawRow(2, dict(GOOD))], source="owners.csv")
    camera = registry.list_cameras()[0]
    rec, errors = validate_camera(dict(GOOD, consent_revoked_at="2026-11-20T10:00:00Z"))
    assert not errors and rec is not None
    registry.update(camera.id, rec)
    registry.retire(camera.id)
    actions = [(e.action, e.target_id) for e in audit.query(registry._sessions)]
    assert actions[0][0] == "cameras imported"
    assert ("consent revoked", str(camera.id)) in actions and ("camera retired", str(camera.id)) in actions
    edited = next(e for e in audit.query(registry._sessions) if e.action == "camera edited")
    assert "consent_revoked_at" in edited.details and "rtsp://" not in edited.details
    assert audit.verify_audit(registry._sessions).intact


def test_registry_csv_neutralises_formulas_and_round_trips(registry: Registry, tmp_path: Path) -> None:
    from app.registry.formats import RawRow
    from tests.helpers.registry_rows import GOOD

    evil = dict(GOOD, name='=HYPERLINK("http://evil","click")', owner_name="@SUM(1+1)", notes="-2+3")
    registry.import_rows([RawRow(2, evil)])
    out = tmp_path / "cams.csv"
    registry.export_file(out)
    row = next(csv.DictReader(io.StringIO(out.read_text())))
    assert (
        row["name"].startswith("'=") and row["owner_name"].startswith("'@") and row["notes"].startswith("'-")
    )
    assert row["longitude"].startswith("-")  # numbers are not text: a negative longitude stays a number
    other = Registry(open_database(f"sqlite:///{tmp_path / 'other.sqlite'}"))
    other.import_file(out)
    back = other.list_cameras()[0]
    assert back.name == evil["name"] and back.owner_name == "@SUM(1+1)" and back.notes == "-2+3"


def test_the_purge_report_lists_what_retention_deleted(registry: Registry, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from app.governance.custody import append_event
    from app.models.tables import EvidenceItem
    from app.registry.formats import RawRow
    from app.video.retention import apply_retention, purge_report
    from tests.helpers.registry_rows import GOOD

    registry.import_rows([RawRow(2, dict(GOOD, retention_days="7"))])
    camera = registry.list_cameras()[0]
    (tmp_path / camera.uid).mkdir()
    (tmp_path / camera.uid / "old.mkv").write_bytes(b"old video")
    old = datetime(2026, 1, 1, tzinfo=UTC)
    with registry._sessions.begin() as s:
        path, end = f"{camera.uid}/old.mkv", old + timedelta(minutes=1)
        item = EvidenceItem(kind="segment", camera_id=camera.id, path=path, sha256="ab" * 32, size_bytes=9,
                            start_at=old, end_at=end)  # fmt: skip
        s.add(item)
        s.flush()
        append_event(s, item, "recorded", "test")
    assert apply_retention(registry._sessions, tmp_path, old + timedelta(days=30))
    assert not (tmp_path / camera.uid / "old.mkv").exists()
    report = purge_report(registry._sessions)
    assert len(report) == 1 and report[0].camera == camera.name and "7 days" in report[0].reason
    assert report[0].sha256 == "ab" * 32  # the record of what existed outlives the video
