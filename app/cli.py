"""The ``rtcc`` command line: the console, the demo, the simulator, the registry, benchmarks.

Subcommands that need no window never import Qt, so they run on a headless server.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__, cli_bench
from app.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from app.console.actor import Actor
    from app.governance.roles import Action

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_FORBIDDEN = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rtcc", description="Real-Time Crime Center operator console")
    p.add_argument("--version", action="version", version=f"rtcc {__version__}")
    p.add_argument("--database", metavar="URL", help="database URL (overrides RTCC_DATABASE_URL and config)")
    p.add_argument(
        "--demo", action="store_true", help="use the demo's database (demo.sqlite, as `rtcc demo` fills it)"
    )
    p.add_argument(
        "--user",
        default=None,
        help="sign in as this person (or RTCC_USER; password from RTCC_PASSWORD "
        "or a prompt); needed once accounts exist",
    )
    sub = p.add_subparsers(dest="command")

    for add_group in (_add_service_parsers, _add_evidence_parsers, _add_oversight_parsers,
                      _add_registry_parsers, cli_bench.add_parser):  # fmt: skip
        add_group(sub)
    return p


def _add_service_parsers(sub: argparse._SubParsersAction) -> None:
    """The console, the demo, the simulator and the media service."""
    sub.add_parser("console", help="open the console (the default)")
    demo = sub.add_parser("demo", help="start the camera simulator and open the console on the sample city")
    demo.add_argument("--cameras", type=int, default=None, help="number of simulated cameras (default 200)")

    sim = sub.add_parser("simulate", help="serve simulated RTSP cameras")
    sim.add_argument("--cameras", type=int, default=4)
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=None, help="RTSP port (0 picks a free one)")
    sim.add_argument("--labels", type=Path, help="text file, one camera name per line, burned into the video")
    sim.add_argument("--fps", type=int, default=15, help="frames per second of every stream")
    sim.add_argument(
        "--shared-encoder",
        action="store_true",
        help="one encoder per stream kind feeds every camera (benchmarks; every camera shows one picture)",
    )
    sim.add_argument(
        "--misbehave", action="append", default=[], metavar="N:SWITCHES",
        help="camera N misbehaves: offset=S (clock S seconds ahead), drift=S (gains S seconds a minute), "
        "slow=K (delivers 1 frame in K, stamped as if all); e.g. 2:offset=7200,drift=1",
    )  # fmt: skip
    sim.add_argument("--exit-with-stdin", action="store_true", help=argparse.SUPPRESS)

    for name, text in (
        ("media", "run the media service: pull each camera once, relay it live"),
        ("record", "run the media service and record (same as: media --record)"),
    ):
        media = sub.add_parser(name, help=text)
        media.add_argument("--host", default=None, help="address to serve on (default from settings)")
        media.add_argument("--port", type=int, default=None, help="HTTP port (0 picks a free one)")
        media.add_argument(
            "--record", action="store_true", help="also record every camera whose terms allow it"
        )
        media.add_argument("--segment-seconds", type=float, default=60.0, help="length of recorded segments")
        media.add_argument("--record-limit", type=int, default=0, help="record at most N cameras (0: all)")
        media.add_argument("--recordings", default="", help="recordings folder (default from settings)")
        media.add_argument("--divisions", default=None,
                           help="serve and record only these divisions' cameras, comma-separated "
                                "(default from settings; empty: every camera)")  # fmt: skip
        media.add_argument(
            "--name", default="", help="this service's name in the directory (default host:port)"
        )
        media.add_argument("--exit-with-stdin", action="store_true", help=argparse.SUPPRESS)


def _add_evidence_parsers(sub: argparse._SubParsersAction) -> None:
    """Cases, exports, package checks and the owners' footage requests."""
    ver = sub.add_parser("verify", help="verify a case package (exit 0 valid, 1 tampered, 2 incomplete)")
    ver.add_argument("package", type=Path, help="package folder or .zip")
    ver.add_argument(
        "--trusted-key",
        action="append",
        default=None,
        metavar="FINGERPRINT",
        help="accept only these signing-key fingerprints (repeatable)",
    )
    key = sub.add_parser(
        "signing-key", help="the agency key that signs evidence packages and log checkpoints"
    )
    keysub = key.add_subparsers(dest="action", required=True)
    kshow = keysub.add_parser(
        "show", help="where the key is kept and its fingerprint (creates it on first use)"
    )
    kshow.add_argument("--public-key", type=Path, default=None, metavar="FILE",
                       help="also write the public key (PEM) here, to publish it")  # fmt: skip
    keysub.add_parser("move-to-keyring", help="move a key kept in the data folder's file into the OS keyring")
    rev = sub.add_parser("review", help="open a case package read-only for offline review")
    rev.add_argument("package", type=Path, help="package folder or .zip")
    case = sub.add_parser("case", help="cases: footage held for evidence")
    casesub = case.add_subparsers(dest="action", required=True)
    casesub.add_parser("list", help="every case, newest first, with its footage windows")
    ccreate = casesub.add_parser("create", help="open a case")
    ccreate.add_argument("number")
    ccreate.add_argument("--title", default="")
    cwin = casesub.add_parser(
        "add-window", help="put a camera's recording into a case (places it on legal hold)"
    )
    cwin.add_argument("number")
    cwin.add_argument("--camera", required=True, help="camera name")
    cwin.add_argument("--start", required=True, help="ISO 8601 time with zone, e.g. 2026-11-25T19:30:00Z")
    cwin.add_argument("--end", required=True)
    cwin.add_argument("--note", default="")
    cwin.add_argument(
        "--incident",
        default="",
        help="the incident it is looked at under (its place and time bound what it covers)",
    )
    cwins = casesub.add_parser("windows", help="a case's footage windows, each with the id to remove it by")
    cwins.add_argument("number")
    crem = casesub.add_parser(
        "remove-window", help="take a footage window out of its case and lift its legal hold (supervisors)"
    )
    crem.add_argument("window", type=int, help="the window's id (rtcc case windows NUMBER)")
    crem.add_argument("--reason", required=True, help="why: court order, duplicate, entered in error")
    exp = sub.add_parser("export", help="export a case as a signed, verified package")
    exp.add_argument("number", help="case number")
    exp.add_argument("--to", required=True, type=Path, help="target folder (USB drive or network share)")
    exp.add_argument("--zip", action="store_true", help="also write the package as one .zip")
    exp.add_argument("--exact", action="store_true", help="re-encode working copies exactly to the marks")
    exp.add_argument(
        "--watermark", action="store_true", help="burn case, user and workstation into working copies"
    )

    req = sub.add_parser("request", help="footage requests to owners of recorded-on-request cameras")
    reqsub = req.add_subparsers(dest="action", required=True)
    radd = reqsub.add_parser("add", help="ask an owner for a stretch of footage")
    radd.add_argument("--camera", required=True, help="camera name")
    radd.add_argument("--start", required=True, help="ISO 8601 time with zone")
    radd.add_argument("--end", required=True)
    for name in ("--incident", "--case", "--reason"):
        radd.add_argument(name, default="", help="the stated purpose (one of these)")
    radd.add_argument(
        "--basis", default="", help="the legal basis, one of the program's (e.g. 'warrant 26-SW-0412')"
    )
    for verb in ("approve", "deny"):
        rdec = reqsub.add_parser(verb, help=f"record that the owner answered: {verb}")
        rdec.add_argument("id", type=int)
        rdec.add_argument("--owner-person", required=True, help="who at the owner's side answered")
        rdec.add_argument("--at", default=None, help="when they answered (ISO 8601; default now)")
    reqsub.add_parser("list", help="list requests and their answers")


