"""``rtcc log ...``: the audit log's signed checkpoints, and the witnesses who keep them.

- ``checkpoint [--output FILE]``: the log's size and root hash now, signed with the agency's key
  (written as JSON; a witness countersigns it, an outsider keeps it).
- ``witness FILE --keep DIR --name OFFICE [--output FILE]``: run by another office holding its
  own witness key: countersign the checkpoint in FILE (a checkpoint or a public report) when the
  log still extends every checkpoint kept in DIR; exit 0 countersigned, 1 refused with why.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_FORBIDDEN = 0, 1, 2, 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    log = sub.add_parser("log", help="the audit log's signed checkpoints and their witnesses")
    lsub = log.add_subparsers(dest="action", required=True)
    checkpoint = lsub.add_parser("checkpoint", help="the log's checkpoint now, signed with the agency key")
    checkpoint.add_argument("--output", type=Path, default=None, help="write it here (default: print it)")
    witness = lsub.add_parser(
        "witness", help="another office countersigns a checkpoint the log extends (exit 0 yes, 1 refused)"
    )
    witness.add_argument("path", type=Path, help="a checkpoint (rtcc log checkpoint) or a public report")
    witness.add_argument("--keep", type=Path, required=True,
                         help="the witness's folder: the agency key as first seen, every checkpoint "
                         "countersigned")  # fmt: skip
    witness.add_argument("--name", required=True, help="the witnessing office, as it signs")
    witness.add_argument("--output", type=Path, default=None,
                         help="also write the countersigned checkpoint here")  # fmt: skip


def run(settings: Settings, args: argparse.Namespace) -> int:
    from app.console import use_cases
    from app.evidence.signing import SigningError
    from app.models.db import open_database

    sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
    try:
        if args.action == "checkpoint":
            return _checkpoint(sessions, args, settings.data_dir)
        return _witness(sessions, args, settings.data_dir)
    except use_cases.Refused as exc:
        print(f"rtcc log {args.action}: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    except SigningError as exc:
        print(f"rtcc log {args.action}: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _write(path: Path, text: str) -> None:
    from app.registry.formats import atomic_write

    atomic_write(path, [text], mode=0o644)  # a checkpoint is for others to keep


def _checkpoint(sessions: sessionmaker[Session], args: argparse.Namespace, key_dir: Path) -> int:
    from app.console import use_cases

    checkpoint = use_cases.sign_checkpoint(sessions, args.actor, key_dir)
    text = json.dumps({"checkpoint": checkpoint.to_json()}, indent=2) + "\n"
    if args.output is None:
        print(text, end="")
    else:
        _write(args.output, text)
        print(f"wrote {args.output}: {checkpoint.tree_size} entries, root {checkpoint.root}", file=sys.stderr)
    print(f"signed with the agency key {checkpoint.signatures[0].fingerprint}", file=sys.stderr)
    return EXIT_OK


def _witness(sessions: sessionmaker[Session], args: argparse.Namespace, key_dir: Path) -> int:
    from app.cli_reports import read_document
    from app.console import use_cases
    from app.evidence.signing import WITNESS, agency_key
    from app.governance.audit_tree import Checkpoint, check_signer_name
    from app.governance.keys import fingerprint
    from app.reports.witness import WitnessFolder, WitnessRefused

    try:
        doc = read_document(args.path)
        offered = Checkpoint.from_json(doc.get("checkpoint", doc))
        name = check_signer_name(args.name)
    except ValueError as exc:
        print(f"rtcc log witness: {exc}", file=sys.stderr)
        return EXIT_INVALID
    held = agency_key(key_dir, kind=WITNESS)
    try:
        folder = WitnessFolder(args.keep)
        done = use_cases.witness_checkpoint(sessions, args.actor, offered, folder, held.key, name)
    except WitnessRefused as exc:
        print(f"REFUSED: {exc}")
        return EXIT_ERROR
    if done.pinned:
        agency = offered.by("agency")[0].fingerprint
        print(f"first checkpoint witnessed here: the agency key {agency} is kept in {args.keep}; later "
              "checkpoints must be signed by it")  # fmt: skip
    if args.output is not None:
        _write(args.output, json.dumps({"checkpoint": done.checkpoint.to_json()}, indent=2) + "\n")
    print(f"COUNTERSIGNED: {offered.tree_size} entries, root {offered.root}; the log extends every "
          f"checkpoint kept in {args.keep}; kept as {done.kept.name}")  # fmt: skip
    print(f"witness key {fingerprint(held.key.public_key())}, kept in {held.where}")
    return EXIT_OK
