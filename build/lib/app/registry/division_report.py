"""Per division, what the center holds and uses: cameras registered, those whose owners share live
video, those recorded and those watched live in the last N days. For supervisors, auditors and
the public reports: every figure is counted from the registry, the recordings index and the
audit log, nothing estimated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance.gate import why_not_live
from app.models.enums import CameraStatus
from app.models.tables import AuditEvent, EvidenceItem
from app.models.types import utcnow
from app.registry.service import Registry

NO_DIVISION = "(no division)"


@dataclass(frozen=True)
class DivisionFigures:
    division: str
    registered: int  # not retired
    live_shareable: int  # the owner's terms and consent allow live viewing
    recorded: int  # at least one segment begun in the period
    viewed_live: int  # at least one live view started in the period
    live_views: int  # live views started in the period


def division_report(sessions: sessionmaker[Session], days: int = 30, now: datetime | None = None,
                    ) -> list[DivisionFigures]:  # fmt: skip
    """One row per division (by name), then cameras outside every division, if any."""
    since = (now or utcnow()) - timedelta(days=days)
    cameras = [c for c in Registry(sessions).list_cameras() if c.status != CameraStatus.RETIRED]
    with sessions() as s:
        recorded = set(
            s.scalars(
                select(EvidenceItem.camera_id)
                .where(EvidenceItem.kind == "segment", EvidenceItem.start_at >= since)
                .distinct()
            )
        )
        views: dict[int, int] = {}
        for target in s.scalars(
            select(AuditEvent.target_id).where(
                AuditEvent.action == "live view started",
                AuditEvent.target_type == "camera",
                AuditEvent.at >= since,
            )
        ):
            if target.isdigit():
                views[int(target)] = views.get(int(target), 0) + 1
    rows: dict[str, list[int]] = {}
    for camera in cameras:
        row = rows.setdefault(camera.division or NO_DIVISION, [0, 0, 0, 0, 0])
        row[0] += 1
        row[1] += why_not_live(camera) is None
        row[2] += camera.id in recorded
        row[3] += camera.id in views
        row[4] += views.get(camera.id, 0)
    names = sorted(n for n in rows if n != NO_DIVISION) + ([NO_DIVISION] if NO_DIVISION in rows else [])
    return [DivisionFigures(name, *rows[name]) for name in names]
