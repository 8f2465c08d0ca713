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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymerkle import InmemoryTree, InvalidProof, verify_consistency
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models.tables import AuditEvent

ALGORITHM = "sha256"


@dataclass(frozen=True)
class Checkpoint:
    tree_size: int
    root: str  # hex
    at: str  # ISO 8601, UTC
    first_entry: str  # the log's first entry's hash: which log this is

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root": self.root,
            "at": self.at,
            "first_entry": self.first_entry,
        }

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
        return cls(size, root, str(at), first)


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
