"""A month of a center's activity, for the reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.governance import audit
from app.governance.gate import open_recordings
from app.governance.purpose import Purpose
from app.incidents.service import IncidentInput, IncidentStore
from app.registry.formats import RawRow
from app.registry.service import Registry
from tests.helpers.registry_rows import GOOD


def a_month_of_activity(registry: Registry) -> tuple[datetime, datetime]:
    """Six live views and three playbacks under an incident, two refusals, two incidents."""
    sessions = registry._sessions
    registry.import_rows(
        [RawRow(2, GOOD), RawRow(3, GOOD | {"name": "Corner", "sharing_terms": "registered_only"})]
    )
    cameras = {c.name: c for c in registry.list_cameras()}
    shop, corner = cameras[GOOD["name"]], cameras["Corner"]
    since = datetime.now(UTC) - timedelta(minutes=1)
    now = datetime.now(UTC)
    store = IncidentStore(sessions)
    for number, kind in (("26-0001", "Robbery"), ("26-0002", "burglary")):
        store.create(IncidentInput(number, kind, now, "UTC", shop.latitude, shop.longitude, 200.0), [])
    for n in range(6):
        for action, details in (
            ("live view started", "sub stream"),
            ("live view stopped", f"sub stream, {30 + n} s"),
        ):
            audit.record(sessions, action, target_type="camera", target_id=shop.id, user="dana",
                         workstation="ws1",
                         purpose="incident 26-0001", case_number="26-0001", details=details)  # fmt: skip
    for _ in range(3):
        open_recordings(sessions, [shop], now - timedelta(minutes=5), now, Purpose(incident="26-0001"))
    open_recordings(sessions, [corner], now - timedelta(minutes=5), now, Purpose(incident="26-0001"))
    return since, datetime.now(UTC) + timedelta(seconds=1)
