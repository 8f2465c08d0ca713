"""HTML to PDF with Qt's own text engine (no browser, no network): the reports for owners and
the public. Works with no display: outside a running console it starts Qt on its offscreen
platform."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument


def write_pdf(html: str, path: Path, title: str, landscape: bool = False) -> Path:
    """Write ``html`` as an A4 PDF at ``path`` (through a partial file, so a failure leaves none);
    ``landscape`` for wide tables."""
    if QGuiApplication.instance() is None:
        # Kept on the module: the application must outlive the documents drawn with it.
        write_pdf.app = QGuiApplication(["rtcc", "-platform", "offscreen"])  # type: ignore[attr-defined]
    partial = path.with_name(f".partial-{path.name}")
    document = QTextDocument()
    document.setHtml(html)
    writer = QPdfWriter(str(partial))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    if landscape:
        writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    # QTextDocument adds 2 cm on every side of an unpaginated document when it prints it.
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator("rtcc")
    document.print_(writer)
    del writer  # flushes and closes the file
    partial.replace(path)
    return path
