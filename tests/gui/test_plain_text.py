"""Owners', registry and incident text is shown literally in every view: markup in a camera's
name once changed fonts and drew a local file over the wall (the tile header, the list's tooltip
and the incident title were rich text)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from app.registry.records import validate_camera
from app.views.camera_list import ROW_ROLE
from tests.helpers.registry_rows import GOOD

# Markup that Qt would draw: an image from a local file, bold, a table, a link.
MARKUP = "<img src='file:///etc/hostname'><b>BOLD</b><table><tr><td>x</td></tr></table><a href='x'>y</a>"


def marked_camera_fields() -> dict[str, str]:
    return GOOD | {
        "name": f"CAM {MARKUP}",
        "owner_name": f"Owner {MARKUP}",
        "owner_contact": f"contact {MARKUP}",
        "division": "Hollywood",
        "notes": f"notes {MARKUP}",
    }


def interpreted(text: str, plain: bool) -> bool:
    """True if ``text`` would have its markup drawn rather than shown."""
    return not plain and "<img" in text


def every_label_with(marker: str) -> list[QLabel]:
    return [
        w
        for w in QApplication.allWidgets()
        if isinstance(w, QLabel) and w.isVisible() and marker in w.text().replace("&lt;", "<")
    ]


def assert_shown_literally(marker: str) -> int:
    """Every visible label and tooltip that carries the text shows it as text; returns how many."""
    seen = 0
    for label in every_label_with(marker):
        plain = label.textFormat() == Qt.TextFormat.PlainText
        assert not interpreted(label.text(), plain), f"{label.objectName()}: {label.text()[:120]}"
        if plain:
            assert MARKUP in label.text()
        else:  # our own markup around escaped text
            assert "&lt;img src=" in label.text()
        seen += 1
    for widget in QApplication.allWidgets():
        tip = widget.toolTip()
        if marker in tip.replace("&lt;", "<"):
            assert "<img" not in tip and "&lt;img" in tip, f"{widget.objectName()}: {tip[:120]}"
            seen += 1
    return seen


def test_markup_in_registry_and_incident_text_is_never_interpreted(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_wall=True)
    record, problems = validate_camera(marked_camera_fields())
    assert record is not None, problems
    camera = window.registry.add(record)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.camera_panel.model.rowCount() == 201, timeout=10_000)

    # The camera list: its row and tooltip; selecting it fills the details panel.
    panel = window.camera_panel
    panel.search.setText("")
    QTest.keyClicks(panel.search, "CAM <img")
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 1, timeout=5_000)
    index = panel.proxy.index(0, 0)
    assert index.data(ROW_ROLE).id == camera.id
    tip: Any = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip and "&lt;img src=" in tip and "Owner &lt;img" in tip
    view = panel.table
    rect = view.visualRect(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: "Owner &lt;img" in window.details.text(), timeout=5_000)
    assert "<img" not in window.details.text()

    # On the wall: the tile's header and its tooltip.
    tile = window.wall.put_camera(window.session.camera(camera.id))
    assert tile.header.textFormat() == Qt.TextFormat.PlainText and MARKUP in tile.header.text()

    # An incident typed with markup in its number and type: the incident panel's title.
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(QWidget, "number") is not None, timeout=5_000)
    dialog = window.findChild(QWidget, "number").window()
    QTest.keyClicks(dialog.number, "26-1 <b>X</b>")
    dialog.kind.setCurrentText("")
    QTest.keyClicks(dialog.kind.lineEdit(), f"Robbery {MARKUP}")
    QTest.keyClicks(dialog.location, f"{camera.latitude:.6f}, {camera.longitude:.6f}")
    QTest.keyClick(dialog.location, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.list.count() > 0, timeout=5_000)
    QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=10_000)
    title = window.incident_panel.title
    assert title.textFormat() == Qt.TextFormat.PlainText
    assert "26-1 <b>X</b>" in title.text() and MARKUP in title.text()

    # The details panel, the header and its tooltip, the incident title: at least these four.
    assert assert_shown_literally("file:///etc/hostname") >= 4
