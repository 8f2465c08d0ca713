"""Where a new window goes on the screen."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def fit_to_screen(window: QWidget, beside: QWidget, width: int, height: int) -> None:
    """Size a new window as asked, but never past the screen the console is on (1366x768 too)."""
    screen = beside.screen()
    if screen is not None:
        area = screen.availableGeometry()
        width, height = min(width, area.width()), min(height, area.height())
        window.setGeometry(area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2,
                           width, height)  # fmt: skip
    else:
        window.resize(width, height)
