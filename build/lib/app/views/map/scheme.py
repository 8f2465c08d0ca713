"""The ``rtcc://`` URL scheme: the map page, its vendored assets and MBTiles tiles.

Serving everything through our own scheme (instead of ``file://``) means the page can read
nothing but these assets: local file access is switched off entirely. The scheme must be
registered before the QApplication exists (:func:`register_schemes`).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject
from PySide6.QtWebEngineCore import QWebEngineUrlRequestJob, QWebEngineUrlScheme, QWebEngineUrlSchemeHandler

from app.resources import resource_root

log = logging.getLogger(__name__)

SCHEME = b"rtcc"
WEB_ROOT = resource_root() / "web"
MIME = {
    ".html": b"text/html",
    ".js": b"text/javascript",
    ".css": b"text/css",
    ".png": b"image/png",
    ".svg": b"image/svg+xml",
}


def register_schemes() -> None:
    """Declare ``rtcc://`` to QtWebEngine; a no-op when already done."""
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() == SCHEME:
        return
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme | QWebEngineUrlScheme.Flag.CorsEnabled)
    QWebEngineUrlScheme.registerScheme(scheme)


def asset_path(path: str) -> Path | None:
    """The file under ``resources/web`` that ``path`` names, or None for anything else."""
    target = (WEB_ROOT / path.lstrip("/")).resolve()
    if not target.is_relative_to(WEB_ROOT) or target.suffix not in MIME or not target.is_file():
        return None
    return target


class MBTiles:
    """Read-only tiles from an MBTiles file (rows are stored in TMS order, flipped from XYZ)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        row = self._db.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
        self.mime = b"image/jpeg" if row and row[0] in ("jpg", "jpeg") else b"image/png"

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        tms_y = (1 << z) - 1 - y
        row = self._db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, tms_y),
        ).fetchone()
        return bytes(row[0]) if row else None

    def close(self) -> None:
        self._db.close()


class RtccSchemeHandler(QWebEngineUrlSchemeHandler):
    def __init__(self, page_html: str, mbtiles: MBTiles | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.page_html = page_html.encode("utf-8")
        self.mbtiles = mbtiles
        self.served: list[str] = []

    def _reply(self, job: QWebEngineUrlRequestJob, mime: bytes, data: bytes) -> None:
        buffer = QBuffer(job)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime, buffer)

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        host, path = url.host(), url.path()
        self.served.append(url.toString())
        if host == "app" and path == "/map.html":
            self._reply(job, b"text/html", self.page_html)
        elif host == "app":
            self._serve_asset(job, path)
        elif host == "tiles" and self.mbtiles is not None:
            self._serve_tile(job, path)
        else:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)

    def _serve_asset(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        target = asset_path(path)
        if target is None:
            log.warning("map page asked for %s, which is not one of its assets", path)
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self._reply(job, MIME[target.suffix], target.read_bytes())

    def _serve_tile(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        assert self.mbtiles is not None
        try:
            z, x, y = (int(p) for p in path.strip("/").removesuffix(".png").split("/"))
        except ValueError:
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
            return
        data = self.mbtiles.tile(z, x, y)
        if data is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
        else:
            self._reply(job, self.mbtiles.mime, data)
