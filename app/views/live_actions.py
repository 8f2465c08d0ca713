"""Putting a camera live on a wall from the console: the relay URL that names the viewer and the
stated purpose, asking why (once per camera) before a private camera plays, and the messages that
say where a camera went or why it may not be shown live. The purpose is checked by the gate on
the console's task manager, never on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from app.console import use_cases
from app.console.session import Session
from app.governance.gate import why_not_live
from app.governance.purpose import Purpose, asked_for_its_division, purpose_problem
from app.models.rows import CameraRow
from app.views.console_part import ConsolePart
from app.views.purpose_dialog import PurposeDialog
from app.views.tasks import TaskRunner
from app.views.wall.wall import VideoWall

WATCH_LIVE = "watch it live"


class StreamRefused(ValueError):
    """The live-view use case said no: the tile shows why instead of playing."""


class LiveActions(ConsolePart):
    def __init__(self, window: QMainWindow, session: Session, tasks: TaskRunner) -> None:
        super().__init__(window)
        self.session, self.tasks = session, tasks
        self.wall: VideoWall | None = None  # the console's own wall, once it has one

    def live_url(self, camera: CameraRow, stream: str) -> str | None:
        """The relay URL with this console's grant for the camera and its stated purpose, or None
        while the grant is asked for (a tile looks again on its next poll). The use case's refusal
        is raised as :class:`StreamRefused`, for the tile to show."""
        session = self.session
        purpose = session.purposes.for_camera(camera.id)
        refusal = session.grants.refusal(camera.id, purpose)
        if refusal:
            raise StreamRefused(refusal)
        grant = session.grants.usable(camera.id, purpose)
        if grant is None:
            self._ask_grant(camera, purpose)
            return None
        query = urlencode({"grant": grant.token})
        return f"{session.base_url_for(camera.id)}/live/{camera.id}/{stream}.ts?{query}"

    def _ask_grant(self, camera: CameraRow, purpose: Purpose) -> None:
        """The live-view use case on the task manager: role table, gate, grant, audit."""
        session = self.session
        if not session.grants.ask(camera.id, purpose):
            return
        actor = session.actor

        def failed(exc: BaseException) -> None:
            if isinstance(exc, use_cases.Refused):
                session.grants.refused(camera.id, purpose, str(exc))
            else:  # the database did not answer: asked again after a pause
                session.grants.failed(camera.id, purpose)
                self._say(f"Cannot ask for leave to watch '{camera.name}': {exc}", 8000)

        self.tasks.run(
            lambda: use_cases.grant_live_view(session.sessions, actor, camera, purpose),
            session.grants.granted,
            failed,
        )

    def ask_purpose(self, camera: CameraRow, what: str, then: Callable[[Purpose], object]) -> PurposeDialog:
        """Ask why (once: the answer is kept for the camera), check it in a worker, then go on."""
        session = self.session
        suggested = session.purposes.last
        if session.current_incident is not None and not suggested:
            suggested = Purpose.of_incident(session.current_incident.number)
        live = what == WATCH_LIVE
        home = session.actor.home_divisions
        why_asked = (
            f"is in {camera.division or 'no division'}, outside this workstation's divisions"
            if asked_for_its_division(camera, home)
            else "belongs to a private owner"
        )
        bases = session.policy.legal_bases
        dialog = PurposeDialog(camera.name, what, suggested, self._window, why_asked, bases)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sessions = session.sessions

        def check(purpose: Purpose) -> None:
            def done(problem: str | None) -> None:
                if problem:
                    dialog.refuse(problem)
                    return
                session.state_purpose(purpose, [camera.id])
                dialog.accept()
                then(purpose)

            def work() -> str | None:
                if live:
                    # The live-view use case: the role table and the whole gate (the owner's
                    # window may say no too), a refusal audited.
                    try:
                        use_cases.check_live(session.sessions, session.actor, camera, purpose)
                    except use_cases.Refused as refused:
                        return str(refused)
                    return None
                with sessions() as s:
                    return purpose_problem(s, purpose)

            self.tasks.run(work, done, lambda exc: dialog.refuse(f"cannot check the purpose: {exc}"))

        def ask_supervisor(purpose: Purpose, why: str) -> None:
            # A live view asks for the program's longest live view from now; anything else for the
            # incident's time (the scrub view's own refusals name their stretch).
            now = datetime.now(UTC)
            until = now + timedelta(minutes=session.policy.live_view_max_minutes)

            def ask() -> int:
                return use_cases.request_justification(session.sessions, session.actor, camera.id, purpose,
                                                       why, now, until, live=live)  # fmt: skip

            self.tasks.run(ask, dialog.justification_sent, lambda exc: dialog.refuse(str(exc)))

        dialog.sig_purpose_stated.connect(check)
        dialog.sig_justification_asked.connect(ask_supervisor)
        dialog.open()
        return dialog

    def gate_drop(self, wall: VideoWall, camera: CameraRow, index: int) -> bool:
        """A camera dropped on a tile (from the list or the map): ask the purpose first if needed."""
        if self.session.purpose_missing(camera):
            self.ask_purpose(camera, WATCH_LIVE, lambda _p: wall.put_camera(camera, index))
            return False
        return True

    def open_on_wall(self, camera_id: int) -> None:
        camera = self.session.camera(camera_id)
        wall = self.wall
        if camera is None:
            return
        if wall is None:
            self._say("This window has no video wall.", 5000)
            return
        if self.session.purpose_missing(camera):
            self.ask_purpose(camera, WATCH_LIVE, lambda _p: self.open_on_wall(camera_id))
            return
        refusal = why_not_live(camera)
        tile = wall.put_camera(camera)
        if refusal:
            self._say(f"'{camera.name}' cannot be shown live: {refusal}.", 8000)
        else:
            self._say(f"'{camera.name}' on tile {tile.index + 1}.", 4000)
