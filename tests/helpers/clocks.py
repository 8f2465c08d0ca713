"""Reading the burned-in clock of a picture, a tile or a frame."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from app.video.barcode import decode


def clock_of(image) -> datetime:  # type: ignore[no-untyped-def]
    ms = decode(image)
    assert ms is not None, "the burned-in barcode could not be read"
    return datetime.fromtimestamp(ms / 1000, UTC)


def tile_clock(tile) -> datetime:  # type: ignore[no-untyped-def]
    image = tile.image.convertToFormat(tile.image.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    array = data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3)
    return clock_of(array)


def tile_clock_s(tile) -> float:  # type: ignore[no-untyped-def]
    image = tile.image.convertToFormat(tile.image.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows = data.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3]
    ms = decode(rows.reshape(image.height(), image.width(), 3))
    assert ms is not None, f"{tile.camera.name}: the burned-in clock could not be read"
    return ms / 1000
