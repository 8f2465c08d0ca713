"""Video for responding officers: a still, or a short clip around the playhead (10 s before to 5 s
after by default), with a caption strip burned in (incident, camera, place, time in the center's
zone, the operator's note) and a JSON sidecar with the same facts and the sources' hashes.

The footage comes from the recorded segments, which are never changed: the hand-off is a new
file, an evidence item of its own linked to its first source segment, with a custody event
("derived for hand-off") on it and one on each source ("used for a hand-off"). It is written to
the delivery folder (the one the agency's mobile data system watches) and gets a link token: a
long random string that the console shows once, stored only as its SHA-256, expiring after 12
hours unless revoked sooner. The owner's terms apply as for any playback (recorded-on-request
footage only within an approved request), and a hand-off from a live tile needs terms that allow
live sharing.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.evidence.cases import overlapping_segments
from app.evidence.media_cut import MediaCutError, SourceSegment, grab_still, render_derivative
from app.governance import audit
from app.governance.custody import append_event, sha256_file
from app.governance.gate import why_not_live, why_not_play
from app.governance.purpose import Purpose
from app.governance.tokens import new_token, token_hash
from app.models.change_feed import publish
from app.models.db import write_transaction
from app.models.rows import CameraRow
from app.models.tables import EvidenceItem, Handoff, Incident
from app.registry.service import Registry

LINK_HOURS = 12.0


class HandoffError(ValueError):
    """The hand-off cannot be made; the message says why (a refusal names the owner's terms)."""


@dataclass(frozen=True)
class HandoffRequest:
    incident_id: int
    camera_id: int
    at: datetime  # the playhead, UTC
    kind: str = "clip"  # "clip" or "still"
    before_s: float = 10.0
    after_s: float = 5.0
    note: str = ""
    live: bool = False  # sent from a live tile


@dataclass(frozen=True)
class HandoffResult:
    handoff_id: int
    path: Path
    sidecar: Path
    token: str  # shown once; only its hash is kept
    expires_at: datetime
    sha256: str
    caption: tuple[str, ...]


def caption_lines(number: str, camera: str, place: str, when: datetime, zone: str,
                  note: str) -> tuple[str, ...]:  # fmt: skip
    """The strip's lines, ASCII only (the burned-in font has no other glyphs)."""
    local = when.astimezone(ZoneInfo(zone))
    lines = [f"Incident {number} | {camera}", f"{place} | {local:%Y-%m-%d %H:%M:%S} {local.tzname()}"]
    if note.strip():
        lines.append(note.strip())
    return tuple(line.encode("ascii", "replace").decode()[:90] for line in lines)


@dataclass(frozen=True)
class _Footage:
    number: str
    incident_id: int
    place: str
    camera: CameraRow
    items: list[EvidenceItem]
    sources: list[SourceSegment]


def make_handoff(sessions: sessionmaker[Session], recordings: Path, folder: Path, request: HandoffRequest, *,
                 time_zone: str, operator: str, home: frozenset[str] = frozenset(),
                 now: datetime | None = None) -> HandoffResult:  # fmt: skip
    now = now or datetime.now(UTC)
    footage = _footage(sessions, recordings, request, home)
    lines = caption_lines(
        footage.number, footage.camera.name, footage.place, request.at, time_zone, request.note
    )
    out, shown_from, shown_to = _render(folder, request, footage, lines)
    digest = sha256_file(out)
    token = new_token()
    expires = now + timedelta(hours=LINK_HOURS)
    sidecar = out.with_suffix(".json")
    facts = {
        "incident": footage.number, "camera": footage.camera.name, "camera_id": footage.camera.id,
        "place": footage.place, "kind": request.kind, "playhead_utc": _iso(request.at),
        "shown_from_utc": _iso(shown_from), "shown_to_utc": _iso(shown_to), "time_zone": time_zone,
        "caption": list(lines), "note": request.note, "operator": operator, "made_utc": _iso(now),
        "link_expires_utc": _iso(expires), "file": out.name, "sha256": digest,
        "sources": [{"segment": i.path, "sha256": i.sha256} for i in footage.items],
    }  # fmt: skip
    sidecar.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    link = _Link(token, expires, now, operator, folder)
    handoff_id = _record(sessions, footage, request, out, digest, lines, link, (shown_from, shown_to))
    return HandoffResult(handoff_id, out, sidecar, token, expires, digest, lines)


def _footage(sessions: sessionmaker[Session], recordings: Path, request: HandoffRequest,
             home: frozenset[str]) -> _Footage:  # fmt: skip
    """The segments to cut from, once the owner's terms allow it and every file is intact."""
    kind_before = request.before_s if request.kind == "clip" else 0
    start = request.at - timedelta(seconds=kind_before)
    end = request.at + timedelta(seconds=request.after_s if request.kind == "clip" else 0.001)
    camera = Registry(sessions).get(request.camera_id)
    with sessions() as s:
        incident = s.get(Incident, request.incident_id)
        if incident is None:
            raise HandoffError(f"incident #{request.incident_id} does not exist")
        live_refusal = why_not_live(camera) if request.live else None
        if live_refusal:
            raise HandoffError(f"{camera.name} cannot be handed off live: {live_refusal}")
        refused = why_not_play(s, camera, start, end, Purpose(incident=incident.number), home)
        if refused:
            raise HandoffError(f"{camera.name}: {refused}")
        items = overlapping_segments(s, camera.id, start, end)
        number, place = incident.number, f"{incident.latitude:.5f}, {incident.longitude:.5f}"
    if not items:
        raise HandoffError(f"{camera.name} has no recording between {start:%H:%M:%S} and {end:%H:%M:%S} UTC")
    sources = [SourceSegment(recordings / i.path, i.start_at, i.end_at) for i in items]  # type: ignore[arg-type]
    for item, source in zip(items, sources, strict=True):
        if not source.path.is_file() or sha256_file(source.path) != item.sha256:
            raise HandoffError(f"recorded segment {item.path} is missing or altered; nothing was handed off")
    return _Footage(number, request.incident_id, place, camera, items, sources)


def _render(folder: Path, request: HandoffRequest, footage: _Footage,
            lines: tuple[str, ...]) -> tuple[Path, datetime, datetime]:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    names = f"{_safe(footage.number)}_{_safe(footage.camera.name)}"
    stem = f"{names}_{request.at:%Y%m%dT%H%M%SZ}_{secrets.token_hex(3)}"
    out = folder / f"{stem}.{'mp4' if request.kind == 'clip' else 'png'}"
    partial = folder / f".partial-{out.name}"  # its own extension: the writers choose the format by it
    try:
        if request.kind == "clip":
            cut = render_derivative(footage.sources, request.at - timedelta(seconds=request.before_s),
                                    request.at + timedelta(seconds=request.after_s), partial, caption=lines,
                                    faststart=True)  # fmt: skip
            shown = (cut.actual_start, cut.actual_end)
        else:
            at = grab_still(footage.sources, request.at, partial, caption=lines)
            shown = (at, at)
        partial.replace(out)
    except MediaCutError as exc:
        partial.unlink(missing_ok=True)
        raise HandoffError(f"the {request.kind} could not be made: {exc}") from exc
    return out, shown[0], shown[1]


@dataclass(frozen=True)
class _Link:
    token: str
    expires: datetime
    made: datetime
    operator: str
    folder: Path


def _record(sessions: sessionmaker[Session], footage: _Footage, request: HandoffRequest, out: Path,
            digest: str, lines: tuple[str, ...], link: _Link,
            shown: tuple[datetime, datetime]) -> int:  # fmt: skip
    """The derivative in custody (linked to its source), the sources' custody, the link, the audit."""
    number, camera = footage.number, footage.camera
    token, expires, operator, folder, now = link.token, link.expires, link.operator, link.folder, link.made
    with write_transaction(sessions) as s:
        derived = EvidenceItem(kind=f"handoff {request.kind}", camera_id=camera.id,
                               source_item_id=footage.items[0].id, path=str(out), sha256=digest,
                               size_bytes=out.stat().st_size, start_at=shown[0], end_at=shown[1])  # fmt: skip
        s.add(derived)
        s.flush()
        hashes = ", ".join(i.sha256[:12] for i in footage.items)
        append_event(s, derived, "derived for hand-off", f"incident {number}: from segment(s) {hashes}")
        for item in footage.items:
            source_item = s.get(EvidenceItem, item.id)
            assert source_item is not None
            append_event(s, source_item, "used for a hand-off", f"incident {number}: {out.name}")
        row = Handoff(incident_id=footage.incident_id, evidence_item_id=derived.id, camera_id=camera.id,
                      kind=request.kind, token_sha256=token_hash(token),
                      delivered_to=str(folder), caption="\n".join(lines), created_by=operator, created_at=now,
                      expires_at=expires)  # fmt: skip
        s.add(row)
        s.flush()
        publish(s, "incident", footage.incident_id, username=operator)  # its hand-offs changed
        audit.append(s, "hand-off to officers", target_type="camera", target_id=camera.id,
                     purpose=f"incident {number}", case_number=number, user=operator,
                     details=f"{request.kind} {out.name} (sha256 {digest[:16]}) to {folder}; link until "
                     f"{expires:%Y-%m-%d %H:%M} UTC")  # fmt: skip
        return row.id


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:40]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class HandoffRow:
    """A hand-off as the incident shows it: who, when, to where, opened or not, until when."""

    id: int
    kind: str
    file: str
    delivered_to: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    first_opened_at: datetime | None

    def active(self, now: datetime | None = None) -> bool:
        """The link still opens: neither revoked nor expired (what Revoke applies to)."""
        return self.revoked_at is None and self.expires_at > (now or datetime.now(UTC))

    def state(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return f"revoked {self.revoked_at:%H:%M} UTC"
        if self.expires_at <= (now or datetime.now(UTC)):
            return "expired"
        opened = f"opened {self.first_opened_at:%H:%M} UTC" if self.first_opened_at else "not opened yet"
        return f"{opened}; link until {self.expires_at:%H:%M} UTC"


def handoffs_of(sessions: sessionmaker[Session], incident_id: int) -> list[HandoffRow]:
    with sessions() as s:
        rows = s.execute(
            select(Handoff, EvidenceItem.path)
            .join(EvidenceItem, EvidenceItem.id == Handoff.evidence_item_id)
            .where(Handoff.incident_id == incident_id)
            .order_by(Handoff.id)
        ).all()
        return [
            HandoffRow(h.id, h.kind, Path(path).name, h.delivered_to, h.created_by, h.created_at,
                       h.expires_at, h.revoked_at, h.first_opened_at)
            for h, path in rows
        ]  # fmt: skip


def revoke(sessions: sessionmaker[Session], handoff_id: int, by: str, now: datetime | None = None) -> None:
    """The link stops working at once (the file already delivered to the folder stays there)."""
    with write_transaction(sessions) as s:
        row = s.get(Handoff, handoff_id)
        if row is None:
            raise HandoffError(f"no hand-off {handoff_id}")
        if row.revoked_at is not None:
            raise HandoffError(f"hand-off {handoff_id} was already revoked by {row.revoked_by}")
        row.revoked_at, row.revoked_by = now or datetime.now(UTC), by
        publish(s, "incident", row.incident_id, username=by)
        audit.append(s, "hand-off link revoked", target_type="camera", target_id=row.camera_id, user=by,
                     details=f"hand-off {handoff_id} ({row.kind})")  # fmt: skip
