"""Stream URLs: credentials split off, foreign schemes and smuggled libVLC options refused."""

from __future__ import annotations

import pytest

from app.registry.urls import UrlError, check_stream_url, redact


def test_credentials_are_split_off() -> None:
    split = check_stream_url("rtsp://admin:s3cr%40t@10.0.0.5:554/Streaming/101")
    assert split.url == "rtsp://10.0.0.5:554/Streaming/101"
    assert (split.username, split.password) == ("admin", "s3cr@t")


def test_plain_url_is_kept() -> None:
    split = check_stream_url("https://cams.example/live/7.ts?token=abc")
    assert split.url == "https://cams.example/live/7.ts?token=abc"
    assert not split.has_credentials


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://cam/x", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("/dev/video0", "scheme 'none'"),
        ("rtsp://cam/x :sout=#file{dst=/tmp/x}", "spaces"),
        ("rtsp://cam/x\t--sout=x", "spaces"),
        (":sout=#file{dst=/x}", "option"),
        ("--video-filter=scene", "option"),
        ("rtsp://", "no host"),
        ("rtsp://cam:notaport/x", "not a valid URL"),
        ("", "empty"),
        # An encoded line break, then a libVLC option (the old check looked only for " :").
        ("rtsp://cam/x%0A:sout=#file{dst=/tmp/x}", "encoded control character"),
        ("rtsp://cam/x%09--sout=x", "encoded control character"),
        ("rtsp://cam/x%20:sout=x", "encoded libVLC option"),
        # A right-to-left override makes the URL read otherwise than it is; so does a zero-width space.
        ("rtsp://cam/\u202ex.4pm", "direction-changing"),
        ("rtsp://cam/x%E2%80%AEy", "direction-changing"),
        ("rtsp://ca\u200bm/x", "invisible"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(UrlError, match=reason):
        check_stream_url(url)


def test_an_encoded_space_in_a_path_is_still_a_camera_url() -> None:
    assert check_stream_url("rtsp://nvr.local/live/Front%20Door").url == "rtsp://nvr.local/live/Front%20Door"


def test_redact_hides_passwords_in_text() -> None:
    assert redact("failed rtsp://admin:hunter2@10.0.0.5/x now") == "failed rtsp://***@10.0.0.5/x now"
