"""The agency's Ed25519 key that signs case-package manifests.

The private key lives in the OS keyring. A machine with none (a headless workstation or server)
keeps it instead in ``signing-key.pem`` in the data folder, created readable by its owner only
(0600) and refused if anyone else can read it; every export says which of the two signed it, and
``rtcc signing-key move-to-keyring`` moves a file key into a keyring once one is set up.

A package carries the public key and the signature; anyone can check it with
OpenSSL 3 (``openssl pkeyutl -verify -pubin -inkey signing-key.pub -rawin -in manifest.json
-sigfile manifest.json.sig``). The fingerprint (SHA-256 of the public key's DER form, in groups
of four hex digits; packages before it used the raw 32-byte key, which verification still accepts)
is printed on the report and in VERIFY.txt so a court can compare it with the one the agency
publishes: a package re-signed by someone else has a different fingerprint.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from keyring.errors import KeyringError

from app.governance import keys
from app.governance.keys import grouped
from app.registry.credentials import SERVICE, KeyringUnavailable, check_keyring

KEY_NAME = "evidence-signing-key/ed25519"
KEY_FILE_NAME = "signing-key.pem"


@dataclass(frozen=True)
class KeyKind:
    """Which key: its keyring entry, its file on a machine with no keyring, what to call it."""

    keyring_name: str
    file_name: str
    what: str


# The agency's key signs case packages and the audit log's checkpoints; a witness (another
# office that keeps and countersigns checkpoints) holds a key of its own, on its own machine.
AGENCY = KeyKind(KEY_NAME, KEY_FILE_NAME, "signing key")
WITNESS = KeyKind("audit-witness-key/ed25519", "witness-key.pem", "witness key")


class SigningError(RuntimeError):
    pass


def legacy_fingerprint(public: Ed25519PublicKey) -> str:
    """The fingerprint packages carried before: SHA-256 of the raw 32-byte key (still accepted)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return grouped(hashlib.sha256(raw).hexdigest())


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    try:
        return keys.load_public_pem(data)
    except keys.KeyProblem as exc:
        raise SigningError(str(exc)) from None


@dataclass(frozen=True)
class AgencyKey:
    key: Ed25519PrivateKey
    where: str  # said to the person exporting: "the OS keyring (...)" or "the file ... (0600)"
    file: Path | None = None  # set when the key lives in a file rather than a keyring
    created: bool = False


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _parse(pem: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except ValueError as exc:
        raise SigningError(f"{where} does not hold a readable private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{where} is not an Ed25519 key")
    return key


def _file_key(path: Path, create: bool, what: str = AGENCY.what) -> AgencyKey:
    where = f"the file {path} (readable by its owner only)"
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    if info is not None:
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SigningError(
                f"the {what} file {path} can be read by others (mode {stat.S_IMODE(info.st_mode):04o}); "
                f"make it its owner's only with `chmod 600 {path}`, or replace the key"
            )
        return AgencyKey(_parse(path.read_bytes(), f"the {what} file {path}"), where, path)
    if not create:
        raise SigningError(f"no {what}: no OS keyring on this machine and no key file {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use that one
        return _file_key(path, create=False, what=what)
    except OSError as exc:
        raise SigningError(f"cannot create the {what} file {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(_pem(key))
        out.flush()
        os.fsync(out.fileno())
    return AgencyKey(key, where, path, created=True)


def agency_key(data_dir: Path | None = None, create: bool = True, kind: KeyKind = AGENCY) -> AgencyKey:
    """The agency key (or another ``kind``): from the OS keyring, or (with no usable keyring and
    a ``data_dir``) from its protected file; created on first use when ``create`` is set."""
    name, what = kind.keyring_name, kind.what
    key_file = data_dir / kind.file_name if data_dir is not None else None
    try:
        kr = check_keyring()
    except KeyringUnavailable as exc:
        if key_file is None:
            raise SigningError(f"cannot reach the keyring that holds the {what}: {exc}") from None
        return _file_key(key_file, create, what)
    in_keyring = f"the OS keyring ({SERVICE}/{name})"
    try:
        stored = kr.get_password(SERVICE, name)
    except KeyringError as exc:
        raise SigningError(f"cannot read the {what} from the keyring: {exc}") from None
    if stored:
        return AgencyKey(_parse(stored.encode(), f"the keyring entry {SERVICE}/{name}"), in_keyring)
    if key_file is not None and key_file.exists():
        # Made before this machine had a keyring: keep signing with it until it is moved.
        return _file_key(key_file, create=False, what=what)
    if not create:
        raise SigningError(f"no {what} in the keyring ({SERVICE}/{name})")
    key = Ed25519PrivateKey.generate()
    try:
        kr.set_password(SERVICE, name, _pem(key).decode())
    except KeyringError as exc:
        raise SigningError(f"cannot store the new {what} in the keyring: {exc}") from None
    return AgencyKey(key, in_keyring, created=True)


def signing_key(create: bool = True, data_dir: Path | None = None) -> Ed25519PrivateKey:
    return agency_key(data_dir, create).key


def move_to_keyring(data_dir: Path) -> AgencyKey:
    """Move the key file's key into the keyring (read back before the file is removed)."""
    key_file = data_dir / KEY_FILE_NAME
    held = _file_key(key_file, create=False)
    try:
        kr = check_keyring()
        if kr.get_password(SERVICE, KEY_NAME):
            raise SigningError(
                f"the keyring already holds a signing key ({SERVICE}/{KEY_NAME}); the file {key_file} "
                "was left as it is"
            )
        kr.set_password(SERVICE, KEY_NAME, _pem(held.key).decode())
        stored = kr.get_password(SERVICE, KEY_NAME) or ""
    except (KeyringUnavailable, KeyringError) as exc:
        raise SigningError(f"cannot store the signing key in the keyring: {exc}") from None
    if _parse(stored.encode(), "the keyring entry").public_key() != held.key.public_key():
        raise SigningError("the keyring returned a different key; the file was left as it is")
    with contextlib.suppress(OSError):  # overwrite before unlinking: no private key left on disk
        key_file.write_bytes(b"\0" * key_file.stat().st_size)
    key_file.unlink()
    return AgencyKey(held.key, f"the OS keyring ({SERVICE}/{KEY_NAME})")


def sign(data: bytes, key: Ed25519PrivateKey) -> bytes:
    return key.sign(data)