def _add_oversight_parsers(sub: argparse._SubParsersAction) -> None:
    """Incidents, people, the audit log, reports, policy."""
    inc = sub.add_parser("incident", help="incidents")
    incsub = inc.add_subparsers(dest="action", required=True)
    iclose = incsub.add_parser("close", help="close an incident (ends owners' incident-only live windows)")
    iclose.add_argument("number")
    iclose.add_argument(
        "--disposition", default="", help="how it ended: report taken, arrest made, unfounded…"
    )
    ireopen = incsub.add_parser("reopen", help="open a closed incident again")
    ireopen.add_argument("number")

    users = sub.add_parser("users", help="local accounts and roles")
    usub = users.add_subparsers(dest="action", required=True)
    uadd = usub.add_parser("add", help="add a person (password from RTCC_NEW_PASSWORD or a prompt)")
    uadd.add_argument("username")
    uadd.add_argument("--full-name", required=True)
    uadd.add_argument(
        "--role", required=True, help="operator, supervisor, evidence_technician, auditor, administrator"
    )
    uadd.add_argument("--reports-to", default="", help="whom this person reports to (a user name)")
    usub.add_parser("list", help="list accounts")
    urole = usub.add_parser("set-role", help="change a person's role")
    urole.add_argument("username")
    urole.add_argument("role")
    audit = sub.add_parser("audit", help="the hash-chained audit log")
    asub = audit.add_subparsers(dest="action", required=True)
    asub.add_parser("verify", help="check the chain (exit 0 intact, 1 broken)")
    aexp = asub.add_parser("export", help="write entries as CSV (formula cells neutralised)")
    aexp.add_argument("path", type=Path)
    for name in ("--person", "--camera", "--case"):
        aexp.add_argument(name, default="")
    aexp.add_argument("--since", default=None, help="ISO 8601 time")
    aexp.add_argument("--until", default=None, help="ISO 8601 time")
    from app.cli_oversight import add_audit_parsers, add_justify_parser

    add_audit_parsers(asub)
    add_justify_parser(sub)

    from app.cli_log import add_parser as add_log
    from app.cli_policy import add_parser as add_policy
    from app.cli_reports import add_parser as add_report

    add_report(sub)
    add_log(sub)
    add_policy(sub)


