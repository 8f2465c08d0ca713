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
