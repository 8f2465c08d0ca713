"""``rtcc bench NAME``: one table of the benchmarks, their options and what each runs, printed as
JSON (and written to ``--output`` where a benchmark offers it). Each benchmark's module is
imported only when it runs."""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_OK = 0


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]
    settings: dict[str, Any]


def opt(*flags: str, **settings: Any) -> Option:
    return Option(flags, settings)


OUTPUT = opt("--output", type=Path, default=None, help="also write the JSON here")


@dataclass(frozen=True)
class Bench:
    help: str
    options: tuple[Option, ...]
    arguments: Callable[[argparse.Namespace], tuple[tuple[Any, ...], dict[str, Any]]]


def _args(*names: str) -> Callable[[argparse.Namespace], tuple[tuple[Any, ...], dict[str, Any]]]:
    return lambda a: (tuple(getattr(a, n) for n in names), {})


BENCHES: dict[str, Bench] = {
    "import": Bench("time a registry import",
                    (opt("--cameras", type=int, default=100_000), opt("--repeat", type=int, default=3)),
                    _args("cameras", "repeat")),
    "wall": Bench("how many live tiles this workstation holds", (
        opt("--tiles", type=int, default=16),
        opt("--stream", choices=("sub", "main"), default="sub"),
        opt("--seconds", type=float, default=15.0),
        opt("--fps", type=int, default=25),
        opt("--mode", choices=("auto", "native", "software"), default="auto", help="tile kind"),
        opt("--encoders", choices=("per-camera", "shared"), default="shared",
            help="shared (default): the simulator encodes once for all cameras, so the wall fills the CPU"),
    ), lambda a: ((a.tiles, a.stream, a.seconds, a.fps, a.mode), {"shared_encoder": a.encoders == "shared"})),
    "export": Bench("case export with verify-after-write against a plain copy", (
        opt("--minutes", type=int, default=5),
        opt("--cameras", type=int, default=4),
        opt("--repeat", type=int, default=3),
        opt("--workdir", type=Path, default=None, help="folder on the disk to measure (default: temp)"),
    ), _args("minutes", "cameras", "repeat", "workdir")),
    "scrub": Bench("time from a seek until every tile shows the new time", (
        opt("--tiles", type=int, default=9),
        opt("--minutes", type=int, default=3),
        opt("--seeks", type=int, default=60),
        opt("--offset-seconds", type=float, default=30.0,
            help="seconds recorded; the playhead measured against the burned-in clock (0: skip)"),
        opt("--busy", type=int, default=0, help="processes keeping cores busy during the recording"),
        opt("--camera-lag", type=int, default=1, metavar="K",
            help="all cameras but the first deliver one frame in K, stamped as if all (behind real time)"),
    ), _args("tiles", "minutes", "seeks", "offset_seconds", "busy", "camera_lag")),
    "record": Bench("CPU, memory and disk per recorded camera",
                    (opt("--cameras", type=int, default=20), opt("--seconds", type=int, default=60)),
                    _args("cameras", "seconds")),
    "query": Bench("time ranking cameras for an incident",
                   (opt("--cameras", type=int, default=100_000), opt("--queries", type=int, default=2000)),
                   _args("cameras", "queries")),
    "soak": Bench("a shift's worth of wall, recording, drops and exports", (
        opt("--minutes", type=float, default=60.0),
        opt("--tiles", type=int, default=16),
        opt("--drop-every", type=float, default=180.0, help="seconds between camera drops"),
        opt("--drop-for", type=float, default=30.0, help="seconds a dropped camera stays away"),
        opt("--work-every", type=float, default=120.0, help="seconds between incident+export; 0: none"),
        opt("--sample-every", type=float, default=30.0),
        opt("--warmup", type=float, default=None, help="seconds (default: a quarter, <= 10 min)"),
        OUTPUT,
    ), lambda a: ((a.minutes, a.tiles), {"drop_every_s": a.drop_every, "drop_for_s": a.drop_for,
                                         "work_every_s": a.work_every, "sample_s": a.sample_every,
                                         "warmup_s": a.warmup})),
    "map": Bench("time the division map with N cameras",
                 (opt("--cameras", type=int, default=10_000),), _args("cameras")),
    "handoff": Bench("a 15 s clip for officers: from Send to ready",
                     (opt("--repeat", type=int, default=3),), _args("repeat")),
    "intake": Bench("dispatch call to ranked cameras and to live video on a wall",
                    (opt("--calls", type=int, default=8), opt("--cameras", type=int, default=10_000)),
                    _args("calls", "cameras")),
    "center": Bench("change propagation between N console sessions on PostgreSQL", (
        opt("--consoles", type=int, default=10),
        opt("--cameras", type=int, default=100_000),
        opt("--changes", type=int, default=40, help="camera edits made at one session"),
        opt("--every", type=float, default=0.5, help="seconds between edits"),
        opt("--database-url", default=None, help="PostgreSQL admin URL (default: a throw-away cluster)"),
        OUTPUT,
    ), _args("consoles", "cameras", "changes", "every", "database_url")),
    "http": Bench("concurrent intake posts and health checks while the media service records", (
        opt("--posts", type=int, default=200, help="signed dispatch calls posted at once"),
        opt("--health", type=int, default=500, help="media service health checks sent at once"),
        opt("--cameras", type=int, default=4, help="simulated cameras recorded meanwhile"),
        OUTPUT,
    ), _args("posts", "health", "cameras")),
}  # fmt: skip


def add_parser(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="benchmarks, printed as JSON")
    names = bench.add_subparsers(dest="bench", required=True)
    for name, spec in BENCHES.items():
        parser = names.add_parser(name, help=spec.help)
        for option in spec.options:
            parser.add_argument(*option.flags, **option.settings)


def run(args: argparse.Namespace) -> int:
    spec = BENCHES[args.bench]
    # app.bench.NAME_bench.run_NAME_bench
    runner = getattr(importlib.import_module(f"app.bench.{args.bench}_bench"), f"run_{args.bench}_bench")
    positional, keywords = spec.arguments(args)
    report = json.dumps(runner(*positional, **keywords), indent=2)
    output = getattr(args, "output", None)
    if output:
        output.write_text(report + "\n", encoding="utf-8")
    print(report)
    return EXIT_OK