def _add_registry_parsers(sub: argparse._SubParsersAction) -> None:
    """The camera registry, what retention deleted, the gazetteer."""
    ret = sub.add_parser("retention", help="what retention deleted")
    rsub = ret.add_subparsers(dest="action", required=True)
    rrep = rsub.add_parser("report", help="list purged segments: camera, times, when deleted, why")
    rrep.add_argument("--since", default=None, help="ISO 8601 time")

    cams = sub.add_parser("cameras", help="the camera registry")
    csub = cams.add_subparsers(dest="action", required=True)
    add = csub.add_parser("add", help="register a camera")
    for name in (
        "name",
        "owner-name",
        "owner-type",
        "latitude",
        "longitude",
        "heading-deg",
        "fov-deg",
        "range-m",
        "main-url",
        "sharing-terms",
    ):
        add.add_argument(f"--{name}", required=True)
    for name in (
        "owner-contact",
        "sub-url",
        "consent-granted-at",
        "consent-revoked-at",
        "retention-days",
        "status",
        "division",
        "notes",
    ):
        add.add_argument(f"--{name}", default="")
    lst = csub.add_parser("list", help="list cameras")
    lst.add_argument("--json", action="store_true")
    imp = csub.add_parser("import", help="import cameras (and divisions) from CSV or GeoJSON; all or nothing")
    imp.add_argument("path", type=Path)
    exp = csub.add_parser("export", help="export cameras to CSV or GeoJSON (never credentials)")
    exp.add_argument("path", type=Path)
    ret = csub.add_parser("retire", help="retire a camera (kept for evidence, never pulled)")
    ret.add_argument("name")
    con = csub.add_parser(
        "consent",
        help="record an owner's consent or its revocation (a revocation stops live video and recording)",
    )
    con.add_argument("name")
    given = con.add_mutually_exclusive_group(required=True)
    given.add_argument("--granted-at", help="ISO 8601 time with zone the owner gave consent")
    given.add_argument("--revoked-at", help="ISO 8601 time with zone the owner revoked it")

    from app.intake.commands import add_parser as add_intake

    add_intake(sub)
    gaz = sub.add_parser("gazetteer", help="the offline address gazetteer for incidents")
    gsub = gaz.add_subparsers(dest="action", required=True)
    gimp = gsub.add_parser(
        "import", help="replace the gazetteer with a CSV (address, lat, lon); all or nothing"
    )
    gimp.add_argument("path", type=Path)
    gfind = gsub.add_parser("find", help="look an address up")
    gfind.add_argument("query")


def main(argv: Sequence[str] | None = None) -> int:
    from app.models.db import closing_databases

    with closing_databases():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"rtcc: configuration error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.database or args.demo:
        from app.config import with_overrides

        settings = with_overrides(settings, database_url=args.database or settings.demo_database_url)

    command = args.command or "console"
    if getattr(args, "exit_with_stdin", False):
        # A child service: if it crashes in native code, its parent shows where.
        faulthandler.enable()
    if command == "simulate":
        from app.video.misbehaviour import MisbehaviourError, parse_camera_switch

        try:
            misbehaving = dict(parse_camera_switch(text) for text in args.misbehave)
        except MisbehaviourError as exc:
            print(f"rtcc simulate: --misbehave {exc}", file=sys.stderr)
            return 2
        from app.video.simulator import run

        port = settings.simulator_port if args.port is None else args.port
        return run(args.cameras, args.host, port, args.labels, exit_on_eof=args.exit_with_stdin, fps=args.fps,
                   shared_encoder=args.shared_encoder, misbehaving=misbehaving)  # fmt: skip
    if command == "bench":
        from app import cli_bench

        return cli_bench.run(args)

    from app.logging_setup import setup_logging

    setup_logging(settings.log_dir, settings.log_level)
    if command == "verify":
        return _verify(args)
    if command in GOVERNED:
        from app.governance.roles import Forbidden

        try:
            args.actor = _sign_in(settings, args, _needs(command, args))
        except (Forbidden, NoTerminal) as exc:
            print(f"rtcc {command}: not allowed: {exc}", file=sys.stderr)
            return EXIT_FORBIDDEN
    return COMMANDS.get(command, _console)(settings, args)


def _lazy(module: str, name: str) -> Handler:
    """A handler in a module imported only when its command runs (the console's Qt, the reports'
    PDF and the intake's web server stay out of every other command's start)."""

    def run(settings: Settings, args: argparse.Namespace) -> int:
        import importlib

        handler: Handler = getattr(importlib.import_module(module), name)
        return handler(settings, args)

    return run


def _media_or_record(settings: Settings, args: argparse.Namespace) -> int:
    args.record = args.record or args.command == "record"
    return _media(settings, args)


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from app.main import run_console, run_demo, run_review

    if args.command == "demo":
        return run_demo(settings, cameras=args.cameras)
    if args.command == "review":
        return run_review(settings, args.package)
    return run_console(settings)


