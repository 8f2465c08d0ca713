"""Database tables, sessions and migrations. No Qt here."""

from __future__ import annotations

from app.models.tables import (
    AuditEvent,
    Base,
    Camera,
    Case,
    CustodyEvent,
    Division,
    EvidenceItem,
    Incident,
    IncidentCamera,
    Owner,
    Place,
    Salvo,
    User,
)

__all__ = [
    "AuditEvent",
    "Base",
    "Camera",
    "Case",
    "CustodyEvent",
    "Division",
    "EvidenceItem",
    "Incident",
    "IncidentCamera",
    "Owner",
    "Place",
    "Salvo",
    "User",
]
