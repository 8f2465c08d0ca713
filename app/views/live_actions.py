"""Putting a camera live on a wall from the console: the relay URL that names the viewer and the
stated purpose, asking why (once per camera) before a private camera plays, and the messages that
say where a camera went or why it may not be shown live. The purpose is checked by the gate on
the console's task manager, never on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from PySide6.QtCore import Qt

from app.console import use_cases
from app.governance.gate import why_not_live
from app.governance.purpose import Purpose, asked_for_its_division, needs_purpose, purpose_problem
from app.models.rows import CameraRow
from app.video.media_directory import service_for
from app.views.console_part import ConsolePart
from app.views.purpose_dialog import PurposeDialog
from app.views.wall.wall import VideoWall

WATCH_LIVE = "watch it live"


class StreamRefused(ValueError):
    """The live-view use case said no: the tile shows why instead of playing."""


class LiveActions(ConsolePart):
    def live_url(self, camera: CameraRow, stream: str) -> str | None:
        """The relay URL with this console's grant for the camera and its stated purpose, or None
        while the grant is asked for (a tile looks again on its next poll). The use case's refusal
        is raised as :class:`StreamRefused`, for the tile to show."""
        session = self.console.session
        purpose = session.purposes.for_camera(camera.id)
        refusal = session.grants.refusal(camera.id, purpose)
        if refusal:
            raise StreamRefused(refusal)
        grant = session.grants.usable(camera.id, purpose)
        if grant is None:
            self._ask_grant(camera, purpose)
            return None
        return (
            f"{self.base_url_for(camera.id)}/live/{camera.id}/{stream}.ts?{urlencode({'grant': grant.token})}"
        )

    def _ask_grant(self, camera: CameraRow, purpose: Purpose) -> None:
        """The live-view use case on the task manager: role table, gate, grant, audit."""
        session = self.console.session
        if not session.grants.ask(camera.id, purpose):
            return
        actor = session.actor

        def failed(exc: BaseException) -> None:
            if isinstance(exc, use_cases.Refused):
                session.grants.refused(camera.id, purpose, str(exc))
            else:  # the database did not answer: asked again after a pause
                session.grants.failed(camera.id, purpose)
                self._say(f"Cannot ask for leave to watch '{camera.name}': {exc}", 8000)

        self.console.tasks.run(
            lambda: use_cases.grant_live_view(session.sessions, actor, camera, purpose),
            session.grants.granted,
            failed,
        )

    def base_url_for(self, camera_id: int) -> str:
        """The media service that serves this camera (the directory's; else the configured one)."""
        camera = self.console.camera_by_id(camera_id)
        entry = service_for(camera, self.console.media_services) if camera is not None else None
        return entry.base_url if entry is not None else self.console.media_url

    def ask_purpose(self, camera: CameraRow, what: str, then: Callable[[Purpose], object]) -> PurposeDialog:
        """Ask why (once: the answer is kept for the camera), check it in a worker, then go on."""
        console = self.console
        suggested = console.session.purposes.last
        if console.incident_panel.incident is not None and not suggested:
            suggested = Purpose.of_incident(console.incident_panel.incident.number)
        live = what == WATCH_LIVE
        home = console.session.actor.home_divisions
        why_asked = (
            f"is in {camera.division or 'no division'}, outside this workstation's divisions"
            if asked_for_its_division(camera, home)
            else "belongs to a private owner"
        )
        bases = console.session.policy.legal_bases
        dialog = PurposeDialog(camera.name, what, suggested, console, why_asked, bases)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sessions = console.incidents.sessions if console.incidents is not None else None

        def check(purpose: Purpose) -> None:
            def done(problem: str | None) -> None:
                if problem:
                    dialog.refuse(problem)
                    return
                console.session.state_purpose(purpose, [camera.id])
                dialog.accept()
                then(purpose)

            if sessions is None:
                done(None)
                return

            session = console.session

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

            console.tasks.run(work, done, lambda exc: dialog.refuse(f"cannot check the purpose: {exc}"))

        def ask_supervisor(purpose: Purpose, why: str) -> None:
            # A live view asks for the program's longest live view from now; anything else for the
            # incident's time (the scrub view's own refusals name their stretch).
            now = datetime.now(UTC)
            until = now + timedelta(minutes=self.console.session.policy.live_view_max_minutes)
            session = console.session

            def ask() -> int:
                return use_cases.request_justification(session.sessions, session.actor, camera.id, purpose,
                                                       why, now, until, live=live)  # fmt: skip

            console.tasks.run(ask, dialog.justification_sent, lambda exc: dialog.refuse(str(exc)))

        dialog.sig_purpose_stated.connect(check)
        dialog.sig_justification_asked.connect(ask_supervisor)
        dialog.open()
        return dialog

    def purpose_missing(self, camera: CameraRow) -> bool:
        """A private camera that may be shown live, for which this console has not said why yet."""
        stated = bool(self.console.session.purposes.for_camera(camera.id))
        home = self.console.session.actor.home_divisions
        return why_not_live(camera) is None and needs_purpose(camera, home) and not stated

    def gate_drop(self, wall: VideoWall, camera: CameraRow, index: int) -> bool:
        """A camera dropped on a tile (from the list or the map): ask the purpose first if needed."""
        if self.purpose_missing(camera):
            self.ask_purpose(camera, WATCH_LIVE, lambda _p: wall.put_camera(camera, index))
            return False
        return True

    def open_selected(self) -> None:
        row = self.console.camera_panel.selected_camera()
        if row is not None:
            self.open_on_wall(row.id)

    def open_on_wall(self, camera_id: int) -> None:
        camera = self.console.camera_by_id(camera_id)
        wall = self.console.wall
        if camera is None:
            return
        if wall is None:
            self._say("This window has no video wall.", 5000)
            return
        if self.purpose_missing(camera):
            self.ask_purpose(camera, WATCH_LIVE, lambda _p: self.open_on_wall(camera_id))
            return
        refusal = why_not_live(camera)
        tile = wall.put_camera(camera)
        if refusal:
            self._say(f"'{camera.name}' cannot be shown live: {refusal}.", 8000)
        else:
            self._say(f"'{camera.name}' on tile {tile.index + 1}.", 4000)

    def fill_wall(self, count: int) -> None:
        """The demo's first view: a square grid of cameras whose owners allow live viewing."""
        wall = self.console.wall
        assert wall is not None
        if any(t.camera for t in wall.visible_tiles):
            return
        side = next(n for n in range(1, 7) if n * n >= count)
        wall.set_layout(f"{side}x{side}")
        # Public cameras of the home divisions first: they need no stated purpose, so the first
        # view plays at once.
        cameras = self.console.session.cameras.values()
        home = self.console.session.actor.home_divisions
        live = sorted((r for r in cameras if why_not_live(r) is None), key=lambda r: needs_purpose(r, home))
        live = live[:count]
        for index, camera in enumerate(live):
            wall.put_camera(camera, index)
        wall.select(0)
