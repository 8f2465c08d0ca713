"""The console's state without Qt: who is signed in, the registry as the console last read it,
the purposes stated, and events for everything that changes.

The registry is followed by its change mark (a count and the newest ``updated_at``, 23 ms at
100,000 cameras), so a camera added, edited or retired by the command line or another
workstation reaches every open console without F5. The read (database, on a worker thread) is
apart from the apply (state and events, on the caller's thread): the console reads on its task
runner and applies on the GUI thread; :meth:`Session.follow` does both on a thread of its own
for front ends without an event loop.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from app.console.actor import Actor
from app.console.change_listener import ChangeListener
from app.console.events import (
    CamerasChanged,
    EventEmitter,
    FeedChanged,
    FeedConnection,
    IncidentEvent,
    MediaChanged,
    PurposeGranted,
    SignedIn,
)
from app.console.live_grants import LiveGrants
from app.console.officer_links import OfficerLink, officer_link
from app.governance.gate import why_not_live
from app.governance.identity import sign_in
from app.governance.policy import Policy, load_policy
from app.governance.purpose import Purpose, PurposeBook, needs_purpose
from app.incidents.service import SavedIncident
from app.models.change_feed import Change
from app.models.enums import CameraStatus
from app.models.rows import CameraRow
from app.periodic import Periodic
from app.registry.service import Registry
from app.video.media_directory import ServiceEntry, service_for

# Clocks of other workstations can write an older ``updated_at`` than the newest: re-read anyway
# this often, even when the mark has not moved.
REREAD_S = 60.0


@dataclass(frozen=True)
class RegistryRead:
    mark: tuple[int, str]
    cameras: list[CameraRow]
    policy: Policy | None = None  # the program's, read with the registry
    # Division names, each with whether its boundary is approximate, and the cameras by status
    # (None: not read, the session keeps what it had).
    divisions: tuple[tuple[str, bool], ...] | None = None
    counts: dict[str, int] | None = None


class SessionEvents:
    def __init__(self) -> None:
        # The registry snapshot moved (cameras, divisions or counts): the camera list, the map,
        # the tiles, the status bar and the rules follow it.
        self.cameras_changed: EventEmitter[CamerasChanged] = EventEmitter("cameras_changed")
        # The media services answered: what they record, their clocks, the status line.
        self.media_changed: EventEmitter[MediaChanged] = EventEmitter("media_changed")
        self.incident: EventEmitter[IncidentEvent] = EventEmitter("incident")
        self.purpose_granted: EventEmitter[PurposeGranted] = EventEmitter("purpose_granted")
        self.signed_in: EventEmitter[SignedIn] = EventEmitter("signed_in")
        # The change feed: what this and other workstations changed, one event per kind and batch.
        self.feed_changed: EventEmitter[FeedChanged] = EventEmitter("feed_changed")
        self.feed_connection: EventEmitter[FeedConnection] = EventEmitter("feed_connection")


class Session:
    def __init__(
        self, sessions: sessionmaker[DbSession], actor: Actor, registry: Registry | None = None
    ) -> None:
        self.sessions = sessions
        self.registry = registry or Registry(sessions)
        self.actor = actor
        self.cameras: dict[int, CameraRow] = {}  # the registry as last read, in its order
        self.divisions: list[str] = []
        self.approximate_divisions: frozenset[str] = frozenset()
        self.counts: dict[str, int] = {}
        self.loaded = False  # a first read has been applied
        # The media directory as last read, and what the services said; the configured service
        # serves what no directory entry claims.
        self.media_services: list[ServiceEntry] = []
        self.media: MediaChanged | None = None
        self.media_url = ""
        # What each wall tile shows, as the tile itself says: (wall, tile) -> (camera id, state).
        # Dialogs read a camera's state from here, the same source as its tile.
        self._tile_states: dict[tuple[int, int], tuple[int, str]] = {}
        # Where officers' phones open hand-off links ("": each camera's media service).
        self.handoff_public_url = ""
        # The incident the console works on (its dock, the purpose a dialog suggests, hand-offs).
        self.current_incident: SavedIncident | None = None
        self.purposes = PurposeBook()
        # Leave to watch live, one grant per camera and purpose (the media service's proof).
        self.grants = LiveGrants()
        # The program's caps and reporting rules, as last read with the registry.
        self.policy = Policy()
        self.events = SessionEvents()
        self._mark: tuple[int, str] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()
        self._follower: Periodic | None = None
        self._listener: ChangeListener | None = None

    # -- who ------------------------------------------------------------------------------
    def sign_in(self, actor: Actor) -> None:
        """The next person takes over: their name goes on everything this process records."""
        self.actor = actor
        self.grants.forget()  # the last person's grants name them, not the next
        sign_in(actor.username)
        self.events.signed_in.emit(SignedIn(actor.username, actor.role.value if actor.role else ""))

    # -- the registry -----------------------------------------------------------------------
    def read_changes(self, force: bool = False) -> RegistryRead | None:
        """The cameras as they are now, if the registry moved since the last apply (or it is time
        to re-read anyway); None when nothing changed. Database only: safe on a worker thread."""
        mark = self.registry.change_mark()  # first: a change while reading shows as a new mark
        if not force and mark == self._mark and time.monotonic() - self._read_at < REREAD_S:
            return None
        registry = self.registry
        return RegistryRead(mark, registry.list_cameras(), load_policy(self.sessions),
                            tuple(registry.divisions()), registry.counts())  # fmt: skip

    def apply(self, read: RegistryRead | None) -> CamerasChanged | None:
        """Take a read in and tell subscribers what changed (nothing: no event)."""
        if read is None:
            return None
        if read.policy is not None:
            self.policy = read.policy
            self.purposes.max_age = timedelta(minutes=read.policy.live_view_max_minutes)
        with self._lock:
            before = self.cameras
            after = {row.id: row for row in read.cameras}
            retired = tuple(
                sorted(
                    cid
                    for cid, row in after.items()
                    if row.status == CameraStatus.RETIRED
                    and (cid not in before or before[cid].status != row.status)
                )
                + sorted(cid for cid in before if cid not in after)
            )
            added = tuple(sorted(cid for cid in after if cid not in before and cid not in retired))
            changed = tuple(
                sorted(
                    cid
                    for cid, row in after.items()
                    if cid in before and before[cid] != row and cid not in retired
                )
            )
            self.cameras = after
            self._mark, self._read_at = read.mark, time.monotonic()
        first, self.loaded = not self.loaded, True
        divisions_changed = False
        if read.divisions is not None:
            names = [name for name, _ in read.divisions]
            approximate = frozenset(name for name, approx in read.divisions if approx)
            divisions_changed = (names, approximate) != (self.divisions, self.approximate_divisions)
            self.divisions, self.approximate_divisions = names, approximate
        counted = read.counts is not None and read.counts != self.counts
        if read.counts is not None:
            self.counts = read.counts
        if not (added or changed or retired or first or divisions_changed or counted):
            return None
        event = CamerasChanged(added, changed, retired, first, divisions_changed)
        self.events.cameras_changed.emit(event)
        return event

    def refresh(self) -> CamerasChanged | None:
        return self.apply(self.read_changes())

    def follow(self, interval_s: float = 0.5) -> None:
        """Follow the registry on a thread of this session's own; events come on that thread."""
        if self._follower is None:
            self._follower = Periodic("session follows the registry", interval_s, self.refresh)
            self._follower.start()

    def stop(self) -> None:
        if self._follower is not None:
            self._follower.stop(5)
            self._follower = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    # -- the change feed --------------------------------------------------------------------
    def take_changes(self, changes: list[Change]) -> list[FeedChanged]:
        """Tell subscribers what the feed brought, one event per kind (no database work: the
        console calls this on its GUI thread and reads what it needs on its task runner)."""
        events = []
        for kind in dict.fromkeys(c.kind for c in changes):
            mine = [c for c in changes if c.kind == kind]
            everything = any(not c.subject for c in mine)
            ids = () if everything else tuple(dict.fromkeys(i for c in mine for i in c.subject))
            by = tuple(dict.fromkeys(f"{c.username or 'someone'} at {c.workstation or '?'}" for c in mine))
            event = FeedChanged(kind, ids, by)
            self.events.feed_changed.emit(event)
            events.append(event)
        return events

    def take_connection(self, connected: bool, why: str) -> None:
        self.events.feed_connection.emit(FeedConnection(connected, why))

    def follow_changes(self) -> ChangeListener:
        """Follow the change feed on a thread of this session's own (front ends without an
        event loop, the center benchmark): camera changes are read and applied at once, and
        every event comes on that thread."""
        if self._listener is None:

            def deliver(changes: list[Change]) -> None:
                for event in self.take_changes(changes):
                    if event.kind == "cameras":
                        self.apply_cameras(event.ids)

            self._listener = ChangeListener(
                self.sessions, deliver, on_connection=self.take_connection
            ).start()
        return self._listener

    def apply_cameras(self, ids: tuple[int, ...]) -> CamerasChanged | None:
        """Re-read the named cameras (all, when none are named) and apply them."""
        if not ids:
            return self.apply(self.read_changes(force=True))
        fresh = self.registry.cameras_by_id(ids)
        with self._lock:
            before = self.cameras
            retired = tuple(sorted(
                i for i, row in fresh.items()
                if row.status == CameraStatus.RETIRED and (i not in before or before[i].status != row.status)
            ))  # fmt: skip
            added = tuple(sorted(i for i in fresh if i not in before and i not in retired))
            changed = tuple(
                sorted(i for i in fresh if i in before and before[i] != fresh[i] and i not in retired)
            )
            self.cameras = {**before, **fresh}
        if not (added or changed or retired):
            return None
        event = CamerasChanged(added, changed, retired)
        self.events.cameras_changed.emit(event)
        return event

    def camera(self, camera_id: int) -> CameraRow | None:
        return self.cameras.get(camera_id)

    # -- the media services -------------------------------------------------------------------
    def take_media(self, media: MediaChanged, services: list[ServiceEntry] | None) -> None:
        """What the media services said (read on a worker); ``services``: the media directory,
        None when it could not be read (the last one read is kept)."""
        if services is not None:
            self.media_services = services
        self.media = media
        self.events.media_changed.emit(media)

    def note_tile_state(self, wall: int, tile: int, camera_id: int | None, state: str) -> None:
        """A wall tile's state changed (the views call this as their tiles report it)."""
        if camera_id is None or state == "empty":
            self._tile_states.pop((wall, tile), None)
        else:
            self._tile_states[(wall, tile)] = (camera_id, state)

    def forget_wall(self, wall: int) -> None:
        for key in [k for k in self._tile_states if k[0] == wall]:
            del self._tile_states[key]

    def live_state(self, camera_id: int) -> str | None:
        """What a tile showing the camera says now ("live" if any tile plays it); None: on no tile."""
        states = [state for cid, state in self._tile_states.values() if cid == camera_id]
        return "live" if "live" in states else (states[0] if states else None)

    def officer_link(self, camera_id: int, token: str) -> OfficerLink:
        """A hand-off's link as officers open it, with a warning when their phones cannot."""
        return officer_link(self.handoff_public_url, self.base_url_for(camera_id), token)

    def base_url_for(self, camera_id: int) -> str:
        """The media service that serves this camera (the directory's; else the configured one)."""
        camera = self.camera(camera_id)
        entry = service_for(camera, self.media_services) if camera is not None else None
        return entry.base_url if entry is not None else self.media_url

    # -- incidents ------------------------------------------------------------------------
    def make_current(self, incident: SavedIncident) -> None:
        """The incident the console now works on (its purposes are stated next, then
        :meth:`incident_opened`)."""
        self.current_incident = incident

    def incident_opened(self, number: str, incident_id: int | None) -> None:
        """The current incident is open with its purposes stated (call after
        :meth:`state_purpose`): what waits for it, such as a rule's cameras going on the wall,
        may now ask the media service, which refuses a private camera without a purpose."""
        self.events.incident.emit(IncidentEvent("opened", number, incident_id))

    # -- purposes -------------------------------------------------------------------------
    def purpose_missing(self, camera: CameraRow) -> bool:
        """A private (or another division's) camera that may be shown live, for which this
        console has not said why yet."""
        stated = bool(self.purposes.for_camera(camera.id))
        return (
            why_not_live(camera) is None and needs_purpose(camera, self.actor.home_divisions) and not stated
        )

    def state_purpose(self, purpose: Purpose, camera_ids: list[int]) -> None:
        """A purpose accepted by the gate for these cameras: kept, so the console asks once."""
        self.purposes.remember(purpose, camera_ids)
        self.events.purpose_granted.emit(PurposeGranted(tuple(camera_ids), purpose.describe()))


def workstation_session(sessions: sessionmaker[DbSession]) -> Session:
    """A session for the workstation's own user before any account exists (one workstation, the
    demo, the tests): once accounts exist the front ends sign a person in instead."""
    from app.governance.identity import current_user

    return Session(sessions, Actor.before_accounts(current_user()))
