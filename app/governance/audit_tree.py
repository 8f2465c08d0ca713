"""The audit log as an append-only Merkle tree, in the manner of Certificate Transparency
(RFC 9162, its hashes: a leaf is SHA-256(0x00 || entry), a node SHA-256(0x01 || left || right);
pymerkle computes them).

A leaf is an entry's chain hash, which covers everything the entry says and the entry before it.
A :class:`Checkpoint` (the tree's size and root hash at a time) is what a public report carries
and what an outsider keeps: the log at that size must hash to that root for as long as the log
exists. Whoever can write the database can rewrite the chain and re-hash it, so the chain
alone proves nothing against them; a checkpoint held outside does: a log rebuilt, rewritten or
with an entry replaced no longer hashes to the roots already published, and a consistency proof
shows the later tree extends the earlier one.

A checkpoint is signed by the agency's key (Ed25519), so the agency cannot later deny a root it
published, and countersigned by witnesses: other offices that keep every checkpoint they signed
and countersign a new one only after checking that the log extends the last one they hold. Each
signature covers the checkpoint's note (its lines below) and the signer's role, name and time;
OpenSSL checks one with ``openssl pkeyutl -verify -pubin -inkey KEY.pub -rawin -in NOTE -sigfile SIG``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pymerkle import InmemoryTree, InvalidProof, verify_consistency
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance.keys import (
    KeyProblem,
    b64,
    fingerprint,
    load_public_pem,
    public_pem,
    signature_valid,
    unb64,
)
from app.models.tables import AuditEvent

ALGORITHM = "sha256"
NOTE_HEADER = "rtcc audit log checkpoint"
AGENCY, WITNESS = "agency", "witness"
MAX_NAME = 120


def check_signer_name(name: str) -> str:
    """A signer's name goes on one line of what is signed: printable, one line, bounded."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise ValueError(f"a signer's name is 1 to {MAX_NAME} printable characters on one line: "
                         f"{name[:40]!r}")  # fmt: skip
    return name


@dataclass(frozen=True)
class CheckpointSignature:
    role: str  # AGENCY or WITNESS
    name: str  # who signed: the agency, or the witnessing office
    at: str  # when they signed, ISO 8601 UTC
    public_key: str  # PEM
    signature: str  # base64 Ed25519 over the checkpoint's note and these role, name and time

    def to_json(self) -> dict[str, str]:
        return {"role": self.role, "name": self.name, "at": self.at, "public_key": self.public_key,
                "signature": self.signature}  # fmt: skip

    @classmethod
    def from_json(cls, doc: Any) -> CheckpointSignature:
        if not isinstance(doc, dict):
            raise ValueError("checkpoint signature: a JSON object is expected")
        values = {}
        for key in ("role", "name", "at", "public_key", "signature"):
            value = doc.get(key)
            if not isinstance(value, str):
                raise ValueError(f"checkpoint signature: {key} is missing or not text")
            values[key] = value
        if values["role"] not in (AGENCY, WITNESS):
            raise ValueError(f"checkpoint signature: role {values['role']!r} is neither agency nor witness")
        return cls(**values)

    def public(self) -> Ed25519PublicKey:
        return load_public_pem(self.public_key.encode())

    @property
    def fingerprint(self) -> str:
        try:
            return fingerprint(self.public())
        except KeyProblem:
            return "(unreadable key)"

    def describe(self) -> str:
        return f"{self.role} {self.name}, key {self.fingerprint}, at {self.at}"


