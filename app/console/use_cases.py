"""Every governed action, for every front end: the console's views and the command line call
these, never the stores behind them (a test walks the front ends for direct calls).

Each use case takes the actor, checks the role table (a refusal is audited and raised as
:class:`Refused` with the reason), checks the owner's terms and the stated purpose through the
gate (:mod:`app.governance.gate`) where a camera's footage is involved, and then does the
work through the store, which writes its audit entry in the same transaction as the change.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from app.console.actor import Actor
from app.evidence.cases import CaseError, CaseStore, CaseSummary
from app.evidence.export import ExportOptions, ExportProgress, ExportResult
from app.evidence.export import export_case as write_package
from app.evidence.handoff import (
    HandoffError,
    HandoffRequest,
    HandoffResult,
    HandoffRow,
    handoffs_of,
    make_handoff,
    revoke,
)
from app.evidence.signing import agency_key
from app.governance import audit, grants
from app.governance.audit_tree import AGENCY, AuditTree, Checkpoint
from app.governance.gate import open_recordings as gate_recordings
from app.governance.gate import why_not_live, why_not_play, why_not_watch
from app.governance.identity import acting_as
from app.governance.justifications import JustificationError, JustificationRow, list_justifications
from app.governance.justifications import decide_justification as decide_justification_row
from app.governance.justifications import request_justification as request_justification_row
from app.governance.keys import fingerprint
from app.governance.policy import Policy, load_policy, parse_value, policy_in, save_policy
from app.governance.purpose import Purpose
from app.governance.purpose_bounds import exceeded_bound
from app.governance.requests import FootageRequests, RequestRow
from app.governance.roles import Action, Role, may
from app.incidents.dispatch import DispatchCall
from app.incidents.dispatch_intake import DispatchIntake, Received
from app.incidents.dispatch_rules import Rule
from app.incidents.service import IncidentInput, IncidentStore, SavedIncident
from app.incidents.spatial import CameraIndex
from app.models.db import write_transaction
from app.models.rows import CameraRow
from app.models.tables import AuditEvent
from app.registry.division_report import DivisionFigures
from app.registry.division_report import division_report as count_by_division
from app.registry.records import CameraRecord, validate_camera
from app.registry.service import ImportReport, Progress, Registry
from app.reports.anomalies import Flag, dismiss, find_anomalies
from app.reports.clocks import UntrustedClock, untrusted_clocks
from app.reports.owner import OwnerReport, owner_report
from app.reports.public import ReportCheck, check_report, make_report
from app.reports.witness import Witnessed, WitnessFolder, WitnessRefused, witness
from app.video.segment_close import SegmentNotClosed

Sessions = sessionmaker[DbSession]


@dataclass(frozen=True)
class Grant:
    """A live-view grant as the console holds it: the token goes into the stream's address."""

    camera_id: int
    purpose: Purpose
    token: str
    expires_at: datetime


class Refused(PermissionError):
    """The role table or the gate said no; the refusal is in the audit log."""


UseCase = TypeVar("UseCase", bound=Callable[..., Any])


def governed(*actions: Action) -> Callable[[UseCase], UseCase]:
    """The actions of the role table a use case checks (each where it applies). The front ends
    ask :func:`allowed` of the use case a menu item or a command calls, so the menus' greying and
    the command line's checks come from the one table, never from lists of their own."""

    def mark(use_case: UseCase) -> UseCase:
        @functools.wraps(use_case)
        def as_actor(*args: Any, **kwargs: Any) -> Any:
            # The stores stamp "who" from the actor of the use case that called them.
            actor = _actor_among(args, kwargs)
            if actor is None:
                raise TypeError(f"{use_case.__name__} was called without an actor")
            with acting_as(actor.username, actor.workstation):
                return use_case(*args, **kwargs)

        as_actor.needs = frozenset(actions)  # type: ignore[attr-defined]
        return as_actor  # type: ignore[return-value]

    return mark


