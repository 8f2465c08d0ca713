"""Evidence export from recorded simulator video: a verified, signed package with custody, and
every kind of tampering, a full target and a malicious zip caught."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import warnings
import zipfile
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import IO

import av
import pytest
from sqlalchemy import select

from app.console.session import workstation_session
from app.evidence.cases import CaseError, CaseStore
from app.evidence.export import ExportCancelled, ExportError, ExportOptions, export_case
from app.evidence.verify import verify_package
from app.models.db import open_database
from app.models.tables import CustodyEvent
from app.video.retention import apply_retention
from tests.e2e.conftest import Recorded

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def chosen_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    # The file keyring is the operator's explicit choice here (the autouse isolation clears it).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def make_case(rec: Recorded, number: str, bookmark: bool = True) -> tuple[CaseStore, int, int]:
    store = CaseStore(rec.sessions())
    case_id = store.create(number, "Burglary at the lobby", "<script>alert(1)</script> suspect seen")
    first, last = rec.segments[1], rec.segments[2]
    start = first.start_at + timedelta(seconds=0.6)  # mid-segment: the copy starts at a keyframe before
    end = last.start_at + timedelta(seconds=1.0)
    window_id = store.add_window(case_id, rec.camera_id, start, end, "suspect enters")
    if bookmark:
        store.add_bookmark(case_id, rec.camera_id, first.start_at + timedelta(seconds=1), "face visible")
    return store, case_id, window_id


@pytest.fixture(scope="module")
def package(recorded: Recorded, signing_keyring: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    _, case_id, _ = make_case(recorded, "LAPD-2026-0042")
    target = tmp_path_factory.mktemp("usb")
    before = tree_hashes(recorded.root)
    result = export_case(recorded.sessions(), case_id, recorded.root, target)
    assert tree_hashes(recorded.root) == before  # the recordings are never modified
    assert result.verdict.status == "valid"
    return result.path


def copy_of(package: Path, tmp_path: Path) -> Path:
    dest = tmp_path / package.name
    shutil.copytree(package, dest)
    return dest


def test_the_package_holds_originals_working_copy_stills_and_verifies(
    package: Path, recorded: Recorded
) -> None:
    verdict = verify_package(package)
    assert verdict.status == "valid" and verdict.exit_code == 0, verdict.summary()
    manifest = json.loads((package / "manifest.json").read_text())
    # Originals are bit-exact copies of the recorded segments that overlap the window.
    originals = [f for f in manifest["files"] if f["kind"] == "original"]
    assert len(originals) >= 2
    for f in originals:
        source = recorded.root / f["path"].removeprefix("originals/")
        assert (package / f["path"]).read_bytes() == source.read_bytes()
    # The working copy starts at the keyframe at or before the in mark and plays.
    window = manifest["windows"][0]
    assert window["actual_start"] <= window["requested_start"] < window["requested_end"]
    assert window["actual_end"] <= window["requested_end"]
    with av.open(str(package / window["working_copy"])) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == window["frames"] and frames >= 15  # over a second of 15 fps video
    working = next(f for f in manifest["files"] if f["kind"] == "working copy")
    assert {s["sha256"] for s in working["sources"]} <= {f["sha256"] for f in originals}
    assert (package / manifest["bookmarks"][0]["still"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert manifest["cameras"][0]["name"] == "lobby" and "fov_deg" in manifest["cameras"][0]
    assert manifest["software"]["tools"]["pyav"] == av.__version__
    # Custody from "recorded" through "placed in case" and "exported" for every original.
    events = [json.loads(line) for line in (package / "custody.jsonl").read_text().splitlines()]
    for f in originals:
        actions = [e["action"] for e in events if e["item"] == f["item"]]
        assert actions[0] == "recorded" and "placed in case" in actions and actions[-1] == "exported"
    # Standard tools agree: sha256sum, and OpenSSL for the signature.
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=package).returncode == 0
    # VERIFY.txt says how, in plain text; its commands run as written and agree with rtcc verify.
    instructions = (package / "VERIFY.txt").read_text()
    assert "VERIFY.txt" in {f["path"] for f in manifest["files"]}
    commands = [line.strip() for line in instructions.splitlines() if line.startswith("   ")
                and line.strip().startswith(("sha256sum ", "openssl "))]  # fmt: skip
    assert len(commands) == 3
    outputs = []
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=package, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (command, done.stderr)
        outputs.append(done.stdout)
    assert all(line.endswith(": OK") for line in outputs[0].splitlines())
    assert "Signature Verified Successfully" in outputs[1]
    der_fingerprint = outputs[2].split()[0]
    assert (
        der_fingerprint
        == verdict.fingerprint.replace(" ", "")
        == manifest["signing_key"]["fingerprint"].replace(" ", "")
    )
    assert der_fingerprint in instructions
    # The report shows the custody trail and key, and no script from the case notes is active.
    report = (package / "report.html").read_text()
    assert verdict.fingerprint in report and "placed in case" in report
    assert "<script>" not in report and "&lt;script&gt;" in report
    # After the write was verified, the database records the copy and the verification.
    with recorded.sessions()() as s:
        actions = set(s.scalars(select(CustodyEvent.action)))
    assert {"copied", "verified"} <= actions


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _drop_custody_line(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    del lines[1]
    path.write_text("".join(lines))


TAMPERS = {
    "byte flipped in an original": (lambda p: _flip_byte(next((p / "originals").rglob("*.mkv"))), 1),
    "byte flipped in the working copy": (lambda p: _flip_byte(next((p / "working").glob("*.mp4"))), 1),
    "manifest edited": (
        lambda p: (p / "manifest.json").write_text(
            (p / "manifest.json").read_text().replace("Burglary", "Robbery")
        ),
        1,
    ),
    "custody line removed": (lambda p: _drop_custody_line(p / "custody.jsonl"), 1),
    "extra file added": (lambda p: (p / "originals" / "extra.mkv").write_bytes(b"planted"), 1),
    "signature replaced": (lambda p: (p / "manifest.json.sig").write_bytes(bytes(64)), 1),
    "file removed": (lambda p: (p / "report.html").unlink(), 2),
    "left unfinished": (lambda p: (p / "INCOMPLETE").write_text("export in progress"), 2),
}


def test_a_package_from_before_the_der_fingerprint_still_verifies(
    package: Path, tmp_path: Path, signing_keyring: None
) -> None:
    """Older packages name the SHA-256 of the raw key; verification accepts it (and a trust list
    written with it), but a fingerprint of another key is still refused."""
    from app.evidence.signing import agency_key, legacy_fingerprint, sign

    old = copy_of(package, tmp_path)
    key = agency_key().key
    manifest = json.loads((old / "manifest.json").read_text())
    manifest["signing_key"]["fingerprint"] = legacy_fingerprint(key.public_key())
    data = json.dumps(manifest, indent=2, sort_keys=True).encode()
    (old / "manifest.json").write_bytes(data)
    (old / "manifest.json.sig").write_bytes(sign(data, key))
    sums = [line for line in (old / "SHA256SUMS").read_text().splitlines() if not line.endswith(".json")
            and not line.endswith(".sig")]  # fmt: skip
    signature = (old / "manifest.json.sig").read_bytes()
    sums += [f"{hashlib.sha256(data).hexdigest()}  manifest.json",
             f"{hashlib.sha256(signature).hexdigest()}  manifest.json.sig"]  # fmt: skip
    (old / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    assert verify_package(old).status == "valid", verify_package(old).summary()
    assert verify_package(old, trusted={legacy_fingerprint(key.public_key())}).status == "valid"
    assert verify_package(old, trusted={"0000 " * 15 + "0000"}).status == "tampered"


@pytest.mark.parametrize("tamper", TAMPERS)
def test_every_tamper_is_detected_with_its_exit_code(package: Path, tmp_path: Path, tamper: str) -> None:
    altered = copy_of(package, tmp_path)
    change, code = TAMPERS[tamper]
    change(altered)
    verdict = verify_package(altered)
    assert verdict.status != "valid" and verdict.exit_code == code, verdict.summary()


def test_rtcc_verify_prints_the_verdict_and_exits_with_its_code(package: Path, tmp_path: Path) -> None:
    from app.cli import main

    assert main(["verify", str(package)]) == 0
    altered = copy_of(package, tmp_path)
    _flip_byte(altered / "custody.jsonl")
    assert main(["verify", str(altered)]) == 1
    assert main(["verify", str(tmp_path / "nothing-here")]) == 2


def test_rtcc_export_records_the_workstations_time_zone(
    recorded: Recorded, signing_keyring: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package exported from the command line once carried an empty zone, and its report said
    "local time zone ." where a reader needs to know how to read the times."""
    from app.cli import main

    make_case(recorded, "CLI-ZONE-1", bookmark=False)
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    monkeypatch.setenv("RTCC_RECORDINGS_DIR", str(recorded.root))
    usb = tmp_path / "usb"
    usb.mkdir()
    assert main(["--database", recorded.url, "export", "CLI-ZONE-1", "--to", str(usb)]) == 0
    (package,) = usb.iterdir()
    manifest = json.loads((package / "manifest.json").read_text())
    assert manifest["time_zone"] == "America/Los_Angeles"
    assert "local time zone America/Los_Angeles" in (package / "report.html").read_text()
    assert verify_package(package).status == "valid"


