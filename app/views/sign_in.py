"""Sign-in at start and the lock after inactivity.

Once any account exists the console opens only for a person who signs in; after a stretch with
no keyboard or mouse input it locks and asks again (the same person, or another one taking over
the workstation, whose role then applies). Every sign-in, failure and lock is audited. The
password check runs on the GUI thread on purpose: it is one scrypt derivation (tens of
milliseconds) and the dialog is modal anyway.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.accounts import Account, AccountStore
from app.governance.identity import sign_in
from app.views.plain import plain_label


class SignInDialog(QDialog):
    def __init__(self, sessions: sessionmaker[Session], username: str = "", locked: bool = False,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.sessions = sessions
        self.accounts = AccountStore(sessions)
        self.account: Account | None = None
        self.locked = locked
        self.setWindowTitle("RTCC Console — locked" if locked else "RTCC Console — sign in")
        self.setMinimumWidth(560)
        intro = "The console locked after inactivity. Sign in to go on." if locked else (
            "Sign in: everything you do is recorded under your name.")  # fmt: skip
        self.intro = plain_label(intro, self)
        self.username = QLineEdit(username, self)
        self.username.setObjectName("sign_in_username")
        self.password = QLineEdit(self)
        self.password.setObjectName("sign_in_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = plain_label("", self)
        self.error.setStyleSheet("color: #ff6b6b; font-weight: bold;")
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        # Locked, there is nothing to cancel: the lock stays until someone signs in (Cancel quit
        # the console and its wall windows, the room's displays, with one key and no question).
        buttons = QDialogButtonBox(ok if locked else ok | cancel, parent=self)
        buttons.button(ok).setText("Sign in")
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def reject(self) -> None:
        """Escape (or the window's close button): at start, the console does not open; locked,
        the lock stays, what was typed in the name is kept and the password cleared."""
        if not self.locked:
            super().reject()
            return
        self.password.clear()
        self.error.setText("The console stays locked until someone signs in.")
        self.password.setFocus()

    def closeEvent(self, event: Any) -> None:
        if self.locked and self.account is None:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def try_sign_in(self) -> None:
        name = self.username.text().strip()
        account = self.accounts.authenticate(name, self.password.text())
        self.password.clear()
        if account is None:
            audit.record(self.sessions, "sign-in failed", target_type="user", target_id=name, user=name)
            self.error.setText("User name or password not accepted. Try again, or ask a supervisor.")
            return
        audit.record(self.sessions, "sign-in", target_type="user", target_id=account.username,
                     user=account.username, details="console")  # fmt: skip
        sign_in(account.username)
        self.account = account
        self.accept()


class InactivityWatch(QObject):
    """Emits ``sig_idle`` once no key or mouse input has come for ``idle_s`` seconds, in any window
    of the console (its wall windows and dialogs too: moving the mouse on a wall window or typing
    into a dialog is someone at work). Before that, a warning gives whoever is watching the time
    to stay signed in.

    Signals: ``sig_idle()`` time is up; ``sig_warning(int)`` seconds left, every second of the
    warning; ``sig_active()`` input came during a warning, which is withdrawn; ``sig_lock_now(str)``
    lock at once, for the reason given (:meth:`lock_now`)."""

    sig_idle = Signal()
    sig_lock_now = Signal(str)
    sig_warning = Signal(int)
    sig_active = Signal()
    # Dragging a camera onto a tile is input too: during a drag the window sees drag events, not
    # mouse moves (the console locked on someone dragging cameras onto a wall window).
    INPUT = frozenset({
        QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
        QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop,
    })  # fmt: skip

    def __init__(self, idle_s: float, parent: QObject | None = None, warn_s: float | None = None) -> None:
        super().__init__(parent)
        self.idle_s = idle_s
        self.warn_s = min(30.0, idle_s / 4) if warn_s is None else warn_s
        self.last_input = time.monotonic()
        self.paused = False
        self.warning = False
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._check)
        self._timer.start()
        self.watch_windows()

    def watch_windows(self) -> None:
        """Filter the input of every visible top-level window, on its QWindow (which sees every
        key and mouse event before the widgets do). Installing again is harmless, so windows
        opened since the last round are picked up each second. A Python filter on the whole
        QApplication crashed PySide6 6.11: it is called for every object, QtWebEngine's too."""
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible():
                handle = widget.windowHandle()
                if handle is not None:
                    handle.installEventFilter(self)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if event.type() in self.INPUT:
            self.last_input = time.monotonic()
            if self.warning and not self.paused:
                self.warning = False
                self.sig_active.emit()
        return False

    def _check(self) -> None:
        self.watch_windows()
        if self.paused:
            return
        left = self.idle_s - (time.monotonic() - self.last_input)
        if left <= 0:
            self.paused = True
            self.warning = False
            self.sig_idle.emit()
        elif left <= self.warn_s:
            self.warning = True
            self.sig_warning.emit(max(1, round(left)))

    def lock_now(self, reason: str) -> None:
        if not self.paused:
            self.paused = True
            self.warning = False
            self.sig_lock_now.emit(reason)

    def resume(self) -> None:
        self.last_input = time.monotonic()
        self.paused = False
        self.warning = False


class LockCover(QWidget):
    """Hides a window's content while the console is locked: the map, the camera list and live
    video stay out of sight of whoever walks up. A native window, raised above the libVLC video
    surfaces (native windows too, which would otherwise show through a plain Qt widget)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lock_cover")
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#101216"))
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#c8ccd4"))
        self.setPalette(palette)
        label = QLabel("Console locked\n\nSign in to continue. Live video and the map are hidden.", self)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        label.setFont(font)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.show()
        self.raise_()

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(watched.rect())
            self.raise_()
        return False

    def remove(self) -> None:
        window = self.parentWidget()
        if window is not None:
            window.removeEventFilter(self)
        self.hide()
        self.deleteLater()
