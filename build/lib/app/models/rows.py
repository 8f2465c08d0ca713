"""Plain value types that many packages pass around (no ORM session attached), kept at the bottom
of the layers so that the registry, the gate and the domain services can all import them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CameraRow:
    """A camera as views and exports see it: plain values, no ORM session attached."""

    id: int
    uid: str
    name: str
    owner_name: str
    owner_type: str
    owner_contact: str
    division: str
    latitude: float
    longitude: float
    heading_deg: float
    fov_deg: float
    range_m: float
    main_url: str
    sub_url: str
    sharing_terms: str
    consent_granted_at: datetime | None
    consent_revoked_at: datetime | None
    retention_days: int
    status: str
    has_credentials: bool
    notes: str
    live_window: str = "always"
    version: int = 1  # raised by every edit: a save naming an older one is refused

    @property
    def consent_active(self) -> bool:
        return self.consent_revoked_at is None

    def to_fields(self) -> dict[str, str]:
        def t(value: datetime | None) -> str:
            return value.isoformat().replace("+00:00", "Z") if value else ""

        return {
            "name": self.name,
            "owner_name": self.owner_name,
            "owner_type": self.owner_type,
            "owner_contact": self.owner_contact,
            "latitude": repr(self.latitude),
            "longitude": repr(self.longitude),
            "heading_deg": f"{self.heading_deg:g}",
            "fov_deg": f"{self.fov_deg:g}",
            "range_m": f"{self.range_m:g}",
            "main_url": self.main_url,
            "sub_url": self.sub_url,
            "sharing_terms": self.sharing_terms,
            "consent_granted_at": t(self.consent_granted_at),
            "consent_revoked_at": t(self.consent_revoked_at),
            "retention_days": str(self.retention_days),
            "status": self.status,
            "live_window": self.live_window,
            "division": self.division,
            "notes": self.notes,
        }
