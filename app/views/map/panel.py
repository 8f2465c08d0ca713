"""The map dock: a search/filter bar over the Leaflet page in a QWebEngineView.

The page is locked down: it is served from ``rtcc://`` only, cannot read files, open windows or
navigate away, and every request it makes outside its own scheme (and the configured tile
server) is blocked by an interceptor. Data goes in through ``RtccMap.*`` calls with JSON
arguments; intent comes back through :class:`~app.views.map.bridge.MapBridge`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QFile, QIODevice, QStringListModel, Qt, QTimer, QUrl, Signal
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineScript,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QCheckBox, QCompleter, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from app.geo.coords import CoordinateError, looks_like_coordinates, parse_coordinates
from app.models.rows import CameraRow
from app.views.map.bridge import MapBridge
from app.views.map.page_html import MapConfig, build_map_html
from app.views.map.scheme import SCHEME, MBTiles, RtccSchemeHandler
from app.views.plain import plain_label
from app.views.subscriptions import subscribe
from app.views.tasks import TaskRunner

if TYPE_CHECKING:
    from app.console.events import CamerasChanged
    from app.console.session import Session

log = logging.getLogger(__name__)

PAGE_URL = QUrl("rtcc://app/map.html")


def camera_state(row: CameraRow) -> str:
    if row.consent_revoked_at is not None:
        return "revoked"
    return "offline" if row.status == "offline" else "live"


def camera_payload(row: CameraRow) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "owner": row.owner_name, "owner_type": row.owner_type,
        "terms": row.sharing_terms, "state": camera_state(row), "lat": row.latitude, "lon": row.longitude,
        "heading": row.heading_deg, "fov": row.fov_deg, "range": row.range_m,
    }  # fmt: skip


@dataclass(frozen=True)
class CameraPlan:
    """What the page needs for a new camera list: built by :func:`plan_cameras`, which touches
    no Qt, so the console builds it in a worker (100,000 cameras encode for a few hundred ms)."""

    rows: list[CameraRow]
    payload: dict[int, dict[str, Any]]
    scripts: list[str]  # the JS to run, in order; empty when nothing the page shows changed
    names: list[str]


CAMERA_CHUNK = 10_000


def plan_cameras(rows: Iterable[CameraRow], pushed: Mapping[int, dict[str, Any]]) -> CameraPlan:
    """Everything for the page after the first time, only what changed since ``pushed``."""
    shown = [r for r in rows if r.status != "retired"]
    payload = {r.id: camera_payload(r) for r in shown}
    scripts: list[str] = []
    if not pushed or payload.keys() != pushed.keys():
        # In chunks the GUI thread hands over one at a time, between other events: one string of
        # 100,000 cameras held it for half a second.
        values = list(payload.values())
        starts = range(0, max(len(values), 1), CAMERA_CHUNK)
        scripts = [
            js_call("addCameras", values[i : i + CAMERA_CHUNK], i == 0, i + CAMERA_CHUNK >= len(values))
            for i in starts
        ]
    else:
        changes = [p for cid, p in payload.items() if p != pushed[cid]]
        scripts = [js_call("updateCameras", changes)] if changes else []
    names = sorted({r.name for r in shown} | {r.owner_name for r in shown})
    return CameraPlan(shown, payload, scripts, names)


def js_call(function: str, *args: Any) -> str:
    """A call whose arguments are JSON literals, never spliced text."""
    encoded = ", ".join(json.dumps(a, ensure_ascii=True) for a in args)
    return f"RtccMap.{function}({encoded})"


class RequestGuard(QWebEngineUrlRequestInterceptor):
    """Blocks every request the page makes outside its own scheme and the tile server."""

    def __init__(self, allowed_origin: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.allowed_origin = allowed_origin
        self.requests: list[str] = []
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        text = url.toString()
        self.requests.append(text)
        if url.scheme() in ("rtcc", "qrc", "data"):
            return
        if self.allowed_origin and self._matches(url):
            return
        self.blocked.append(text)
        info.block(True)

    def _matches(self, url: QUrl) -> bool:
        origin = f"{url.scheme()}://{url.host()}" + (f":{url.port()}" if url.port() > 0 else "")
        if self.allowed_origin.startswith(f"{url.scheme()}://*."):
            return url.host().endswith(self.allowed_origin.split("*.", 1)[1])
        return origin == self.allowed_origin


class MapPage(QWebEnginePage):
    sig_console = Signal(int, str)

    def __init__(self, profile: QWebEngineProfile, parent: Any = None) -> None:
        super().__init__(profile, parent)
        self.console: list[tuple[int, str]] = []

    def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
        lvl = int(level.value) if hasattr(level, "value") else int(level)
        self.console.append((lvl, message))
        log.log(logging.WARNING if lvl >= 1 else logging.DEBUG, "map page: %s (%s:%d)", message, source, line)
        self.sig_console.emit(lvl, message)

    def acceptNavigationRequest(self, url: QUrl | str, nav_type: Any, is_main_frame: bool) -> bool:
        url = QUrl(url)
        if url == PAGE_URL:
            return True
        log.warning("map page tried to navigate to %s; refused", url.toString())
        return False

    def createWindow(self, _type: Any) -> QWebEnginePage:
        # No pop-ups: returning no page is how Qt is told the window was refused.
        return None  # type: ignore[return-value]


def _qwebchannel_script() -> QWebEngineScript:
    source = QFile(":/qtwebchannel/qwebchannel.js")
    if not source.open(QIODevice.OpenModeFlag.ReadOnly):
        raise RuntimeError("QtWebChannel's qwebchannel.js is missing from this Qt build")
    script = QWebEngineScript()
    script.setName("qwebchannel")
    script.setSourceCode(bytes(source.readAll().data()).decode("utf-8"))
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
    script.setWorldId(QWebEngineScript.ScriptWorldId.MainWorld)
    return script


class MapPanel(QWidget):
    """Signals mirror the bridge's: ``sig_camera_clicked(id)``, ``sig_camera_activated(id)``,
    ``sig_new_incident(lat, lon)``, and ``sig_loaded(count)`` once the cameras are drawn."""

    sig_camera_clicked = Signal(int)
    sig_camera_activated = Signal(int)
    sig_new_incident = Signal(float, float)
    sig_loaded = Signal(int)

    def __init__(self, config: MapConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.ready = False
        self._queue: list[tuple[str, Callable[[Any], None] | None]] = []
        self._sending = False
        self._pushed: dict[int, dict[str, Any]] = {}
        self._rows: list[CameraRow] = []
        self._matches: list[int] = []
        self._match_text = ""

        self.search = QLineEdit(self)
        self.search.setObjectName("map_search")
        self.search.setPlaceholderText("Find camera or owner, or go to 34.05, -118.25 / 34°03'N 118°15'W")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self._on_search)
        # Cleared (its clear button, or deleted): the place searched last leaves the map too.
        self.search.textChanged.connect(self._search_edited)
        self.names = QStringListModel(self)
        self.completer = QCompleter(self.names, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.search.setCompleter(self.completer)
        self.message = plain_label(parent=self)
        self.message.setObjectName("map_message")
        self.message.setStyleSheet("color: #ffb3b3;")
        self.message.hide()

        self.toggles: dict[str, QCheckBox] = {}
        bar = QHBoxLayout()
        toggles = (
            ("publicCams", "Public", True),
            ("privateCams", "Private", True),
            ("liveOnly", "Live-shareable only", False),
            ("cones", "Cones", True),
        )
        for key, label, default in toggles:
            box = QCheckBox(label, self)
            box.setObjectName(f"toggle_{key}")
            box.setChecked(default)
            box.toggled.connect(lambda _c, k=key: self._on_toggle())
            self.toggles[key] = box
            bar.addWidget(box)
        bar.addStretch(1)

        self.view = QWebEngineView(self)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.view.setMinimumSize(320, 240)
        self.profile = QWebEngineProfile()  # off the record: nothing written to disk
        self.guard = RequestGuard(config.tile_origin(), self)
        self.profile.setUrlRequestInterceptor(self.guard)
        mbtiles = None
        if config.mbtiles:
            try:
                mbtiles = MBTiles(Path(config.mbtiles))
            except Exception as exc:
                self._show_message(
                    f"Base map file {config.mbtiles} cannot be read ({exc}); showing divisions only."
                )
        self.scheme_handler = RtccSchemeHandler(build_map_html(config), mbtiles, self)
        self.profile.installUrlSchemeHandler(SCHEME, self.scheme_handler)
        self.page = MapPage(self.profile, self.view)
        # A profile must outlive its pages: as the page's child it is deleted right after it.
        self.profile.setParent(self.page)
        settings = self.page.settings()
        for attribute, value in (
            (QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False),
            (QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False),
            (QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False),
            (QWebEngineSettings.WebAttribute.JavascriptCanAccessClipboard, False),
            (QWebEngineSettings.WebAttribute.PluginsEnabled, False),
            (QWebEngineSettings.WebAttribute.ErrorPageEnabled, False),
        ):
            settings.setAttribute(attribute, value)
        self.bridge = MapBridge(self)
        self.channel = QWebChannel(self.page)
        self.channel.registerObject("bridge", self.bridge)
        self.page.setWebChannel(self.channel)
        self.page.scripts().insert(_qwebchannel_script())
        self.view.setPage(self.page)
        self.bridge.sig_ready.connect(self._on_ready)
        self.bridge.sig_cameras_loaded.connect(self.sig_loaded)
        self.bridge.sig_camera_clicked.connect(self.sig_camera_clicked)
        self.bridge.sig_camera_activated.connect(self.sig_camera_activated)
        self.bridge.sig_new_incident.connect(self.sig_new_incident)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        self.page.load(PAGE_URL)

    # -- console → page -------------------------------------------------------------------
    def run_js(self, code: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run ``code`` in the page, in order, one script per turn of the event loop (a large one
        holds the GUI thread while it is handed over); held until the page is ready."""
        self._queue.append((code, callback))
        if self.ready and not self._sending:
            self._send_next()

    def _send_next(self) -> None:
        if not self._queue:
            self._sending = False
            return
        code, callback = self._queue.pop(0)
        if callback is None:
            self.page.runJavaScript(code, 0)
        else:
            self.page.runJavaScript(code, 0, callback)
        self._sending = True
        QTimer.singleShot(0, self, self._send_next)

    def _on_ready(self) -> None:
        self.ready = True
        if not self._sending:
            self._send_next()

    def set_divisions(self, features: list[dict[str, Any]], home: frozenset[str] = frozenset()) -> None:
        """Draw the divisions; the map opens on ``home`` (the workstation's own), drawn brighter."""
        self.run_js(js_call("setDivisions", features, sorted(home)))

    @property
    def pushed(self) -> Mapping[int, dict[str, Any]]:
        """What the page shows now; replaced, never changed in place, so a worker may read it."""
        return self._pushed

    def follow(self, session: Session) -> None:
        """Draw the session's divisions and cameras as the registry moves; the plan is built in a
        worker (100,000 cameras encode for a few hundred ms) and only the newest one is drawn."""
        tasks = TaskRunner(self)
        wanted = 0

        def cameras_changed(event: CamerasChanged) -> None:
            nonlocal wanted
            if event.first or event.divisions_changed:
                home = session.actor.home_divisions
                tasks.run(session.registry.divisions_geojson, lambda found: self.set_divisions(found, home))
            wanted += 1
            number, rows, pushed = wanted, list(session.cameras.values()), self._pushed

            def planned(plan: CameraPlan) -> None:
                if number == wanted:  # a newer change is being planned: it draws
                    self.apply_cameras(plan)

            tasks.run(lambda: plan_cameras(rows, pushed), planned)

        subscribe(self, session.events.cameras_changed, cameras_changed)

    def show_cameras(self, rows: Iterable[CameraRow]) -> None:
        """Draw the cameras; after the first time, only what changed is sent (no reload)."""
        self.apply_cameras(plan_cameras(rows, self._pushed))

    def apply_cameras(self, plan: CameraPlan) -> None:
        self._rows = plan.rows
        self.bridge.known_ids = set(plan.payload)
        self.names.setStringList(plan.names)
        for script in plan.scripts:
            self.run_js(script)
        self._pushed = plan.payload

    def select(self, camera_id: int, fly: bool = True) -> None:
        self.run_js(js_call("select", camera_id, fly))

    def go_to(self, lat: float, lon: float, label: str = "") -> None:
        self.run_js(js_call("goTo", lat, lon, label))

    def pan_to(self, lat: float, lon: float, zoom: int = 16) -> None:
        self.run_js(js_call("panTo", lat, lon, zoom))

    def set_incidents(self, incidents: list[dict[str, Any]]) -> None:
        self.run_js(js_call("setIncidents", incidents))

    def set_theme(self, theme: str) -> None:
        """Draw the page light or dark, with the rest of the console."""
        self.run_js(js_call("setTheme", theme))

    def _on_toggle(self) -> None:
        self.run_js(js_call("setFilter", {k: box.isChecked() for k, box in self.toggles.items()}))

    # -- search ---------------------------------------------------------------------------
    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _search_edited(self, text: str) -> None:
        if not text.strip():
            self.run_js("RtccMap.clearGoTo()")

    def _on_search(self) -> None:
        text = self.search.text().strip()
        self._show_message("")
        if not text:
            return
        if looks_like_coordinates(text):
            try:
                lat, lon = parse_coordinates(text)
            except CoordinateError as exc:
                self._show_message(f"Cannot go there: {exc}.")
                return
            self.go_to(lat, lon, f"{lat:.5f}, {lon:.5f}")
            return
        if text != self._match_text:
            needle = text.lower()
            self._matches = [
                r.id for r in self._rows if needle in r.name.lower() or needle in r.owner_name.lower()
            ]
            self._match_text = text
        if not self._matches:
            self._show_message(f"No camera or owner matches “{text}”.")
            return
        self.run_js("RtccMap.clearGoTo()")  # a camera now: the place searched before leaves the map
        camera_id = self._matches.pop(0)
        self._matches.append(camera_id)  # Enter again cycles through the matches
        self.select(camera_id, fly=True)
        self.sig_camera_clicked.emit(camera_id)