Handler = Callable[[Settings, argparse.Namespace], int]
# Each command's handler, after sign-in (the role it needs: GOVERNED); a command not listed
# opens the console.
COMMANDS: dict[str, Handler] = {
    "users": lambda settings, args: _users(settings, args),
    "request": lambda settings, args: _requests(settings, args, "request"),
    "incident": lambda settings, args: _requests(settings, args, "incident"),
    "retention": lambda settings, args: _retention(settings, args),
    "report": _lazy("app.cli_reports", "run"),
    "log": _lazy("app.cli_log", "run"),
    "justify": _lazy("app.cli_oversight", "run_justify"),
    "policy": _lazy("app.cli_policy", "run"),
    "audit": lambda settings, args: _audit(settings, args),
    "case": lambda settings, args: _case(settings, args, "case"),
    "export": lambda settings, args: _case(settings, args, "export"),
    "cameras": lambda settings, args: _cameras(settings, args),
    "gazetteer": lambda settings, args: _gazetteer(settings, args),
    "intake": _lazy("app.intake.commands", "run"),
    "signing-key": lambda settings, args: _signing_key(settings, args),
    "media": _media_or_record,
    "record": _media_or_record,
}


def _which_db(settings: Settings) -> str:
    """Which registry a command read, so a name that is not found points at the right fix (the
    demo's cameras are in its own database: --demo)."""
    from app.models.db import describe_url

    url = settings.effective_database_url
    hint = (
        ""
        if url == settings.demo_database_url
        else "; the demo's cameras are in its own database: add --demo"
    )
    return f"the registry at {describe_url(url)}{hint}"


# The commands that need a person whose role allows them (once accounts exist).
GOVERNED = frozenset({"export", "case", "users", "audit", "retention", "report", "log", "policy", "justify",
                      "cameras", "request", "incident", "signing-key"})  # fmt: skip


def _needs(command: str, args: argparse.Namespace) -> frozenset[Action]:
    """What a command needs of the role table: the actions its use case names (the role table's
    answer for the use case, as the console's menus ask it), or one action where no use case
    stands behind the command (accounts, the signing key, the retention report, reading lists);
    nothing: anyone signed in."""
    from app.console import use_cases as uc
    from app.governance.roles import Action

    sub = getattr(args, "action", None)
    per_action: dict[str, dict[str | None, Any]] = {
        "export": {sub: uc.export_case},
        "case": {"list": Action.VIEW_RECORDINGS, "windows": Action.VIEW_RECORDINGS, "create": uc.create_case,
                 "add-window": uc.add_to_case, "remove-window": uc.remove_from_case},
        "users": {"add": Action.MANAGE_USERS, "set-role": Action.MANAGE_USERS},
        "audit": {"verify": uc.verify_audit_log, "export": uc.export_audit, "anomalies": uc.review_anomalies,
                  "dismiss": uc.dismiss_anomaly},
        "retention": {sub: Action.READ_AUDIT},
        "report": {"public": uc.publish_public_report, "check": uc.check_public_report,
                   "owner": uc.make_owner_report, "divisions": uc.division_report},
        "log": {"checkpoint": uc.sign_checkpoint, "witness": uc.witness_checkpoint},
        "policy": {"set": uc.set_policy},
        "justify": {"approve": uc.decide_justification, "deny": uc.decide_justification},
        "cameras": {"add": uc.register_camera, "import": uc.import_cameras, "retire": uc.retire_camera,
                    "consent": uc.record_consent},
        "request": {"add": uc.request_footage, "approve": uc.record_owner_answer,
                    "deny": uc.record_owner_answer},
        "incident": {"close": uc.close_incident, "reopen": uc.reopen_incident},
        "signing-key": {"move-to-keyring": Action.MANAGE_SIGNING_KEY},
    }  # fmt: skip
    need = per_action.get(command, {}).get(sub)
    if need is None:
        return frozenset()
    return frozenset({need}) if isinstance(need, Action) else uc.needs(need)


def _sign_in(settings: Settings, args: argparse.Namespace, needs: frozenset[Action]) -> Actor:
    """Once any account exists, a governed command needs a person whose role allows it.

    Before the first account (a single workstation, the demo) commands run as the OS account;
    the first account added should be an administrator. Every sign-in, failure and refusal is
    audited.
    """
    import os

    from app.console.actor import Actor
    from app.governance import audit
    from app.governance.accounts import AccountStore
    from app.governance.identity import current_user, sign_in
    from app.governance.roles import Forbidden, Role, require
    from app.models.db import open_database

    sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
    accounts = AccountStore(sessions)
    if accounts.count() == 0:
        return Actor.before_accounts(current_user())
    username = args.user or os.environ.get("RTCC_USER", "")
    if not username:
        raise Forbidden("sign in with --user NAME (or RTCC_USER); every action is recorded under a person")
    password = os.environ.get("RTCC_PASSWORD") or _ask_password(f"password for {username}: ", "RTCC_PASSWORD")
    account = accounts.authenticate(username, password)
    if account is None:
        audit.record(sessions, "sign-in failed", target_type="user", target_id=username, user=username)
        raise Forbidden(f"user name or password not accepted for {username!r}")
    audit.record(
        sessions,
        "sign-in",
        target_type="user",
        target_id=username,
        user=username,
        details=f"command line: rtcc {args.command}",
    )
    sign_in(account.username)
    actor = Actor(account.username, Role(account.role))
    for action in sorted(needs):
        try:
            require(account.role, action, account.username)
        except Forbidden:
            audit.record(sessions, "refused", details=f"{account.role}: {action}", user=account.username)
            raise
    return actor


