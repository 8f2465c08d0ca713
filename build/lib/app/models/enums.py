"""Closed vocabularies stored as short strings in the database."""

from __future__ import annotations

from enum import StrEnum


class OwnerType(StrEnum):
    BUSINESS = "business"
    RESIDENT = "resident"
    PUBLIC_AGENCY = "public_agency"


class SharingTerms(StrEnum):
    """What the owner agreed the center may do with the camera."""

    LIVE_AND_RECORDED = "live_and_recorded"
    RECORDED_ON_REQUEST = "recorded_on_request"
    REGISTERED_ONLY = "registered_only"


class CameraStatus(StrEnum):
    ACTIVE = "active"
    OFFLINE = "offline"
    RETIRED = "retired"
