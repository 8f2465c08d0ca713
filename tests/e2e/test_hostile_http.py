"""The services that face the network hold under bursts and hostile input: every call of a burst
is answered (the standard library's server, with its backlog of 5, reset about 150 of 200), and
absurd paths, ids, Range headers and bodies get a 4xx with the reason, never a reset or a
traceback. Over real sockets to the real services."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.incidents.dispatch import load_feeds, sign
from app.intake.server import Intake, IntakeServer
from app.models.tables import Incident, IntakeLogEntry
from app.registry.service import Registry
from app.video.media_service import MediaService

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "dispatch"
SECRET = b"generic feed secret, 32 chars.."


@pytest.fixture
def intake_server(city_registry: Registry) -> Iterator[IntakeServer]:
    intake = Intake(
        city_registry.sessions, load_feeds(SAMPLES), {"generic": SECRET}.get, "America/Los_Angeles"
    )
    running = IntakeServer(intake, port=0).start()
    yield running
    running.close()


@pytest.fixture
def media(city_registry: Registry) -> Iterator[MediaService]:
    service = MediaService(city_registry.sessions, port=0).start()
    yield service
    service.close()


def ask(base_url: str, method: str, path: str, body: bytes = b"",
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    """One request on its own connection: (status, headers in lower case, body)."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def signed_call(number: str, **changes: object) -> tuple[bytes, dict[str, str]]:
    call = json.loads((SAMPLES / "generic_sample.json").read_text()) | {"call_number": number} | changes
    body = json.dumps(call).encode()
    stamp = str(int(time.time()))
    return body, {"Content-Type": "application/json", "X-RTCC-Timestamp": stamp,
                  "X-RTCC-Signature": sign(SECRET, stamp, body)}  # fmt: skip


def test_two_hundred_calls_posted_at_once_are_all_answered(intake_server: IntakeServer) -> None:
    calls = [signed_call(f"BURST-{n:04d}") for n in range(200)]
    with ThreadPoolExecutor(200) as pool:
        answers = list(pool.map(lambda c: ask(intake_server.base_url, "POST", "/intake/generic", *c), calls))
    statuses = sorted({status for status, _h, _b in answers})
    assert statuses == [201], statuses
    with intake_server.intake.sessions() as s:
        numbers = set(s.scalars(select(Incident.number).where(Incident.number.like("BURST-%"))))
    assert len(numbers) == 200, "every answered call is an incident"


def test_five_hundred_health_checks_at_once_are_all_answered(media: MediaService) -> None:
    with ThreadPoolExecutor(250) as pool:
        answers = list(pool.map(lambda _n: ask(media.base_url, "GET", "/health")[0], range(500)))
    assert answers == [200] * 500


@pytest.mark.parametrize(
    ("number", "what"),
    [
        ("2026-\u202e0042", "U+202E"),  # right-to-left override: reads as another number
        ("2026-\x000042", "U+0000"),
        ("2026-0042\nFORGED", "U+000A"),
        ("2026-\u200b0042", "U+200B"),  # zero-width space: two numbers that look alike
        ("<b>2026-0042</b>", "is not a call number"),
    ],
)
def test_a_call_number_that_is_not_plain_text_is_refused_with_the_reason(
    intake_server: IntakeServer, number: str, what: str
) -> None:
    status, headers, body = ask(intake_server.base_url, "POST", "/intake/generic", *signed_call(number))
    assert status == 400 and what in json.loads(body)["refused"] and what in headers["x-reason"]
    with intake_server.intake.sessions() as s:
        assert s.scalar(select(func.count(Incident.id))) == 0, "nothing was created"
        logged = s.scalars(select(IntakeLogEntry.reason).order_by(IntakeLogEntry.id.desc())).first()
    assert logged is not None and what in logged, "the refusal is in the feed's log"


def test_deeply_nested_json_is_refused_as_bad_input_not_an_outage(intake_server: IntakeServer) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    stamp = str(int(time.time()))
    headers = {"X-RTCC-Timestamp": stamp, "X-RTCC-Signature": sign(SECRET, stamp, body)}
    status, _headers, answer = ask(intake_server.base_url, "POST", "/intake/generic", body, headers)
    assert status == 400 and "nests more than" in json.loads(answer)["refused"], answer


def test_an_oversized_body_and_an_absurd_address_get_their_reasons(intake_server: IntakeServer) -> None:
    base = intake_server.base_url
    status, _h, body = ask(base, "POST", "/intake/generic", b"x" * 300_000, {"X-RTCC-Timestamp": "1"})
    assert status == 413 and "at most" in json.loads(body)["refused"]
    status, headers, _b = ask(base, "GET", "/" + "a" * 8000)
    assert status == 414 and "at most" in headers["x-reason"]
    assert ask(base, "GET", "/intake/../../etc/passwd")[0] == 404
    assert ask(base, "DELETE", "/intake/generic")[0] == 405


def test_absurd_paths_ids_and_ranges_at_the_media_service_get_answers(media: MediaService) -> None:
    base = media.base_url
    for path in ("/live/99999999999999999999999/sub.ts", "/live/-1/sub.ts", "/live/1/../../x.ts",
                 "/live/1/side.ts", "/record/99999999999999999999/close", "/h/" + "x" * 5000,
                 "/h/%00%ff/media", "/status/../health/.."):  # fmt: skip
        status, headers, body = ask(base, "GET", path)
        assert 400 <= status < 500, (path, status)
        assert b"Traceback" not in body and "python" not in json.dumps(headers).lower(), path
    status, _h, _b = ask(base, "POST", "/record/1/close?at=not-a-time")
    assert status in (400, 409)
    # A raw request line no parser accepts: an answer, then the connection closes (no reset).
    with socket.create_connection(media.web.address, timeout=10) as raw:
        raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
        assert raw.recv(64).startswith(b"HTTP/1.1 400")
