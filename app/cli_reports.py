"""``rtcc report ...``: the reports outsiders read, and the check that anyone holding the database
can run on a published one.

- ``divisions``: per division, cameras registered, live-shareable, recorded and watched live.
- ``public --since --until --output DIR``: the public transparency report as JSON and PDF,
  published (its SHA-256 goes on the audit chain).
- ``check REPORT.json [--against EARLIER...] [--key AGENCY.pub]``: exit 0 when the report matches
  the chain, the chain up to its head is unchanged, the log extends every earlier checkpoint and
  every signature holds; 1 with what differs.
- ``owner NAME --since --until --output DIR``: the owner's report as PDF and CSV.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_FORBIDDEN = 0, 1, 2, 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    rpt = sub.add_parser(
        "report", help="accountability reports: divisions, public, owner; check a published one"
    )
    rpsub = rpt.add_subparsers(dest="action", required=True)
    rdiv = rpsub.add_parser(
        "divisions", help="per division: cameras registered, live-shareable, recorded, watched live"
    )
    rdiv.add_argument("--days", type=int, default=30, help="the period, ending now (default 30)")
    public = rpsub.add_parser(
        "public", help="the public transparency report (PDF and JSON), published on the chain"
    )
    owner = rpsub.add_parser("owner", help="an owner's report: every access to their cameras (PDF and CSV)")
    owner.add_argument("name", help="the owner's name as registered")
    for command in (public, owner):
        command.add_argument("--since", default=None, help="ISO 8601 (default: 30 days before --until)")
        command.add_argument("--until", default=None, help="ISO 8601 (default: now)")
        command.add_argument("--output", type=Path, default=Path("."), help="the folder to write into")
    check = rpsub.add_parser(
        "check", help="does a published report match the audit chain? (exit 0 yes, 1 no)"
    )
    check.add_argument("path", type=Path, help="the report's JSON")
    check.add_argument("--against", type=Path, nargs="*", default=[], metavar="EARLIER",
                       help="earlier reports (or witnessed checkpoints) you kept: the log must still "
                       "hash to each one's root and extend it")  # fmt: skip
    check.add_argument("--key", type=Path, action="append", default=None, metavar="AGENCY.pub",
                       help="the agency's public key as it publishes it: the report's checkpoint must "
                       "be signed by it")  # fmt: skip


def run(settings: Settings, args: argparse.Namespace) -> int:
    from app.models.db import open_database

    sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
    if args.action == "divisions":
        return _divisions(sessions, args)
    if args.action == "check":
        return _check(sessions, args)
    try:
        until = _when(args.until, "--until") or datetime.now(UTC)
        since = _when(args.since, "--since") or until - timedelta(days=30)
        if since >= until:
            raise ValueError(
                f"--since ({since:%Y-%m-%d %H:%M}) must come before --until ({until:%Y-%m-%d %H:%M})"
            )
    except ValueError as exc:
        print(f"rtcc report {args.action}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    args.output.mkdir(parents=True, exist_ok=True)
    if args.action == "public":
        return _public(sessions, args, since, until, settings.data_dir)
    return _owner(sessions, args, since, until)


def _when(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{option}: {text!r} is not an ISO 8601 time (2026-11-01 or 2026-11-01T08:00Z)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _public(sessions: sessionmaker[Session], args: argparse.Namespace, since: datetime, until: datetime,
            key_dir: Path) -> int:  # fmt: skip
    from app.console import use_cases
    from app.evidence.signing import SigningError
    from app.governance.audit_tree import AGENCY, Checkpoint
    from app.reports.render import public_report_html
    from app.views.pdf import write_pdf

    try:
        doc = use_cases.publish_public_report(sessions, args.actor, since, until, key_dir)
    except use_cases.Refused as exc:
        print(f"rtcc report public: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    except SigningError as exc:
        print(f"rtcc report public: not published: {exc}", file=sys.stderr)
        return EXIT_ERROR
    stem = f"transparency-{since:%Y%m%d}-{until:%Y%m%d}"
    path = args.output / f"{stem}.json"
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    pdf = write_pdf(public_report_html(doc), args.output / f"{stem}.pdf", "Public transparency report")
    chain = doc["audit_chain"]
    print(f"wrote {pdf} and {path}; audit chain {chain['entries']} entries, head {chain['head']}")
    for sig in Checkpoint.from_json(doc["checkpoint"]).by(AGENCY):
        print(f"the log's checkpoint is signed with the agency key {sig.fingerprint}")
    print("anyone holding the database checks it with (keep the file: later reports are checked against it):")
    print(f"  {_check_command(sessions, path)}")
    return EXIT_OK


def _check_command(sessions: sessionmaker[Session], report: Path) -> str:
    """The check as it runs from anywhere: the report's full path, the database named (without
    its password: a PostgreSQL client takes it from ~/.pgpass or PGPASSWORD)."""
    import shlex

    url = sessions.kw["bind"].url.set(password=None).render_as_string(hide_password=False)
    return f"rtcc --database {shlex.quote(url)} report check {shlex.quote(str(report.resolve()))}"


def read_document(path: Path) -> dict[str, Any]:
    """A report or checkpoint file as canonical JSON: one object, each key once (with a key twice,
    one reader takes the first and another the last, so people could read a forged figure in a
    file that checks). ValueError names what is wrong."""
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read it: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: not a report (a JSON object is expected)")
    return doc


def read_public_keys(paths: list[Path]) -> list[Any]:
    """Public keys (PEM) as the agency publishes them; ValueError names the file."""
    from app.governance.keys import KeyProblem, load_public_pem

    keys = []
    for path in paths:
        try:
            keys.append(load_public_pem(path.read_bytes()[:4096]))
        except (OSError, KeyProblem) as exc:
            raise ValueError(f"{path}: {exc}") from None
    return keys


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object; a report names each once")
        seen[key] = value
    return seen


def _check(sessions: sessionmaker[Session], args: argparse.Namespace) -> int:
    from app.console import use_cases

    try:
        documents = [(path.name, read_document(path)) for path in [args.path, *args.against]]
        agency_keys = read_public_keys(args.key) if args.key else None
    except ValueError as exc:
        print(f"rtcc report check: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        (_name, doc), held = documents[0], documents[1:]
        result = use_cases.check_public_report(sessions, args.actor, doc, held, agency_keys)
    except use_cases.Refused as exc:
        print(f"rtcc report check: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    if result.matches:
        print(f"MATCHES: every figure recounted from the audit chain's first {result.entries} entries; they")
        print(f"chain to the published head {result.head}; the chain records the report's publication")
    else:
        print(f"DOES NOT MATCH ({len(result.problems)} problem(s)):")
        for problem in result.problems:
            print(f"  - {problem}")
    for signed in result.signed:
        print(f"checkpoint signed: {signed}")
    if not result.signed:
        print("the report's checkpoint carries no signature")
    return EXIT_OK if result.matches else EXIT_ERROR


def _owner(
    sessions: sessionmaker[Session], args: argparse.Namespace, since: datetime, until: datetime
) -> int:
    from app.console import use_cases
    from app.reports.owner import OwnerReportError, owner_report_csv
    from app.reports.render import owner_report_html
    from app.views.pdf import write_pdf

    try:
        report = use_cases.make_owner_report(sessions, args.actor, args.name, since, until)
    except use_cases.Refused as exc:
        print(f"rtcc report owner: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    except OwnerReportError as exc:
        print(f"rtcc report owner: {exc}", file=sys.stderr)
        return EXIT_INVALID
    safe = "".join(c if c.isalnum() else "-" for c in report.owner)[:40]
    stem = f"owner-{safe}-{since:%Y%m%d}-{until:%Y%m%d}"
    csv_path = args.output / f"{stem}.csv"
    csv_path.write_text(owner_report_csv(report), encoding="utf-8", newline="")
    pdf = write_pdf(
        owner_report_html(report), args.output / f"{stem}.pdf", f"Report for {report.owner}", True
    )
    print(f"wrote {pdf} and {csv_path}: {len(report.rows)} entries for {len(report.cameras)} camera(s)")
    return EXIT_OK


def _divisions(sessions: sessionmaker[Session], args: argparse.Namespace) -> int:
    from app.console import use_cases

    if args.days < 1:
        print(f"rtcc report divisions: --days must be 1 or more, not {args.days}", file=sys.stderr)
        return EXIT_INVALID
    try:
        rows = use_cases.division_report(sessions, args.actor, args.days)
    except use_cases.Refused as exc:
        print(f"rtcc report: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    print(f"Per division, the last {args.days} days (counted from the registry, recordings and audit log):")
    print(f"{'division':24s} {'registered':>10s} {'live-shareable':>14s} {'recorded':>9s} "
          f"{'watched live':>12s} {'live views':>10s}")  # fmt: skip
    for r in rows:
        print(f"{r.division[:24]:24s} {r.registered:10d} {r.live_shareable:14d} {r.recorded:9d} "
              f"{r.viewed_live:12d} {r.live_views:10d}")  # fmt: skip
    total = [sum(getattr(r, f) for r in rows) for f in ("registered", "live_shareable", "recorded",
                                                        "viewed_live", "live_views")]  # fmt: skip
    print(f"{'all divisions':24s} {total[0]:10d} {total[1]:14d} {total[2]:9d} {total[3]:12d} {total[4]:10d}")
    return EXIT_OK
