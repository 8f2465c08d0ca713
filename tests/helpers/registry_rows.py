"""A registry row that passes every check, and CSV files of rows."""

from __future__ import annotations

import csv
from pathlib import Path

from app.registry.records import FIELDS

GOOD = {
    "name": "HOL-900 Sunset & Vine NE",
    "owner_name": "Sunset Liquor",
    "owner_type": "business",
    "owner_contact": "owner@example.com",
    "latitude": "34.0983",
    "longitude": "-118.3267",
    "heading_deg": "45",
    "fov_deg": "90",
    "range_m": "60",
    "main_url": "rtsp://10.1.1.1/main",
    "sub_url": "rtsp://10.1.1.1/sub",
    "sharing_terms": "live_and_recorded",
    "consent_granted_at": "2026-05-01T09:00:00Z",
    "consent_revoked_at": "",
    "retention_days": "30",
    "status": "active",
    "division": "",
    "notes": "",
}


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header or list(FIELDS))
        writer.writeheader()
        writer.writerows(rows)
    return path
