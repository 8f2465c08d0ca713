"""Registering, editing, retiring, importing and exporting cameras from the console: each
dialog's work runs on the console's task manager through the use cases, and the registry is
read again when it is done."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QProgressDialog

from app.console import use_cases
from app.console.session import Session
from app.models.rows import CameraRow
from app.registry.service import ImportFailed
from app.views.camera_dialog import CameraDialog
from app.views.camera_list import CameraListPanel
from app.views.console_part import ConsolePart
from app.views.tasks import TaskRunner


class ImportCancelled(Exception):
    pass


class RegistryActions(ConsolePart):
    """Signals: ``sig_written()``: the registry was changed here (the reader reads it at once
    rather than at its next poll)."""

    sig_written = Signal()

    def __init__(
        self, window: QMainWindow, session: Session, tasks: TaskRunner, cameras: CameraListPanel
    ) -> None:
        super().__init__(window)
        self.session, self.tasks, self.cameras = session, tasks, cameras

    def add_camera(self) -> CameraDialog:
        return self._open_dialog(None)

    def edit_camera(self) -> CameraDialog | None:
        row = self.cameras.selected_camera()
        if row is None:
            self._say("Select a camera to edit first.", 5000)
            return None
        return self._open_dialog(row)

    def _open_dialog(self, row: CameraRow | None) -> CameraDialog:
        dialog = CameraDialog(self.session.divisions, row, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        session = self.session

        def save(record: Any) -> None:
            def work() -> CameraRow:
                if row is not None:
                    # The version this dialog opened: a save by anyone since is refused, not overwritten.
                    return use_cases.edit_camera(
                        session.sessions, session.actor, row.id, record, expected_version=row.version
                    )
                return use_cases.register_camera(session.sessions, session.actor, record)

            def done(saved: CameraRow) -> None:
                dialog.save_succeeded()
                self._say(f"Saved camera '{saved.name}'.", 5000)
                self.sig_written.emit()

            def failed(exc: BaseException) -> None:
                dialog.save_failed(str(exc), exc.errors if isinstance(exc, ImportFailed) else None)

            self.tasks.run(work, done, failed)

        dialog.sig_save_requested.connect(save)
        dialog.open()
        return dialog

    def retire_camera(self) -> None:
        row = self.cameras.selected_camera()
        if row is None:
            self._say("Select a camera to retire first.", 5000)
            return
        answer = QMessageBox.question(
            self._window,
            "Retire camera",
            f"Retire '{row.name}'?\n\nIt stays in the registry (evidence may refer to it) but is no "
            "longer pulled, shown on the wall or recorded.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def done(retired: CameraRow) -> None:
            self._say(f"Retired '{retired.name}'.", 5000)
            self.sig_written.emit()

        self.tasks.run(
            lambda: use_cases.retire_camera(self.session.sessions, self.session.actor, row.id),
            done,
            lambda exc: self._error("Could not retire the camera", exc),
        )

    def import_cameras(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self._window, "Import cameras", "", "Camera registry (*.csv *.geojson *.json)"
            )
        if not path:
            return
        cancel = threading.Event()
        progress = QProgressDialog(f"Importing {Path(path).name}…", "Cancel", 0, 0, self._window)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.canceled.connect(cancel.set)

        def check(_done: int, _total: int) -> None:
            if cancel.is_set():
                raise ImportCancelled()

        def done(report: Any) -> None:
            progress.close()
            self._say(
                f"Imported {report.cameras} camera(s) and {report.divisions} division(s) from {path}.", 8000
            )
            self.sig_written.emit()

        def failed(exc: BaseException) -> None:
            progress.close()
            if isinstance(exc, ImportCancelled):
                self._say("Import cancelled; the registry is unchanged.", 8000)
            else:
                self._error("Import failed — the registry is unchanged", exc)

        session = self.session
        self.tasks.run(
            lambda: use_cases.import_cameras(session.sessions, session.actor, Path(path), progress=check),
            done,
            failed,
        )

    def export_cameras(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self._window, "Export cameras", "cameras.csv", "CSV (*.csv);;GeoJSON (*.geojson)"
            )
        if not path:
            return
        self.tasks.run(
            lambda: self.session.registry.export_file(Path(path)),
            lambda n: self._say(f"Exported {n} camera(s) to {path}.", 8000),
            lambda exc: self._error("Export failed", exc),
        )
