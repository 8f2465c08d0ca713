"""The camera details panel: owner, terms, consent, recording and streams of the camera selected
in the camera list, kept current as the registry and the recorder's word on it change.

Registry text is the owners' and importers': every field is escaped, shown and never interpreted.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from app.console.session import Session
from app.governance.live_window import describe as live_window_text
from app.models.rows import CameraRow
from app.views.camera_list import LABELS, CameraListPanel, status_text

NOT_RECORDED = "not recorded by the media service"


class CameraDetails(QLabel):
    """Follows the camera list's selection; the recording state and clock come from the list's
    model (the media services' word), the division's approximation from the session."""

    def __init__(self, cameras: CameraListPanel, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cameras, self.session = cameras, session
        self.setObjectName("camera_details")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setText("Select a camera to see its owner, terms and field of view.")
        self.setMargin(8)
        cameras.sig_camera_selected.connect(self.show_camera)
        # The recorder's word on a camera (recording, its clock) changes under a selection too.
        cameras.model.dataChanged.connect(self._refresh)

    def show_camera(self, row: CameraRow) -> None:
        recording = self.cameras.model.recording.get(row.id, NOT_RECORDED)
        approximate = row.division in self.session.approximate_divisions
        self.setText(details_html(row, recording, approximate))

    def _refresh(self) -> None:
        row = self.cameras.selected_camera()
        if row is not None:
            self.show_camera(row)


def details_html(row: CameraRow, recording: str, approximate_division: bool) -> str:
    e = html.escape
    consent = f"granted {row.consent_granted_at:%Y-%m-%d %H:%M UTC}" if row.consent_granted_at else "—"
    if row.consent_revoked_at:
        consent += f"; <b>revoked {row.consent_revoked_at:%Y-%m-%d %H:%M UTC}</b>"
    approx = " <i>(boundary approximate)</i>" if approximate_division else ""
    return (
        f"<h3>{e(row.name)}</h3>"
        f"<b>Owner:</b> {e(row.owner_name)} ({LABELS.get(row.owner_type)})<br>"
        f"<b>Contact:</b> {e(row.owner_contact) or '—'}<br>"
        f"<b>Division:</b> {e(row.division) or '—'}{approx}<br>"
        f"<b>Location:</b> {row.latitude:.5f}, {row.longitude:.5f}<br>"
        f"<b>View:</b> heading {row.heading_deg:g}°, field of view {row.fov_deg:g}°, "
        f"range {row.range_m:g} m<br>"
        f"<b>Sharing:</b> {LABELS.get(row.sharing_terms)}<br>"
        f"<b>Live viewing:</b> {live_window_text(row.live_window)}<br>"
        f"<b>Consent:</b> {consent}<br>"
        f"<b>Retention:</b> {row.retention_days} days<br>"
        f"<b>Status:</b> {status_text(row)}<br>"
        f"<b>Recording:</b> {e(recording)}<br>"
        f"<b>Streams:</b> main {e(row.main_url)}<br>sub {e(row.sub_url) or '—'}<br>"
        f"<b>Credentials:</b> {'in OS keyring' if row.has_credentials else 'none'}"
    )
