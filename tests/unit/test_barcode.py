"""The time barcode survives being drawn, scaled and read back."""

from __future__ import annotations

import cv2
import numpy as np

from app.video.barcode import block_geometry, decode, encode_ms


def draw(ms: int, width: int = 640, height: int = 360) -> np.ndarray:
    image = np.full((height, width, 3), 60, np.uint8)
    size, x0, y0 = block_geometry(width, height)
    for i, bit in enumerate(encode_ms(ms)):
        x = x0 + i * size
        image[int(y0) : int(y0 + size), int(x) : int(x + size)] = 255 if bit else 0
    return image


def test_round_trip_at_tile_sizes() -> None:
    ms = 1_795_628_718_853
    assert decode(draw(ms)) == ms
    for width, height in ((320, 180), (213, 120), (1280, 720)):
        scaled = cv2.resize(draw(ms), (width, height), interpolation=cv2.INTER_AREA)
        assert decode(scaled) == ms


def test_a_picture_without_the_barcode_is_unreadable() -> None:
    assert decode(np.full((360, 640, 3), 128, np.uint8)) is None
