"""A time barcode burned into every simulated frame, and read back from what a tile shows.

A row of 48 square blocks along the bottom of the picture: white-black start marker, 44 bits of
the UTC wall-clock time in milliseconds (most significant first, white = 1), black-white end
marker. Blocks are 1/64 of the picture wide, so they survive H.264 and scaling down to a small
tile. Reading works on any RGB image of the picture (letterboxing is handled by the caller).
"""

from __future__ import annotations

import numpy as np

BITS = 44
BLOCKS = BITS + 4
GRID = 64  # block size is width / GRID


def encode_ms(ms: int) -> list[int]:
    bits = [(ms >> (BITS - 1 - i)) & 1 for i in range(BITS)]
    return [1, 0, *bits, 0, 1]


def block_geometry(width: int, height: int) -> tuple[float, float, float]:
    """(block size, x of the first block, y of the row's top) in picture pixels."""
    size = width / GRID
    return size, size, height - 2 * size


def decode(image: np.ndarray) -> int | None:
    """The millisecond time in ``image`` (H x W x 3, the whole picture), or None if unreadable."""
    height, width = image.shape[:2]
    size, x0, y0 = block_geometry(width, height)
    gray = image.astype(np.float32).mean(axis=2) if image.ndim == 3 else image.astype(np.float32)
    values = []
    for i in range(BLOCKS):
        cx, cy = x0 + (i + 0.5) * size, y0 + 0.5 * size
        r = max(1, int(size * 0.25))
        patch = gray[int(cy) - r : int(cy) + r + 1, int(cx) - r : int(cx) + r + 1]
        values.append(float(patch.mean()))
    bits = [1 if v > 128 else 0 for v in values]
    if bits[:2] != [1, 0] or bits[-2:] != [0, 1]:
        return None
    ms = 0
    for bit in bits[2:-2]:
        ms = (ms << 1) | bit
    return ms
