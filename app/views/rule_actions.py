"""What a console does by itself for a dispatch call that a rule opened (app/incidents/
dispatch_rules.py): for a call in one of its home divisions (all, when it has none), the first
time it sees it, it makes the call the current incident (drawn on the map, purposes stated),
puts the rule's top cameras live on the rule's wall when this console shows rule calls on its
walls (``rule_walls``), and alerts with a sound and a banner. Each action is audited with the
rule's name, through the application layer.

A wall a person arranged is not replaced without asking: the banner offers "Put them on the
wall" (Ctrl+Shift+P) and the wall stays as it is until then; an empty wall, or one the last rule
arranged, is used at once. The banner then counts the cameras that play, not those sent."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QApplication, QMainWindow

from app.console import use_cases
from app.console.events import IncidentEvent
from app.console.session import Session
from app.governance.gate import why_not_live
from app.incidents.service import IncidentStore, SavedIncident
from app.views.alert_banner import AlertBanner
from app.views.console_part import ConsolePart
from app.views.subscriptions import subscribe
from app.views.tasks import TaskRunner
from app.views.wall.tile import TileState
from app.views.wall.wall import VideoWall

log = logging.getLogger(__name__)
# The wall a rule names ("main", "window 2"); None: this console has no such wall.
WallFor = Callable[[str], VideoWall | None]
PLAY_WAIT_S = 20  # how long the banner waits for the rule's cameras to play before naming the rest


class RuleActions(ConsolePart):
    """Signals: ``sig_open(SavedIncident)``: make a rule's call the current incident (map, dock,
    purposes stated; the session's "incident opened" event follows)."""

    sig_open = Signal(object)

    def __init__(self, window: QMainWindow, session: Session, tasks: TaskRunner,
                 incidents: IncidentStore | None, banner: AlertBanner, wall_for: WallFor,
                 walls: bool = True) -> None:  # fmt: skip
        super().__init__(window)
        self.session, self.tasks, self.incidents = session, tasks, incidents
        self.banner, self.wall_for, self.walls = banner, wall_for, walls
        # Only calls entered after this console started are acted on, each once: one that
        # arrives while the console is still loading is acted on when its first read comes.
        self.newer_than: int | None = None
        self._acted: set[int] = set()
        self._waiting: list[SavedIncident] = []  # arrived before the console had its cameras
        # Cameras to put live once each incident's purposes are stated: (wall, camera ids).
        self._planned: dict[int, tuple[VideoWall, list[int | None]]] = {}
        # What each wall showed when a rule last arranged it: a wall changed since is a person's.
        self._arranged_by_rule: dict[int, list[int | None]] = {}
        self._pending: tuple[VideoWall, list[int | None]] | None = None  # waiting for a yes
        self._banner_text = ""
        self._counting = QTimer(self)
        self._counting.setInterval(500)
        self._counting.timeout.connect(self._count_playing)
        self._counted: tuple[VideoWall, list[int], int] | None = None  # wall, cameras, ticks waited
        subscribe(self, session.events.incident, self._opened)
        # The registry is in: act on the calls that came while it was loading.
        subscribe(self, session.events.cameras_changed, lambda _event: self.cameras_loaded())
        # With the database away at the start, rules count from when it is back.
        subscribe(self, session.events.feed_connection, lambda c: self.start() if c.connected else None)

    def start(self) -> None:
        """Rules act on calls entered from now on (a primary-key maximum, like the change feed's
        own start); with the database away, from when it is back."""
        if self.incidents is None or self.newer_than is not None:
            return
        try:
            self.newer_than = self.incidents.newest_id()
        except Exception as exc:
            log.info("rules wait for the database: %s", exc)

    def incidents_read(self, incidents: list[SavedIncident]) -> None:
        """Every read of the open incidents passes here; act once on each new rule call."""
        if self.newer_than is None:
            return
        for incident in incidents:
            if incident.id <= self.newer_than or incident.id in self._acted:
                continue
            self._acted.add(incident.id)
            if incident.auto_rule and incident.closed_at is None and self._mine(incident):
                if self.session.loaded:
                    self.act(incident)
                else:  # still loading the registry: the wall could not find the cameras yet
                    self._waiting.append(incident)

    def cameras_loaded(self) -> None:
        """The registry is in: act on the calls that came while it was loading."""
        waiting, self._waiting = self._waiting, []
        for incident in waiting:
            self.act(incident)

    def _mine(self, incident: SavedIncident) -> bool:
        return self.session.actor.is_home(incident.division)

    def act(self, incident: SavedIncident) -> None:
        """Make the call the current incident, sound the alert and audit at once; its cameras go
        on the wall once its purposes are stated (:meth:`_opened`): put there before, a private
        camera was refused by the media service ("a stated purpose is required") and its tile
        stayed dark."""
        actions = incident.auto_actions
        done = ["opened on the map and in the Incident dock"]
        if self.walls:  # planned before the call is opened: its "opened" event finds the plan
            shown = self._plan_wall(incident, int(actions.get("top", 4)), str(actions.get("wall", "main")))
            if shown:
                done.append(shown)
        self._banner_text = ""
        self.sig_open.emit(incident)
        if actions.get("alert", True):
            QApplication.beep()
            priority = "-" if incident.priority is None else incident.priority
            self._banner_text = (
                f"Priority {priority} {incident.incident_type} · {incident.number} · "
                f"{incident.division or 'outside every division'} · {incident.source} · "
                f"rule {incident.auto_rule}: {'; '.join(done)}"
            )
            self.banner.alert(self._banner_text)
            done.append("alert sounded and shown")
        what = "; ".join(done)
        session = self.session
        record = use_cases.record_rule_action
        self.tasks.run(lambda: record(session.sessions, session.actor, incident, what))

    def _opened(self, event: IncidentEvent) -> None:
        """An incident's purposes are stated: a rule's cameras planned for it go live now."""
        if event.action != "opened" or event.incident_id is None:
            return
        planned = self._planned.pop(event.incident_id, None)
        if planned is None:
            return
        wall, camera_ids = planned
        now = wall.assignments()
        untouched = not any(now) or self._arranged_by_rule.get(id(wall)) == now
        if untouched:
            self._arrange(wall, camera_ids)
            return
        self._pending = (wall, camera_ids)
        self._say(f"Call {event.number}: the wall you arranged was left as it is; Ctrl+Shift+P puts its "
                  f"{len(camera_ids)} camera(s) on it.", 15_000)  # fmt: skip
        self._banner_text = self._banner_text.replace("going live", "waiting for you: Ctrl+Shift+P puts them "
                                                      "on the wall you arranged")  # fmt: skip
        if self._banner_text:
            self.banner.alert(self._banner_text)

    def put_pending_on_wall(self) -> None:
        """The person said yes: the waiting rule call's cameras replace the wall (Ctrl+Z undoes)."""
        if self._pending is None:
            self._say("No call is waiting for the wall.", 5000)
            return
        wall, camera_ids = self._pending
        self._pending = None
        self._banner_text = self._banner_text.replace(
            "waiting for you: Ctrl+Shift+P puts them on the wall you arranged", "going live"
        )
        self._arrange(wall, camera_ids)

    def _arrange(self, wall: VideoWall, camera_ids: list[int | None]) -> None:
        side = next(n for n in range(1, 7) if n * n >= len(camera_ids))
        wall.arrange(f"{side}x{side}", camera_ids)
        self._arranged_by_rule[id(wall)] = wall.assignments()
        ids = [i for i in camera_ids if i is not None]
        self._counted = (wall, ids, 0)
        self._counting.start()

    def _count_playing(self) -> None:
        """Say how many of the rule's cameras play ("3 camera(s) live" was said when 2 played)."""
        if self._counted is None:
            self._counting.stop()
            return
        wall, ids, ticks = self._counted
        tiles = {t.camera.id: t for t in wall.tiles if t.camera is not None and t.camera.id in ids}
        playing = [i for i in ids if i in tiles and tiles[i].state == TileState.LIVE]
        done = len(playing) == len(ids) or ticks * 0.5 >= PLAY_WAIT_S
        said = f"{len(playing)} of {len(ids)} camera(s) live"
        if done and len(playing) < len(ids):
            names = [tiles[i].camera.name for i in ids if i in tiles and i not in playing]  # type: ignore[union-attr]
            said += f" ({', '.join(names) or 'the others'} not playing)"
        text = self._banner_text
        if text and self.banner.level == "alert":
            self.banner.text.setText(re.sub(r"\d+ camera\(s\) going live|\d+ of \d+ camera\(s\) live[^;]*",
                                            said, text, count=1))  # fmt: skip
        self._counted = None if done else (wall, ids, ticks + 1)

    def _plan_wall(self, incident: SavedIncident, top: int, target: str) -> str:
        wall = self.wall_for(target)
        if wall is None:
            return ""
        cameras = [c for c in (self.session.camera(i) for i in incident.camera_ids) if c is not None]
        live = [c for c in cameras if why_not_live(c) is None][:top]
        if not live:
            return "no camera of it may be shown live"
        self._planned[incident.id] = (wall, [c.id for c in live])
        return f"{len(live)} camera(s) going live on {target}"
