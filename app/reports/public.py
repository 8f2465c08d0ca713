"""The public transparency report, and the check that anyone holding the database can run on it.

The report gives aggregate figures only for a period, each counted from the audit chain, with
every count from 1 to ``suppress_below - 1`` printed as ``<N`` so that no person or address can be
singled out. It prints the chain's entry count and head hash at the period's end. Publishing it
appends an audit entry holding the report's SHA-256, so the registry's figures (the registry as
it was when the report was made, which the chain does not hold) are pinned by the chain too.

``check_report`` recomputes every figure from entries 1..N of the chain, checks that those
entries still chain to the published head, and that the chain holds the report's publication:
a report that left something out, a report edited afterwards, or a chain edited or rebuilt after
publication, each fails with what differs. The report's checkpoint (app/governance/audit_tree.py)
is signed with the agency's key; the check verifies every signature on it and on the earlier
checkpoints held against it, and, given the agency's public key, insists on a signature by it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.audit_tree import AGENCY, AuditTree, Checkpoint
from app.governance.keys import fingerprint
from app.governance.policy import Policy
from app.models.db import write_transaction
from app.models.tables import AuditEvent
from app.registry.service import Registry
from app.reports import activity as a

REPORT_KIND = "rtcc public transparency report"
FORMAT_VERSION = 1
Figures = dict[str, dict[str, int | str]]


@dataclass(frozen=True)
class ChainPrefix:
    """The chain's entries up to the period's end: their count, whether they chain, the head."""

    entries: list[AuditEvent]
    first_bad: int | None
    head: str


def chain_until(sessions: sessionmaker[Session], until: datetime, count: int | None = None) -> ChainPrefix:
    """Entries 1..N in chain order: N is ``count`` when given (a published report's), else the
    position of the last entry made before ``until``."""
    with sessions() as s:
        rows = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        for row in rows:
            s.expunge(row)
    if count is None:
        count = max((i for i, e in enumerate(rows, 1) if e.at < until), default=0)
    prefix, prev, first_bad = rows[:count], "", None
    for position, e in enumerate(prefix, 1):
        if e.prev_hash != prev or e.event_hash != audit.entry_hash(e, prev):
            first_bad = position
            break
        prev = e.event_hash
    return ChainPrefix(prefix, first_bad, prefix[-1].event_hash if prefix else "")


def incident_category(entry: AuditEvent) -> str:
    """A typed incident's type, or a dispatch call's category ("feed F: 211 Robbery (robbery),
    priority 1; ..."): calls from dispatch were missing from the count."""
    if entry.action == a.INCIDENT_FROM_DISPATCH:
        found = re.search(r"\(([^()]+)\), priority", entry.details)
        return found[1].strip() if found else "untyped"
    return entry.details.removeprefix("type ").strip() or "untyped"


def count_figures(entries: list[AuditEvent], since: datetime, until: datetime) -> dict[str, Counter[str]]:
    """Every activity figure of the period, from its audit entries."""
    period = [e for e in entries if since <= e.at < until]
    views = [x for x in a.accesses(period) if x.kind == "live view"]
    plays = [x for x in a.accesses(period) if x.kind == "playback"]
    actions = Counter(e.action for e in period)
    retention = sum(
        int(m[1]) for e in period if e.action == a.RETENTION and (m := re.match(r"(\d+) ", e.details))
    )
    return {
        "live views by purpose": Counter(v.category for v in views),
        "live views by legal basis": Counter(v.basis for v in views),
        "playbacks by purpose": Counter(p.category for p in plays),
        "playbacks by legal basis": Counter(p.basis for p in plays),
        "incidents by category": Counter(
            incident_category(e) for e in period if e.action in (a.INCIDENT_ENTERED, a.INCIDENT_FROM_DISPATCH)
        ),
        "exports of evidence": Counter(
            {"packages exported": actions[a.EXPORTED], "exports that failed": actions[a.EXPORT_FAILED]}
        ),
        "hand-offs to officers": Counter(
            {
                "made": actions[a.HANDOFF],
                "opened by officers": actions[a.HANDOFF_OPENED],
                "links revoked": actions[a.HANDOFF_REVOKED],
            }
        ),
        "requests to owners": Counter(
            {
                "asked": actions[a.REQUESTED],
                "approved by the owner": actions["footage request approved by owner"],
                "denied by the owner": actions["footage request denied by owner"],
            }
        ),
        "owners' consent": Counter(
            {"revoked": actions[a.CONSENT_REVOKED], "granted again": actions[a.CONSENT_AGAIN]}
        ),
        "refusals by reason": Counter(a.refusal_reason(e) for e in period if e.action in a.REFUSALS),
        "retention": Counter({"recorded segments deleted": retention}),
    }


def suppress(figures: dict[str, Counter[str]], below: int) -> Figures:
    """Counts from 1 to ``below - 1`` as ``<below``; zeros stay (they single no one out)."""
    return {
        table: {key: (f"<{below}" if 0 < n < below else n) for key, n in sorted(counts.items())}
        for table, counts in figures.items()
    }


def registry_figures(registry: Registry) -> dict[str, Counter[str]]:
    cameras = [c for c in registry.list_cameras() if c.status != "retired"]
    return {
        "cameras registered by owner type": Counter(c.owner_type for c in cameras),
        "cameras registered by division": Counter(c.division or "outside every division" for c in cameras),
        "cameras registered by sharing terms": Counter(c.sharing_terms for c in cameras),
    }


def digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def make_report(sessions: sessionmaker[Session], registry: Registry, policy: Policy, since: datetime,
                until: datetime, *, published_by: str, now: datetime | None = None,
                key: Ed25519PrivateKey | None = None) -> dict[str, Any]:  # fmt: skip
    """The report, published: its SHA-256 goes on the chain in the same step, and the log's
    checkpoint after it is signed with ``key`` (the agency's) for the one who published it."""
    chain = chain_until(sessions, until)
    doc: dict[str, Any] = {
        "report": REPORT_KIND,
        "format": FORMAT_VERSION,
        "period": {"since": _iso(since), "until": _iso(until)},
        "made": _iso(now or datetime.now(UTC)),
        "suppressed_below": policy.suppress_below,
        "caps": policy.caps(),
        "registry_when_made": suppress(registry_figures(registry), policy.suppress_below),
        "figures": suppress(count_figures(chain.entries, since, until), policy.suppress_below),
        "audit_chain": {
            "entries": len(chain.entries),
            "head": chain.head,
            "intact": chain.first_bad is None,
        },
    }
    with write_transaction(sessions) as s:
        audit.append(s, a.PUBLISHED, target_type="report", user=published_by,
                     details=f"sha256 {digest(doc)}; {doc['period']['since']} to {doc['period']['until']}; "
                     f"chain {len(chain.entries)} entries, head {chain.head}")  # fmt: skip
        s.flush()
        # The log as it stands with this publication in it (the table's lock is held): outsiders
        # who keep the file hold the root every later log must still hash to.
        checkpoint = AuditTree.of(s).checkpoint(doc["made"])
        if key is not None:
            checkpoint = checkpoint.signed(key, AGENCY, published_by, doc["made"])
    return doc | {CHECKPOINT: checkpoint.to_json()}


CHECKPOINT = "checkpoint"  # beside the report in its file, outside what the chain's digest covers


def _published(doc: dict[str, Any]) -> dict[str, Any]:
    """The report as its publication entry's digest covers it (the checkpoint came after)."""
    return {k: v for k, v in doc.items() if k != CHECKPOINT}


@dataclass(frozen=True)
class ReportCheck:
    problems: list[str]
    entries: int
    head: str
    signed: tuple[str, ...] = ()  # who signed the report's checkpoint, each with its key's fingerprint

    @property
    def matches(self) -> bool:
        return not self.problems


def check_report(sessions: sessionmaker[Session], doc: dict[str, Any],
                 held: list[tuple[str, dict[str, Any]]] | None = None,
                 agency_keys: list[Ed25519PublicKey] | None = None) -> ReportCheck:  # fmt: skip
    """Whether a published report matches the chain it claims, the log still hashes to the
    report's checkpoint, and it extends every earlier checkpoint in ``held`` (name, report or
    checkpoint file) that outsiders kept; every signature on those checkpoints verifies, and
    with ``agency_keys`` the report's checkpoint is signed by one of them."""
    try:
        checkpoint = Checkpoint.from_json(doc[CHECKPOINT]) if CHECKPOINT in doc else None
        earlier = [(name, Checkpoint.from_json(d.get(CHECKPOINT, d))) for name, d in held or []]
        if doc.get("report") != REPORT_KIND:
            raise ValueError("report: this is not an rtcc public transparency report")
        since = datetime.fromisoformat(doc["period"]["since"].replace("Z", "+00:00"))
        until = datetime.fromisoformat(doc["period"]["until"].replace("Z", "+00:00"))
        count, head, below = (
            int(doc["audit_chain"]["entries"]),
            str(doc["audit_chain"]["head"]),
            int(doc["suppressed_below"]),
        )
        published = doc["figures"]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return ReportCheck([f"the report cannot be read: {exc}"], 0, "")
    problems = _signature_problems(checkpoint, earlier, agency_keys)
    signed = tuple(sig.describe() for sig in checkpoint.signatures) if checkpoint else ()
    tree = AuditTree.read(sessions)
    if checkpoint is not None:
        found = tree.problem_with(checkpoint, "the report")
        if found.startswith("this database"):
            return ReportCheck([found, *problems], tree.size, "", signed)  # nothing else means anything then
        if found:
            problems.append(found)
    for name, held_checkpoint in earlier:
        found = tree.problem_with(held_checkpoint, name)
        if not found and checkpoint is not None:
            found = tree.prove_consistent(held_checkpoint, checkpoint)
        if found:
            problems.append(found)
    chain = chain_until(sessions, until, count)
    if len(chain.entries) < count:
        problems.append(
            f"the chain holds {len(chain.entries)} entries; the report counted {count}: entries were removed"
        )
    if chain.first_bad is not None:
        problems.append(f"the audit chain was changed after publication: entry {chain.first_bad} of {count} "
                        "no longer chains to the one before")  # fmt: skip
    elif chain.head != head:
        problems.append(f"entry {count} of the chain is not the published head {head[:16]}…: the chain was "
                        "rebuilt after publication")  # fmt: skip
    recomputed = suppress(count_figures(chain.entries, since, until), below)
    for table in sorted(set(recomputed) | set(published)):
        mine, theirs = recomputed.get(table, {}), published.get(table, {})
        for key in sorted(set(mine) | set(theirs)):
            if mine.get(key, 0) != theirs.get(key, 0):
                problems.append(f"{table} / {key}: the report says {theirs.get(key, 0)}, the chain says "
                                f"{mine.get(key, 0)}")  # fmt: skip
    with sessions() as s:
        wanted = f"sha256 {digest(_published(doc))};"
        on_chain = s.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == a.PUBLISHED, AuditEvent.details.startswith(wanted)
            )
        )
        period = f"; {doc['period']['since']} to {doc['period']['until']};"
        others = [d for d in s.scalars(select(AuditEvent.details).where(AuditEvent.action == a.PUBLISHED))
                  if period in d and not d.startswith(wanted)]  # fmt: skip
    if on_chain is None:
        problems.append("the chain holds no publication of this report: it was changed after it was "
                        "published, or it comes from another database")  # fmt: skip
    if others:
        problems.append(
            f"{len(others)} other report(s) for the same period were published on this log (another "
            "version was re-published): compare them before trusting either"
        )
    return ReportCheck(problems, len(chain.entries), chain.head, signed)


def _signature_problems(checkpoint: Checkpoint | None, earlier: list[tuple[str, Checkpoint]],
                        agency_keys: list[Ed25519PublicKey] | None) -> list[str]:  # fmt: skip
    """Every bad signature on the report's checkpoint and the earlier ones; with the agency's
    keys given, a report whose checkpoint no key of theirs signed."""
    problems = []
    for name, held in [("the report's checkpoint", checkpoint), *earlier]:
        problems += [f"{name}: {found}" for found in held.signature_problems()] if held else []
    if agency_keys is not None:
        wanted = {fingerprint(k) for k in agency_keys}
        agency = checkpoint.by(AGENCY) if checkpoint else []
        if not any(sig.fingerprint in wanted for sig in agency):
            carried = ", ".join(sig.fingerprint for sig in agency) or "none"
            problems.append(f"the report's checkpoint is not signed by the agency key you hold "
                            f"({', '.join(sorted(wanted))}); agency keys on it: {carried}")  # fmt: skip
    return problems
