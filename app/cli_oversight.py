"""Second looks from the command line: ``rtcc audit anomalies`` and ``rtcc audit dismiss`` (an
auditor's), and ``rtcc justify list|approve|deny`` (a supervisor's answer to a justification to
go beyond a purpose's bounds)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from app.config import Settings

EXIT_OK, EXIT_INVALID, EXIT_FORBIDDEN = 0, 2, 3


def add_audit_parsers(asub: argparse._SubParsersAction) -> None:
    anomalies = asub.add_parser(
        "anomalies", help="accesses worth a second look, each with the rule that flagged it"
    )
    anomalies.add_argument("--since", default=None, help="ISO 8601 (default: 30 days before --until)")
    anomalies.add_argument("--until", default=None, help="ISO 8601 (default: now)")
    dismiss = asub.add_parser("dismiss", help="dismiss a flag, with the reason (on the audit chain)")
    dismiss.add_argument("key", help="the flag's key, as `audit anomalies` prints it")
    dismiss.add_argument("--reason", required=True)


def add_justify_parser(sub: argparse._SubParsersAction) -> None:
    justify = sub.add_parser(
        "justify", help="justifications to go beyond a purpose's bounds: list, approve, deny"
    )
    jsub = justify.add_subparsers(dest="action", required=True)
    jsub.add_parser("list", help="the ones waiting for a supervisor")
    for verb in ("approve", "deny"):
        answer = jsub.add_parser(verb, help=f"{verb} one (a supervisor other than whoever asked)")
        answer.add_argument("id", type=int)


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def run_audit(settings: Settings, args: argparse.Namespace) -> int:
    from app.console import use_cases
    from app.models.db import open_database

    sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
    try:
        if args.action == "dismiss":
            use_cases.dismiss_anomaly(sessions, args.actor, args.key, args.reason)
            print(f"{args.key} dismissed; the reason is on the audit chain")
            return EXIT_OK
        until = _when(args.until) or datetime.now(UTC)
        since = _when(args.since) or until - timedelta(days=30)
        flags = use_cases.review_anomalies(sessions, args.actor, since, until)
    except ValueError as exc:
        print(f"rtcc audit {args.action}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except use_cases.Refused as exc:
        print(f"rtcc audit {args.action}: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    for f in flags:
        state = f"dismissed: {f.dismissed}" if f.dismissed else "open"
        print(f"{f.at:%Y-%m-%d %H:%M} UTC  {f.rule}  {f.user}: {f.what}  [{state}]  key {f.key}")
    print(f"{len(flags)} flagged, {sum(1 for f in flags if not f.dismissed)} open")
    return EXIT_OK


def run_justify(settings: Settings, args: argparse.Namespace) -> int:
    from app.console import use_cases
    from app.governance.justifications import PENDING, JustificationError
    from app.models.db import open_database

    sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
    if args.action == "list":
        for r in use_cases.justifications(sessions, PENDING):
            when = f"{r.start_at:%Y-%m-%d %H:%M}-{r.end_at:%H:%M} UTC"
            print(f"#{r.id}  {r.camera}  {r.purpose}  {when}  asked by {r.requested_by}")
            print(f"    beyond: {r.exceeded}\n    why: {r.justification}")
        return EXIT_OK
    try:
        use_cases.decide_justification(sessions, args.actor, args.id, args.action == "approve")
    except JustificationError as exc:
        print(f"rtcc justify {args.action}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except use_cases.Refused as exc:
        print(f"rtcc justify {args.action}: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    print(f"justification #{args.id} {'approved' if args.action == 'approve' else 'denied'}")
    return EXIT_OK
