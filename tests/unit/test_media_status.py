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
