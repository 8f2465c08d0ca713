"""``rtcc intake ...``: serve the intake, set a feed's secret, send a signed call, read a feed's log."""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from app.config import Settings

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    intake = sub.add_parser("intake", help="calls from dispatch systems (CAD) become incidents")
    isub = intake.add_subparsers(dest="intake_command", required=True)
    serve = isub.add_parser("serve", help="take signed calls over HTTP and files from the intake folder")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default 8770; 0 picks one)")
    serve.add_argument(
        "--folder", default=None, help="intake folder: FEED.mapping.json mappings, FEED/incoming/"
    )
    serve.add_argument("--exit-with-stdin", action="store_true", help=argparse.SUPPRESS)
    secret = isub.add_parser("secret", help="store a feed's secret in the keyring (RTCC_FEED_SECRET or new)")
    secret.add_argument("feed")
    send = isub.add_parser("send", help="sign a call with the feed's secret and post it")
    send.add_argument("feed")
    send.add_argument("file", type=Path)
    send.add_argument("--url", default=None, help="the intake's address (default from settings)")
    show = isub.add_parser("log", help="a feed's last calls: received or refused, and why")
    show.add_argument("feed")
    show.add_argument("--last", type=int, default=20)


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.intake_command == "serve":
        return _serve(settings, args)
    if args.intake_command == "secret":
        return _secret(settings, args)
    if args.intake_command == "send":
        return _send(settings, args)
    return _log(settings, args)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import threading

    from app.incidents.dispatch import load_feeds
    from app.incidents.dispatch_rules import load_rules
    from app.intake.server import Intake, IntakeServer
    from app.models.db import open_database
    from app.registry.feed_secrets import load_feed_secret

    folder = Path(args.folder) if args.folder else settings.effective_intake_dir
    try:
        feeds = load_feeds(folder)
        rules = load_rules(folder / "rules.json")
    except ValueError as exc:
        print(f"rtcc intake: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if not feeds:
        print(
            f"rtcc intake: no feed mappings (FEED.mapping.json) in {folder}; see resources/dispatch/",
            file=sys.stderr,
        )
        return EXIT_INVALID
    sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
    secret_of = functools.partial(load_feed_secret, data_dir=settings.data_dir)
    intake = Intake(sessions, feeds, secret_of, settings.time_zone or "UTC", rules)
    port = settings.intake_port if args.port is None else args.port
    server = IntakeServer(intake, args.host or settings.intake_host, port, folder).start()
    print(f"READY {server.base_url}", flush=True)
    stop = threading.Event()
    if args.exit_with_stdin:

        def watch_parent() -> None:
            sys.stdin.read()
            stop.set()

        threading.Thread(target=watch_parent, daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.close()
    return EXIT_OK


def _secret(settings: Settings, args: argparse.Namespace) -> int:
    from app.registry.feed_secrets import FeedSecretError, store_feed_secret

    given = os.environ.get("RTCC_FEED_SECRET", "")
    value = given or secrets.token_urlsafe(32)
    if len(value) < 16:
        print("rtcc intake secret: a feed secret has at least 16 characters", file=sys.stderr)
        return EXIT_INVALID
    try:
        where = store_feed_secret(args.feed, value, settings.data_dir)
    except FeedSecretError as exc:
        print(f"rtcc intake secret: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if not given:  # shown once, for the CAD side's configuration
        print(value)
    print(f"feed {args.feed}: secret kept in {where}", file=sys.stderr)
    return EXIT_OK


def _send(settings: Settings, args: argparse.Namespace) -> int:
    from app.incidents.dispatch import sign
    from app.registry.feed_secrets import FeedSecretError, load_feed_secret

    try:
        secret = load_feed_secret(args.feed, settings.data_dir)
    except FeedSecretError as exc:
        print(f"rtcc intake send: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if secret is None:
        print(f"rtcc intake send: feed {args.feed} has no secret here (rtcc intake secret)", file=sys.stderr)
        return EXIT_ERROR
    body = args.file.read_bytes()
    stamp = str(int(time.time()))
    url = args.url or f"http://{settings.intake_host}:{settings.intake_port}"
    headers = {"Content-Type": "application/json", "X-RTCC-Timestamp": stamp,
               "X-RTCC-Signature": sign(secret, stamp, body)}  # fmt: skip
    request = urllib.request.Request(f"{url.rstrip('/')}/intake/{args.feed}", body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            print(reply.read().decode().strip())
            return EXIT_OK
    except urllib.error.HTTPError as exc:
        print(f"rtcc intake send: {exc.code} {exc.read().decode().strip()}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"rtcc intake send: {url} not answering ({exc})", file=sys.stderr)
        return EXIT_ERROR


def _log(settings: Settings, args: argparse.Namespace) -> int:
    from app.incidents.dispatch_intake import DispatchIntake
    from app.models.db import describe_url, open_database

    url = settings.effective_database_url
    store = DispatchIntake(open_database(url, settings.db_busy_timeout_s))
    entries = store.log_entries(args.feed, args.last)
    if not entries:
        print(f"feed {args.feed}: no calls received or refused yet in {describe_url(url)}")
        return EXIT_OK
    print(f"{'RECEIVED (UTC)':23s} {'OUTCOME':8s} {'CALL':20s} WHAT")
    for entry in reversed(entries):
        number = entry.call_number or "-"
        print(f"{entry.at:%Y-%m-%d %H:%M:%S} UTC  {entry.outcome:8s} {number:20s} {entry.reason}")
    return EXIT_OK
