"""The program's policy: caps that no per-camera setting exceeds, and the rules of its reports.

One document for the whole program, kept in the database so every console and media service
applies the same (``rtcc policy show|set``, an administrator's action, audited). Every report
prints the caps in force. Defaults apply until someone sets a value.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.models.db import write_transaction
from app.models.tables import ProgramPolicy

LEGAL_BASES = ("owner's consent", "exigent circumstances", "warrant", "court order")
# Bases that name a document: the access records its number.
NUMBERED_BASES = frozenset({"warrant", "court order"})


@dataclass(frozen=True)
class Policy:
    # Caps: no camera's own setting goes beyond these.
    private_retention_cap_days: int = 30  # private cameras' footage outside a case
    live_view_max_minutes: int = 60  # then the purpose is stated again
    private_cameras_on_tours: bool = False
    # What a purpose naming an incident covers: its radius (or a wider one for its category), and
    # recordings from this long before its reported time to this long after.
    incident_window_before_minutes: int = 60
    incident_window_after_minutes: int = 120
    category_radius_m: dict[str, float] = field(default_factory=dict)
    legal_bases: tuple[str, ...] = LEGAL_BASES
    # Reports: counts below this are shown as "<N" in the public report; the owner's report
    # names the operator only where the program says so.
    suppress_below: int = 5
    owner_report_names_operators: bool = False

    def caps(self) -> dict[str, object]:
        """The caps as every report prints them."""
        return {
            "private cameras' footage outside a case kept at most (days)": self.private_retention_cap_days,
            "live view at most, then the purpose is stated again (minutes)": self.live_view_max_minutes,
            "private cameras on tours": "allowed" if self.private_cameras_on_tours else "never",
            "an incident's purpose covers recordings from (minutes before / after its time)": (
                f"{self.incident_window_before_minutes} / {self.incident_window_after_minutes}"
            ),
        }

    def radius_for(self, category: str, incident_radius_m: float) -> float:
        return max(incident_radius_m, self.category_radius_m.get(category.strip().lower(), 0.0))


class PolicyError(ValueError):
    """A policy value that cannot be set; the message names the key and what it takes."""


def load_policy(sessions: sessionmaker[Session]) -> Policy:
    with sessions() as s:
        return policy_in(s)


def policy_in(s: Session) -> Policy:
    """The policy as the caller's transaction sees it."""
    row = s.scalar(select(ProgramPolicy).order_by(ProgramPolicy.id.desc()).limit(1))
    return _from_document(json.loads(row.document)) if row is not None else Policy()


def _from_document(document: dict[str, Any]) -> Policy:
    known = {f.name for f in fields(Policy)}
    values = {k: v for k, v in document.items() if k in known}
    if "legal_bases" in values:
        values["legal_bases"] = tuple(values["legal_bases"])
    return replace(Policy(), **values)


def parse_value(key: str, text: str) -> object:
    """A value for ``key`` from the command line's text; :class:`PolicyError` names what is wrong."""
    kinds = {f.name: type(getattr(Policy(), f.name)) for f in fields(Policy)}
    if key not in kinds:
        raise PolicyError(f"{key}: not a policy key; the keys are {', '.join(sorted(kinds))}")
    kind = kinds[key]
    wanted = {
        bool: "yes or no",
        int: "a whole number, 0 or more",
        dict: 'a JSON object of category to metres, e.g. {"homicide": 1000}',
        tuple: "a comma-separated list",
    }[kind]
    try:
        if kind is bool and text.lower() in ("yes", "no", "true", "false"):
            return text.lower() in ("yes", "true")
        if kind is int and text.strip().isdigit():
            return int(text)
        if kind is dict:
            parsed = json.loads(text)
            if isinstance(parsed, dict) and all(isinstance(v, int | float) for v in parsed.values()):
                return {str(k).lower(): float(v) for k, v in parsed.items()}
        if kind is tuple and (items := tuple(i.strip() for i in text.split(",") if i.strip())):
            return items
    except ValueError:
        pass
    raise PolicyError(f"{key}: {text!r} is not {wanted}")


def save_policy(sessions: sessionmaker[Session], policy: Policy, by: str, changed: str) -> None:
    """Store the policy and audit the change (``changed``: what was set)."""
    document = asdict(policy)
    document["legal_bases"] = list(policy.legal_bases)
    with write_transaction(sessions) as s:
        row = s.scalar(select(ProgramPolicy).limit(1))
        if row is None:
            row = ProgramPolicy()
            s.add(row)
        row.document, row.changed_by = json.dumps(document, sort_keys=True), by
        row.changed_at = datetime.now(UTC)
        audit.append(s, "program policy changed", target_type="policy", user=by, details=changed)
