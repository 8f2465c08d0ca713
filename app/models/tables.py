"""The registry's tables (SQLAlchemy 2 typed ORM).

Camera credentials are deliberately absent: URLs are stored without ``user:password@`` and the
secret lives in the OS keyring (see :mod:`app.registry.credentials`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.models.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # scrypt$n$r$p$salt$hash (hex); never the password itself.
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    # Whom this person reports to (a user name; "" for none): the auditor's anomalies flag a
    # justification approved by the requester's own subordinate.
    reports_to: Mapped[str] = mapped_column(String(64), default="")


class Division(Base):
    __tablename__ = "divisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    station_latitude: Mapped[float | None] = mapped_column(Float)
    station_longitude: Mapped[float | None] = mapped_column(Float)
    # GeoJSON Polygon geometry as text; portable across SQLite and PostgreSQL.
    boundary_geojson: Mapped[str] = mapped_column(Text)
    boundary_approximate: Mapped[bool] = mapped_column(Boolean, default=False)

    cameras: Mapped[list[Camera]] = relationship(back_populates="division")


class Owner(Base):
    __tablename__ = "owners"
    __table_args__ = (UniqueConstraint("name", "owner_type", name="uq_owners_name_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_type: Mapped[str] = mapped_column(String(32))
    contact: Mapped[str] = mapped_column(String(300), default="")

    cameras: Mapped[list[Camera]] = relationship(back_populates="owner")


class Camera(Base):
    __tablename__ = "cameras"
    __table_args__ = (Index("ix_cameras_lat_lon", "latitude", "longitude"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key for the keyring and for files; survives renames.
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"), index=True)
    division_id: Mapped[int | None] = mapped_column(ForeignKey("divisions.id"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    heading_deg: Mapped[float] = mapped_column(Float)
    fov_deg: Mapped[float] = mapped_column(Float)
    range_m: Mapped[float] = mapped_column(Float)
    main_url: Mapped[str] = mapped_column(String(1000))
    sub_url: Mapped[str] = mapped_column(String(1000), default="")
    sharing_terms: Mapped[str] = mapped_column(String(32))
    consent_granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retention_days: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # When live viewing is allowed: "always", "active_incident" or "<from>/<until>" (ISO 8601).
    live_window: Mapped[str] = mapped_column(String(80), default="always")
    has_credentials: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Raised by every edit and retirement: a save that names an older version is refused with who
    # changed the camera and when, never written over their change.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_by: Mapped[str] = mapped_column(String(64), default="", server_default="")

    owner: Mapped[Owner] = relationship(back_populates="cameras")
    division: Mapped[Division | None] = relationship(back_populates="cameras")


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    incident_type: Mapped[str] = mapped_column(String(100), default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float, default=300.0)
    notes: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    disposition: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Where it came from: "" typed at a console, else "feed NAME" (a dispatch system's call).
    source: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    priority: Mapped[int | None] = mapped_column(Integer)
    # A dispatch rule that opened the call by itself ("" queued, or typed), and its actions as
    # JSON ({"top": 4, "wall": "main", "alert": true}) for the consoles of its division.
    auto_rule: Mapped[str] = mapped_column(String(100), default="")
    auto_actions: Mapped[str] = mapped_column(Text, default="")
    # The division whose boundary holds the incident's point (none outside every division).
    division_id: Mapped[int | None] = mapped_column(
        ForeignKey("divisions.id", name="fk_incidents_division_id")
    )


class EvidenceItem(Base):
    __tablename__ = "evidence_items"
    # Retention asks each camera for its live segments that ended before a cutoff, every minute.
    # With only the camera indexed that read every segment the camera ever recorded (a month in
    # one-minute segments is 43,200 rows) to find the few expired ones; this index holds live
    # items only, in end order, so deleted segments (their records stay) are not read again.
    # deleted_at (always NULL in it) is there for SQLite: it makes the index cover the query for
    # each camera's oldest live item, which otherwise reads the table row by row.
    __table_args__ = (
        Index("ix_evidence_items_live_camera_end", "camera_id", "end_at", "deleted_at",
              sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    source_item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"))
    path: Mapped[str] = mapped_column(String(2000))
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which clock placed a segment in time ("camera RTCP", "arrival less measured delay",
    # "arrival") and, with RTCP, how late its first packet arrived (network, relay, buffering).
    clock_source: Mapped[str] = mapped_column(String(32), default="")
    clock_offset_ms: Mapped[float | None] = mapped_column(Float)
    # Set when retention deleted the file; the row and its custody chain stay as the record.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustodyEvent(Base):
    __tablename__ = "custody_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    item_sha256: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    event_hash: Mapped[str] = mapped_column(String(64), default="")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    case_number: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    event_hash: Mapped[str] = mapped_column(String(64), default="")


class Salvo(Base):
    """A named wall arrangement shared by every workstation: which camera on which tile of which
    wall window (see :mod:`app.walls.salvos` for the document stored in ``content``)."""

    __tablename__ = "salvos"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    content: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class IncidentCamera(Base):
    """A camera considered for an incident: its rank, why, and whether the operator kept it."""

    __tablename__ = "incident_cameras"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    rank: Mapped[int] = mapped_column(Integer)
    selected: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(300), default="")


class CaseWindow(Base):
    """A stretch of one camera's recording put into a case (from the scrub view's in/out marks).

    Its overlapping segments are on legal hold while the window exists."""

    __tablename__ = "case_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Bookmark(Base):
    """A moment in a case worth a still and a note."""

    __tablename__ = "bookmarks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordingGap(Base):
    """A stretch when a camera that should have been recording was not, and why."""

    __tablename__ = "recording_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None while the outage goes on.
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class Place(Base):
    """An entry of the offline gazetteer: an address (or landmark) and where it is."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(300))
    # Lower-case, punctuation-free form used for matching.
    normalized: Mapped[str] = mapped_column(String(300), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class FootageRequest(Base):
    """A request for a recorded-on-request camera's footage, and the owner's answer.

    ``owner_decided_by`` names the person at the owner's side who answered; ``marked_by`` is the
    center's user who recorded that answer in the console."""

    __tablename__ = "footage_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purpose: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    owner_decided_by: Mapped[str] = mapped_column(String(200), default="")
    owner_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_by: Mapped[str] = mapped_column(String(64), default="")
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChangeEvent(Base):
    """One committed change that other workstations must see: a camera registered or edited, an
    incident opened or closed, an owner's answer, a media service's status. Consoles follow the
    table by id (PostgreSQL tells them the new id with NOTIFY; on SQLite they poll the newest
    id); one that was disconnected reads everything after the last id it saw."""

    __tablename__ = "change_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "cameras", "incident", "request", "media"
    kind: Mapped[str] = mapped_column(String(16))
    # What changed: ids separated by commas ("" for "re-read everything of this kind").
    subject: Mapped[str] = mapped_column(Text, default="")
    workstation: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str] = mapped_column(String(64), default="")


