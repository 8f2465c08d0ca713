"""Registering, editing, retiring, importing and exporting cameras from the console: each
dialog's work runs on the console's task manager through the use cases, and the registry is
read again when it is done."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from app.console import use_cases
from app.models.rows import CameraRow
from app.registry.service import ImportFailed
from app.views.camera_dialog import CameraDialog
from app.views.console_part import ConsolePart

if TYPE_CHECKING:
    pass


class ImportCancelled(Exception):
    pass


class RegistryActions(ConsolePart):
    def add_camera(self) -> CameraDialog:
        return self._open_dialog(None)

    def edit_camera(self) -> CameraDialog | None:
        row = self.console.camera_panel.selected_camera()
        if row is None:
            self._say("Select a camera to edit first.", 5000)
            return None
        return self._open_dialog(row)

    def _open_dialog(self, row: CameraRow | None) -> CameraDialog:
        dialog = CameraDialog(self.console.divisions, row, self.console)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        session = self.console.session

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
                self.console.feed.refresh()

            def failed(exc: BaseException) -> None:
                dialog.save_failed(str(exc), exc.errors if isinstance(exc, ImportFailed) else None)

            self.console.tasks.run(work, done, failed)

        dialog.sig_save_requested.connect(save)
        dialog.open()
        return dialog

    def retire_camera(self) -> None:
        row = self.console.camera_panel.selected_camera()
        if row is None:
            self._say("Select a camera to retire first.", 5000)
            return
        answer = QMessageBox.question(
            self.console,
            "Retire camera",
            f"Retire '{row.name}'?\n\nIt stays in the registry (evidence may refer to it) but is no "
            "longer pulled, shown on the wall or recorded.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def done(retired: CameraRow) -> None:
            self._say(f"Retired '{retired.name}'.", 5000)
            self.console.feed.refresh()

        self.console.tasks.run(
            lambda: use_cases.retire_camera(
                self.console.session.sessions, self.console.session.actor, row.id
            ),
            done,
            lambda exc: self.console._error("Could not retire the camera", exc),
        )

    def import_cameras(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self.console, "Import cameras", "", "Camera registry (*.csv *.geojson *.json)"
            )
        if not path:
            return
        cancel = threading.Event()
        progress = QProgressDialog(f"Importing {Path(path).name}…", "Cancel", 0, 0, self.console)
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
            self.console.feed.refresh()

        def failed(exc: BaseException) -> None:
            progress.close()
            if isinstance(exc, ImportCancelled):
                self._say("Import cancelled; the registry is unchanged.", 8000)
            else:
                self.console._error("Import failed — the registry is unchanged", exc)

        session = self.console.session
        self.console.tasks.run(
            lambda: use_cases.import_cameras(session.sessions, session.actor, Path(path), progress=check),
            done,
            failed,
        )

    def export_cameras(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self.console, "Export cameras", "cameras.csv", "CSV (*.csv);;GeoJSON (*.geojson)"
            )
        if not path:
            return
        self.console.tasks.run(
            lambda: self.console.registry.export_file(Path(path)),
            lambda n: self._say(f"Exported {n} camera(s) to {path}.", 8000),
            lambda exc: self.console._error("Export failed", exc),
        )
