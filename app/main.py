"""Composition root: configuration → database → services → windows.

Also where the process-wide Qt and Chromium switches are set, before the QApplication exists.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import Settings, with_overrides
from app.models.db import DatabaseError, describe_url, open_database
from app.registry.formats import RawRow
from app.registry.gazetteer import OfflineGazetteer
from app.registry.sample_city import division_boundaries, sample_cameras, station_places
from app.registry.service import Registry
from app.video.child_service import MediaProcess, ServiceError
from app.video.simulator_process import SimulatorError, SimulatorProcess

log = logging.getLogger(__name__)


def set_web_engine_switches() -> None:
    """QtWebEngine's process-wide switches (an environment variable already set wins)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to run its sandbox as root; QtWebEngine then aborts the map page.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --disable-background-networking")
    # Chromium draws the map in software (--disable-gpu); Qt Quick's default OpenGL path then
    # uploads and composites every frame on the GUI thread, through Mesa's llvmpipe where there
    # is no GPU: 110 ms stalls per pan/zoom step with 100,000 cameras, against 30-44 ms when
    # Qt Quick paints the frame in software too (rtcc bench map, three runs each).
    os.environ.setdefault("QT_QUICK_BACKEND", "software")


def prepare_qt_environment() -> None:
    """Process-wide switches that must be set before Qt starts (and the map's URL scheme)."""
    set_web_engine_switches()
    if (
        not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and sys.platform.startswith("linux")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.views.map.scheme import register_schemes

    register_schemes()


def seed_sample_city(registry: Registry, rows: list[RawRow]) -> int:
    """Load the sample city once; later starts keep whatever the operator changed."""
    if registry.counts()["total"] > 0:
        return 0
    OfflineGazetteer(registry._sessions).import_places(station_places())
    return registry.import_rows(rows, division_boundaries(), source="sample city").cameras


def media_service_health(url: str) -> str | None:
    """The registry fingerprint the media service at ``url`` reports, or None if none answers."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1.5) as reply:
            words = reply.read(200).decode(errors="replace").split()
            return words[1] if reply.status == 200 and len(words) == 2 and words[0] == "ok" else ""
    except (urllib.error.URLError, OSError):
        return None


def ensure_media_service(settings: Settings, database_url: str, record_cameras: int = 0
                         ) -> tuple[str, MediaProcess | None, str]:  # fmt: skip
    """Use the configured media service, or start one on this workstation when it is local and
    not running. Returns its URL, the child we started (if any) and a line for the status bar."""
    from app.video.media_directory import database_id

    url = settings.media_url
    health = media_service_health(url)
    port = settings.media_port
    if health == database_id(database_url):
        return url, None, f"Media service: {url}"
    if settings.media_host not in ("127.0.0.1", "localhost", "::1"):
        state = "is not answering" if health is None else "serves another database"
        return url, None, f"Media service: {url} {state}"
    if health is not None:  # a local service for another registry (the demo's, say): run our own
        port = 0
    try:
        segment_s = settings.segment_seconds if record_cameras else None
        child = MediaProcess(
            database_url, settings.media_host, port, record_segment_s=segment_s, record_limit=record_cameras,
            recordings_dir=str(settings.effective_recordings_dir),
        )  # fmt: skip
        child.start()
    except ServiceError as exc:
        log.error("could not start the media service: %s", exc)
        return url, None, f"Media service: could not start ({exc})"[:160]
    return child.url, child, f"Media service: {child.url} (started by this console)"


def run_console(settings: Settings, database_url: str | None = None, media_service: str | None = None,
                fill_wall: int = 0, record_cameras: int | None = None,
                simulator_running: Callable[[], bool] | None = None) -> int:  # fmt: skip
    prepare_qt_environment()
    if record_cameras is None:
        record_cameras = settings.record_cameras
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.views.main_window import ConsoleInfo, MainWindow
    from app.views.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("RTCC Console")
    app.setOrganizationName("rtcc")
    from app.resources import resource_root

    icon = resource_root() / "icons" / "rtcc.svg"
    if icon.exists():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    apply_theme(app, settings.theme)
    url = database_url or settings.effective_database_url
    try:
        sessions = open_database(url, settings.db_busy_timeout_s)
        registry = Registry(sessions)
    except DatabaseError as exc:
        log.error("cannot open database: %s", exc)
        QMessageBox.critical(
            None, "RTCC Console — database", f"{exc}\n\nThe console cannot start without it."
        )
        return 1
    from app.governance.accounts import AccountStore
    from app.views.sign_in import SignInDialog

    account = None
    if AccountStore(sessions).count() > 0:
        # Closing the sign-in dialog must not end the application before its window exists.
        app.setQuitOnLastWindowClosed(False)
        dialog = SignInDialog(sessions)
        if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.account is None:
            return 0
        account = dialog.account
    settings.config_dir.mkdir(parents=True, exist_ok=True)
    ui_state = QSettings(str(settings.ui_state_path), QSettings.Format.IniFormat)
    media_url, media_child, media_line = ensure_media_service(settings, url, record_cameras)
    info = ConsoleInfo(f"Database: {describe_url(url)}", media_line, media_service or "", simulator_running)
    from app.video.vlc_player import VlcEngine

    try:
        engine: VlcEngine | None = VlcEngine(settings.network_caching_ms)
    except (RuntimeError, OSError, NameError) as exc:
        log.error("libVLC is not usable: %s", exc)
        engine = None
    from app.views.map.page_html import MapConfig

    map_config = MapConfig(settings.map_tile_url, settings.map_tile_attribution, settings.map_mbtiles)
    from app.console.actor import Actor
    from app.console.session import Session
    from app.governance.identity import current_user
    from app.governance.roles import Role
    from app.incidents.service import IncidentStore
    from app.walls.salvos import SalvoStore

    home = settings.home_division_names
    actor = (
        Actor(account.username, Role(account.role), home_divisions=home) if account is not None
        else Actor.before_accounts(current_user(), home)
    )  # fmt: skip
    session = Session(sessions, actor, registry)
    session.handoff_public_url = settings.handoff_public_url
    window = MainWindow(
        registry, info, ui_state, settings.theme, map_config, engine, media_url, fill_wall,
        SalvoStore(sessions), IncidentStore(sessions), settings.effective_time_zone,
        OfflineGazetteer(sessions), settings.effective_recordings_dir, key_dir=settings.data_dir,
        session=session, rule_walls=settings.rule_walls,
        handoff_dir=settings.effective_handoff_dir,
    )  # fmt: skip
    if account is not None:
        window.apply_role(account.role)
        window.show_signed_in(account.username, account.role)
        install_lock(app, window, sessions, settings.lock_after_minutes * 60)
    else:
        lock_when_accounts_appear(app, window, window.session, settings.lock_after_minutes * 60)
    window.show()
    app.setQuitOnLastWindowClosed(True)
    log.info("console started on %s", describe_url(url))
    try:
        return app.exec()
    finally:
        if media_child is not None:
            media_child.close()


def install_lock(app: Any, window: Any, sessions: Any, idle_s: float) -> Any:
    """Lock the console after ``idle_s`` without input; whoever signs in next gets their role."""
    from PySide6.QtCore import Qt

    from app.governance import audit
    from app.governance.identity import current_user
    from app.views.sign_in import InactivityWatch, LockCover, SignInDialog

    window.winId()  # make sure the native window exists before the watch filters it
    watch = InactivityWatch(idle_s, window)
    watch.sig_warning.connect(window.status.show_lock_warning)
    watch.sig_active.connect(window.status.hide_lock_warning)

    def lock(reason: str = "console locked after inactivity") -> None:
        from PySide6.QtWidgets import QApplication

        from app.views.wall.window import WallWindow

        window.status.hide_lock_warning()
        audit.record(sessions, reason, user=current_user())
        # Every window of the console is covered, open dialogs too (an export dialog showed its
        # case number over the lock); they are covered, not closed, so nothing typed is lost.
        # Wall windows are the room's displays: they go on showing video, and the sign-in
        # dialog, modal for the whole application, keeps their keys and mouse away.
        shown = [window] + [
            w for w in QApplication.topLevelWidgets()
            if w.isVisible() and w.isWindow() and w is not window
            and w.windowType() not in (Qt.WindowType.ToolTip, Qt.WindowType.Popup)
        ]  # fmt: skip
        walls = [w for w in shown if isinstance(w, WallWindow)]
        for wall in walls:
            wall.set_locked(True)
        covers = [LockCover(w) for w in shown if not isinstance(w, WallWindow)]
        window.lock_covers = covers
        dialog = SignInDialog(sessions, current_user(), locked=True, parent=window)
        # Application-modal: no covered window takes a key or a click until someone signs in.
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        window.lock_dialog = dialog

        def finished(code: int) -> None:
            if code != SignInDialog.DialogCode.Accepted or dialog.account is None:
                dialog.show()  # the lock stays until someone signs in
                return
            for cover in covers:
                cover.remove()
            for wall in walls:
                wall.set_locked(False)
            window.lock_covers = []
            window.apply_role(dialog.account.role)
            window.show_signed_in(dialog.account.username, dialog.account.role)
            watch.resume()

        dialog.finished.connect(finished)
        dialog.show()  # application-modal (open() would make it window-modal), no nested event loop

    watch.sig_idle.connect(lock)
    watch.sig_lock_now.connect(lock)
    window.inactivity_watch = watch
    return watch


def lock_when_accounts_appear(app: Any, window: Any, session: Any, idle_s: float) -> None:
    """A console opened before any account existed runs as the workstation's user with every
    right. Once an account is made (here or at another workstation: the change feed brings it)
    it locks at once and asks for a sign-in, and the lock after inactivity applies from then on."""
    from app.views.subscriptions import subscribe

    def heard(event: Any) -> None:
        if event.kind == "accounts" and getattr(window, "inactivity_watch", None) is None:
            watch = install_lock(app, window, session.sessions, idle_s)
            watch.lock_now("console locked: accounts now exist, sign in")

    subscribe(window, session.events.feed_changed, heard)


def run_review(settings: Settings, package: Path) -> int:
    """Open a case package read-only: no database, no media service, no network."""
    prepare_qt_environment()
    from PySide6.QtWidgets import QApplication

    from app.views.review.window import ReviewWindow
    from app.views.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("RTCC Case Review")
    apply_theme(app, settings.theme)
    engine = None
    try:
        from app.video.vlc_player import VlcEngine

        engine = VlcEngine(settings.network_caching_ms)
    except (RuntimeError, OSError, NameError) as exc:
        log.error("libVLC is not usable; footage will not play: %s", exc)
    window = ReviewWindow(package, engine)
    window.resize(1400, 900)
    window.show()
    return app.exec()


def run_demo(settings: Settings, cameras: int | None = None) -> int:
    """Start the simulator, seed the demo database with the sample city, open the console."""
    count = cameras or settings.demo_live_cameras
    if not settings.time_zone:  # the sample city is Los Angeles
        settings = with_overrides(settings, time_zone="America/Los_Angeles")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    labels = settings.data_dir / "demo-labels.txt"
    base = f"rtsp://{settings.simulator_host}:{settings.simulator_port}"
    rows = sample_cameras(count, rtsp_base=base)
    labels.write_text("\n".join(r.values["name"] for r in rows) + "\n", encoding="utf-8")
    try:
        registry = Registry(open_database(settings.demo_database_url, settings.db_busy_timeout_s))
        added = seed_sample_city(registry, rows)
    except DatabaseError as exc:
        print(f"rtcc demo: {exc}", file=sys.stderr)
        return 1
    if added:
        log.info("demo: loaded the sample city (%d cameras)", added)
    simulator = SimulatorProcess(count, host=settings.simulator_host, port=settings.simulator_port,
                                 labels_file=labels)  # fmt: skip
    try:
        simulator.start()
    except SimulatorError as exc:
        print(
            f"rtcc demo: the camera simulator did not start on port {settings.simulator_port}: {exc}\n"
            "Is another simulator running? Set RTCC_SIMULATOR_PORT to use another port.",
            file=sys.stderr,
        )
        return 1
    try:
        return run_console(
            settings,
            database_url=settings.demo_database_url,
            media_service=f"Simulator: {count} cameras on {simulator.base_url}",
            fill_wall=9,
            record_cameras=settings.demo_record_cameras,
            simulator_running=lambda: simulator.running,
        )
    finally:
        simulator.close()
