"""The watched folder takes finished, regular files of a call's size, and nothing else: a link
to a file outside it, a FIFO, a huge file and one still being written are each refused (or left)
with the reason, unread, and the scanner goes on."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from app.incidents.dispatch import load_feeds
from app.intake.folder import SETTLE_S, FolderWatch
from app.intake.server import Intake
from app.registry.service import Registry

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "dispatch"


@pytest.fixture
def watch(city_registry: Registry, tmp_path: Path) -> FolderWatch:
    intake = Intake(city_registry.sessions, load_feeds(SAMPLES), {}.get, "America/Los_Angeles")
    folder = FolderWatch(intake, tmp_path / "intake")
    for sub in ("incoming", "done", "refused"):
        for feed in intake.feeds:
            (tmp_path / "intake" / feed / sub).mkdir(parents=True, exist_ok=True)
    return folder


def settled(path: Path) -> Path:
    old = time.time() - SETTLE_S - 5
    os.utime(path, (old, old), follow_symlinks=False)
    return path


def reason(watch: FolderWatch, name: str) -> str:
    return (watch.folder / "eido" / "refused" / name).with_suffix(".reason.txt").read_text()


def test_a_link_a_fifo_and_a_huge_file_are_refused_unread(watch: FolderWatch, tmp_path: Path) -> None:
    incoming = watch.folder / "eido" / "incoming"
    secret = tmp_path / "outside.json"  # a call the folder's writer may not drop, outside it
    secret.write_bytes((SAMPLES / "eido_sample.json").read_bytes())
    settled(secret)
    (incoming / "link.json").symlink_to(secret)
    settled(incoming / "link.json")
    os.mkfifo(incoming / "pipe.json")
    settled(incoming / "pipe.json")
    with open(incoming / "huge.json", "wb") as huge:  # 1.5 GB, sparse: no disk used
        huge.truncate(1_500_000_000)
    settled(incoming / "huge.json")

    scanner = threading.Thread(target=watch.scan, daemon=True)
    scanner.start()
    scanner.join(20)
    assert not scanner.is_alive(), "the FIFO blocked the scanner"
    assert "a symbolic link" in reason(watch, "link.json") and "not read" in reason(watch, "link.json")
    assert "a FIFO" in reason(watch, "pipe.json")
    assert "1500000000 bytes" in reason(watch, "huge.json")
    assert sorted(p.name for p in incoming.iterdir()) == []
    assert watch.intake.store.incidents.recent(5) == [], "nothing was taken from them"
    assert secret.read_bytes() == (SAMPLES / "eido_sample.json").read_bytes(), "the link's target untouched"


def test_a_file_still_being_written_waits_for_the_next_scan(watch: FolderWatch) -> None:
    incoming = watch.folder / "eido" / "incoming"
    call = incoming / "call.json"
    call.write_bytes((SAMPLES / "eido_sample.json").read_bytes()[:40])  # half-written, just now
    watch.scan()
    assert call.exists() and not (watch.folder / "eido" / "refused" / "call.json").exists()
    call.write_bytes((SAMPLES / "eido_sample.json").read_bytes())
    settled(call)  # finished, and untouched since
    watch.scan()
    assert (watch.folder / "eido" / "done" / "call.json").is_file()
    assert [i.number for i in watch.intake.store.incidents.recent(5)] == ["VN-261130-0088"]
