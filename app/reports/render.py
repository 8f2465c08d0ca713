"""The reports as HTML for print (the front ends turn it into PDF): every value escaped, tables
only, no script, no image, nothing loaded from anywhere."""

from __future__ import annotations

import html
from typing import Any

from app.governance.audit_tree import Checkpoint

STYLE = """
body { font-family: 'DejaVu Sans'; font-size: 10pt; color: #111; }
h1 { font-size: 17pt; margin-bottom: 2px; } h2 { font-size: 12pt; margin-top: 14px; }
table { border-collapse: collapse; } th, td { border: 1px solid #999; padding: 3px 8px; }
th { background: #e8e8e8; text-align: left; } td.n { text-align: right; }
p.small { font-size: 8.5pt; color: #333; } .mono { font-family: 'DejaVu Sans Mono'; font-size: 8.5pt; }
"""


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def when(iso: str) -> str:
    """An ISO UTC time as a reader reads it: 2026-11-30 11:12:03."""
    return iso.replace("T", " ").removesuffix("Z").split(".")[0]


def _table(rows: list[tuple[str, object]], head: tuple[str, str]) -> str:
    cells = "".join(f"<tr><td>{e(k)}</td><td class='n'>{e(v)}</td></tr>" for k, v in rows)
    return f"<table><tr><th>{e(head[0])}</th><th>{e(head[1])}</th></tr>{cells}</table>"


def public_report_html(doc: dict[str, Any], program: str = "Real-Time Crime Center") -> str:
    period = doc["period"]
    chain = doc["audit_chain"]
    parts = [
        f"<html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>",
        f"<h1>{e(program)}: public transparency report</h1>",
        f"<p>{e(when(period['since']))} to {e(when(period['until']))} UTC. Made {e(when(doc['made']))} UTC. "
        f"Every count from 1 to {e(doc['suppressed_below'] - 1)} is shown as "
        f"&lt;{e(doc['suppressed_below'])}, so that no person or address can be singled out.</p>",
        "<h2>Caps in force</h2>",
        _table(list(doc["caps"].items()), ("cap", "value")),
    ]
    for title, counts in doc["registry_when_made"].items():
        parts += [f"<h2>{e(title.capitalize())} (when the report was made)</h2>",
                  _table(list(counts.items()) or [("none", 0)], ("", "cameras"))]  # fmt: skip
    for title, counts in doc["figures"].items():
        parts += [
            f"<h2>{e(title.capitalize())}</h2>",
            _table(list(counts.items()) or [("none", 0)], ("", "count")),
        ]
    parts += [
        "<h2>Audit chain at the period's end</h2>",
        _table([("entries", chain["entries"]), ("intact", "yes" if chain["intact"] else "NO")], ("", "")),
        f"<p class='mono'>head {e(chain['head'])}</p>",
        *_checkpoint_html(doc),
        "<h2>How to check this report</h2>",
        "<p class='small'>Every figure above is counted from the program's hash-chained audit log. Whoever "
        "holds the database (an auditor, an oversight body) runs <span class='mono'>rtcc report check "
        "REPORT.json</span> with the JSON published beside this PDF: it counts every figure again from the "
        "chain's first entries up to the head printed above, checks that those entries still chain to that "
        "head, and that the chain records this report's publication (its SHA-256). A report that left "
        "something out, one changed after publication, or a chain edited or rebuilt since, fails. Keep the "
        "JSON: a later report checked <span class='mono'>--against</span> it fails if the log was rewritten "
        "since, and <span class='mono'>--key agency.pub</span> (the key the agency publishes) fails a "
        "report signed by any other key.</p>",
        "</body></html>",
    ]
    return "".join(parts)


def _checkpoint_html(doc: dict[str, Any]) -> list[str]:
    """The log's checkpoint after this publication, and who signed it (the key's fingerprint is
    what a reader compares with the one the agency publishes)."""
    if "checkpoint" not in doc:
        return []
    checkpoint = Checkpoint.from_json(doc["checkpoint"])
    rows: list[tuple[str, object]] = [
        ("entries (tree size)", checkpoint.tree_size),
        ("time", when(checkpoint.at)),
    ]
    rows += [(f"signed by the {sig.role} ({sig.name})", sig.fingerprint) for sig in checkpoint.signatures]
    if not checkpoint.signatures:
        rows.append(("signed", "no"))
    return ["<h2>The log's checkpoint (with this publication)</h2>", _table(rows, ("", "")),
            f"<p class='mono'>root {e(checkpoint.root)}</p>"]  # fmt: skip


def _owner_rows(rows: str) -> str:
    head = "".join(
        f"<th>{h}</th>" for h in ("when (UTC)", "camera", "what", "under", "legal basis", "by", "details")
    )
    return f"<table width='100%'><tr>{head}</tr>{rows}</table>"


def owner_report_html(report: Any, program: str = "Real-Time Crime Center") -> str:
    """``report``: an :class:`app.reports.owner.OwnerReport`."""
    rows = "".join(
        f"<tr><td>{e(when(r.at))}</td><td>{e(r.camera)}</td><td>{e(r.what)}</td><td>{e(r.under)}</td>"
        f"<td>{e(r.basis)}</td><td>{e(r.by)}</td><td>{e(r.details)}</td></tr>"
        for r in report.rows
    )
    cameras = ", ".join(report.cameras) or "none"
    return "".join([
        f"<html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>",
        f"<h1>{e(program)}: report for {e(report.owner)}</h1>",
        f"<p>{e(when(report.since))} to {e(when(report.until))} UTC. Your cameras: {e(cameras)}.</p>",
        "<p>Every time the center looked at your cameras, live or in recordings, what it exported or "
        "sent to officers, what retention deleted, and your consent changes, as its audit log records "
        f"them. {e(report.names_note)}</p>",
        "<h2>Caps in force</h2>",
        _table(list(report.caps.items()), ("cap", "value")),
        f"<h2>What happened ({len(report.rows)} entries)</h2>",
        _owner_rows(rows) if report.rows else "<p>Nothing in this period.</p>",
        f"<p class='small'>Audit chain: {e(report.chain_entries)} entries, head "
        f"<span class='mono'>{e(report.chain_head)}</span>.</p>",
        "</body></html>",
    ])  # fmt: skip
