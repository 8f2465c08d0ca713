"""Purposes, cases and people for the governance tests."""

from __future__ import annotations

from app.models.rows import CameraRow
from app.registry.records import validate_camera
from app.registry.service import Registry
from tests.helpers.registry_rows import GOOD


def add(registry: Registry, name: str, **fields: str) -> CameraRow:
    rec, errors = validate_camera(GOOD | {"name": name} | fields)
    assert rec is not None, errors
    return registry.add(rec)


ADD = [
    "cameras", "add", "--name", "CLI-1", "--owner-name", "Ace", "--owner-type", "business",
    "--latitude", "34.05", "--longitude", "-118.25", "--heading-deg", "90", "--fov-deg", "70",
    "--range-m", "50", "--main-url", "rtsp://10.0.0.1/main", "--sharing-terms", "recorded_on_request",
]  # fmt: skip
