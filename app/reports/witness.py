"""A witness: another office (an inspector general, a police commission, a court clerk) that
keeps the audit log's checkpoints and countersigns each new one only when the log extends the
last one it holds.

The agency can rewrite its own database and re-sign whatever it likes; it cannot make a log whose
first entries hash to two different roots. A witness that countersigned the root at size N
refuses any later checkpoint whose log no longer hashes to that root, so a rewritten log can no
longer gather fresh countersignatures, and the witness's folder is the proof of what was
published before. The witness's folder holds:

- ``agency.pub``: the agency's public key as first seen; a checkpoint signed by another key is
  refused until a person replaces the file (after confirming the agency changed its key);
- ``checkpoint-<size>.json``: every checkpoint countersigned, with all its signatures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.governance.audit_tree import AGENCY, WITNESS, AuditTree, Checkpoint
from app.governance.keys import KeyProblem, fingerprint, load_public_pem, public_pem
from app.registry.formats import atomic_write

AGENCY_KEY_FILE = "agency.pub"


class WitnessRefused(Exception):
    """The checkpoint was not countersigned; the message says why."""


@dataclass(frozen=True)
class Witnessed:
    checkpoint: Checkpoint  # with the witness's signature added
    kept: Path  # where the witness keeps it
    pinned: bool  # the agency's key was seen for the first time and kept


class WitnessFolder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def agency_key(self) -> Ed25519PublicKey | None:
        path = self.root / AGENCY_KEY_FILE
        if not path.exists():
            return None
        try:
            return load_public_pem(path.read_bytes()[:4096])
        except KeyProblem as exc:
            raise WitnessRefused(f"{path}: {exc}") from None

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint kept, smallest log first; an unreadable file stops the witness."""
        kept = []
        for path in sorted(self.root.glob("checkpoint-*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                kept.append(
                    Checkpoint.from_json(doc.get("checkpoint", doc) if isinstance(doc, dict) else doc)
                )
            except (OSError, ValueError) as exc:
                raise WitnessRefused(f"{path}: the kept checkpoint cannot be read ({exc})") from None
        return sorted(kept, key=lambda c: c.tree_size)

    def _write(self, path: Path, data: bytes) -> None:
        """Whole or not at all (a key and checkpoints are public: others in the office read them)."""
        atomic_write(path, [data.decode("ascii")], mode=0o644)

    def pin(self, key: Ed25519PublicKey) -> None:
        self._write(self.root / AGENCY_KEY_FILE, public_pem(key))

    def keep(self, checkpoint: Checkpoint) -> Path:
        path = self.root / f"checkpoint-{checkpoint.tree_size:012d}.json"
        self._write(path, (json.dumps({"checkpoint": checkpoint.to_json()}, indent=2) + "\n").encode())
        return path


def witness(tree: AuditTree, offered: Checkpoint, folder: WitnessFolder, key: Ed25519PrivateKey,
            name: str, at: str) -> Witnessed:  # fmt: skip
    """Countersign ``offered`` when its signatures hold, it is signed by the agency key this
    witness holds, the log (``tree``) hashes to it, and the log extends every checkpoint kept."""
    problems = offered.signature_problems()
    if problems:
        raise WitnessRefused("; ".join(problems))
    agency = offered.by(AGENCY)
    if not agency:
        raise WitnessRefused(
            "the checkpoint carries no agency signature: only a signed checkpoint is witnessed"
        )
    pinned_key = folder.agency_key()
    if pinned_key is not None and not any(sig.fingerprint == fingerprint(pinned_key) for sig in agency):
        raise WitnessRefused(
            f"the checkpoint is signed by key {agency[0].fingerprint}, not by the agency key this witness "
            f"holds ({fingerprint(pinned_key)}, {folder.root / AGENCY_KEY_FILE}); if the agency changed its "
            "key, confirm it with them and replace that file"
        )
    found = tree.problem_with(offered, "the checkpoint")
    if found:
        raise WitnessRefused(found)
    for kept in folder.checkpoints():
        whose = "the checkpoint this witness signed"  # its time follows in the message
        found = tree.problem_with(kept, whose) or tree.prove_consistent(kept, offered)
        if found:
            raise WitnessRefused(found)
    mine = fingerprint(key.public_key())
    if any(sig.fingerprint == mine for sig in offered.by(WITNESS)):
        cosigned = offered  # signed before: kept again, not signed twice
    else:
        cosigned = offered.signed(key, WITNESS, name, at)
    if pinned_key is None:
        folder.pin(agency[0].public())
    return Witnessed(cosigned, folder.keep(cosigned), pinned_key is None)