def test_a_zipped_package_verifies_and_a_malicious_zip_is_refused(package: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as z:
        for p in sorted(package.rglob("*")):
            if p.is_file():
                z.write(p, f"{package.name}/{p.relative_to(package).as_posix()}")
    assert verify_package(good).status == "valid"
    for name, entry in (("slip.zip", "../../escaped.txt"), ("abs.zip", "/tmp/escaped.txt")):
        evil = tmp_path / name
        with zipfile.ZipFile(evil, "w") as z:
            z.writestr(entry, "owned")
        verdict = verify_package(evil)
        assert verdict.status == "tampered" and "unsafe" in verdict.summary()
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as z:
        info = zipfile.ZipInfo("pkg/manifest.json")
        info.external_attr = 0o120777 << 16  # a symbolic link to /etc/passwd
        z.writestr(info, "/etc/passwd")
    assert "symbolic link" in verify_package(link).summary()
    assert not (tmp_path.parent / "escaped.txt").exists() and not Path("/tmp/escaped.txt").exists()


def test_zip_verdicts_follow_what_each_entry_is_and_name_the_entry(package: Path, tmp_path: Path) -> None:
    """An intact package re-zipped with writestr (permission bits, no file type) was called a
    'device or special file'; a changed byte inside a zipped media file was INCOMPLETE (Bad
    CRC-32) instead of TAMPERED; a NUL in an entry's name hid the entry behind a harmless one."""
    from app.cli import main

    files = [p for p in sorted(package.rglob("*")) if p.is_file()]
    rezipped = tmp_path / "rezipped.zip"
    with zipfile.ZipFile(rezipped, "w", zipfile.ZIP_DEFLATED) as z:
        for p in files:
            info = zipfile.ZipInfo(f"{package.name}/{p.relative_to(package).as_posix()}")
            info.create_system = 3
            info.external_attr = 0o644 << 16  # permission bits only, as writestr users set them
            z.writestr(info, p.read_bytes())
    assert verify_package(rezipped).status == "valid", verify_package(rezipped).summary()

    media = next(p for p in files if p.suffix == ".mkv")
    inside = f"{package.name}/{media.relative_to(package).as_posix()}"
    stored = tmp_path / "stored.zip"
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as z:
        for p in files:
            z.write(p, f"{package.name}/{p.relative_to(package).as_posix()}")
    data = bytearray(stored.read_bytes())
    with zipfile.ZipFile(stored) as z:
        info = z.getinfo(inside)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.file_size // 2] ^= 0xFF  # one byte of the media file, inside the zip
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(data))
    verdict = verify_package(flipped)
    assert verdict.status == "tampered" and inside in verdict.summary() and "CRC-32" in verdict.summary()
    assert main(["verify", str(flipped)]) == 1

    for name, entries, rule in (
        ("nul.zip", [("pkg/report.html\0/../../escaped", "x")], "NUL byte"),
        ("twice.zip", [("pkg/manifest.json", "{}"), ("pkg/manifest.json", "{}")], "appears twice"),
        ("slip.zip", [("pkg/a.txt", "ok"), ("pkg/../../escaped.txt", "x")], "'pkg/../../escaped.txt'"),
    ):
        evil = tmp_path / name
        with zipfile.ZipFile(evil, "w") as z, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate this test writes
            for entry, content in entries:
                zinfo = zipfile.ZipInfo("pkg/placeholder")
                zinfo.filename = entry  # written raw, as a hostile tool would
                z.writestr(zinfo, content)
        verdict = verify_package(evil)
        assert verdict.status == "tampered" and rule in verdict.summary(), (name, verdict.summary())