class MediaServiceEntry(Base):
    """A media service as it registers itself: where it serves, which divisions' cameras, and its
    health, renewed by a heartbeat every few seconds. Consoles find a camera's service here and
    show one whose heartbeat stopped as not answering."""

    __tablename__ = "media_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    # Division names, comma-separated; "" serves every camera (one service for the city).
    divisions: Mapped[str] = mapped_column(Text, default="")
    recordings_root: Mapped[str] = mapped_column(String(2000), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pulled: Mapped[int] = mapped_column(Integer, default=0)
    recording: Mapped[int] = mapped_column(Integer, default=0)
    disk_free_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # {"camera id": "newest segment's end, ISO UTC"} for the cameras it records
    newest_segments: Mapped[str] = mapped_column(Text, default="{}")


class IntakeLogEntry(Base):
    """A dispatch feed's log: every call received or refused, and why. ``digest`` (the signed
    time stamp and body) is unique per feed, which refuses a replayed call."""

    __tablename__ = "intake_log"
    __table_args__ = (UniqueConstraint("feed", "digest", name="uq_intake_log_feed_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "created", "updated", "closed", "refused"
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    call_number: Mapped[str] = mapped_column(String(64), default="")
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", name="fk_intake_log_incident_id")
    )
    digest: Mapped[str | None] = mapped_column(String(64))


class Handoff(Base):
    """A still or short clip made for responding officers: where it was delivered, the link's
    unguessable token (stored only as its SHA-256), when the link expires, whether it was
    revoked or opened. The file itself is an evidence item (a derivative of its segment)."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", name="fk_handoffs_incident_id"), index=True
    )
    evidence_item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_items.id", name="fk_handoffs_evidence_item_id")
    )
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", name="fk_handoffs_camera_id"))
    kind: Mapped[str] = mapped_column(String(8))  # "still" or "clip"
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    delivered_to: Mapped[str] = mapped_column(String(2000), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str] = mapped_column(String(64), default="")
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProgramPolicy(Base):
    """The program's caps and reporting rules, one row for the whole program (every console and
    media service reads the same): a JSON document, who changed it and when."""

    __tablename__ = "program_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(Text, default="{}")
    changed_by: Mapped[str] = mapped_column(String(64), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Justification(Base):
    """An access beyond a purpose's bounds (a camera outside the incident's radius, footage
    outside its window, a written reason bound to no incident): the operator's justification and
    a supervisor's answer, two different people, both recorded. While approved it covers that
    camera, that purpose and that stretch of time."""

    __tablename__ = "justifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", name="fk_justifications_camera_id"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(600))  # the purpose as described, without its basis
    exceeded: Mapped[str] = mapped_column(Text, default="")  # which bound, in the gate's words
    justification: Mapped[str] = mapped_column(Text)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, approved, denied
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ViewGrant(Base):
    """Leave for one person at one workstation to start live views of one camera under one
    purpose, written by the live-view use case once the role table and the gate said yes. The
    media service serves a live stream only against one: the console sends the unguessable token,
    stored here only as its SHA-256. Short-lived (a view already running goes on), revocable."""

    __tablename__ = "view_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(200), default="")
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", name="fk_view_grants_camera_id"), index=True
    )
    purpose: Mapped[str] = mapped_column(Text, default="")  # the stated purpose, as a query string
    home_divisions: Mapped[str] = mapped_column(Text, default="")  # the workstation's, one per line
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str] = mapped_column(String(64), default="")
