"""Calls dropped as files: ``FOLDER/FEED/incoming/*.json``, each taken once.

A CAD system that can only write files drops them here (finished files only: it writes
``NAME.json.part`` and renames it). The folder is trusted no further than the files in it:

- only regular files are taken: a symbolic link (which could point at any file the service may
  read), a FIFO (which blocked the only scanner), a device or a folder is refused unread;
- the size is checked before a byte is read (a 1.5 GB file was read whole);
- a file changed in the last :data:`SETTLE_S` seconds is left for the next scan, so one still
  being written is not read half-way;
- each file is moved to ``done/`` or to ``refused/`` beside ``NAME.reason.txt`` saying why.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from app.incidents.dispatch import MAX_BODY_BYTES, CallRefused
from app.incidents.dispatch_intake import Received
from app.periodic import Periodic

log = logging.getLogger(__name__)

SETTLE_S = 1.0  # a file untouched this long is finished


class Taker(Protocol):
    @property
    def feeds(self) -> Mapping[str, object]: ...

    def take(self, feed: str, body: bytes, digest: str | None) -> Received: ...


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def read_dropped(path: Path, now: float | None = None) -> bytes | None:
    """The file's bytes, None while it may still be written; :class:`CallRefused` with the
    reason for anything that is not a finished, regular file of a call's size."""
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise CallRefused(f"{path.name} is {_kind(info.st_mode)}, not a regular file; it was not read")
    if info.st_size > MAX_BODY_BYTES:
        raise CallRefused(f"{path.name} is {info.st_size} bytes; at most {MAX_BODY_BYTES} are accepted", 413)
    if (now if now is not None else time.time()) - info.st_mtime < SETTLE_S:
        return None
    # Opened without following a link and without blocking, then checked again: the name may
    # have been swapped for something else since the check above.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise CallRefused(f"{path.name} changed while it was being read; it was not taken")
        body = handle.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise CallRefused(f"{path.name} grew past {MAX_BODY_BYTES} bytes while it was read", 413)
    return body


class FolderWatch:
    def __init__(self, intake: Taker, folder: Path, every_s: float = 1.0) -> None:
        self.intake = intake
        self.folder = folder
        self._periodic = Periodic("dispatch folder", every_s, self.scan, wait_first=False)

    def start(self) -> None:
        for feed in self.intake.feeds:
            for sub in ("incoming", "done", "refused"):
                (self.folder / feed / sub).mkdir(parents=True, exist_ok=True)
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop(5)

    def scan(self) -> None:
        for feed in self.intake.feeds:
            incoming = self.folder / feed / "incoming"
            for path in sorted(incoming.glob("*.json")):
                self._take(feed, path)

    def _take(self, feed: str, path: Path) -> None:
        try:
            body = read_dropped(path)
            if body is None:
                return  # still being written: the next scan
            received = self.intake.take(feed, body, None)
            log.info("dispatch folder %s: %s %s", feed, received.outcome, received.incident.number)
            path.replace(self.folder / feed / "done" / path.name)
        except CallRefused as exc:
            self._refuse(feed, path, exc.reason)
        except FileNotFoundError:
            pass  # taken away meanwhile
        except Exception as exc:  # the database away: leave the file for the next scan
            log.warning("dispatch folder %s: %s not taken yet: %s", feed, path.name, exc)

    def _refuse(self, feed: str, path: Path, reason: str) -> None:
        target = self.folder / feed / "refused" / path.name
        try:
            path.replace(target)  # a rename: a link, a FIFO or a device moves without being opened
            target.with_suffix(".reason.txt").write_text(reason + "\n", encoding="utf-8")
        except OSError as exc:
            log.error("dispatch folder %s: %s refused (%s) but not moved: %s", feed, path.name, reason, exc)
        log.warning("dispatch folder %s: %s refused: %s", feed, path.name, reason)
