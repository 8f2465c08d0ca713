"""Reading the burned-in clock of a picture, a tile or a frame."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from app.video.barcode import decode


def clock_of(image) -> datetime:  # type: ignore[no-untyped-def]
    ms = decode(image)
    assert ms is not None, "the burned-in barcode could not be read"
    return datetime.fromtimestamp(ms / 1000, UTC)


def _tile_pixels(tile):  # type: ignore[no-untyped-def]
    """The picture a tile shows, as rows of RGB pixels."""
    image = tile.image.convertToFormat(tile.image.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3)


def tile_clock(tile) -> datetime:  # type: ignore[no-untyped-def]
    return clock_of(_tile_pixels(tile))


def tile_clock_s(tile) -> float:  # type: ignore[no-untyped-def]
    ms = decode(_tile_pixels(tile))
    assert ms is not None, f"{tile.camera.name}: the burned-in clock could not be read"
    return ms / 1000
