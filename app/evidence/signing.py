"""The agency's Ed25519 key that signs case-package manifests.

The private key lives only in the OS keyring (same rules as camera credentials: no silent
plaintext fallback). A package carries the public key and the signature; anyone can check it with
OpenSSL 3 (``openssl pkeyutl -verify -pubin -inkey signing-key.pub -rawin -in manifest.json
-sigfile manifest.json.sig``). The fingerprint (SHA-256 of the raw 32-byte public key, in groups
of four hex digits) is printed on the report so a court can compare it with the one the agency
publishes: a package re-signed by someone else has a different fingerprint.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from keyring.errors import KeyringError

from app.registry.credentials import SERVICE, KeyringUnavailable, check_keyring

KEY_NAME = "evidence-signing-key/ed25519"


class SigningError(RuntimeError):
    pass


def fingerprint(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise SigningError(f"the public key is not a PEM key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError("the public key is not an Ed25519 key")
    return key


def signing_key(create: bool = True) -> Ed25519PrivateKey:
    """The agency key from the keyring, created there on first use when ``create`` is set."""
    try:
        kr = check_keyring()
        stored = kr.get_password(SERVICE, KEY_NAME)
    except (KeyringUnavailable, KeyringError) as exc:
        raise SigningError(f"cannot reach the keyring that holds the signing key: {exc}") from None
    if stored:
        key = serialization.load_pem_private_key(stored.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningError(f"the keyring entry {SERVICE}/{KEY_NAME} is not an Ed25519 key")
        return key
    if not create:
        raise SigningError(
            f"no signing key in the keyring ({SERVICE}/{KEY_NAME}); run `rtcc signing-key create`"
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    try:
        kr.set_password(SERVICE, KEY_NAME, pem)
    except KeyringError as exc:
        raise SigningError(f"cannot store the new signing key in the keyring: {exc}") from None
    return key


def sign(data: bytes, key: Ed25519PrivateKey) -> bytes:
    return key.sign(data)


def signature_valid(data: bytes, signature: bytes, public: Ed25519PublicKey) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True