def test_a_symlink_inside_a_package_folder_is_refused(package: Path, tmp_path: Path) -> None:
    altered = copy_of(package, tmp_path)
    (altered / "originals" / "passwd").symlink_to("/etc/passwd")
    verdict = verify_package(altered)
    assert verdict.status == "tampered" and "symbolic link" in verdict.summary()


class FillsUp:
    """A target that runs out of space after a budget of bytes, as a small USB stick does."""

    def __init__(self, budget: int) -> None:
        self.left = budget

    def open(self, path: Path) -> IO[bytes]:
        fh = path.open("xb")
        real_write = fh.write

        def write(data: bytes) -> int:  # type: ignore[override]
            if len(data) > self.left:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.left -= len(data)
            return real_write(data)

        fh.write = write  # type: ignore[method-assign]
        return fh


def test_a_target_that_fills_up_leaves_an_incomplete_package_and_intact_source(
    recorded: Recorded, signing_keyring: None, tmp_path: Path
) -> None:
    _, case_id, _ = make_case(recorded, "FULL-1", bookmark=False)
    before = tree_hashes(recorded.root)
    first_size = recorded.segments[1].size_bytes
    with pytest.raises(ExportError, match="full"):
        export_case(
            recorded.sessions(),
            case_id,
            recorded.root,
            tmp_path,
            options=ExportOptions(open_target=FillsUp(first_size + 1000).open),
        )
    partial = next(tmp_path.glob("*.partial"))
    assert "full" in (partial / "INCOMPLETE").read_text()
    assert verify_package(partial).exit_code == 2
    assert tree_hashes(recorded.root) == before
    with recorded.sessions()() as s:
        assert "export failed" in set(s.scalars(select(CustodyEvent.action)))


