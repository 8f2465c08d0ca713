"""Ed25519 public keys as people compare them: PEM, and a fingerprint in groups of four.

Shared by the case packages' signatures and the audit log's signed checkpoints; the private
keys' storage (keyring or a 0600 file) is app/evidence/signing.py's job.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class KeyProblem(ValueError):
    """A public key or signature that cannot be read; the message says which and why."""


def grouped(digest: str) -> str:
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


def fingerprint(public: Ed25519PublicKey) -> str:
    """SHA-256 of the public key in DER (SubjectPublicKeyInfo) form, in groups of four: what
    ``openssl pkey -pubin -in signing-key.pub -outform DER | sha256sum`` prints."""
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return grouped(hashlib.sha256(der).hexdigest())


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise KeyProblem(f"the public key is not a PEM key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyProblem("the public key is not an Ed25519 key")
    return key


def signature_valid(data: bytes, signature: bytes, public: Ed25519PublicKey) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise KeyProblem(f"{what} is not base64") from None