@dataclass(frozen=True)
class Checkpoint:
    tree_size: int
    root: str  # hex
    at: str  # ISO 8601, UTC
    first_entry: str  # the log's first entry's hash: which log this is
    signatures: tuple[CheckpointSignature, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "tree_size": self.tree_size,
            "root": self.root,
            "at": self.at,
            "first_entry": self.first_entry,
        }
        if self.signatures:
            doc["signatures"] = [sig.to_json() for sig in self.signatures]
        return doc

    def note(self) -> str:
        """What every signature covers, before the signer's own lines."""
        return (f"{NOTE_HEADER}\nfirst_entry {self.first_entry}\ntree_size {self.tree_size}\n"
                f"root {self.root}\nat {self.at}\n")  # fmt: skip

    def _signed_text(self, role: str, name: str, at: str) -> bytes:
        return f"{self.note()}{role} {name}\nsigned {at}\n".encode()

    def signed(self, key: Ed25519PrivateKey, role: str, name: str, at: str) -> Checkpoint:
        """This checkpoint with one more signature."""
        name = check_signer_name(name)
        signature = key.sign(self._signed_text(role, name, at))
        sig = CheckpointSignature(role, name, at, public_pem(key.public_key()).decode(), b64(signature))
        return replace(self, signatures=(*self.signatures, sig))

    def signature_problems(self) -> list[str]:
        """Each signature that does not verify, named: the checkpoint (or the signer's lines) was
        changed after it was signed, or the key was swapped."""
        problems = []
        for sig in self.signatures:
            try:
                valid = signature_valid(self._signed_text(sig.role, sig.name, sig.at),
                                        unb64(sig.signature, "the signature"), sig.public())  # fmt: skip
            except KeyProblem as exc:
                problems.append(f"the {sig.role} signature of {sig.name} cannot be read: {exc}")
                continue
            if not valid:
                problems.append(f"the {sig.role} signature of {sig.name} (key {sig.fingerprint}) does not "
                                "verify: the checkpoint was changed after it was signed")  # fmt: skip
        return problems

    def by(self, role: str) -> list[CheckpointSignature]:
        return [sig for sig in self.signatures if sig.role == role]

    @classmethod
    def from_json(cls, doc: Any) -> Checkpoint:
        """A checkpoint from a report or a witness's file; ValueError names what is wrong."""
        if not isinstance(doc, dict):
            raise ValueError("checkpoint: a JSON object is expected")
        try:
            size, root, at, first = doc["tree_size"], doc["root"], doc["at"], doc["first_entry"]
        except KeyError as exc:
            raise ValueError(f"checkpoint: {exc.args[0]} is missing") from None
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"checkpoint: tree_size {size!r} is not a positive whole number")
        for name, value in (("root", root), ("first_entry", first)):
            if (
                not isinstance(value, str)
                or len(value) != 64
                or not all(c in "0123456789abcdef" for c in value)
            ):
                raise ValueError(f"checkpoint: {name} is not a SHA-256 in hex")
        raw_signatures = doc.get("signatures", [])
        if not isinstance(raw_signatures, list):
            raise ValueError("checkpoint: signatures is not a list")
        signatures = tuple(CheckpointSignature.from_json(sig) for sig in raw_signatures)
        return cls(size, root, str(at), first, signatures)


class AuditTree:
    """The log's tree as it stands, read once (entries in the order they were appended)."""

    def __init__(self, hashes: list[str]) -> None:
        self.hashes = hashes
        self._tree = InmemoryTree(algorithm=ALGORITHM)
        for entry in hashes:
            self._tree.append_entry(bytes.fromhex(entry))

    @classmethod
    def of(cls, s: Session) -> AuditTree:
        return cls(list(s.scalars(select(AuditEvent.event_hash).order_by(AuditEvent.id))))

    @classmethod
    def read(cls, sessions: sessionmaker[Session]) -> AuditTree:
        with sessions() as s:
            return cls.of(s)

    @property
    def size(self) -> int:
        return len(self.hashes)

    def root(self, size: int | None = None) -> str:
        return bytes(self._tree.get_root(self.size if size is None else size)).hex()

    def checkpoint(self, at: str) -> Checkpoint:
        return Checkpoint(self.size, self.root(), at, self.hashes[0] if self.hashes else "")

    def problem_with(self, held: Checkpoint, whose: str) -> str:
        """Why this log does not extend ``held`` (a checkpoint already published), or ""."""
        if not self.hashes:
            return "this database's audit log is empty: it is not the log the report was made from"
        if held.first_entry != self.hashes[0]:
            return (f"this database is not the one {whose} was made from: its audit log begins with another "
                    "entry (check it against the agency's own database)")  # fmt: skip
        if held.tree_size > self.size:
            return (f"{whose} holds {held.tree_size} entries; this log has {self.size}: entries were "
                    "removed after it was published")  # fmt: skip
        if self.root(held.tree_size) != held.root:
            return (f"the log's first {held.tree_size} entries no longer hash to the root in {whose} "
                    f"({held.at}): the log was rewritten after it was published")  # fmt: skip
        return ""

    def prove_consistent(self, earlier: Checkpoint, later: Checkpoint) -> str:
        """Check the RFC 9162 consistency proof from ``earlier`` to ``later`` (both this log's
        checkpoints): "" when the later tree extends the earlier one."""
        if earlier.tree_size > later.tree_size:
            earlier, later = later, earlier
        if earlier.tree_size == later.tree_size:
            return "" if earlier.root == later.root else "two checkpoints of one size with different roots"
        proof = self._tree.prove_consistency(earlier.tree_size, later.tree_size)
        try:
            verify_consistency(bytes.fromhex(earlier.root), bytes.fromhex(later.root), proof)
        except InvalidProof:
            return f"the log at {later.tree_size} entries does not extend the log at {earlier.tree_size}"
        return ""
