"""The status bar's line about the media service."""

from __future__ import annotations

from app.video.media_status import describe


def test_describe() -> None:
    assert describe("http://m:8765", None) == "Media service: http://m:8765 not answering"
    status = {
        "relays": [{"viewers": 2}, {"viewers": 1}],
        "recording": [{"recording": True, "segments": 4, "error": ""}, {"recording": False, "segments": 1,
                                                                         "error": "camera did not answer"}],
    }  # fmt: skip
    line = describe("http://m:8765", status)
    assert line == (
        "Media service: http://m:8765 · 2 camera stream(s) pulled, 3 viewer(s) · "
        "recording 1/2 camera(s), 5 segment(s), 1 with errors"
    )
    assert describe("http://m", {"relays": []}).endswith("· not recording")


def test_each_cameras_recording_state_is_read_from_the_status() -> None:
    from app.video.media_status import recording_states

    status = {"recording": [
        {"camera": 3, "recording": True, "segments": 12, "error": ""},
        {"camera": 4, "recording": False, "segments": 0, "error": "[Errno 28] No space left on device"},
        {"camera": 5, "recording": False, "segments": 0, "error": ""},
        {"camera": "x"},
    ]}  # fmt: skip
    assert recording_states(status) == {
        3: "recording (12 segments kept this run)",
        4: "not recording: [Errno 28] No space left on device",
        5: "waiting to record",
    }
    assert recording_states(None) == {}


def test_a_camera_goes_to_its_divisions_service_and_a_stale_city_wide_entry_never_wins() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from app.video.media_directory import ServiceEntry, service_for
    from app.video.media_status import describe_services

    now = datetime.now(UTC)
    base = ServiceEntry("x", "http://x", frozenset(), "", now, None, 0, 0, None, {})
    valley = replace(base, name="vn", base_url="http://vn", divisions=frozenset({"Van Nuys"}),
                     heartbeat_at=now - timedelta(seconds=30))  # fmt: skip
    dead_city = replace(base, name="a-old", base_url="http://old", heartbeat_at=now - timedelta(minutes=5))
    city = replace(base, name="b-new", base_url="http://new")
    stopped = replace(base, name="0-stopped", base_url="http://stopped", stopped_at=now)
    services = [stopped, dead_city, city, valley]

    class Camera:
        def __init__(self, division: str) -> None:
            self.division = division

    # Its division's service, even while it is not answering: no second pull from elsewhere.
    assert service_for(Camera("Van Nuys"), services) is valley  # type: ignore[arg-type]
    # Elsewhere: the city-wide service that answers, not the stale or the stopped one.
    assert service_for(Camera("Hollywood"), services) is city  # type: ignore[arg-type]
    assert service_for(Camera("Hollywood"), [stopped]) is None  # type: ignore[arg-type]
    assert not valley.answering() and "not answering (last heartbeat 30 s ago)" in valley.describe()
    line = describe_services(
        [city, valley], {"http://new": {"relays": [], "recording": []}, "http://vn": None}
    )
    assert line.endswith("not answering") and "1 of 2 answering" in line and "vn" in line


def test_a_clock_found_wrong_is_a_warning_with_why_and_a_clock_on_probation_is_none() -> None:
    from app.video.media_status import clock_faults, recording_states

    def entry(camera: int, reason: str, rate: float | None = 1.0) -> dict[str, object]:
        clock = {"trusted": not reason, "reason": reason, "rate": rate}
        return {"camera": camera, "recording": True, "segments": 3, "error": "", "clock": clock}

    status = {"relays": [], "recording": [
        entry(1, ""),
        entry(2, "watching it: steady for 4 of 20 s"),
        entry(3, "no sender report yet: nothing to compare arrival with", None),
        entry(4, "its clock is 2 h 0 min ahead of arrival"),
        entry(5, "its stream runs at 0.33x real time", 0.33),
    ]}  # fmt: skip
    assert clock_faults(status) == {
        4: "its clock is 2 h 0 min ahead of arrival",
        5: "its stream runs at 0.33x real time",
    }
    states = recording_states(status)
    assert states[1] == "recording (3 segments kept this run)" == states[2]
    assert states[4].endswith(
        "· camera clock not trusted (its clock is 2 h 0 min ahead of arrival): times by arrival"
    )
    assert describe("http://m", status).endswith(
        "· 2 camera clock(s) not trusted, placed by arrival; 1 delivering less than real time (down to 33%)"
    )
