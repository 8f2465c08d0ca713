"""Camera credentials in the OS keyring, and only there.

The database stores URLs without ``user:password@``; the secret is kept under the camera's
stable uid and injected into the URL only when a stream is opened. A machine without a usable
keyring gets a clear error: this module never falls back to a plaintext file on its own. A
plaintext or other "alt" backend is accepted only when the operator chose it explicitly
(``PYTHON_KEYRING_BACKEND`` or a keyringrc file).
"""

from __future__ import annotations

import contextlib
import json
import os
from urllib.parse import quote, urlsplit, urlunsplit

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringError

SERVICE = "rtcc-console"

ENABLE_HINT = (
    "Start a Secret Service (GNOME Keyring or KWallet) in this session, or choose a backend "
    "explicitly, e.g. `pip install keyrings.alt` and set "
    "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring."
)


class KeyringUnavailable(RuntimeError):
    """No keyring backend can hold camera credentials on this machine."""


def _backends(kr: KeyringBackend) -> list[KeyringBackend]:
    inner = getattr(kr, "backends", None)
    return list(inner) if inner else [kr]


def _explicitly_chosen() -> bool:
    return bool(os.environ.get("PYTHON_KEYRING_BACKEND")) or keyring.core.load_config() is not None


def check_keyring() -> KeyringBackend:
    """Return the usable backend or raise :class:`KeyringUnavailable` saying how to enable one."""
    kr = keyring.get_keyring()
    usable = [b for b in _backends(kr) if not isinstance(b, fail.Keyring)]
    if not usable:
        raise KeyringUnavailable(f"No OS keyring is available to store camera credentials. {ENABLE_HINT}")
    if not _explicitly_chosen() and all(type(b).__module__.startswith("keyrings.alt") for b in usable):
        raise KeyringUnavailable(
            "Only a file-based keyring was found and it was not chosen explicitly; camera "
            f"credentials are not stored in files by default. {ENABLE_HINT}"
        )
    return kr


def _key(camera_uid: str, stream: str) -> str:
    return f"{camera_uid}/{stream}"


def store(camera_uid: str, stream: str, username: str, password: str) -> None:
    kr = check_keyring()
    try:
        kr.set_password(SERVICE, _key(camera_uid, stream), json.dumps({"u": username, "p": password}))
    except KeyringError as exc:
        raise KeyringUnavailable(
            f"The keyring refused to store a camera credential ({type(exc).__name__})."
        ) from exc


def load(camera_uid: str, stream: str) -> tuple[str, str] | None:
    kr = check_keyring()
    raw = kr.get_password(SERVICE, _key(camera_uid, stream))
    if raw is None:
        return None
    data = json.loads(raw)
    return str(data["u"]), str(data["p"])


def forget(camera_uid: str) -> None:
    try:
        kr = check_keyring()
    except KeyringUnavailable:
        return
    for stream in ("main", "sub"):
        with contextlib.suppress(KeyringError):
            kr.delete_password(SERVICE, _key(camera_uid, stream))


def inject(url: str, camera_uid: str, stream: str) -> str:
    """The URL to open at play time: credentials from the keyring put back, if there are any."""
    creds = load(camera_uid, stream)
    if creds is None:
        return url
    user, password = creds
    parts = urlsplit(url)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