def _actor_among(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Actor | None:
    found = kwargs.get("actor")
    if isinstance(found, Actor):
        return found
    return next((arg for arg in args if isinstance(arg, Actor)), None)


def needs(use_case: Callable[..., Any]) -> frozenset[Action]:
    """What the role table must allow for ``use_case`` (nothing: anyone signed in)."""
    return getattr(use_case, "needs", frozenset())


def actor_may(actor: Actor, use_case: Callable[..., Any]) -> bool:
    """Whether ``actor`` may call ``use_case`` (before any account exists: anything)."""
    return all(actor.may(action) for action in needs(use_case))


def allowed(role: Role | str | None, use_case: Callable[..., Any]) -> bool:
    """Whether ``role`` may call ``use_case`` (the use case checks again, and audits a refusal)."""
    return role is not None and all(may(role, action) for action in needs(use_case))


def authorize(
    sessions: Sessions, actor: Actor, action: Action, target_type: str = "", target_id: object = ""
) -> None:
    """Raise :class:`Refused` (audited) unless the actor's role allows ``action``."""
    if actor.may(action):
        return
    role = actor.role.value if actor.role else "not signed in"
    audit.record(
        sessions,
        "refused",
        target_type=target_type,
        target_id=target_id,
        user=actor.username,
        workstation=actor.workstation,
        details=f"{role}: {action}",
    )
    if actor.role is None:
        raise Refused(f"{action}: sign in first")
    raise Refused(f"{actor.describe()} may not {action}; ask a person whose role allows it")


def _gate_refused(
    sessions: Sessions, actor: Actor, camera: CameraRow, what: str, reason: str, purpose: Purpose
) -> Refused:
    audit.record(
        sessions,
        "refused",
        target_type="camera",
        target_id=camera.id,
        user=actor.username,
        workstation=actor.workstation,
        purpose=purpose.describe(),
        details=f"{what}: {reason}",
    )
    return Refused(f"{camera.name}: {reason}")


# -- the registry -----------------------------------------------------------------------------
@governed(Action.EDIT_REGISTRY)
def register_camera(sessions: Sessions, actor: Actor, record: CameraRecord) -> CameraRow:
    authorize(sessions, actor, Action.EDIT_REGISTRY, "camera", record.name)
    return Registry(sessions).add(record)


@governed(Action.EDIT_REGISTRY)
def edit_camera(
    sessions: Sessions,
    actor: Actor,
    camera_id: int,
    record: CameraRecord,
    *,
    keep_credentials: bool = True,
    expected_version: int | None = None,
) -> CameraRow:
    """``expected_version``: the version the editor opened; a camera saved since by anyone is
    refused with who and when (StaleEdit), never written over."""
    authorize(sessions, actor, Action.EDIT_REGISTRY, "camera", camera_id)
    return Registry(sessions).update(
        camera_id, record, keep_credentials=keep_credentials, expected_version=expected_version
    )


@governed(Action.EDIT_REGISTRY)
def retire_camera(sessions: Sessions, actor: Actor, camera_id: int) -> CameraRow:
    authorize(sessions, actor, Action.EDIT_REGISTRY, "camera", camera_id)
    return Registry(sessions).retire(camera_id)


@governed(Action.EDIT_REGISTRY)
def import_cameras(
    sessions: Sessions, actor: Actor, path: Path, progress: Progress | None = None
) -> ImportReport:
    authorize(sessions, actor, Action.EDIT_REGISTRY, "file", path.name)
    return Registry(sessions).import_file(path, progress)


# -- incidents --------------------------------------------------------------------------------
@governed(Action.ENTER_INCIDENT)
def create_incident(
    sessions: Sessions, actor: Actor, data: IncidentInput, ranked: list[tuple[int, bool, str]]
) -> SavedIncident:
    authorize(sessions, actor, Action.ENTER_INCIDENT, "incident", data.number)
    return IncidentStore(sessions).create(data, ranked)


@governed(Action.VIEW_RECORDINGS)
def open_incident(sessions: Sessions, actor: Actor, incident: SavedIncident) -> list[int]:
    """Make an incident this workstation's current one again: its purpose is then stated for its
    own cameras and for those already viewed under it (returned, read from the audit log). The
    opening is audited under the person, so the audit log says who worked the incident where."""
    authorize(sessions, actor, Action.VIEW_RECORDINGS, "incident", incident.number)
    viewed = IncidentStore(sessions).cameras_viewed_for(incident.number)
    details = f"{len(incident.camera_ids)} camera(s) of its own, {len(viewed)} viewed under it"
    audit.record(sessions, "incident opened", target_type="incident", target_id=incident.id,
                 user=actor.username, workstation=actor.workstation, case_number=incident.number,
                 details=details)  # fmt: skip
    return viewed


@governed(Action.ENTER_INCIDENT)
def receive_dispatch_call(
    sessions: Sessions,
    actor: Actor,
    call: DispatchCall,
    cameras: CameraIndex,
    digest: str | None,
    time_zone: str = "UTC",
    rules: list[Rule] | None = None,
) -> Received:
    """A dispatch feed's call creates, updates or closes its incident (the feed is the actor);
    the first rule it matches opens it at its division's consoles."""
    authorize(sessions, actor, Action.ENTER_INCIDENT, "incident", call.number)
    return DispatchIntake(sessions, time_zone).receive(call, cameras, digest, rules=rules)


@governed(Action.ENTER_INCIDENT)
def record_rule_action(sessions: Sessions, actor: Actor, incident: SavedIncident, what: str) -> None:
    """Audit what a console did by itself for a call a rule opened, naming the rule."""
    authorize(sessions, actor, Action.ENTER_INCIDENT, "incident", incident.number)
    audit.record(sessions, "automatic action", target_type="incident", target_id=incident.id,
                 case_number=incident.number, user=actor.username,
                 details=f"rule {incident.auto_rule}: {what}")  # fmt: skip


@governed(Action.ENTER_INCIDENT)
def close_incident(sessions: Sessions, actor: Actor, number: str, disposition: str = "") -> SavedIncident:
    authorize(sessions, actor, Action.ENTER_INCIDENT, "incident", number)
    return IncidentStore(sessions).close(number, disposition)


@governed(Action.ENTER_INCIDENT)
def reopen_incident(sessions: Sessions, actor: Actor, number: str) -> SavedIncident:
    authorize(sessions, actor, Action.ENTER_INCIDENT, "incident", number)
    return IncidentStore(sessions).reopen(number)


# -- recordings and live video ---------------------------------------------------------------
@governed(Action.VIEW_RECORDINGS)
def open_recordings(
    sessions: Sessions,
    actor: Actor,
    cameras: list[CameraRow],
    start: datetime,
    end: datetime,
    purpose: Purpose,
) -> dict[int, str | None]:
    """Each camera's refusal (None: it may be shown); every playback and refusal is audited."""
    authorize(sessions, actor, Action.VIEW_RECORDINGS, "cameras", ",".join(str(c.id) for c in cameras))
    return gate_recordings(sessions, cameras, start, end, purpose, actor.home_divisions)


@governed(Action.VIEW_LIVE)
def check_live(sessions: Sessions, actor: Actor, camera: CameraRow, purpose: Purpose) -> None:
    """Raise :class:`Refused` (audited) if this person may not watch this camera live now. The
    media service checks again, and records the view itself, when the stream is opened."""
    authorize(sessions, actor, Action.VIEW_LIVE, "camera", camera.id)
    with sessions() as s:
        reason = why_not_watch(s, camera, purpose, datetime.now(UTC), actor.home_divisions)
    if reason:
        raise _gate_refused(sessions, actor, camera, "live view", reason, purpose)


@governed(Action.VIEW_LIVE)
def grant_live_view(sessions: Sessions, actor: Actor, camera: CameraRow, purpose: Purpose) -> Grant:
    """Leave for this person at this workstation to watch this camera live under this purpose:
    the role table and the gate (refusals audited), then a grant the media service verifies
    (:mod:`app.governance.grants`), written with its audit entry."""
    check_live(sessions, actor, camera, purpose)
    with sessions.begin() as s:
        token, expires = grants.issue(
            s, actor.username, actor.workstation, camera.id, purpose, actor.home_divisions
        )
        audit.append(s, "live view granted", target_type="camera", target_id=camera.id,
                     user=actor.username, workstation=actor.workstation, purpose=purpose.describe(),
                     case_number=purpose.number, details=f"until {expires:%H:%M:%S} UTC")  # fmt: skip
    return Grant(camera.id, purpose, token, expires)


def revoke_live_grants(sessions: Sessions, actor: Actor, why: str) -> int:
    """Withdraw the person's grants at this workstation (signing out, locking): copied stream
    addresses stop starting views. Not governed: anyone may give up their own leave."""
    with sessions.begin() as s:
        count = grants.revoke(s, actor.username, actor.username, actor.workstation)
        if count:
            audit.append(s, "live view grants revoked", target_type="user", target_id=actor.username,
                         user=actor.username, workstation=actor.workstation,
                         details=f"{count}: {why}")  # fmt: skip
    return count


# -- cases and evidence -----------------------------------------------------------------------
@governed(Action.PUT_IN_CASE)
def create_case(sessions: Sessions, actor: Actor, number: str, title: str = "", notes: str = "") -> int:
    authorize(sessions, actor, Action.PUT_IN_CASE, "case", number)
    return CaseStore(sessions).create(number, title, notes)


def list_cases(sessions: Sessions) -> list[CaseSummary]:
    """Every case, newest first (reading them is not governed: their numbers are not footage)."""
    return CaseStore(sessions).summaries()


def _case_id(sessions: Sessions, number: str) -> int:
    case_id = CaseStore(sessions).find(number)
    if case_id is None:
        raise CaseError(f"no case {number}; open it first")
    return case_id


@governed(Action.PUT_IN_CASE)
def add_to_case(
    sessions: Sessions,
    actor: Actor,
    number: str,
    camera: CameraRow,
    start: datetime,
    end: datetime,
    note: str = "",
    viewed_under: Purpose | None = None,
) -> int:
    """Put a camera's footage into a case (legal hold). It goes in under the purpose it is looked
    at under (``viewed_under``: the incident the scrub view was opened from), whose bounds apply;
    without one, the case's own, which covers only its stretches already in it. The owner's terms
    still apply (registered-only cameras, revoked consent, footage on request)."""
    authorize(sessions, actor, Action.PUT_IN_CASE, "case", number)
    case_id = _case_id(sessions, number)
    purpose = viewed_under if viewed_under else Purpose(case=number)
    with sessions() as s:
        reason = why_not_play(s, camera, start, end, purpose)
    if reason:
        raise _gate_refused(sessions, actor, camera, f"footage into case {number}", reason, purpose)
    return CaseStore(sessions).add_window(case_id, camera.id, start, end, note, purpose)


@governed(Action.PUT_IN_CASE)
def bookmark_in_case(
    sessions: Sessions, actor: Actor, number: str, camera_id: int, at: datetime, note: str = ""
) -> int:
    authorize(sessions, actor, Action.PUT_IN_CASE, "case", number)
    return CaseStore(sessions).add_bookmark(_case_id(sessions, number), camera_id, at, note)


@governed(Action.REMOVE_FROM_CASE)
def remove_from_case(sessions: Sessions, actor: Actor, window_id: int, reason: str) -> int:
    authorize(sessions, actor, Action.REMOVE_FROM_CASE, "case window", window_id)
    return CaseStore(sessions).remove_window(window_id, reason)


@governed(Action.EXPORT_EVIDENCE)
def export_case(
    sessions: Sessions,
    actor: Actor,
    number: str,
    recordings: Path,
    target: Path,
    *,
    options: ExportOptions | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    authorize(sessions, actor, Action.EXPORT_EVIDENCE, "case", number)
    return write_package(
        sessions,
        _case_id(sessions, number),
        recordings,
        target,
        options=options,
        progress=progress,
        cancel=cancel,
    )


# -- hand-off to responding officers ----------------------------------------------------------
@governed(Action.VIEW_RECORDINGS)
def hand_off(sessions: Sessions, actor: Actor, recordings: Path, folder: Path, request: HandoffRequest,
             time_zone: str) -> HandoffResult:  # fmt: skip
    """A still or clip for the officers, under the incident's purpose (the owner's terms apply)."""
    authorize(sessions, actor, Action.VIEW_RECORDINGS, "camera", request.camera_id)
    return make_handoff(sessions, recordings, folder, request, time_zone=time_zone, operator=actor.username,
                        home=actor.home_divisions)  # fmt: skip


@governed(Action.VIEW_LIVE, Action.VIEW_RECORDINGS)
def hand_off_live(sessions: Sessions, actor: Actor, recordings: Path, folder: Path, request: HandoffRequest,
                  time_zone: str,
                  close_segment: Callable[[int, datetime], object]) -> HandoffResult:  # fmt: skip
    """From a live tile: the moment the operator saw (a still), or 10 s before it to 5 s after (a
    clip), cut from the recording like any hand-off once the media service has closed and indexed
    the segment that holds its end (``close_segment(camera id, until)``, which blocks). The owner's
    terms must allow live sharing; that is checked first, so a refusal never waits."""
    authorize(sessions, actor, Action.VIEW_LIVE, "camera", request.camera_id)
    authorize(sessions, actor, Action.VIEW_RECORDINGS, "camera", request.camera_id)
    camera = Registry(sessions).get(request.camera_id)
    refusal = why_not_live(camera)
    if refusal:
        purpose = Purpose(incident=IncidentStore(sessions).get(request.incident_id).number)
        raise _gate_refused(sessions, actor, camera, "hand-off from a live tile", refusal, purpose)
    until = request.at + timedelta(seconds=request.after_s if request.kind == "clip" else 0.0)
    try:
        close_segment(camera.id, until)
    except SegmentNotClosed as exc:
        not_ready = f"the recording up to {until:%H:%M:%S} UTC is not ready"
        raise HandoffError(f"{camera.name}: {not_ready}: {exc}") from exc
    return hand_off(sessions, actor, recordings, folder, replace(request, live=True), time_zone)


@governed(Action.VIEW_RECORDINGS)
def incident_handoffs(sessions: Sessions, actor: Actor, incident_id: int) -> list[HandoffRow]:
    authorize(sessions, actor, Action.VIEW_RECORDINGS, "incident", incident_id)
    return handoffs_of(sessions, incident_id)


@governed(Action.ENTER_INCIDENT)
def incident_timeline(sessions: Sessions, actor: Actor, number: str) -> list[AuditEvent]:
    """What the center did under an incident (views, playbacks, hand-offs, cases, its closing),
    for the people working it, not only the auditor: the audit entries that name it."""
    authorize(sessions, actor, Action.ENTER_INCIDENT, "incident", number)
    return audit.of_incident(sessions, number)


@governed(Action.VIEW_RECORDINGS)
def revoke_handoff(sessions: Sessions, actor: Actor, handoff_id: int) -> None:
    authorize(sessions, actor, Action.VIEW_RECORDINGS, "hand-off", handoff_id)
    revoke(sessions, handoff_id, actor.username)


# -- footage requests to owners ---------------------------------------------------------------
@governed(Action.VIEW_RECORDINGS)
def request_footage(
    sessions: Sessions, actor: Actor, camera_id: int, start: datetime, end: datetime, purpose: Purpose
) -> RequestRow:
    authorize(sessions, actor, Action.VIEW_RECORDINGS, "camera", camera_id)
    return FootageRequests(sessions).request(camera_id, start, end, purpose)


@governed(Action.APPROVE_REQUEST)
def record_owner_answer(
    sessions: Sessions,
    actor: Actor,
    request_id: int,
    approved: bool,
    owner_person: str,
    decided_at: datetime | None = None,
) -> RequestRow:
    authorize(sessions, actor, Action.APPROVE_REQUEST, "footage request", request_id)
    return FootageRequests(sessions).decide(request_id, approved, owner_person, decided_at)


@dataclass(frozen=True)
class CaseFiling:
    number: str
    windows: int
    bookmarks: int
    problems: list[str]


@governed(Action.PUT_IN_CASE)
def file_marks_in_case(
    sessions: Sessions,
    actor: Actor,
    number: str,
    cameras: list[CameraRow],
    start: datetime,
    end: datetime,
    bookmarks: list[tuple[int, datetime, str]],
    note: str = "",
    viewed_under: Purpose | None = None,
) -> CaseFiling:
    """The recordings view's "To case…": open the case if it is new, put every camera's marked
    window into it (each camera through the gate: a refused one is named, the others go in) and
    the bookmarks (camera id, time, note)."""
    authorize(sessions, actor, Action.PUT_IN_CASE, "case", number)
    store = CaseStore(sessions)
    number = number.strip()
    if store.find(number) is None:
        store.create(number)
    problems: list[str] = []
    windows = 0
    for camera in cameras:
        try:
            add_to_case(sessions, actor, number, camera, start, end, note, viewed_under)
            windows += 1
        except (CaseError, Refused) as exc:
            said = str(exc)  # a gate refusal names the camera already
            problems.append(said if said.startswith(f"{camera.name}: ") else f"{camera.name}: {said}")
    marked = 0
    for camera_id, at, text in bookmarks:
        try:
            bookmark_in_case(sessions, actor, number, camera_id, at, text)
            marked += 1
        except CaseError as exc:
            problems.append(f"bookmark {at:%H:%M:%S}: {exc}")
    return CaseFiling(number, windows, marked, problems)


@governed(Action.RECORD_CONSENT)
def record_consent(
    sessions: Sessions,
    actor: Actor,
    camera_id: int,
    *,
    revoked_at: datetime | None,
    granted_at: datetime | None = None,
) -> CameraRow:
    """Record an owner's consent (``granted_at``) or its revocation (``revoked_at``); a revocation
    stops live video and recording within seconds (the media service follows the registry)."""
    authorize(sessions, actor, Action.RECORD_CONSENT, "camera", camera_id)
    registry = Registry(sessions)
    fields = registry.get(camera_id).to_fields()
    if granted_at is not None:
        fields["consent_granted_at"] = granted_at.isoformat()
    fields["consent_revoked_at"] = revoked_at.isoformat() if revoked_at is not None else ""
    record, errors = validate_camera(fields)
    if record is None:
        raise ValueError("; ".join(str(e) for e in errors))
    return registry.update(camera_id, record)


# -- accountability ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditFilter:
    """Which audit entries: by person, camera id, case or incident number, and period (UTC)."""

    user: str = ""
    camera: str = ""
    case: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> dict[str, Any]:
        return {"user": self.user, "camera": self.camera, "case": self.case, "since": self.since,
                "until": self.until}  # fmt: skip

    def describe(self) -> str:
        return str({k: str(v) for k, v in self.query().items() if v})


@governed(Action.READ_AUDIT)
def open_audit_log(sessions: Sessions, actor: Actor, where: str) -> audit.AuditCheck:
    """The audit log opened for reading (recorded: who reads it is itself accountable), and its
    hash chain walked."""
    authorize(sessions, actor, Action.READ_AUDIT, "audit log", "")
    audit.record(sessions, "audit log opened", user=actor.username, workstation=actor.workstation,
                 details=where)  # fmt: skip
    return audit.verify_audit(sessions)


@governed(Action.READ_AUDIT)
def verify_audit_log(sessions: Sessions, actor: Actor) -> audit.AuditCheck:
    """Walk the hash chain and write nothing: the head it reports is the log's as found, for
    comparing with a head kept elsewhere."""
    authorize(sessions, actor, Action.READ_AUDIT, "audit log", "")
    return audit.verify_audit(sessions)


@governed(Action.READ_AUDIT)
def search_audit(sessions: Sessions, actor: Actor, which: AuditFilter
                 ) -> tuple[list[AuditEvent], dict[tuple[str, str], str]]:  # fmt: skip
    """The entries ``which`` selects, and the names of the incidents and cases they point at."""
    authorize(sessions, actor, Action.READ_AUDIT, "audit log", "")
    entries = audit.query(sessions, **which.query())
    return entries, audit.target_labels(sessions, entries)


@governed(Action.READ_AUDIT)
def export_audit(sessions: Sessions, actor: Actor, path: Path, which: AuditFilter) -> int:
    """The entries ``which`` selects, as CSV at ``path``; the export is itself audited."""
    authorize(sessions, actor, Action.READ_AUDIT, "audit log", path.name)
    count = audit.export_csv(sessions, path, **which.query())
    audit.record(sessions, "audit log exported", user=actor.username, workstation=actor.workstation,
                 details=f"{count} entries to {path.name}; {which.describe()}")  # fmt: skip
    return count


# -- beyond a purpose's bounds: two people -----------------------------------------------------
@governed(Action.VIEW_LIVE, Action.VIEW_RECORDINGS)
def request_justification(sessions: Sessions, actor: Actor, camera_id: int, purpose: Purpose, why: str,
                          start: datetime, end: datetime, live: bool = False) -> int:  # fmt: skip
    """Ask a supervisor to let this purpose cover a camera or a stretch it does not cover."""
    authorize(sessions, actor, Action.VIEW_LIVE if live else Action.VIEW_RECORDINGS, "camera", camera_id)
    camera = Registry(sessions).get(camera_id)
    with sessions() as s:
        exceeded = exceeded_bound(s, purpose, camera, start, end, live=live, policy=policy_in(s))
    if exceeded is None:
        raise JustificationError(f"the purpose '{purpose.scope()}' already covers {camera.name} then")
    return request_justification_row(sessions, camera_id, purpose.scope(), exceeded, why, start, end,
                                     actor.username)  # fmt: skip


@governed(Action.APPROVE_JUSTIFICATION)
def decide_justification(sessions: Sessions, actor: Actor, justification_id: int, approve: bool) -> None:
    authorize(sessions, actor, Action.APPROVE_JUSTIFICATION, "justification", justification_id)
    decide_justification_row(sessions, justification_id, approve, actor.username)


def justifications(sessions: Sessions, status: str = "") -> list[JustificationRow]:
    return list_justifications(sessions, status)


# -- the program's policy ---------------------------------------------------------------------
@governed(Action.SET_POLICY)
def set_policy(sessions: Sessions, actor: Actor, key: str, value: str) -> Policy:
    """Set one value of the program's policy (every workstation and media service reads it)."""
    authorize(sessions, actor, Action.SET_POLICY, "policy", key)
    parsed = parse_value(key, value)
    policy = replace(load_policy(sessions), **{key: parsed})  # type: ignore[arg-type]
    save_policy(sessions, policy, actor.username, f"{key} = {parsed!r}")
    return policy


# -- reports for outsiders --------------------------------------------------------------------
@governed(Action.READ_AUDIT)
def publish_public_report(
    sessions: Sessions, actor: Actor, since: datetime, until: datetime, key_dir: Path | None = None
) -> dict[str, Any]:
    """The public transparency report for the period, published (its hash goes on the chain),
    its checkpoint signed with the agency's key (:class:`SigningError`: nothing published)."""
    authorize(sessions, actor, Action.READ_AUDIT, "report", "public")
    key = agency_key(key_dir).key
    return make_report(sessions, Registry(sessions), load_policy(sessions), since, until,
                       published_by=actor.username, key=key)  # fmt: skip


@governed(Action.READ_AUDIT)
def check_public_report(sessions: Sessions, actor: Actor, doc: dict[str, Any],
                        held: list[tuple[str, dict[str, Any]]] | None = None,
                        agency_keys: list[Ed25519PublicKey] | None = None) -> ReportCheck:  # fmt: skip
    """The report against the log, and the log against every earlier checkpoint ``held``."""
    authorize(sessions, actor, Action.READ_AUDIT, "report", "public")
    result = check_report(sessions, doc, held, agency_keys)
    verdict = "matches the chain" if result.matches else f"does not match: {len(result.problems)} problem(s)"
    audit.record(sessions, "transparency report checked", target_type="report", user=actor.username,
                 workstation=actor.workstation,
                 details=f"{verdict}; chain {result.entries} entries")  # fmt: skip
    return result


@governed(Action.READ_AUDIT)
def sign_checkpoint(sessions: Sessions, actor: Actor, key_dir: Path | None = None) -> Checkpoint:
    """The audit log's checkpoint now, signed with the agency's key, for witnesses to keep (its
    making goes on the log first, so the checkpoint covers it)."""
    authorize(sessions, actor, Action.READ_AUDIT, "log", "checkpoint")
    key = agency_key(key_dir).key
    at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    with write_transaction(sessions) as s:
        audit.append(s, "audit checkpoint signed", target_type="log", user=actor.username,
                     workstation=actor.workstation,
                     details=f"key {fingerprint(key.public_key())}")  # fmt: skip
        s.flush()
        checkpoint = AuditTree.of(s).checkpoint(at)
    return checkpoint.signed(key, AGENCY, actor.username, at)


@governed(Action.READ_AUDIT)
def witness_checkpoint(sessions: Sessions, actor: Actor, offered: Checkpoint, folder: WitnessFolder,
                       key: Ed25519PrivateKey, name: str) -> Witnessed:  # fmt: skip
    """A witness countersigns the agency's checkpoint when the log extends every checkpoint it
    kept (:class:`WitnessRefused` says why not); either way the log records it."""
    authorize(sessions, actor, Action.READ_AUDIT, "log", "witness")
    at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    what = f"{name}: {offered.tree_size} entries, root {offered.root[:16]}"
    try:
        done = witness(AuditTree.read(sessions), offered, folder, key, name, at)
    except WitnessRefused as exc:
        audit.record(sessions, "audit checkpoint witness refused", target_type="log", user=actor.username,
                     workstation=actor.workstation, details=f"{what}: {exc}"[:2000])  # fmt: skip
        raise
    audit.record(sessions, "audit checkpoint witnessed", target_type="log", user=actor.username,
                 workstation=actor.workstation,
                 details=f"{what}; witness key {fingerprint(key.public_key())}")  # fmt: skip
    return done


@governed(Action.READ_AUDIT)
def make_owner_report(
    sessions: Sessions, actor: Actor, owner: str, since: datetime, until: datetime
) -> OwnerReport:
    authorize(sessions, actor, Action.READ_AUDIT, "owner", owner)
    report = owner_report(sessions, owner, since, until, load_policy(sessions))
    made = f"{len(report.rows)} entries, {report.since} to {report.until}"
    audit.record(sessions, "owner's report made", target_type="owner", target_id=owner, user=actor.username,
                 workstation=actor.workstation, details=made)  # fmt: skip
    return report


@governed(Action.READ_AUDIT)
def review_anomalies(sessions: Sessions, actor: Actor, since: datetime, until: datetime) -> list[Flag]:
    """The auditor's second looks; the review itself goes on the chain."""
    authorize(sessions, actor, Action.READ_AUDIT, "anomalies", "")
    flags = find_anomalies(sessions, since, until)
    open_flags = sum(1 for f in flags if not f.dismissed)
    details = f"{len(flags)} flagged ({open_flags} not dismissed), {since:%Y-%m-%d} to {until:%Y-%m-%d}"
    audit.record(sessions, "anomalies reviewed", target_type="anomaly", user=actor.username,
                 workstation=actor.workstation, details=details)  # fmt: skip
    return flags


@governed(Action.READ_AUDIT)
def review_camera_clocks(
    sessions: Sessions, actor: Actor, since: datetime, until: datetime
) -> list[UntrustedClock]:
    """The cameras whose footage in the period was placed by arrival (their clock not trusted);
    the review goes on the chain."""
    authorize(sessions, actor, Action.READ_AUDIT, "camera clocks", "")
    found = untrusted_clocks(sessions, since, until)
    details = f"{len(found)} camera(s) with footage placed by arrival, {since:%Y-%m-%d} to {until:%Y-%m-%d}"
    audit.record(sessions, "camera clocks reviewed", target_type="camera", user=actor.username,
                 workstation=actor.workstation, details=details)  # fmt: skip
    return found


@governed(Action.READ_AUDIT)
def dismiss_anomaly(sessions: Sessions, actor: Actor, key: str, reason: str) -> None:
    authorize(sessions, actor, Action.READ_AUDIT, "anomaly", key)
    dismiss(sessions, key, reason, actor.username)


@governed(Action.READ_AUDIT)
def division_report(sessions: Sessions, actor: Actor, days: int = 30) -> list[DivisionFigures]:
    """Per division: cameras registered, live-shareable, recorded and watched live in the last
    ``days`` days; for those who read the audit log (auditors)."""
    authorize(sessions, actor, Action.READ_AUDIT, "report", f"divisions, last {days} days")
    return count_by_division(sessions, days)
