"""One line for the console's status bar from the media service's /status document."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from app.video.clock_watch import ON_PROBATION


def fetch_status(base_url: str, timeout: float = 2.0) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{base_url}/status", timeout=timeout) as reply:
            data = json.loads(reply.read(1 << 20))
            return data if isinstance(data, dict) else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


ALARM = "RECORDING STOPPED:"


def clock_faults(status: dict[str, Any] | None) -> dict[int, str]:
    """The cameras whose clock the recorder found wrong, with why ("its clock is 2 h 0 min ahead
    of arrival"): their footage is placed by arrival. A clock still on probation is no fault."""
    faults: dict[int, str] = {}
    for entry in (status or {}).get("recording", []):
        clock = entry.get("clock") or {}
        reason = str(clock.get("reason") or "")
        if clock.get("trusted") is False and reason and not reason.startswith(ON_PROBATION):
            try:
                faults[int(entry.get("camera"))] = reason
            except (TypeError, ValueError):
                continue
    return faults


def clock_delays(status: dict[str, Any] | None) -> dict[int, float]:
    """The delay (seconds) each camera's pictures take to reach the media service, measured
    against the camera's clock where the recorder trusts it."""
    delays: dict[int, float] = {}
    for entry in (status or {}).get("recording", []):
        clock = entry.get("clock") or {}
        if clock.get("trusted") is True and clock.get("offset_s") is not None:
            try:
                delays[int(entry.get("camera"))] = max(0.0, float(clock["offset_s"]))
            except (TypeError, ValueError):
                continue
    return delays


def recording_states(status: dict[str, Any] | None) -> dict[int, str]:
    """What the recorder does for each camera it handles: "recording (N segments)" or the error;
    a camera it does not handle is absent (not recorded by this media service)."""
    states: dict[int, str] = {}
    for entry in (status or {}).get("recording", []):
        try:
            camera = int(entry.get("camera"))
        except (TypeError, ValueError):
            continue
        error = str(entry.get("error") or "")
        if error:
            states[camera] = f"not recording: {error}"
        elif entry.get("recording"):
            states[camera] = f"recording ({int(entry.get('segments', 0))} segments kept this run)"
        else:
            states[camera] = "waiting to record"
    for camera, reason in clock_faults(status).items():
        states[camera] += f" · camera clock not trusted ({reason}): times by arrival"
    for camera, share in delivered_shares(status).items():
        if camera in states and share < FULL_SHARE:
            states[camera] += f" · delivers {share:.0%} of real time"
    return states


FULL_SHARE = 0.95  # a camera delivering less of real time than this is short


def delivered_shares(status: dict[str, Any] | None) -> dict[int, float]:
    """The share of real time each recorded camera's stream covers (its stream seconds per real
    second, measured by the recorder over 10 s): 1.0 for a camera that keeps up."""
    shares: dict[int, float] = {}
    for entry in (status or {}).get("recording", []):
        rate = (entry.get("clock") or {}).get("rate")
        try:
            if rate is not None:
                shares[int(entry.get("camera"))] = float(rate)
        except (TypeError, ValueError):
            continue
    return shares


def is_disk_full(error: str) -> bool:
    return "No space left" in error or "Disk quota exceeded" in error or "ENOSPC" in error


def describe(base_url: str, status: dict[str, Any] | None) -> str:
    if status is None:
        return f"Media service: {base_url} not answering"
    relays = status.get("relays", [])
    viewers = sum(int(r.get("viewers", 0)) for r in relays)
    line = f"Media service: {base_url} · {len(relays)} camera stream(s) pulled, {viewers} viewer(s)"
    recording = status.get("recording", [])
    if recording:
        active = sum(1 for r in recording if r.get("recording"))
        segments = sum(int(r.get("segments", 0)) for r in recording)
        errors = sum(1 for r in recording if r.get("error"))
        line += f" · recording {active}/{len(recording)} camera(s), {segments} segment(s)"
        if errors:
            line += f", {errors} with errors"
        faults = clock_faults(status)
        short = [share for share in delivered_shares(status).values() if share < FULL_SHARE]
        if faults:
            line += f" · {len(faults)} camera clock(s) not trusted, placed by arrival"
        if short:
            line += ("; " if faults else " · ") + f"{len(short)} delivering less than real time"
            line += f" (down to {min(short):.0%})"
        full = sum(1 for r in recording if is_disk_full(str(r.get("error", ""))))
        if full:
            line = (
                f"{ALARM} disk full on the recording server: {full} camera(s) not recording. Free space "
                "or add storage; earlier segments are intact. · " + line
            )
    else:
        line += " · not recording"
    return line


def describe_services(services: list[Any], statuses: dict[str, dict[str, Any] | None]) -> str:
    """One line for a city's several media services (entries of the media directory): the
    services that stopped answering first (the line then ends "not answering", which the status
    bar shows in red), else the sum of what they pull and record."""
    live = [e for e in services if e.stopped_at is None]
    dead = [e for e in live if not e.answering() or statuses.get(e.base_url) is None]
    if dead:
        names = "; ".join(e.describe().split(":", 1)[0] for e in dead)
        return f"Media services: {len(live) - len(dead)} of {len(live)} answering · {names} not answering"
    lines = [describe(e.base_url, statuses.get(e.base_url)) for e in live]
    alarms = [line for line in lines if line.startswith(ALARM)]
    pulled = sum(len((statuses.get(e.base_url) or {}).get("relays", [])) for e in live)
    recording = [r for e in live for r in (statuses.get(e.base_url) or {}).get("recording", [])]
    active = sum(1 for r in recording if r.get("recording"))
    line = f"Media services: {len(live)} answering · {pulled} camera stream(s) pulled"
    line += f" · recording {active}/{len(recording)} camera(s)" if recording else " · not recording"
    return (alarms[0].split(" · ")[0] + " · " + line) if alarms else line
