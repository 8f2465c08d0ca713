"""The Qt binding must not lose references to None (PySide6 6.12.0 on Python 3.11 did).

Every void Qt call then took one reference from None, and a console running for hours would
abort the moment the count reached zero. pyproject.toml keeps PySide6 below 6.12; this test
fails if a version with that fault comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRect, QSize


def test_void_calls_keep_none_alive() -> None:
    before = sys.getrefcount(None)
    rect = QRect(0, 0, 320, 180)
    for _ in range(5000):
        rect.setSize(QSize(3, 3))
        rect.moveCenter(QRect(0, 0, 50, 50).center())
    assert sys.getrefcount(None) - before > -100
