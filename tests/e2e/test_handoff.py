"""Video for responding officers: a clip around the playhead and a still, each with the caption
strip burned in and a JSON sidecar of the same facts and the sources' hashes, delivered to the
folder; each a derivative in custody linked to its segment, audited, with a link token kept only
as its hash. The owner's terms apply: registered-only footage is refused and nothing is written."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import timedelta
from pathlib import Path

import av
import cv2
import pytest
from sqlalchemy import select

from app.console import use_cases
from app.console.actor import Actor
from app.evidence.handoff import HandoffError, HandoffRequest
from app.governance.roles import Role
from app.incidents.service import IncidentInput, IncidentStore
from app.models.tables import AuditEvent, CustodyEvent, EvidenceItem, Handoff
from app.registry.records import validate_camera
from app.registry.service import Registry
from tests.e2e.conftest import Recorded
from tests.helpers.registry_rows import GOOD

pytestmark = pytest.mark.e2e
OFFICER_DESK = Actor("dana", Role.OPERATOR)


def test_a_clip_and_a_still_for_officers_with_caption_sidecar_custody_and_audit(
    recorded: Recorded, tmp_path: Path
) -> None:
    sessions = recorded.sessions()
    camera = Registry(sessions).get(recorded.camera_id)
    middle = recorded.segments[1].start_at + timedelta(seconds=1)
    number = f"HO-{tmp_path.name[-6:]}"
    incident = IncidentStore(sessions).create(
        IncidentInput(number, "robbery", middle, "UTC", camera.latitude, camera.longitude, 200.0), []
    )
    folder = tmp_path / "mdt"
    request = HandoffRequest(incident.id, camera.id, middle, "clip", before_s=1.5, after_s=1.5,
                             note="Suspect: red hoodie")  # fmt: skip
    clip = use_cases.hand_off(sessions, OFFICER_DESK, recorded.root, folder, request, "America/Los_Angeles")

    assert clip.path.parent == folder and clip.path.suffix == ".mp4" and not list(folder.glob(".partial*"))
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert stream.codec_context.name == "h264" and len(frames) >= 20
    head = clip.path.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and head.find(b"moov") < clip.path.read_bytes().find(b"mdat"), "faststart"
    strip = frames[0][-40:, :, :]  # the caption strip: black with white text
    assert (strip < 40).mean() > 0.5 and (strip > 200).any()
    assert clip.caption == (f"Incident {number} | {camera.name}", clip.caption[1], "Suspect: red hoodie")
    assert " PST" in clip.caption[1] or " PDT" in clip.caption[1]

    facts = json.loads(clip.sidecar.read_text())
    assert facts["sha256"] == clip.sha256 == hashlib.sha256(clip.path.read_bytes()).hexdigest()
    assert (
        facts["incident"] == number and facts["operator"] == "dana" and facts["note"] == "Suspect: red hoodie"
    )
    assert {s["sha256"] for s in facts["sources"]} <= {s.sha256 for s in recorded.segments}

    still = use_cases.hand_off(sessions, OFFICER_DESK, recorded.root, folder,
                               HandoffRequest(incident.id, camera.id, middle, "still"), "UTC")  # fmt: skip
    image = cv2.imread(str(still.path))
    assert image is not None and still.path.suffix == ".png" and (image[-30:] < 40).mean() > 0.5

    with sessions() as s:
        rows = s.scalars(select(Handoff).where(Handoff.incident_id == incident.id).order_by(Handoff.id)).all()
        assert [r.kind for r in rows] == ["clip", "still"]
        assert rows[0].token_sha256 == hashlib.sha256(clip.token.encode()).hexdigest()
        assert clip.token not in json.dumps([r.token_sha256 for r in rows]) and len(clip.token) >= 40
        assert rows[0].expires_at - rows[0].created_at == timedelta(hours=12)
        derived = s.get(EvidenceItem, rows[0].evidence_item_id)
        assert derived is not None and derived.source_item_id in {seg.id for seg in recorded.segments}
        events = s.scalars(
            select(CustodyEvent.action).where(CustodyEvent.evidence_item_id == derived.id)
        ).all()
        assert events == ["derived for hand-off"]
        for_clip = (
            CustodyEvent.action == "used for a hand-off",
            CustodyEvent.reason.contains(clip.path.name),
        )
        used = s.scalars(select(CustodyEvent).where(*for_clip)).all()
        assert used and all(e.evidence_item_id in {seg.id for seg in recorded.segments} for e in used)
        audited = s.scalars(select(AuditEvent).where(AuditEvent.action == "hand-off to officers",
                                                     AuditEvent.case_number == number)).all()  # fmt: skip
        assert [a.username for a in audited] == ["dana", "dana"]


def test_footage_the_owner_does_not_share_is_not_handed_off_and_nothing_is_written(
    recorded: Recorded, tmp_path: Path
) -> None:
    sessions = recorded.sessions()
    registry = Registry(sessions)
    camera = registry.get(recorded.camera_id)
    middle = recorded.segments[1].start_at + timedelta(seconds=1)
    number = f"HX-{tmp_path.name[-6:]}"
    incident = IncidentStore(sessions).create(
        IncidentInput(number, "robbery", middle, "UTC", camera.latitude, camera.longitude, 200.0), []
    )
    fields = camera.to_fields() | {"sharing_terms": "registered_only"}
    record, errors = validate_camera(GOOD | fields)
    assert record is not None, errors
    registry.update(camera.id, record)
    folder = tmp_path / "mdt"
    try:
        with pytest.raises(HandoffError, match="registered only"):
            use_cases.hand_off(sessions, OFFICER_DESK, recorded.root, folder,
                               HandoffRequest(incident.id, camera.id, middle, "clip"), "UTC")  # fmt: skip
        with pytest.raises(HandoffError, match="cannot be handed off live"):
            live = HandoffRequest(incident.id, camera.id, middle, "still", live=True)
            use_cases.hand_off(sessions, OFFICER_DESK, recorded.root, folder, live, "UTC")
    finally:
        restored, _ = validate_camera(GOOD | camera.to_fields())
        assert restored is not None
        registry.update(camera.id, restored)
    assert not folder.exists() or not any(folder.iterdir())
    with sessions() as s:
        assert not s.scalars(select(Handoff).where(Handoff.incident_id == incident.id)).all()


def test_the_officers_link_serves_the_clip_and_stops_after_expiry_or_revocation(
    recorded: Recorded, tmp_path: Path
) -> None:
    import urllib.error
    import urllib.request

    from app.evidence.handoff import handoffs_of
    from app.models.db import open_database
    from app.video.media_service import MediaService

    sessions = recorded.sessions()
    camera = Registry(sessions).get(recorded.camera_id)
    middle = recorded.segments[1].start_at + timedelta(seconds=1)
    number = f"<b>HL-{tmp_path.name[-6:]}</b>"  # a caller's number with markup: shown as text
    incident = IncidentStore(sessions).create(
        IncidentInput(number, "robbery", middle, "UTC", camera.latitude, camera.longitude, 200.0), []
    )
    made = [use_cases.hand_off(sessions, OFFICER_DESK, recorded.root, tmp_path / "mdt",
                               HandoffRequest(incident.id, camera.id, middle, "clip", 1.0, 1.0), "UTC")
            for _ in range(2)]  # fmt: skip
    service = MediaService(open_database(recorded.url), port=0, linger_s=1.0).start()

    def get(path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(service.base_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
        except urllib.error.HTTPError as exc:
            return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()

    try:
        status, headers, body = get(f"/h/{made[0].token}")
        text = body.decode()
        assert status == 200 and "default-src 'none'" in headers["content-security-policy"]
        # Not framed by another site, not sniffed as another type, no address leaked onwards, and
        # nothing that names the server or its version.
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
        assert "server" not in headers and "Python" not in str(headers)
        assert "&lt;b&gt;HL-" in text and "<b>HL-" not in text, "the caption is text, never markup"
        assert f'<video src="/h/{made[0].token}/media"' in text and "width=device-width" in text
        assert "://" not in text, "no absolute address: the page loads nothing from anywhere else"
        assert "<script" not in text.lower()
        status, headers, media = get(f"/h/{made[0].token}/media")
        assert status == 200 and headers["content-type"] == "video/mp4" and media == made[0].path.read_bytes()
        status, headers, part = get(f"/h/{made[0].token}/media", {"Range": "bytes=100-199"})
        assert (
            status == 206 and part == media[100:200] and headers["content-range"].endswith(f"/{len(media)}")
        )

        # A wrong token, a revoked link and an expired one answer alike: as any unknown path.
        unknown = get("/h/" + "x" * 43)
        assert unknown[0] == 404
        use_cases.revoke_handoff(sessions, OFFICER_DESK, made[0].handoff_id)
        assert get(f"/h/{made[0].token}")[::2] == unknown[::2]
        assert get(f"/h/{made[0].token}/media")[::2] == unknown[::2]
        assert get(f"/h/{made[1].token}")[0] == 200
        service.clock = lambda: made[1].expires_at + timedelta(seconds=1)
        assert get(f"/h/{made[1].token}")[::2] == unknown[::2]
    finally:
        service.close()
        service.sessions.kw["bind"].dispose()

    rows = handoffs_of(sessions, incident.id)
    assert rows[0].state().startswith("revoked") and rows[1].state(made[1].expires_at) == "expired"
    assert rows[0].first_opened_at is not None and rows[0].created_by == "dana"
    with sessions() as s:
        opened = s.scalars(select(AuditEvent).where(AuditEvent.action == "hand-off opened",
                                                    AuditEvent.case_number == number)).all()  # fmt: skip
        assert len(opened) == 2, "each link's first opening, once"


def test_the_officers_page_plays_in_a_real_browser_on_a_phone_screen(
    recorded: Recorded, tmp_path: Path
) -> None:
    """Debian's Chromium opens the link at a phone's size: the clip plays (its time advances), the
    caption is shown, and nothing is wider than the screen."""
    from app.models.db import open_database
    from app.video.media_service import MediaService
    from tests.browser import Browser

    sessions = recorded.sessions()
    camera = Registry(sessions).get(recorded.camera_id)
    middle = recorded.segments[1].start_at + timedelta(seconds=1)
    number = f"HB-{tmp_path.name[-6:]}"
    incident = IncidentStore(sessions).create(
        IncidentInput(number, "robbery", middle, "UTC", camera.latitude, camera.longitude, 200.0), []
    )
    request = HandoffRequest(incident.id, camera.id, middle, "clip", 2.0, 2.0, note="Suspect: red hoodie")
    made = use_cases.hand_off(sessions, OFFICER_DESK, recorded.root, tmp_path / "mdt", request, "UTC")
    service = MediaService(open_database(recorded.url), port=0, linger_s=1.0).start()
    try:
        with Browser(390, 844) as browser:
            browser.open(f"{service.base_url}/h/{made.token}")
            deadline = time.monotonic() + 30
            seen: dict[str, object] = {}
            while time.monotonic() < deadline:
                seen = (
                    browser.evaluate(
                        "(() => { const v = document.querySelector('video');"
                        " const c = document.getElementById('caption');"
                        " return {t: v ? v.currentTime : -1, err: v && v.error ? v.error.code : 0,"
                        " caption: c ? c.innerText : '', shown: c ? c.getBoundingClientRect().height : 0,"
                        " wide: document.documentElement.scrollWidth, screen: window.innerWidth}; })()"
                    )
                    or {}
                )
                if float(seen.get("t", -1)) > 0.5:  # type: ignore[arg-type]
                    break
                time.sleep(0.2)
            shots = os.environ.get("RTCC_WALKTHROUGH_SHOTS")
            browser.screenshot(
                str(Path(shots) / "handoff-phone.png") if shots else str(tmp_path / "phone.png")
            )
    finally:
        service.close()
        service.sessions.kw["bind"].dispose()
    assert seen.get("err") == 0 and float(seen["t"]) > 0.5, f"the clip did not play: {seen}"  # type: ignore[arg-type]
    assert f"Incident {number}" in str(seen["caption"]) and "Suspect: red hoodie" in str(seen["caption"])
    assert float(seen["shown"]) > 0  # type: ignore[arg-type]
    assert seen["wide"] <= seen["screen"], f"wider than the phone: {seen}"


def scrub_window_on_an_incident(recorded: Recorded, tmp_path: Path, qtbot, prefix: str, link_base: str,  # type: ignore[no-untyped-def]
                                unrecorded_first: bool = False):  # fmt: skip
    """The scrub view of the recorded camera, opened from an incident at its place, active, loaded
    (``unrecorded_first``: a camera with no recording listed before it)."""
    from app.console.officer_links import officer_link
    from app.console.session import workstation_session
    from app.views.scrub.evidence import HandoffTarget
    from app.views.scrub.window import ScrubWindow

    sessions = recorded.sessions()
    camera = Registry(sessions).get(recorded.camera_id)
    reported = recorded.segments[1].start_at + timedelta(seconds=1)
    number = f"{prefix}-{tmp_path.name[-6:]}"
    incident = IncidentStore(sessions).create(
        IncidentInput(number, "robbery", reported, "UTC", camera.latitude, camera.longitude, 200.0), []
    )
    target = HandoffTarget(tmp_path / "mdt", lambda _camera, token: officer_link("", link_base, token))
    cameras = [camera]
    if unrecorded_first:
        from app.registry.records import validate_camera
        from tests.helpers.registry_rows import GOOD

        place = {"latitude": str(camera.latitude), "longitude": str(camera.longitude)}
        record, errors = validate_camera(GOOD | place | {"name": f"{prefix} no recording"})
        assert record is not None, errors
        cameras = [Registry(sessions).add(record), camera]
    window = ScrubWindow(workstation_session(sessions), recorded.root, cameras, reported, title=number,
                         margin=timedelta(seconds=0), case_number=number, incident_id=incident.id,
                         handoff=target)  # fmt: skip
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.waitUntil(lambda: window.loaded, timeout=20_000)
    return window, camera


def test_h_in_the_scrub_view_sends_the_clip_and_shows_the_link_with_a_qr_code(  # type: ignore[no-untyped-def]
    recorded: Recorded, tmp_path: Path, qtbot
) -> None:
    import urllib.request

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QWidget

    from app.models.db import open_database
    from app.video.media_service import MediaService
    from app.views.handoff_dialog import HandoffDialog, QrCode

    service = MediaService(open_database(recorded.url), port=0, linger_s=1.0).start()
    try:
        window, _camera = scrub_window_on_an_incident(recorded, tmp_path, qtbot, "HS", service.base_url)
        QTest.keyClick(window, Qt.Key.Key_H)  # the operator presses H at the playhead
        qtbot.waitUntil(lambda: window.findChild(HandoffDialog) is not None, timeout=5_000)
        dialog = window.findChild(HandoffDialog)
        qtbot.waitExposed(dialog)
        QTest.keyClicks(dialog.note, "Grey sedan, partial plate 7KX")
        QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.findChild(QWidget, "handoff_result") is not None, timeout=60_000)
        link = dialog.findChild(QWidget, "handoff_link").text()
        assert link.startswith(f"{service.base_url}/h/") and dialog.findChild(QrCode) is not None
        # A workstation's media service listens on 127.0.0.1: the dialog says a phone cannot open it.
        warning = dialog.findChild(QWidget, "handoff_link_warning").text()
        assert warning.startswith("An officer's phone cannot open this link: it points at 127.0.0.1")
        assert "handoff_public_url" in warning
        with urllib.request.urlopen(link, timeout=10) as reply:
            assert reply.status == 200 and "Grey sedan, partial plate 7KX" in reply.read().decode()
        assert [p.suffix for p in sorted((tmp_path / "mdt").iterdir())] == [".json", ".mp4"]
    finally:
        service.close()
        service.sessions.kw["bind"].dispose()


def test_the_hand_off_dialog_starts_on_a_camera_with_footage(
    recorded: Recorded, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """It started on the first camera listed, with no recording, and the first Send failed."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.views.handoff_dialog import HandoffDialog

    window, camera = scrub_window_on_an_incident(recorded, tmp_path, qtbot, "HD", "http://127.0.0.1:9", True)
    qtbot.waitUntil(lambda: window.cameras_shown() == [camera.id], timeout=20_000)
    QTest.keyClick(window, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: window.findChild(HandoffDialog) is not None, timeout=5_000)
    dialog = window.findChild(HandoffDialog)
    assert dialog.camera.count() == 2 and dialog.camera.currentData() == camera.id
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    window.close()


