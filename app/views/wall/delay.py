"""How late a tile's picture is: read back from the camera's burned-in clock, or estimated.

A camera that burns the time barcode into its picture (the simulator does; see
:mod:`app.video.barcode`) gives a measured glass-to-glass delay: the time on the tile's glass now,
minus the time the picture shows. Other cameras get an estimate from what the player holds back:
libVLC's network caching plus one frame at the measured rate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QWidget

from app.video.barcode import decode

# A barcode further off than this is not the simulator's clock on a synchronised host. Ten
# seconds once: pictures 11-62 s old then read as "no barcode", and the tile showed an estimate.
MAX_PLAUSIBLE_MS = 600_000
# A picture older than this is "behind" on its tile, in the warning colour.
BEHIND_MS = 2_000


@dataclass(frozen=True)
class Delay:
    ms: float
    measured: bool  # True: read from the picture's burned-in clock or the camera's trusted clock
    source: str = ""  # "camera clock": the recorder's measured delay plus this player's buffering

    def text(self) -> str:
        if not self.measured:
            return f"delay ≈{self.ms:.0f} ms (est.)"
        return f"delay {self.ms:.0f} ms" + (f" ({self.source})" if self.source else "")

    @property
    def behind(self) -> bool:
        return self.measured and self.ms > BEHIND_MS


def picture_fit(surface_w: int, surface_h: int, aspect: float = 16 / 9) -> tuple[int, int, int, int]:
    """Where libVLC draws a picture of ``aspect`` inside a surface: x, y, width, height."""
    if surface_w / surface_h > aspect:
        w = round(surface_h * aspect)
        return (surface_w - w) // 2, 0, w, surface_h
    h = round(surface_w / aspect)
    return 0, (surface_h - h) // 2, surface_w, h


def surface_pixels(surface: QWidget, software: bool) -> np.ndarray | None:
    """The RGB pixels on the glass of a tile's surface (native surfaces are grabbed from the screen,
    because libVLC draws into them behind Qt's back)."""
    if software:
        image = surface.grab().toImage()
    else:
        image = QGuiApplication.primaryScreen().grabWindow(int(surface.winId())).toImage()
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    if w < 64 or h < 36:
        return None
    raw = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return raw[:, : w * 3].reshape(h, w, 3)


def camera_clock_delay_ms(surface: QWidget, software: bool) -> float | None:
    """Glass-to-glass delay from the burned-in clock, or None when the picture carries none."""
    pixels = surface_pixels(surface, software)
    now_ms = time.time() * 1000
    if pixels is None:
        return None
    x, y, w, h = picture_fit(pixels.shape[1], pixels.shape[0])
    shown = decode(pixels[y : y + h, x : x + w])
    if shown is None or abs(now_ms - shown) > MAX_PLAUSIBLE_MS:
        return None
    return now_ms - shown


def estimated_delay_ms(network_caching_ms: int, fps: float) -> float:
    return network_caching_ms + (1000.0 / fps if fps > 0.5 else 0.0)