@pytest.mark.skipif(
    os.geteuid() != 0, reason="mounting a small tmpfs needs root; the injected fault above runs everywhere"
)
def test_a_real_small_filesystem_that_fills_up(
    recorded: Recorded, signing_keyring: None, tmp_path: Path
) -> None:
    _, case_id, _ = make_case(recorded, "FULL-2", bookmark=False)
    stick = tmp_path / "stick"
    stick.mkdir()
    size_kb = max(64, recorded.segments[1].size_bytes // 1024 + 16)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(stick)]).returncode:
        pytest.fail("root could not mount a tmpfs")
    try:
        before = tree_hashes(recorded.root)
        # The space check alone would refuse this stick; pretend it is larger to reach the real ENOSPC.
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(shutil, "disk_usage", lambda _p: shutil._ntuple_diskusage(1 << 40, 0, 1 << 40))  # type: ignore[attr-defined]
            with pytest.raises(ExportError, match="full"):
                export_case(recorded.sessions(), case_id, recorded.root, stick)
        # Nothing stays open on the full device: the operator can eject it at once.
        open_files = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                      if os.path.exists(f"/proc/self/fd/{fd}")]  # fmt: skip
        assert not [f for f in open_files if f.startswith(str(stick))]
        partial = next(stick.glob("*.partial"))
        assert verify_package(partial).exit_code == 2
        assert tree_hashes(recorded.root) == before
    finally:
        if subprocess.run(["umount", str(stick)]).returncode:
            subprocess.run(["umount", "-l", str(stick)])


