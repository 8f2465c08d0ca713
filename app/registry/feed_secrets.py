"""A dispatch feed's shared secret: the HMAC key its calls are signed with.

Kept in the OS keyring where there is one. The intake usually runs on a headless server with
none, so there, as the agency's signing key is, it is kept in ``feed-secrets/FEED.secret`` in the
data folder, readable by its owner only (0600, in a 0700 folder) and refused if anyone else can
read it. A secret in the keyring wins over a file.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

from keyring.errors import KeyringError

from app.registry.credentials import SERVICE, KeyringUnavailable, check_keyring
from app.registry.formats import atomic_write

FEED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
FOLDER = "feed-secrets"


class FeedSecretError(RuntimeError):
    """A feed's secret cannot be kept or read; the message says where and why."""


def _entry(feed: str) -> str:
    if not FEED_NAME.match(feed):
        raise FeedSecretError(
            f"feed name {feed!r}: 1-40 letters, digits, '.', '_' or '-', a letter or digit first"
        )
    return f"dispatch-feed/{feed}"


def secret_file(data_dir: Path, feed: str) -> Path:
    _entry(feed)
    return data_dir / FOLDER / f"{feed}.secret"


def store_feed_secret(feed: str, secret: str, data_dir: Path | None = None) -> str:
    """Keep the secret (replacing the feed's old one); returns where it is kept."""
    entry = _entry(feed)
    try:
        kr = check_keyring()
    except KeyringUnavailable:
        if data_dir is None:
            raise FeedSecretError(
                "no OS keyring on this machine to keep feed secrets, and no data folder"
            ) from None
        return _store_in_file(secret_file(data_dir, feed), secret)
    try:
        kr.set_password(SERVICE, entry, secret)
    except KeyringError as exc:
        raise FeedSecretError(
            f"the keyring refused to keep feed {feed}'s secret ({type(exc).__name__})"
        ) from exc
    return f"the OS keyring ({SERVICE}/{entry})"


def load_feed_secret(feed: str, data_dir: Path | None = None) -> bytes | None:
    """The feed's secret, or None when it has none here."""
    entry = _entry(feed)
    try:
        stored = check_keyring().get_password(SERVICE, entry)
    except KeyringUnavailable:
        stored = None
    except KeyringError as exc:
        raise FeedSecretError(
            f"cannot read feed {feed}'s secret from the keyring ({type(exc).__name__})"
        ) from exc
    if stored:
        return stored.encode()
    if data_dir is None:
        return None
    path = secret_file(data_dir, feed)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        mode = f"{stat.S_IMODE(info.st_mode):04o}"
        raise FeedSecretError(f"feed {feed}'s secret file {path} can be read by others (mode {mode}): "
                              f"chmod 600 {path}, or set a new secret")  # fmt: skip
    text = path.read_text(encoding="utf-8").strip()
    return text.encode() if text else None


def _store_in_file(path: Path, secret: str) -> str:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(path, [secret + "\n"])  # 0600, whole or not at all
    return f"the file {path} (readable by its owner only)"
