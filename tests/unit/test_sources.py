"""A camera's own stream URL: sub falls back to main, credentials come from the keyring."""

from __future__ import annotations

from keyrings.alt.file import PlaintextKeyring

from app.registry.records import validate_camera
from app.registry.service import Registry
from app.video.sources import camera_source
from tests.helpers.registry_rows import GOOD


def test_camera_source(registry: Registry, file_keyring: PlaintextKeyring) -> None:
    plain = registry.add(validate_camera(GOOD | {"name": "plain", "sub_url": ""})[0])  # type: ignore[arg-type]
    assert camera_source(plain, "sub") == GOOD["main_url"]
    locked = registry.add(
        validate_camera(GOOD | {"name": "locked", "main_url": "rtsp://admin:pw@10.0.0.9/main",
                                "sub_url": "rtsp://viewer:pw2@10.0.0.9/sub"})[0]  # type: ignore[arg-type]
    )  # fmt: skip
    assert camera_source(locked, "main") == "rtsp://admin:pw@10.0.0.9/main"
    assert camera_source(locked, "sub") == "rtsp://viewer:pw2@10.0.0.9/sub"