def test_not_enough_space_is_refused_before_writing(
    recorded: Recorded, signing_keyring: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, case_id, _ = make_case(recorded, "FULL-3", bookmark=False)
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: shutil._ntuple_diskusage(10_000, 9_000, 1_000))  # type: ignore[attr-defined]
    with pytest.raises(ExportError, match="not enough space"):
        export_case(recorded.sessions(), case_id, recorded.root, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cancel_stops_the_export_and_marks_it_incomplete(
    recorded: Recorded, signing_keyring: None, tmp_path: Path
) -> None:
    _, case_id, _ = make_case(recorded, "CANCEL-1", bookmark=False)
    cancel = threading.Event()
    seen = []

    def progress(p: object) -> None:
        seen.append(p)
        cancel.set()

    with pytest.raises(ExportCancelled):
        export_case(recorded.sessions(), case_id, recorded.root, tmp_path, progress=progress, cancel=cancel)
    assert seen and "cancelled" in next(tmp_path.glob("*.partial")).joinpath("INCOMPLETE").read_text()


def test_a_segment_altered_on_disk_is_not_exported(
    recorded: Recorded, signing_keyring: None, tmp_path: Path
) -> None:
    store = CaseStore(recorded.sessions())
    case_id = store.create("ALTERED-1")
    last = recorded.segments[-1]
    store.add_window(case_id, recorded.camera_id, last.start_at, last.end_at)
    path = recorded.root / last.path
    original = path.read_bytes()
    try:
        _flip_byte(path)
        with pytest.raises(ExportError, match="altered on disk"):
            export_case(recorded.sessions(), case_id, recorded.root, tmp_path)
    finally:
        path.write_bytes(original)


@pytest.mark.sqlite_only  # copies the SQLite file; retention on PostgreSQL: tests/unit/test_retention.py
def test_a_case_holds_its_footage_against_retention(recorded: Recorded, tmp_path: Path) -> None:
    # On a copy of the database: retention here must not touch the module's other tests.
    copy = tmp_path / "copy.sqlite"
    with sqlite3.connect(recorded.url.removeprefix("sqlite:///")) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    sessions = open_database(f"sqlite:///{copy}")
    store = CaseStore(sessions)
    case_id = store.create("HOLD-1")
    seg = recorded.segments[0]
    window = store.add_window(case_id, recorded.camera_id, seg.start_at, seg.end_at)
    with pytest.raises(CaseError, match="no recording"):
        store.add_window(
            case_id, recorded.camera_id, seg.start_at - timedelta(days=3), seg.start_at - timedelta(days=2)
        )
    far_future = seg.end_at + timedelta(days=400)
    scratch = tmp_path / "scratch"  # retention deletes under this root only: the real files stay
    deleted = apply_retention(sessions, scratch, far_future)
    assert deleted and seg.id not in deleted  # everything else expired; the held segment stays
    with pytest.raises(CaseError, match="needs a reason"):
        store.remove_window(window, " ")
    assert store.remove_window(window, "entered in error, supervisor J. Doe") == 1
    assert seg.id in apply_retention(sessions, scratch, far_future)  # once lifted, retention applies
    with sessions() as s:
        actions = list(s.scalars(select(CustodyEvent.action).where(CustodyEvent.evidence_item_id == seg.id)))
    assert actions == ["recorded", "placed in case", "legal hold lifted", "deleted"]


@pytest.mark.parametrize("mode", ["native", "software"])
def test_the_review_window_verifies_first_and_plays_the_footage_in_lockstep(
    package: Path, tmp_path: Path, qtbot, mode: str
) -> None:  # type: ignore[no-untyped-def]
    """The review plays through the wall's player driver: in a native window, and painted by Qt
    where no native window can host libVLC (Wayland, macOS)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.evidence.review import sidecar_path
    from app.video.vlc_player import VlcEngine
    from app.views.review.window import ReviewWindow

    before = tree_hashes(package)
    window = ReviewWindow(package, VlcEngine(), mode=mode)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.review is not None, timeout=30_000)
    assert window.banner.text().startswith("VALID") and window.tabs.count() == 3
    footage = window.footage
    assert footage is not None and len(footage.tiles) == 1
    tile = footage.tiles[0]
    assert tile.mode == mode and tile.player is not None
    qtbot.waitUntil(lambda: all(t.player.time_ms() >= 0 for t in footage.tiles), timeout=10_000)
    qtbot.waitUntil(lambda: tile.player.state() == "paused", timeout=10_000)
    target = footage.start + timedelta(seconds=1)
    footage.seek(target)  # paused: the tile shows the frame at the new time
    qtbot.waitUntil(lambda: abs(tile.player.time_ms() - 1000) < 300, timeout=5_000)
    assert footage.clock.text().strip().startswith(f"{target:%Y-%m-%d %H:%M:%S}")
    QTest.mouseClick(footage.play_button, Qt.MouseButton.LeftButton)
    # (A busy two-core machine took over 5 s to resume libVLC painting in software.)
    qtbot.waitUntil(lambda: footage.position > target + timedelta(seconds=0.3), timeout=20_000)
    if mode == "software":  # the pictures reached the screen through Qt
        qtbot.waitUntil(lambda: tile.surface.painted > 0, timeout=20_000)  # type: ignore[attr-defined]
    QTest.mouseClick(footage.play_button, Qt.MouseButton.LeftButton)  # pause: the clock stops too
    assert not footage.playing and footage.play_button.text() == "Play"
    assert window.tabs.widget(2).rowCount() >= 3  # type: ignore[attr-defined]
    # Recording a review writes beside the package, never into it; the package still verifies.
    from app.evidence.review import record_review

    assert window.review is not None
    sidecar = record_review(window.review, "Det. R. Diaz", "defence disclosure")
    assert sidecar == sidecar_path(package) and sidecar.read_text().count('"reviewed"') >= 3
    assert tree_hashes(package) == before and verify_package(package).status == "valid"
    window.close()
    sidecar.unlink()

    altered = copy_of(package, tmp_path)
    _flip_byte(next((altered / "originals").rglob("*.mkv")))
    tampered = ReviewWindow(altered, None)
    qtbot.addWidget(tampered)
    qtbot.waitUntil(lambda: tampered.review is not None, timeout=30_000)
    assert tampered.banner.text().startswith("TAMPERED") and "a11d1d" in tampered.banner.styleSheet()
    tampered.close()


def test_a_paused_review_tile_resized_shows_its_whole_picture_again(package: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """libVLC's X11 output does not redraw a paused picture at a new size: a review tile resized
    while paused (a window still laying out on a busy machine) showed sheared rows, and the
    walkthrough waited in vain for a readable picture."""
    from app.video.barcode import decode
    from app.video.vlc_player import VlcEngine
    from app.views.review.window import ReviewWindow
    from app.views.wall.delay import picture_fit, surface_pixels

    window = ReviewWindow(package, VlcEngine(), mode="native")
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.footage is not None, timeout=30_000)
    footage = window.footage
    tile = footage.tiles[0]

    def whole_picture() -> bool:
        pixels = surface_pixels(tile.surface, False)
        if pixels is None:
            return False
        x, y, w, h = picture_fit(pixels.shape[1], pixels.shape[0])
        return decode(pixels[y : y + h, x : x + w]) is not None

    qtbot.waitUntil(lambda: tile.player.state() == "paused" and whole_picture(), timeout=30_000)
    for size in ((900, 1000), (1400, 700)):
        before = tile.surface.size()
        window.resize(*size)
        qtbot.waitUntil(lambda b=before: tile.surface.size() != b, timeout=5_000)
        qtbot.waitUntil(whole_picture, timeout=15_000)
        assert tile.player.state() == "paused" and not footage.playing
    window.close()


def test_the_review_window_steps_back_and_forth_and_saves_stills_beside_the_package(
    package: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """'◂ Frame' and ',' go one frame back (there was no way back), Ctrl+S saves the frame on
    screen as a PNG beside the package with a sidecar naming its source's hash; the package is
    unchanged and still verifies."""
    import json
    import shutil

    import cv2
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.evidence.review import stills_folder
    from app.video.barcode import decode
    from app.video.vlc_player import VlcEngine
    from app.views.review.window import ReviewWindow
    from tests.presses import button, click

    before = tree_hashes(package)
    window = ReviewWindow(package, VlcEngine())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.review is not None and window.footage is not None, timeout=30_000)
    footage = window.footage
    qtbot.waitUntil(lambda: footage.tiles[0].player.state() == "paused", timeout=10_000)
    footage.seek(footage.start + timedelta(seconds=1))
    at = footage.position
    click(button(footage, "review_frame_next"))
    click(button(footage, "review_frame_prev"))
    assert footage.position == at
    click(button(footage, "review_frame_prev"))
    assert timedelta(milliseconds=30) < at - footage.position < timedelta(milliseconds=100)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(footage, Qt.Key.Key_Comma)
    assert at - footage.position > timedelta(milliseconds=100)  # two frames back now

    QTest.keyClick(footage, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    folder = stills_folder(package)
    try:
        qtbot.waitUntil(lambda: "1 still(s) saved in" in window.statusBar().currentMessage(), timeout=10_000)
        png = next(folder.glob("*.png"))
        facts = json.loads(png.with_suffix(".json").read_text())
        clip = footage.tiles[0].clip
        assert facts["source_file"] == clip.path.relative_to(window.review.root).as_posix()
        assert facts["source_sha256"] == hashlib.sha256(clip.path.read_bytes()).hexdigest()
        assert facts["png_sha256"] == hashlib.sha256(png.read_bytes()).hexdigest()
        # The still is the frame on screen: its burned-in clock is the frame's recorded second.
        shown = decode(cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB))
        assert shown is not None
        assert abs(shown / 1000 - footage.position.timestamp()) < 1.0
        assert tree_hashes(package) == before and verify_package(package).status == "valid"
    finally:
        window.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_an_exact_derivative_blurs_masks_burns_the_watermark_and_names_its_sources(
    recorded: Recorded, signing_keyring: None, tmp_path: Path
) -> None:
    import cv2
    import numpy as np

    from app.evidence.media_cut import Mask

    _, case_id, _ = make_case(recorded, "EXACT-1", bookmark=False)
    options = ExportOptions(
        exact=True, watermark=True, masks={recorded.camera_id: [Mask(0.0, 0.0, 0.5, 0.2)]}
    )
    result = export_case(recorded.sessions(), case_id, recorded.root, tmp_path, options=options)
    assert result.verdict.status == "valid"
    manifest = json.loads((result.path / "manifest.json").read_text())
    window = manifest["windows"][0]
    assert window["requested_start"] <= window["actual_start"]  # exact: no earlier keyframe
    # The re-encode reports how far through the window it is, so the export's bar moves while it
    # runs (a watermarked export sat at 0 % for 40 s): fractions rise to the end of the window.
    from app.evidence.media_cut import SourceSegment, render_derivative

    heard: list[float] = []
    segs = recorded.segments[1:3]
    sources = [SourceSegment(recorded.root / seg.path, seg.start_at, seg.end_at) for seg in segs]  # type: ignore[arg-type]
    render_derivative(sources, segs[0].start_at, segs[-1].end_at, tmp_path / "derived.mp4", watermark="x",
                      progress=heard.append)  # type: ignore[arg-type]  # fmt: skip
    assert len(heard) >= 3 and heard == sorted(heard) and heard[-1] > 0.8, heard
    assert "re-encoded" in window["derivation"] and "privacy masks" in window["derivation"]
    working = next(f for f in manifest["files"] if f["kind"] == "working copy")
    originals = {f["path"]: f["sha256"] for f in manifest["files"] if f["kind"] == "original"}
    assert working["sources"] and all(originals[s["path"]] == s["sha256"] for s in working["sources"])

    def first_frame(path: Path) -> np.ndarray:
        with av.open(str(path)) as container:
            return next(container.decode(video=0)).to_ndarray(format="gray")

    derived = first_frame(result.path / window["working_copy"])
    source = first_frame(result.path / window["originals"][0])
    h, w = derived.shape
    # The camera's burned-in label sits top-left: sharp in the original, unreadable under the mask.
    sharp = cv2.Laplacian(source[: h // 5, : w // 2], cv2.CV_64F).var()
    masked = cv2.Laplacian(derived[: h // 5, : w // 2], cv2.CV_64F).var()
    assert masked * 10 < sharp
    # The watermark changes the bottom-left corner of every frame.
    corner = (slice(h - h // 8, h), slice(0, w // 3))
    assert np.abs(derived[corner].astype(int) - source[corner].astype(int)).mean() > 5


def test_the_export_dialog_exports_verifies_and_keeps_entries_on_error(
    recorded: Recorded, signing_keyring: None, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from app.views.export_dialog import ExportDialog
    from tests.presses import click

    make_case(recorded, "DIALOG-1", bookmark=False)
    dialog = ExportDialog(
        workstation_session(recorded.sessions()), recorded.root, "America/Los_Angeles", "NO-SUCH-CASE"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.target.setText(str(tmp_path))
    # On the box itself: the check box is stretched wider than its box and label.
    QTest.mouseClick(dialog.zip, Qt.MouseButton.LeftButton, pos=QPoint(8, dialog.zip.height() // 2))
    click(dialog.export_button)
    qtbot.waitUntil(lambda: "No case 'NO-SUCH-CASE'" in dialog.status.text(), timeout=10_000)
    assert dialog.target.text() == str(tmp_path) and dialog.zip.isChecked()  # nothing typed is lost
    dialog.case.lineEdit().selectAll()
    QTest.keyClicks(dialog.case.lineEdit(), "DIALOG-1")
    click(dialog.export_button)
    qtbot.waitUntil(
        lambda: dialog.export_result is not None or "failed" in dialog.status.text(), timeout=180_000
    )  # a whole export and its verification: over a minute on a busy machine
    assert dialog.export_result is not None, dialog.status.text()
    assert dialog.export_result.path.suffix == ".zip" and "VALID" in dialog.status.text()
    assert dialog.progress.value() == 1000
    dialog.verify(dialog.export_result.path)
    qtbot.waitUntil(lambda: dialog.verdict is not None, timeout=90_000)
    assert dialog.verdict is not None and dialog.verdict.status == "valid"


def test_export_benchmark_runs_a_valid_export_against_a_plain_copy(tmp_path: Path) -> None:
    """The throughput figures in the README come from this benchmark; it must keep working as the
    rules around cases change (a governance change once made it refuse its own sample cameras)."""
    from app.bench.export_bench import run_export_bench

    figures = run_export_bench(2, 2, repeat=1, workdir=tmp_path, segment_seconds=4)
    assert figures["segments"] == 4 and figures["original_bytes"] > 0
    # The package holds the originals and a working copy as large again.
    assert figures["package_bytes"] > figures["original_bytes"]
    assert figures["plain_copy_MBps"] > 0 and 0 < figures["ratio_export_to_plain"] < 5
    assert "verifying on the target" in figures["export_phase_s_median"]


def test_a_machine_with_no_keyring_exports_with_a_protected_key_file_and_says_so(
    recorded: Recorded, no_keyring: None, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """Out of the box on a headless machine: Export is pressed, the package is VALID, and the
    dialog names the 0600 key file that signed it (it used to fail: no keyring backend)."""
    import stat

    from app.evidence.signing import KEY_FILE_NAME
    from app.views.export_dialog import ExportDialog
    from tests.presses import click

    make_case(recorded, "NOKEYRING-1", bookmark=False)
    data = tmp_path / "data"
    session = workstation_session(recorded.sessions())
    dialog = ExportDialog(session, recorded.root, "America/Los_Angeles", "NOKEYRING-1", key_dir=data)
    qtbot.addWidget(dialog)
    dialog.show()
    (tmp_path / "usb").mkdir()
    dialog.target.setText(str(tmp_path / "usb"))
    click(dialog.export_button)
    finished = ("VALID", "failed")
    # A whole export and its verification: over a minute on a machine busy with other work.
    qtbot.waitUntil(lambda: any(w in dialog.status.text() for w in finished), timeout=180_000)
    assert "VALID" in dialog.status.text(), dialog.status.text()
    key_file = data / KEY_FILE_NAME
    assert f"Signed with the agency key in the file {key_file}" in dialog.status.text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # The whole message is on screen: the dialog grows to show it (a window's new size lands
    # when the X server confirms it, later on a busy machine).
    qtbot.waitUntil(lambda: dialog.status.height() >= dialog.status.heightForWidth(dialog.status.width()),
                    timeout=10_000)  # fmt: skip


def test_working_copies_play_at_an_even_pace_and_keep_each_frame_at_its_time(
    recorded: Recorded, tmp_path: Path
) -> None:
    """Working copies carried the arrival jitter of the recording (frames 63-70 ms apart at
    15 fps), which players show as uneven motion. Copies, stream-copied or re-encoded, now space
    frames evenly, and each still shows the moment the camera burned into it."""
    import statistics

    from app.evidence.media_cut import SourceSegment, render_derivative, trim_stream_copy
    from tests.helpers.clocks import clock_of

    segs = recorded.segments[1:3]
    sources = [SourceSegment(recorded.root / seg.path, seg.start_at, seg.end_at) for seg in segs]  # type: ignore[arg-type]
    for cut in (trim_stream_copy, render_derivative):
        out = tmp_path / f"{cut.__name__}.mp4"
        made = cut(sources, segs[0].start_at + timedelta(seconds=0.3), segs[-1].end_at, out)  # type: ignore[arg-type]
        with av.open(str(out)) as container:
            stream = container.streams.video[0]
            frames = [(float(f.pts * stream.time_base), f.to_ndarray(format="rgb24"))
                      for f in container.decode(stream)]  # fmt: skip
        times = [t for t, _ in frames]
        steps = [b - a for a, b in pairwise(times)]
        step = statistics.median(steps)
        assert abs(step - 1 / 15) < 0.002, (cut.__name__, step)
        # Whole steps only (to a tick); more than one step only where the camera sent no frame.
        assert all(abs(d / step - round(d / step)) < 0.01 for d in steps), (cut.__name__, sorted(set(steps)))
        assert sum(round(d / step) != 1 for d in steps) <= 2, cut.__name__
        # Each frame's place in the copy is the time the camera burned into it, within half a step
        # and the recording's own clock error (a few ms).
        for t, image in frames:
            shown_at = made.actual_start + timedelta(seconds=t - times[0])
            assert abs((clock_of(image) - shown_at).total_seconds()) < step / 2 + 0.015, cut.__name__
