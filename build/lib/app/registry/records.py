"""A camera as the registry receives it (strings from a form or a file) and as it accepts it.

:func:`validate_camera` turns raw fields into a :class:`CameraRecord` or a list of
:class:`FieldError` naming every field that is wrong and why; callers add the line number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from app.governance.live_window import parse_live_window
from app.models.enums import CameraStatus, OwnerType, SharingTerms
from app.registry.urls import SplitUrl, UrlError, check_stream_url

# Column order of the CSV format and the property names of the GeoJSON format.
FIELDS: tuple[str, ...] = (
    "name",
    "owner_name",
    "owner_type",
    "owner_contact",
    "latitude",
    "longitude",
    "heading_deg",
    "fov_deg",
    "range_m",
    "main_url",
    "sub_url",
    "sharing_terms",
    "live_window",
    "consent_granted_at",
    "consent_revoked_at",
    "retention_days",
    "status",
    "division",
    "notes",
)
REQUIRED: frozenset[str] = frozenset(
    {
        "name",
        "owner_name",
        "owner_type",
        "latitude",
        "longitude",
        "heading_deg",
        "fov_deg",
        "range_m",
        "main_url",
        "sharing_terms",
    }
)
MAX_RANGE_M = 5000.0
MAX_RETENTION_DAYS = 3650
# Numeric fields: name, lower bound, upper bound, whether the lower bound itself is excluded.
_NUMERIC: tuple[tuple[str, float, float, bool], ...] = (
    ("latitude", -90.0, 90.0, False),
    ("longitude", -180.0, 180.0, False),
    ("heading_deg", 0.0, 360.0, False),
    ("fov_deg", 0.0, 360.0, True),
    ("range_m", 0.0, MAX_RANGE_M, True),
)


@dataclass(frozen=True)
class FieldError:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line > 0 else "input"
        return f"{where}, field '{self.field}': {self.reason}"


@dataclass
class CameraRecord:
    name: str
    owner_name: str
    owner_type: OwnerType
    latitude: float
    longitude: float
    heading_deg: float
    fov_deg: float
    range_m: float
    main: SplitUrl
    sharing_terms: SharingTerms
    owner_contact: str = ""
    sub: SplitUrl | None = None
    consent_granted_at: datetime | None = None
    consent_revoked_at: datetime | None = None
    retention_days: int = 30
    status: CameraStatus = CameraStatus.ACTIVE
    live_window: str = "always"
    division: str = ""
    notes: str = ""
    line: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def has_credentials(self) -> bool:
        return self.main.has_credentials or (self.sub is not None and self.sub.has_credentials)


def _float(raw: str, lo: float, hi: float, errors: list[str], *, lo_open: bool = False) -> float:
    try:
        value = float(raw)
    except ValueError:
        errors.append(f"'{raw}' is not a number")
        return 0.0
    if math.isnan(value) or math.isinf(value):
        errors.append(f"'{raw}' is not a finite number")
    elif value < lo or value > hi or (lo_open and value == lo):
        bound = "(" if lo_open else "["
        errors.append(f"{value:g} is out of range {bound}{lo:g}, {hi:g}]")
    return value


def _time(raw: str, errors: list[str]) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        errors.append(f"'{raw}' is not an ISO 8601 time (e.g. 2026-01-31T14:00:00Z)")
        return None
    if value.tzinfo is None:
        errors.append(f"'{raw}' has no time zone; add Z or an offset such as -08:00")
        return None
    return value.astimezone(UTC)


E = TypeVar("E", OwnerType, SharingTerms, CameraStatus)


def _enum(kind: type[E], raw: str, errors: list[str]) -> E:
    try:
        return kind(raw.strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        errors.append(f"'{raw}' is not one of: {allowed}")
        return next(iter(kind))


def validate_camera(raw: Mapping[str, object], line: int = 0) -> tuple[CameraRecord | None, list[FieldError]]:
    """Check every field; return the record, or ``None`` and every problem found."""
    values = {k: ("" if v is None else str(v)).strip() for k, v in raw.items()}
    errors: list[FieldError] = []

    problems: dict[str, list[str]] = {name: [] for name in FIELDS}
    for name in REQUIRED:
        if not values.get(name):
            problems[name].append("is required")
    get = values.get

    name = get("name", "")
    if len(name) > 200:
        problems["name"].append("is longer than 200 characters")
    owner_type = (
        _enum(OwnerType, get("owner_type", ""), problems["owner_type"]) if get("owner_type") else None
    )
    numbers: dict[str, float] = {}
    for key, lo, hi, lo_open in _NUMERIC:
        raw_value = get(key, "")
        numbers[key] = _float(raw_value, lo, hi, problems[key], lo_open=lo_open) if raw_value else 0.0
    terms = (
        _enum(SharingTerms, get("sharing_terms", ""), problems["sharing_terms"])
        if get("sharing_terms")
        else None
    )
    status = (
        _enum(CameraStatus, get("status", ""), problems["status"]) if get("status") else CameraStatus.ACTIVE
    )

    live_window = "always"
    try:
        live_window = parse_live_window(get("live_window", "")).text()
    except ValueError as exc:
        problems["live_window"].append(str(exc))

    main: SplitUrl | None = None
    sub: SplitUrl | None = None
    for key in ("main_url", "sub_url"):
        if get(key):
            try:
                parsed = check_stream_url(get(key, ""))
            except UrlError as exc:
                problems[key].append(f"URL {exc}")
            else:
                if key == "main_url":
                    main = parsed
                else:
                    sub = parsed

    granted = _time(get("consent_granted_at", ""), problems["consent_granted_at"])
    revoked = _time(get("consent_revoked_at", ""), problems["consent_revoked_at"])
    if granted and revoked and revoked < granted:
        problems["consent_revoked_at"].append("is before consent_granted_at")

    retention = 30
    if get("retention_days"):
        try:
            retention = int(get("retention_days", ""))
        except ValueError:
            problems["retention_days"].append(f"'{get('retention_days')}' is not a whole number of days")
        else:
            if not 1 <= retention <= MAX_RETENTION_DAYS:
                problems["retention_days"].append(f"{retention} is out of range [1, {MAX_RETENTION_DAYS}]")

    for fname, reasons in problems.items():
        errors.extend(FieldError(line, fname, reason) for reason in reasons)
    if errors:
        return None, errors
    assert owner_type is not None and terms is not None and main is not None
    return (
        CameraRecord(
            name=name,
            owner_name=get("owner_name", ""),
            owner_type=owner_type,
            owner_contact=get("owner_contact", ""),
            latitude=numbers["latitude"],
            longitude=numbers["longitude"],
            heading_deg=numbers["heading_deg"] % 360.0,
            fov_deg=numbers["fov_deg"],
            range_m=numbers["range_m"],
            main=main,
            sub=sub,
            sharing_terms=terms,
            consent_granted_at=granted,
            consent_revoked_at=revoked,
            retention_days=retention,
            status=status,
            live_window=live_window,
            division=get("division", ""),
            notes=get("notes", ""),
            line=line,
        ),
        [],
    )
