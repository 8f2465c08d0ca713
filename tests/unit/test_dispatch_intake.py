"""Calls from dispatch systems become incidents without retyping: the EIDO and generic samples
create incidents with ranked cameras, an update with the same call number moves the incident
and a closing status closes it, and every bad call (bad signature, old time stamp, replay,
unknown feed, malformed or oversized body, a place outside the city, an unknown call type) is
refused with its reason in the feed's log and changes nothing. Over real HTTP and through the
watched folder, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.incidents.dispatch import CallRefused, load_feeds, read_call, sign
from app.incidents.dispatch_intake import DispatchIntake
from app.intake.server import Intake, IntakeServer
from app.models.tables import AuditEvent, Incident, IntakeLogEntry
from app.registry.service import Registry

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "dispatch"
SECRETS = {"generic": b"generic feed secret, 32 chars..", "eido": b"the eido feed's own secret value"}


@pytest.fixture
def intake(city_registry: Registry) -> Intake:
    return Intake(city_registry.sessions, load_feeds(SAMPLES), SECRETS.get, "America/Los_Angeles")


@pytest.fixture
def server(intake: Intake, tmp_path: Path) -> Iterator[IntakeServer]:
    running = IntakeServer(intake, port=0, folder=tmp_path / "intake").start()
    yield running
    running.close()


def post(server: IntakeServer, feed: str, body: bytes, *, secret: bytes | None = None,
         stamp: str | None = None,
         signature: str | None = None) -> tuple[int, dict[str, Any]]:  # fmt: skip
    stamp = stamp or str(int(time.time()))
    signature = signature or sign(secret or SECRETS.get(feed, b"x" * 32), stamp, body)
    request = urllib.request.Request(f"{server.base_url}/intake/{feed}", body, method="POST", headers={
        "Content-Type": "application/json", "X-RTCC-Timestamp": stamp,
        "X-RTCC-Signature": signature})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def counts(intake: Intake) -> tuple[int, int]:
    with intake.sessions() as s:
        return (
            s.scalar(select(func.count(Incident.id))) or 0,
            s.scalar(select(func.count(AuditEvent.id))) or 0,
        )


def test_the_eido_and_generic_samples_create_incidents_with_ranked_cameras(
    server: IntakeServer, intake: Intake
) -> None:
    status, doc = post(server, "generic", (SAMPLES / "generic_sample.json").read_bytes())
    assert (status, doc["outcome"], doc["incident"], doc["division"]) == (201, "created", "LAPD-261130-0417",
                                                                          "Hollywood")  # fmt: skip
    assert doc["cameras"], "cameras near the sample's place are ranked"
    status, doc = post(server, "eido", (SAMPLES / "eido_sample.json").read_bytes())
    assert (status, doc["incident"], doc["division"]) == (201, "VN-261130-0088", "Van Nuys") and doc[
        "cameras"
    ]
    saved = intake.store.incidents.get(intake.store.incidents.recent(1)[0].id)
    assert (saved.source, saved.category, saved.priority, saved.incident_type) == ("feed eido", "burglary", 2,
                                                                                  "Burglary")  # fmt: skip
    assert saved.camera_ids == doc["cameras"] and saved.notes.startswith("Alarm company")
    # The reported time is the call's, in UTC (08:01:40 Pacific).
    assert saved.reported_at.isoformat() == "2026-11-30T16:01:40+00:00"
    with intake.sessions() as s:
        entry = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "incident received from dispatch")
        ).all()
    assert [e.username for e in entry] == ["feed:generic", "feed:eido"]


def test_an_update_moves_raises_and_closes_the_same_incident(server: IntakeServer, intake: Intake) -> None:
    call = json.loads((SAMPLES / "generic_sample.json").read_text())
    post(server, "generic", json.dumps(call).encode())
    first = intake.store.incidents.recent(1)[0]
    moved = call | {"priority": 0, "location": {"latitude": 34.17445, "longitude": -118.46725}}
    status, doc = post(server, "generic", json.dumps(moved).encode())
    assert (status, doc["outcome"], doc["division"]) == (200, "updated", "Van Nuys")
    again = intake.store.incidents.get(first.id)
    assert (again.latitude, again.longitude, again.priority) == (34.17445, -118.46725, 0)
    assert again.camera_ids != first.camera_ids and again.camera_ids == doc["cameras"]
    status, doc = post(server, "generic", json.dumps(moved | {"status": "cleared"}).encode())
    assert (status, doc["outcome"]) == (200, "closed")
    closed = intake.store.incidents.get(first.id)
    assert closed.closed_at is not None and closed.closed_by == "feed:generic"
    assert counts(intake)[0] == 1, "one incident for one call number"


BAD = {
    "bad signature": (dict(signature="sha256=" + "0" * 64), 401, "does not match"),
    "old time stamp": (dict(stamp=str(int(time.time()) - 3600)), 401, "from this server's clock"),
    "wrong secret": (dict(secret=b"someone else's secret........"), 401, "does not match"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_call_not_signed_by_the_feed_is_refused_and_changes_nothing(case: str, server: IntakeServer,
                                                                     intake: Intake) -> None:  # fmt: skip
    before = counts(intake)
    options, code, reason = BAD[case]
    status, doc = post(server, "generic", (SAMPLES / "generic_sample.json").read_bytes(), **options)  # type: ignore[arg-type]
    assert status == code and reason in doc["refused"]
    assert counts(intake) == before
    assert reason in intake.store.log_entries("generic", 1)[0].reason


def test_every_bad_call_is_refused_with_its_reason_and_changes_nothing(
    server: IntakeServer, intake: Intake
) -> None:
    good = json.loads((SAMPLES / "generic_sample.json").read_text())
    body = json.dumps(good).encode()
    assert post(server, "generic", body)[0] == 201
    before = counts(intake)
    update = json.dumps(good | {"notes": "Suspects now in a grey sedan"}).encode()
    stamp = str(int(time.time()))
    signature = sign(SECRETS["generic"], stamp, update)
    cases = [
        ("an update", update, dict(stamp=stamp, signature=signature), 200, ""),  # delivered once
        ("the same update replayed", update, dict(stamp=stamp, signature=signature), 409, "received before"),
        ("malformed JSON", b"{not json", {}, 400, "not JSON"),
        ("not an object", b"[1, 2]", {}, 400, "JSON object"),
        ("no number", json.dumps(good | {"call_number": ""}).encode(), {}, 400, "number"),
        (
            "outside the city",
            json.dumps(
                good | {"call_number": "X-1", "location": {"latitude": 40.71, "longitude": -74.0}}
            ).encode(),
            {},
            422,
            "outside every division",
        ),
        (
            "an unknown call type",
            json.dumps(good | {"call_number": "X-2", "call_type": "999"}).encode(),
            {},
            422,
            "not a call type",
        ),
        ("NaN coordinates", body.replace(b'"latitude": 34.0916', b'"latitude": NaN'), {}, 400, "not JSON"),
        ("oversized", b" " * (300 * 1024), {}, 413, "at most"),
    ]
    for name, payload, options, code, reason in cases:
        status, doc = post(server, "generic", payload, **options)  # type: ignore[arg-type]
        assert status == code, (name, status, doc)
        assert reason in doc.get("refused", reason), name
    assert counts(intake)[0] == before[0], "no incident created"
    (only,) = intake.store.incidents.recent(5)
    assert only.notes == "Suspects now in a grey sedan", "changed by the update only"
    status, doc = post(server, "nobody", body)
    assert (status, doc["refused"]) == (404, "unknown feed")
    reasons = [e.reason for e in intake.store.log_entries("generic", 50) if e.outcome == "refused"]
    assert any("outside every division" in r for r in reasons) and any("999" in r for r in reasons)


def test_a_file_dropped_in_the_folder_is_taken_once_and_a_bad_one_is_set_aside(
    server: IntakeServer, intake: Intake, tmp_path: Path
) -> None:
    folder = tmp_path / "intake" / "eido"
    (folder / "incoming" / "call.json").write_bytes((SAMPLES / "eido_sample.json").read_bytes())
    (folder / "incoming" / "broken.json").write_text("{", encoding="utf-8")
    deadline = time.monotonic() + 15
    while (folder / "incoming" / "call.json").exists() or (folder / "incoming" / "broken.json").exists():
        assert time.monotonic() < deadline, "the folder was not scanned"
        time.sleep(0.1)
    assert (folder / "done" / "call.json").is_file()
    assert "not JSON" in (folder / "refused" / "broken.reason.txt").read_text()
    assert [i.number for i in intake.store.incidents.recent(5)] == ["VN-261130-0088"]


def test_the_mapping_reads_only_the_paths_it_names(tmp_path: Path) -> None:
    feeds = load_feeds(SAMPLES)
    call = read_call((SAMPLES / "eido_sample.json").read_bytes(), feeds["eido"])
    assert (call.latitude, call.longitude, call.address) == (
        34.17445,
        -118.46725,
        "Van Nuys Blvd and Victory Blvd",
    )
    too_urgent = {"call_number": "1", "call_type": "211", "priority": 12,
                  "location": {"latitude": 34.1, "longitude": -118.3}}  # fmt: skip
    with pytest.raises(CallRefused, match=r"priority .* is not 0-9"):
        read_call(json.dumps(too_urgent).encode(), feeds["generic"])
    with pytest.raises(CallRefused, match="expected text, found dict"):
        read_call(json.dumps({"call_number": {"$where": "x"}, "call_type": "211"}).encode(), feeds["generic"])
    bad = tmp_path / "bad.mapping.json"
    bad.write_text(json.dumps({"feed": "Bad Name", "fields": {}}))
    with pytest.raises(ValueError, match="'feed' must be a short name"):
        load_feeds(tmp_path)


def test_the_command_line_sends_a_signed_call_and_reads_the_feed_log(server: IntakeServer, file_keyring: Any,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    db_url: str) -> None:  # fmt: skip
    import os

    from app.cli import main

    os.environ["RTCC_FEED_SECRET"] = SECRETS["generic"].decode()
    try:
        assert main(["intake", "secret", "generic"]) == 0
    finally:
        del os.environ["RTCC_FEED_SECRET"]
    assert (
        main(["intake", "send", "generic", str(SAMPLES / "generic_sample.json"), "--url", server.base_url])
        == 0
    )
    assert '"outcome": "created"' in capsys.readouterr().out
    assert main(["--database", db_url, "intake", "log", "generic"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("RECEIVED (UTC)") and "created  LAPD-261130-0417" in shown
    assert main(["--database", db_url, "intake", "log", "eido"]) == 0
    assert capsys.readouterr().out.startswith("feed eido: no calls received or refused yet in ")
    assert isinstance(DispatchIntake, type) and IntakeLogEntry.__tablename__ == "intake_log"


def test_rules_choose_which_calls_open_by_themselves_and_say_why(
    city_registry: Registry, tmp_path: Path
) -> None:
    from app.console import use_cases
    from app.console.actor import Actor
    from app.governance.roles import Role
    from app.incidents.dispatch_rules import load_rules
    from app.incidents.spatial import CameraIndex

    path = tmp_path / "rules.json"
    path.write_text(json.dumps([
        {"name": "p1 robbery Hollywood", "categories": ["robbery"], "max_priority": 1,
         "divisions": ["Hollywood"],
         "top": 2, "wall": "window 1", "alert": True},
    ]))  # fmt: skip
    rules = load_rules(path)
    feeds = load_feeds(SAMPLES)
    feed = Actor("feed:generic", Role.DISPATCH_FEED)
    cameras = CameraIndex(city_registry.list_cameras())
    sample = json.loads((SAMPLES / "generic_sample.json").read_text())

    def receive(**changes: Any) -> Any:
        call = read_call(json.dumps(sample | changes).encode(), feeds["generic"])
        return use_cases.receive_dispatch_call(
            city_registry.sessions, feed, call, cameras, None, "UTC", rules
        )

    opened = receive().incident
    assert opened.auto_rule == "p1 robbery Hollywood"
    assert opened.auto_actions == {"alert": True, "top": 2, "wall": "window 1"}
    queued = receive(call_number="Q-1", priority=3).incident  # not urgent enough: queued
    burglary = receive(call_number="Q-2", call_type="459").incident  # another category: queued
    assert queued.auto_rule == burglary.auto_rule == ""
    with city_registry.sessions() as s:
        kinds = ("dispatch call opened by rule", "dispatch call queued")
        chosen = select(AuditEvent).where(AuditEvent.action.in_(kinds)).order_by(AuditEvent.id)
        actions = [(a.action, a.details) for a in s.scalars(chosen)]
    opened_by = (
        "dispatch call opened by rule",
        "rule p1 robbery Hollywood: top 2 camera(s) on window 1, alert",
    )
    assert actions == [
        opened_by,
        ("dispatch call queued", "no rule matched"),
        ("dispatch call queued", "no rule matched"),
    ]
    bad_rules: list[tuple[Any, str]] = [
        ([{"name": "x", "wall": "left"}], "'wall'"),
        ([{"name": "x", "top": 99}], "'top'"),
        ([{"name": "x"}, {"name": "x"}], "name of its own"),
        ({"name": "x"}, "a JSON list"),
    ]
    for bad, message in bad_rules:
        path.write_text(json.dumps(bad))
        with pytest.raises(ValueError, match=message):
            load_rules(path)


def test_a_feed_secret_replaced_in_the_keyring_takes_over_at_once(city_registry: Registry) -> None:
    # The secret is cached between keyring reads; a call signed with the new one re-reads it,
    # and from then on the old one is refused.
    keyring = dict(SECRETS)
    reads: list[str] = []

    def secret_of(feed: str) -> bytes | None:
        reads.append(feed)
        return keyring.get(feed)

    intake = Intake(city_registry.sessions, load_feeds(SAMPLES), secret_of, "UTC")
    sample = json.loads((SAMPLES / "generic_sample.json").read_bytes())

    def take(number: str, secret: bytes) -> str:
        body = json.dumps(sample | {"call_number": number}).encode()
        stamp = str(int(time.time()))
        return intake.take_signed("generic", body, stamp, sign(secret, stamp, body)).outcome

    old, new = SECRETS["generic"], b"the generic feed's rotated secret"
    assert take("R-1", old) == "created" and take("R-2", old) == "created"
    assert reads == ["generic"], "read once, then cached"
    keyring["generic"] = new
    assert take("R-3", new) == "created"
    with pytest.raises(CallRefused, match="does not match"):
        take("R-4", old)


def test_on_a_machine_with_no_keyring_the_feed_secret_is_kept_in_a_file_only_its_owner_reads(
    server: IntakeServer,
    no_keyring: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import stat

    from app.cli import main
    from app.config import load_settings
    from app.registry.feed_secrets import secret_file

    monkeypatch.setenv("RTCC_FEED_SECRET", SECRETS["generic"].decode())
    assert main(["intake", "secret", "generic"]) == 0
    kept = secret_file(load_settings().data_dir, "generic")
    err = capsys.readouterr().err
    assert f"feed generic: secret kept in the file {kept} (readable by its owner only)" in err
    assert "camera credentials" not in err
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    sample = str(SAMPLES / "generic_sample.json")
    assert main(["intake", "send", "generic", sample, "--url", server.base_url]) == 0
    assert '"outcome": "created"' in capsys.readouterr().out
    kept.chmod(0o644)
    assert main(["intake", "send", "generic", sample, "--url", server.base_url]) == 1
    assert "can be read by others (mode 0644): chmod 600" in capsys.readouterr().err


def test_a_feed_mapping_added_to_a_running_intakes_folder_is_taken_without_a_restart(
    city_registry: Registry, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "intake"
    folder.mkdir()
    for name in ("generic.mapping.json", "generic_call_types.csv"):
        shutil.copy(SAMPLES / name, folder)
    secrets = {"generic": SECRETS["generic"], "acme": b"the acme feed's secret, 32 bytes"}
    intake = Intake(city_registry.sessions, load_feeds(folder), secrets.get, "UTC")
    running = IntakeServer(intake, port=0, folder=folder).start()
    try:
        body = (SAMPLES / "generic_sample.json").read_bytes()
        assert post(running, "acme", body, secret=secrets["acme"])[0] == 404  # not a feed yet
        mapping = json.loads((SAMPLES / "generic.mapping.json").read_text()) | {"feed": "acme"}
        deadline = time.monotonic() + 15
        (folder / "acme.mapping.json").write_text(json.dumps(mapping))
        answered = 404
        while answered == 404 and time.monotonic() < deadline:
            time.sleep(0.2)
            answered, _doc = post(running, "acme", body, secret=secrets["acme"])
        assert answered in (200, 201), "the new feed's calls are taken"
        other = json.dumps(json.loads(body) | {"call_number": "LAPD-261130-0999"}).encode()
        assert post(running, "generic", other)[0] == 201, "and the others' still"
        # A bad file in the folder: refused with its reason, the feeds as they were stay.
        (folder / "broken.mapping.json").write_text("{not json")
        intake.reload(folder)
        assert sorted(intake.feeds) == ["acme", "generic"]
    finally:
        running.close()
