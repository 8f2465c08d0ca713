"""What leaves the scrub view: the marked footage into a case (legal hold), and a still or a clip
around the playhead to the responding officers. Both run on workers through the use cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMainWindow

from app.console import use_cases
from app.console.officer_links import OfficerLink
from app.console.session import Session
from app.evidence.handoff import HandoffRequest, HandoffResult
from app.governance.purpose import Purpose
from app.models.rows import CameraRow
from app.views.handoff_dialog import HandoffDialog
from app.views.plain import show_message
from app.views.scrub.marks import Marks
from app.views.tasks import TaskRunner

CASE_TITLE = "Put footage into a case"


@dataclass(frozen=True)
class HandoffTarget:
    """Where the scrub view's hand-offs go: the folder the mobile data system watches, and the
    address of the media service that serves a camera's hand-off links."""

    folder: Path
    link: Callable[[int, str], OfficerLink]  # (camera id, token) -> the link as officers open it


@dataclass(frozen=True)
class ScrubScope:
    """What the footage is: whose view, of which cameras, for what."""

    session: Session
    recordings: Path
    cameras: list[CameraRow]
    purpose: Purpose
    time_zone: str
    incident_id: int | None
    handoff: HandoffTarget | None  # None: hand-offs not offered


class Playhead(Protocol):
    position: datetime

    def cameras_shown(self) -> list[int]:
        """The cameras whose tile shows a recorded frame at the playhead, in tile order."""
        ...


class ScrubEvidence:
    def __init__(self, window: QMainWindow, tasks: TaskRunner, scope: ScrubScope, marks: Marks,
                 playhead: Playhead, case_number: str) -> None:  # fmt: skip
        self.window, self.tasks, self.scope, self.marks, self.playhead = window, tasks, scope, marks, playhead
        self.case_number = case_number  # the case footage went into last (first: the incident's)

    def _say(self, text: str, ms: int = 0) -> None:
        self.window.statusBar().showMessage(text, ms)

    def add_to_case(self, number: str | None = None, note: str = "") -> None:
        """Put the marked window of every tile's camera (and the bookmarks) into a case, on a worker:
        the result comes back in the status bar, and any camera left out is named."""
        marks, window = self.marks, self.window
        if marks.mark_in is None or marks.mark_out is None:
            show_message(window, CASE_TITLE, "Mark in (I) and out (O) first.")
            return
        if number is None:
            text, ok = QInputDialog.getText(window, CASE_TITLE, "Case number (an existing one, or a new one "
                                            "to open):", text=self.case_number)  # fmt: skip
            if not ok:
                return
            number = text
        bookmarks = [(m.camera_id, m.at, m.note) for m in marks.bookmarks]
        start, end, scope, chosen = marks.mark_in, marks.mark_out, self.scope, number
        self._say(f"Putting the marked footage into case {number.strip()} …")

        def work() -> use_cases.CaseFiling:
            session = scope.session
            return use_cases.file_marks_in_case(session.sessions, session.actor, chosen, list(scope.cameras),
                                                start, end, bookmarks, note, scope.purpose)  # fmt: skip

        def failed(exc: BaseException) -> None:
            window.statusBar().clearMessage()
            show_message(
                window, CASE_TITLE, f"Nothing was put into case {chosen.strip()}: {exc}", warning=True
            )

        self.tasks.run(work, self._filed, failed)

    def _filed(self, filed: use_cases.CaseFiling) -> None:
        self.case_number = filed.number
        summary = (
            f"{filed.windows} camera window(s) and {filed.bookmarks} bookmark(s) put into case {filed.number}"
        )
        if filed.problems:
            show_message(self.window, CASE_TITLE, summary + "; not added:\n" + "\n".join(filed.problems),
                         warning=True)  # fmt: skip
        self._say(summary + "; the footage is on legal hold.", 10_000)

    def send_to_officers(self) -> HandoffDialog | None:
        """A still or a clip around the playhead for the responding officers (H)."""
        scope, at = self.scope, self.playhead.position
        target, incident_id = scope.handoff, scope.incident_id
        if incident_id is None or target is None:
            self._say("Sending to officers needs an incident: open the view from one.", 8000)
            return None
        dialog = HandoffDialog(scope.cameras, at, self.case_number, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        bookmark = self.marks.bookmark_at(at)
        if bookmark is not None:  # sent from a bookmark: its camera and its note
            dialog.camera.setCurrentIndex(max(0, dialog.camera.findData(bookmark.camera_id)))
            dialog.note.setText(bookmark.note)
        elif shown := self.playhead.cameras_shown():  # a camera with footage here, not the first listed
            dialog.camera.setCurrentIndex(max(0, dialog.camera.findData(shown[0])))

        def send() -> None:
            camera_id, kind, note = dialog.choice()
            request = HandoffRequest(incident_id, camera_id, at, kind, note=note)
            dialog.busy()
            session = scope.session

            def make() -> HandoffResult:
                return use_cases.hand_off(session.sessions, session.actor, scope.recordings, target.folder,
                                          request, scope.time_zone)  # fmt: skip

            def made(result: HandoffResult) -> None:
                link = target.link(camera_id, result.token)
                dialog.sent(result, link.url, link.warning)

            self.tasks.run(make, made, lambda exc: dialog.failed(str(exc)))

        dialog.send_button.clicked.connect(send)
        dialog.open()
        return dialog
