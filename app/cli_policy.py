"""``rtcc policy show`` and ``rtcc policy set KEY VALUE``: the program's caps and reporting rules,
one document in the database for every workstation and media service (an administrator sets it;
each change is audited)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from app.config import Settings

EXIT_OK, EXIT_INVALID, EXIT_FORBIDDEN = 0, 2, 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    policy = sub.add_parser("policy", help="the program's caps and reporting rules")
    psub = policy.add_subparsers(dest="action", required=True)
    psub.add_parser("show", help="every key and its value")
    put = psub.add_parser("set", help="set one key (an administrator's action, audited)")
    put.add_argument("key")
    put.add_argument("value", help='yes/no, a number, a comma-separated list, or JSON ({"homicide": 1000})')


def run(settings: Settings, args: argparse.Namespace) -> int:
    from app.console import use_cases
    from app.governance.policy import PolicyError, load_policy
    from app.models.db import open_database

    sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
    if args.action == "show":
        print(json.dumps(asdict(load_policy(sessions)), indent=2, sort_keys=True))
        return EXIT_OK
    try:
        use_cases.set_policy(sessions, args.actor, args.key, args.value)
    except use_cases.Refused as exc:
        print(f"rtcc policy set: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    except PolicyError as exc:
        print(f"rtcc policy set: {exc}; nothing was changed", file=sys.stderr)
        return EXIT_INVALID
    print(f"{args.key} set; every workstation and media service applies it from now on")
    return EXIT_OK
