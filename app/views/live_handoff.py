"""Send to officers from a live tile (Ctrl+H): the moment the operator saw on the selected tile, as
a still or as a clip from 10 s before it to 5 s after, for the current incident.

The moment is the camera's time of the picture on the glass (now, less the tile's delay). The clip
is cut from the recording, never from the screen: the media service that records the camera closes
its open segment just after the clip's end and indexes it (``use_cases.hand_off_live``), so the
hand-off is hashed and linked to its source in custody like one made in the scrub view. A camera
whose owner does not allow live sharing is refused with the reason before anything waits; a tile
that is not live has no moment to send.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from app.console import use_cases
from app.console.session import Session
from app.evidence.handoff import HandoffRequest, HandoffResult
from app.video.segment_close import close_segment
from app.views.console_part import ConsolePart
from app.views.handoff_dialog import HandoffDialog
from app.views.tasks import TaskRunner
from app.views.wall.tile import TileState
from app.views.wall.wall import VideoWall

SENT_LIVE = "the moment seen"


class HandoffCancelled(Exception):
    """The operator cancelled while the recorder caught up: nothing is cut."""


class LiveHandoff(ConsolePart):
    def __init__(self, window: QMainWindow, session: Session, tasks: TaskRunner, wall: VideoWall | None,
                 recordings_dir: Path | None, handoff_dir: Path) -> None:  # fmt: skip
        super().__init__(window)
        self.session, self.tasks, self.wall = session, tasks, wall
        self.recordings_dir, self.handoff_dir = recordings_dir, handoff_dir

    def send_selected_tile(self) -> HandoffDialog | None:
        wall, incident = self.wall, self.session.current_incident
        tile = wall.tiles[wall.selected] if wall is not None and wall.selected < len(wall.tiles) else None
        if tile is None or tile.camera is None:
            self._say("Select a tile with a camera first (click it, or Alt+arrows).", 6000)
            return None
        if incident is None:
            self._say("Sending to officers needs an incident: open or enter one (Ctrl+O, Ctrl+N).", 8000)
            return None
        if tile.state != TileState.LIVE:
            self._say(f"Tile {tile.index + 1} is not live ({tile.state}): there is no moment to send.", 8000)
            return None
        camera = tile.camera
        seen = datetime.now(UTC) - timedelta(milliseconds=tile.measure_delay().ms)
        dialog = HandoffDialog([camera], seen, incident.number, self._window, SENT_LIVE, "Seen on the wall")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        cancel = threading.Event()
        dialog.rejected.connect(cancel.set)
        session, folder, recordings = self.session, self.handoff_dir, self.recordings_dir
        link_base = session.base_url_for(camera.id)

        def close(camera_id: int, until: datetime) -> datetime:
            closed = close_segment(link_base, camera_id, until)
            if cancel.is_set():
                raise HandoffCancelled
            return closed

        def send() -> None:
            _camera_id, kind, note = dialog.choice()
            request = HandoffRequest(incident.id, camera.id, seen, kind, note=note, live=True)
            dialog.busy(seen + timedelta(seconds=request.after_s if kind == "clip" else 0.0))
            zone = incident.time_zone

            def make() -> HandoffResult:
                assert recordings is not None
                return use_cases.hand_off_live(session.sessions, session.actor, recordings, folder, request,
                                               zone, close)  # fmt: skip

            def made(result: HandoffResult) -> None:
                if cancel.is_set():
                    self._say(f"Cancelled too late: {result.path.name} was sent; the incident's hand-offs "
                              "can revoke its link.", 15_000)  # fmt: skip
                    return
                link = session.officer_link(camera.id, result.token)
                dialog.sent(result, link.url, link.warning)

            def failed(exc: BaseException) -> None:
                if isinstance(exc, HandoffCancelled) or cancel.is_set():
                    self._say("Hand-off cancelled; nothing was sent.", 8000)
                    return
                dialog.failed(str(exc))

            self.tasks.run(make, made, failed)

        if recordings is None:
            dialog.failed("this console has no recordings folder, so nothing recorded can be cut")
            dialog.send_button.setEnabled(False)
        dialog.send_button.clicked.connect(send)
        dialog.open()
        return dialog