def test_a_bookmark_is_sent_to_officers_with_its_camera_and_note(  # type: ignore[no-untyped-def]
    recorded: Recorded, tmp_path: Path, qtbot
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.views.handoff_dialog import HandoffDialog
    from tests.gui.conftest import answer_next_dialog, type_and_enter

    window, camera = scrub_window_on_an_incident(recorded, tmp_path, qtbot, "HB", "http://127.0.0.1:9")
    answered = answer_next_dialog(type_and_enter("Man in red jacket enters"))
    QTest.keyClick(window, Qt.Key.Key_B)  # the operator bookmarks the moment with a note
    qtbot.waitUntil(lambda: bool(answered), timeout=5_000)
    marked = window.position
    QTest.keyClick(window, Qt.Key.Key_Left)  # later, elsewhere on the timeline
    assert window.position != marked
    QTest.keyClick(window, Qt.Key.Key_N)  # next bookmark
    assert window.position == marked and "Man in red jacket enters" in window.statusBar().currentMessage()
    QTest.keyClick(window, Qt.Key.Key_N)
    assert window.position == marked and "No bookmark after" in window.statusBar().currentMessage()
    QTest.keyClick(window, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: window.findChild(HandoffDialog) is not None, timeout=5_000)
    dialog = window.findChild(HandoffDialog)
    assert dialog.note.text() == "Man in red jacket enters" and dialog.camera.currentData() == camera.id
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    window.close()


def test_the_incident_dock_lists_its_hand_offs_and_revokes_a_link(  # type: ignore[no-untyped-def]
    recorded: Recorded, tmp_path: Path, qtbot
) -> None:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from app.console.session import workstation_session
    from app.views.main_window import ConsoleInfo, MainWindow
    from tests.presses import answer_dialog, wait_answered

    sessions = recorded.sessions()
    registry = Registry(sessions)
    camera = registry.get(recorded.camera_id)
    middle = recorded.segments[1].start_at + timedelta(seconds=1)
    number = f"HD-{tmp_path.name[-6:]}"
    store = IncidentStore(sessions)
    incident = store.create(IncidentInput(number, "robbery", middle, "UTC", camera.latitude, camera.longitude,
                                          200.0), [(camera.id, True, "in view")])  # fmt: skip
    made = use_cases.hand_off(sessions, OFFICER_DESK, recorded.root, tmp_path / "mdt",
                              HandoffRequest(incident.id, camera.id, middle, "still"), "UTC")  # fmt: skip
    state = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(registry, ConsoleInfo("Database: test"), state, incidents=store,
                        session=workstation_session(sessions))  # fmt: skip
    qtbot.addWidget(window)
    window.show()
    window.incidents_ui.reopen(store.get(incident.id))
    panel = window.incident_panel
    qtbot.waitUntil(lambda: panel.handoffs.count() == 1, timeout=10_000)
    line = panel.handoffs.item(0).text()
    assert (
        "still" in line
        and made.path.name in line
        and "not opened yet" in line
        and str(tmp_path / "mdt") in line
    )
    rect = panel.handoffs.visualItemRect(panel.handoffs.item(0))
    QTest.mouseClick(panel.handoffs.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.revoke_button.isEnabled()
    # It asks first: Cancel leaves the link working.
    kept = answer_dialog(accept=False)
    QTest.mouseClick(panel.revoke_button, Qt.MouseButton.LeftButton)
    wait_answered(qtbot, kept)
    assert kept.title == "Revoke the link" and "not opened yet" in panel.handoffs.item(0).text()
    assert panel.revoke_button.isEnabled() and panel.revoke_button.text() == "Revoke the link"
    confirmed = answer_dialog(press="Revoke the link")
    QTest.mouseClick(panel.revoke_button, Qt.MouseButton.LeftButton)
    wait_answered(qtbot, confirmed)
    assert any("Stop the officers' link to" in t for t in confirmed.texts)
    qtbot.waitUntil(lambda: "revoked" in panel.handoffs.item(0).text(), timeout=10_000)
    assert not panel.revoke_button.isEnabled() and panel.revoke_button.text() == "Revoke the link"
    # Said in the status bar (another desk's news may follow it there; the message log keeps it).
    assert any("The link was revoked" in text for _at, text in window.messages.log)
    window.close()


def test_the_handoff_benchmark_times_a_fifteen_second_clip() -> None:
    from app.bench.handoff_bench import run_handoff_bench

    figures = run_handoff_bench(repeat=1, width=640, height=360)
    assert figures["clip_s"] == 15 and 0 < figures["ready_s_median"] <= figures["ready_s_max"]
    assert figures["clip_mb_median"] > 0