class NoTerminal(RuntimeError):
    """A password is needed and there is no terminal to ask it on."""


def _ask_password(prompt: str, variable: str) -> str:
    import getpass

    if not sys.stdin or not sys.stdin.isatty():
        raise NoTerminal(f"a password is needed and there is no terminal to ask it on; set {variable}")
    return getpass.getpass(prompt)


def _users(settings: Settings, args: argparse.Namespace) -> int:
    import os

    from app.governance.accounts import AccountError, AccountStore
    from app.models.db import open_database

    accounts = AccountStore(open_database(settings.effective_database_url, settings.db_busy_timeout_s))
    try:
        if args.action == "list":
            people = accounts.list()
            if not people:
                print("no accounts yet: commands and the console run as this machine's user with every "
                      "right; add an administrator first (rtcc users add NAME --full-name ... --role "
                      "administrator)")  # fmt: skip
                return EXIT_OK
            print(f"{'USER':20} {'ROLE':20} NAME")
            for a in people:
                print(
                    f"{a.username:20} {a.role.value:20} {a.display_name}{'' if a.active else '  (disabled)'}"
                )
            return EXIT_OK
        if args.action == "add":
            password = os.environ.get("RTCC_NEW_PASSWORD") or _ask_password(
                f"new password for {args.username}: ", "RTCC_NEW_PASSWORD"
            )
            account = accounts.add(args.username, args.full_name, args.role, password, args.reports_to)
            print(f"added {account.username} ({account.role.value})")
            return EXIT_OK
        account = accounts.set_role(args.username, args.role)
        print(f"{account.username} is now {account.role.value}")
        return EXIT_OK
    except (AccountError, NoTerminal) as exc:
        print(f"rtcc users: {exc}", file=sys.stderr)
        return EXIT_INVALID


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime

    from app.console import use_cases
    from app.models.db import open_database

    sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
    if args.action in ("anomalies", "dismiss"):
        from app.cli_oversight import run_audit

        return run_audit(settings, args)
    if args.action == "verify":
        check = use_cases.verify_audit_log(sessions, args.actor)
        if check.intact:
            print(f"audit log intact: {check.entries} entries; head {check.head}")
            return EXIT_OK
        print(
            f"audit log BROKEN at entry {check.first_bad} of {check.entries}: altered, removed, inserted or "
            f"reordered; last good hash {check.head}"
        )
        return EXIT_ERROR

    def when(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None

    which = use_cases.AuditFilter(args.person, args.camera, args.case, when(args.since), when(args.until))
    count = use_cases.export_audit(sessions, args.actor, args.path, which)
    print(f"{count} audit entries written to {args.path}")
    return EXIT_OK


def _requests(settings: Settings, args: argparse.Namespace, command: str) -> int:
    from datetime import datetime

    from app.console import use_cases
    from app.governance.purpose import Purpose
    from app.governance.requests import FootageRequests, RequestError, RequestNotFound
    from app.incidents.service import IncidentError, IncidentNotFound
    from app.models.db import DatabaseError, open_database
    from app.registry.service import Registry

    def when(text: str) -> datetime:
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise RequestError(f"{text!r} is not an ISO 8601 time such as 2026-11-25T19:30:00Z") from None
        if value.tzinfo is None:
            raise RequestError(f"{text!r} has no time zone; add Z or an offset such as -08:00")
        return value

    try:
        sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
        if command == "incident" and args.action == "reopen":
            use_cases.reopen_incident(sessions, args.actor, args.number)
            print(f"incident {args.number} reopened")
            return EXIT_OK
        if command == "incident":
            closed = use_cases.close_incident(sessions, args.actor, args.number, args.disposition)
            print(
                f"incident {args.number} closed" + (f": {closed.disposition}" if closed.disposition else "")
            )
            return EXIT_OK
        book = FootageRequests(sessions)
        if args.action == "add":
            camera = next((c for c in Registry(sessions).list_cameras() if c.name == args.camera), None)
            if camera is None:
                raise RequestError(f"no camera named {args.camera!r} in {_which_db(settings)}")
            purpose = Purpose(args.incident, args.case, args.reason, args.basis)
            row = use_cases.request_footage(sessions, args.actor, camera.id, when(args.start), when(args.end),
                                            purpose)  # fmt: skip
            print(f"request {row.id} for {row.camera_name} recorded; pending the owner's answer")
        elif args.action in ("approve", "deny"):
            at = when(args.at) if args.at else None
            row = use_cases.record_owner_answer(sessions, args.actor, args.id, args.action == "approve",
                                                args.owner_person, at)  # fmt: skip
            print(f"request {row.id} {row.status} by {row.owner_decided_by} (recorded by {row.marked_by})")
        else:
            for r in book.list():
                answer = f"{r.status} by {r.owner_decided_by}" if r.owner_decided_by else r.status
                print(
                    f"{r.id:4d}  {r.camera_name:32.32s}  {r.start_at:%Y-%m-%d %H:%M}-{r.end_at:%H:%M} UTC  "
                    f"{answer}  ({r.purpose})"
                )
    except use_cases.Refused as exc:
        print(f"rtcc {command}: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    except (RequestNotFound, IncidentNotFound) as exc:  # a name that does not exist is bad input
        print(f"rtcc {command} {args.action}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (RequestError, IncidentError, DatabaseError) as exc:
        print(f"rtcc {command} {args.action}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _retention(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime

    from app.models.db import open_database
    from app.video.retention import purge_report

    since = datetime.fromisoformat(args.since.replace("Z", "+00:00")) if args.since else None
    rows = purge_report(open_database(settings.effective_database_url, settings.db_busy_timeout_s), since)
    for r in rows:
        span = f"{r.start_at:%Y-%m-%d %H:%M:%S}-{r.end_at:%H:%M:%S}" if r.start_at and r.end_at else "?"
        print(
            f"{r.deleted_at:%Y-%m-%d %H:%M} UTC  {r.camera}  {span} UTC  sha256 {r.sha256[:16]}…  {r.reason}"
        )
    print(f"{len(rows)} segment(s) purged")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from app.evidence.verify import verify_package

    verdict = verify_package(args.package, set(args.trusted_key) if args.trusted_key else None)
    print(verdict.summary())
    return verdict.exit_code


def _case(settings: Settings, args: argparse.Namespace, command: str) -> int:
    from datetime import datetime

    from app.console import use_cases
    from app.evidence.cases import CaseError, CaseStore
    from app.evidence.export import ExportError, ExportOptions, ExportProgress
    from app.governance.purpose import Purpose
    from app.models.db import DatabaseError, open_database
    from app.registry.service import Registry

    def when(text: str) -> datetime:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise CaseError(f"{text!r} is not an ISO 8601 time such as 2026-11-25T19:30:00Z") from None

    progress_shown: list[bool] = []  # a progress line was drawn (with \r): end it before anything else

    def show(p: ExportProgress) -> None:
        progress_shown[:] = [True]
        done, total, rate = p.done / 1e6, p.total / 1e6, p.rate_bps / 1e6
        print(
            f"\r{p.phase}: {done:,.1f} of ~{total:,.1f} MB, {rate:.1f} MB/s{p.left}   ",
            end="",
            file=sys.stderr,
        )

    try:
        sessions = open_database(settings.effective_database_url, settings.db_busy_timeout_s)
        store = CaseStore(sessions)
        if command == "case" and args.action == "list":
            cases = store.summaries()
            if not cases:
                print("no cases yet: `rtcc case create NUMBER`, or 'To case…' in the recordings view")
            for c in cases:
                opened = f"{c.created_at:%Y-%m-%d %H:%M} UTC by {c.created_by or '-'}"
                print(f"{c.number:24} {c.status:8} {c.windows:3} window(s)  opened {opened}  {c.title}")
            return EXIT_OK
        if command == "case" and args.action == "create":
            use_cases.create_case(sessions, args.actor, args.number, args.title)
            print(f"case {args.number} opened")
            return EXIT_OK
        if command == "case" and args.action == "remove-window":
            lifted = use_cases.remove_from_case(sessions, args.actor, args.window, args.reason)
            print(f"window {args.window} taken out of its case; {lifted} segment(s) no longer on legal hold")
            return EXIT_OK
        case_id = store.find(args.number)
        if case_id is None:
            raise CaseError(f"no case {args.number}; open it with `rtcc case create {args.number}`")
        if command == "case" and args.action == "windows":
            windows = store.windows(case_id)
            for w in windows:
                span = f"{w.start_at:%Y-%m-%d %H:%M:%S} - {w.end_at:%H:%M:%S} UTC"
                print(f"{w.id:6d}  {w.camera_name:32.32s}  {span}  {len(w.segment_ids)} segment(s)  {w.note}")
            print(f"{len(windows)} window(s) in case {args.number}")
            return EXIT_OK
        if command == "case":
            camera = next((c for c in Registry(sessions).list_cameras() if c.name == args.camera), None)
            if camera is None:
                raise CaseError(f"no camera named {args.camera!r} in {_which_db(settings)}")
            viewed_under = Purpose.of_incident(args.incident) if args.incident else None
            use_cases.add_to_case(sessions, args.actor, args.number, camera, when(args.start), when(args.end),
                                  args.note, viewed_under)  # fmt: skip
            print(f"footage of {camera.name} added to case {args.number}; its segments are on legal hold")
            return EXIT_OK
        options = ExportOptions(
            zip=args.zip, exact=args.exact, watermark=args.watermark,
            time_zone=settings.effective_time_zone, key_dir=settings.data_dir,
        )  # fmt: skip
        result = use_cases.export_case(sessions, args.actor, args.number, settings.effective_recordings_dir,
                                       args.to, options=options, progress=show)  # fmt: skip
        print(file=sys.stderr)
        print(f"exported {result.bytes:,} bytes in {result.seconds:.1f} s to {result.path}")
        print(f"signed with the agency key in {result.signed_with}")
        print(result.verdict.summary())
        return EXIT_OK
    except use_cases.Refused as exc:
        print(f"rtcc {command}: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    except (CaseError, ExportError) as exc:
        if progress_shown:
            print(file=sys.stderr)
        print(f"rtcc {command}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except DatabaseError as exc:
        print(f"rtcc {command}: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _signing_key(settings: Settings, args: argparse.Namespace) -> int:
    from app.evidence.signing import SigningError, agency_key, move_to_keyring
    from app.governance import audit
    from app.governance.keys import fingerprint, public_pem
    from app.models.db import open_database

    try:
        if args.action == "show":
            held = agency_key(settings.data_dir)
        else:
            held = move_to_keyring(settings.data_dir)
            audit.record(
                open_database(settings.effective_database_url, settings.db_busy_timeout_s),
                "signing key moved",
                target_type="signing key",
                target_id=fingerprint(held.key.public_key()),
                details=f"from {settings.data_dir} into {held.where}",
            )
    except SigningError as exc:
        print(f"rtcc signing-key: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"{'created in' if held.created else 'kept in'} {held.where}")
    print(f"fingerprint {fingerprint(held.key.public_key())}")
    if getattr(args, "public_key", None) is not None:
        args.public_key.write_bytes(public_pem(held.key.public_key()))
        print(f"public key written to {args.public_key}")
    return EXIT_OK


def _gazetteer(settings: Settings, args: argparse.Namespace) -> int:
    from app.models.db import DatabaseError, open_database
    from app.registry.gazetteer import GazetteerError, OfflineGazetteer

    try:
        gazetteer = OfflineGazetteer(
            open_database(settings.effective_database_url, settings.db_busy_timeout_s)
        )
        if args.action == "import":
            print(f"imported {gazetteer.import_csv(args.path)} place(s) from {args.path}")
            return EXIT_OK
        matches = gazetteer.lookup(args.query)
        if not matches:
            print(f"rtcc gazetteer: no place matches {args.query!r} (the gazetteer holds "
                  f"{len(gazetteer.all()):,} places)", file=sys.stderr)  # fmt: skip
            return EXIT_ERROR
        for match in matches:
            print(f"{match.latitude:.6f}, {match.longitude:.6f}  {match.address}")
        return EXIT_OK
    except GazetteerError as exc:
        print(f"rtcc: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except DatabaseError as exc:
        print(f"rtcc: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _media(settings: Settings, args: argparse.Namespace) -> int:
    import threading

    from app.models.db import DatabaseError, open_database
    from app.native_memory import limit_arenas
    from app.video.media_directory import parse_divisions
    from app.video.media_service import MediaService

    limit_arenas()  # before any thread starts: threads come and go here (viewers, relays, recorders)
    host = args.host or settings.media_host
    port = settings.media_port if args.port is None else args.port
    try:
        divisions = parse_divisions(settings.media_divisions if args.divisions is None else args.divisions)
        service = MediaService(
            open_database(settings.effective_database_url, settings.db_busy_timeout_s), host, port,
            divisions=divisions, name=args.name,
        )  # fmt: skip
    except DatabaseError as exc:
        print(f"rtcc media: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"rtcc media: cannot serve on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    if args.exit_with_stdin:

        def watch_parent() -> None:
            for _ in sys.stdin:
                pass
            service.stop_serving()

        threading.Thread(target=watch_parent, daemon=True).start()
    if args.record:
        root = Path(args.recordings) if args.recordings else settings.effective_recordings_dir
        from app.video.clock_watch import ClockLimits

        limits = ClockLimits(
            max_offset_s=settings.clock_max_offset_seconds,
            max_drift_s_per_min=settings.clock_max_drift_seconds_per_minute,
            rate_tolerance=settings.clock_rate_tolerance,
            max_step_s=settings.clock_max_jump_seconds,
            probation_s=settings.clock_probation_seconds,
        )
        service.start_recording(root, args.segment_seconds, limit=args.record_limit, clock_limits=limits)
        log.info("recording into %s, %s s segments", root, args.segment_seconds)
    _stop_cleanly_on_signals(service)
    print(f"READY {service.base_url}", flush=True)
    log.info("media service on %s", service.base_url)
    try:
        service.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        # Every open segment is closed, hashed and indexed; every open view ends and is audited,
        # then the server stops.
        service.close()
    log.info("media service stopped")
    return EXIT_OK


def _stop_cleanly_on_signals(service: Any) -> None:
    """SIGTERM (a service manager's stop) and SIGINT end the service the way its own exit does.
    Without a handler SIGTERM killed it at once: the last seconds of every recording were lost
    and the open segments stayed unindexed until the next start."""
    import signal

    def stop(signum: int, _frame: Any) -> None:
        log.info("media service: %s received, stopping", signal.Signals(signum).name)
        service.stop_serving()  # returns at once: serve_forever then closes the service

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


NUMERIC_FIELDS = {"latitude": float, "longitude": float, "heading_deg": float, "fov_deg": float,
                  "range_m": float, "retention_days": int}  # fmt: skip


def _typed_fields(fields: dict[str, str]) -> dict[str, Any]:
    """A camera's fields for JSON: numbers as numbers (they were strings), empty ones as null."""
    out: dict[str, Any] = dict(fields)
    for name, kind in NUMERIC_FIELDS.items():
        value = fields.get(name, "")
        out[name] = kind(value) if value not in ("", None) else None
    return out


def _utc_or_none(text: str | None) -> datetime | None:
    """An ISO 8601 time with its zone, as given on the command line; ValueError names it."""
    if not text:
        return None
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"{text}: give the time zone too, e.g. 2026-11-25T19:30:00Z")
    return when.astimezone(UTC)


def _cameras(settings: Settings, args: argparse.Namespace) -> int:
    from app.console import use_cases
    from app.models.db import DatabaseError, open_database
    from app.registry.records import validate_camera
    from app.registry.service import ImportFailed, Registry, RegistryError

    try:
        registry = Registry(open_database(settings.effective_database_url, settings.db_busy_timeout_s))
        if args.action == "add":
            fields = {k: v for k, v in vars(args).items() if k not in ("command", "action", "database")}
            rec, errors = validate_camera(fields)
            if rec is None:
                for e in errors:
                    print(f"rtcc: {e}", file=sys.stderr)
                return EXIT_INVALID
            row = use_cases.register_camera(registry.sessions, args.actor, rec)
            print(f"registered camera '{row.name}' (#{row.id})")
        elif args.action == "list":
            rows = registry.list_cameras()
            if args.json:
                print(json.dumps([_typed_fields(r.to_fields()) | {"id": r.id} for r in rows], indent=1))
            elif not rows:
                print(f"no cameras in {_which_db(settings)} (rtcc cameras add, or cameras import FILE)")
            else:
                print(f"{'ID':>6s}  {'NAME':40s}  {'OWNER TYPE':13s}  {'SHARING TERMS':19s}  STATUS")
                for r in rows:
                    print(
                        f"{r.id:6d}  {r.name:40.40s}  {r.owner_type:13s}  {r.sharing_terms:19s}  {r.status}"
                    )
                print(f"{len(rows)} camera(s)")
        elif args.action == "import":
            report = use_cases.import_cameras(registry.sessions, args.actor, args.path)
            print(f"imported {report.cameras} camera(s) and {report.divisions} division(s) from {args.path}")
        elif args.action == "export":
            count = registry.export_file(args.path)
            print(f"exported {count} camera(s) to {args.path}")
        elif args.action == "retire":
            match = [r for r in registry.list_cameras() if r.name == args.name]
            if not match:
                print(f"rtcc: no camera named '{args.name}' in {_which_db(settings)}", file=sys.stderr)
                return EXIT_INVALID
            use_cases.retire_camera(registry.sessions, args.actor, match[0].id)
            print(f"retired camera '{args.name}'")
        elif args.action == "consent":
            match = [r for r in registry.list_cameras() if r.name == args.name]
            if not match:
                print(f"rtcc: no camera named '{args.name}' in {_which_db(settings)}", file=sys.stderr)
                return EXIT_INVALID
            granted, revoked = _utc_or_none(args.granted_at), _utc_or_none(args.revoked_at)
            current = match[0]
            row = use_cases.record_consent(registry.sessions, args.actor, current.id, revoked_at=revoked,
                                           granted_at=granted)  # fmt: skip
            what = (
                f"revoked at {revoked:%Y-%m-%d %H:%M} UTC"
                if revoked
                else f"granted at {granted:%Y-%m-%d %H:%M} UTC"
            )
            print(f"consent for '{row.name}' {what}")
    except use_cases.Refused as exc:
        print(f"rtcc cameras: not allowed: {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    except ImportFailed as exc:
        print(f"rtcc: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (RegistryError, DatabaseError, ValueError) as exc:
        print(f"rtcc: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK
