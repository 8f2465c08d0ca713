"""The only object the map page can reach: a few slots, each checking its arguments.

Signals: ``sig_ready``, ``sig_cameras_loaded(count)``, ``sig_camera_clicked(id)``,
``sig_camera_activated(id)`` (open on the wall), ``sig_new_incident(lat, lon)``.
"""

from __future__ import annotations

import logging
import math

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class MapBridge(QObject):
    sig_ready = Signal()
    sig_cameras_loaded = Signal(int)
    sig_camera_clicked = Signal(int)
    sig_camera_activated = Signal(int)
    sig_new_incident = Signal(float, float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.known_ids: set[int] = set()
        self.rejected: list[str] = []

    def _camera_id(self, value: object) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            self._reject(f"camera id {value!r} is not an integer")
            return None
        if int(value) not in self.known_ids:
            self._reject(f"camera id {value!r} is not on the map")
            return None
        return int(value)

    def _reject(self, reason: str) -> None:
        self.rejected.append(reason)
        log.warning("map page call refused: %s", reason)

    @Slot()
    def ready(self) -> None:
        self.sig_ready.emit()

    @Slot(int)
    def camerasLoaded(self, count: int) -> None:
        self.sig_cameras_loaded.emit(int(count))

    @Slot("QVariant")
    def cameraClicked(self, camera_id: object) -> None:
        cid = self._camera_id(camera_id)
        if cid is not None:
            self.sig_camera_clicked.emit(cid)

    @Slot("QVariant")
    def cameraActivated(self, camera_id: object) -> None:
        cid = self._camera_id(camera_id)
        if cid is not None:
            self.sig_camera_activated.emit(cid)

    @Slot("QVariant", "QVariant")
    def newIncidentAt(self, lat: object, lon: object) -> None:
        ok = all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (lat, lon)
        )
        if not ok or not (-90 <= lat <= 90 and -180 <= lon <= 180):  # type: ignore[operator]
            self._reject(f"coordinates {lat!r}, {lon!r} are not a place on Earth")
            return
        self.sig_new_incident.emit(float(lat), float(lon))  # type: ignore[arg-type]
