"""Hand-off links as officers' phones open them: under the center's published address when it
has one, and a warning when the link points at the workstation itself."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings
from app.console.officer_links import officer_link, phones_cannot_reach


def test_a_published_address_makes_the_link_and_needs_no_warning() -> None:
    link = officer_link("https://rtcc.lapd.example/", "http://127.0.0.1:8765", "tok")
    assert (link.url, link.warning) == ("https://rtcc.lapd.example/h/tok", "")


def test_a_link_to_this_machine_is_said_to_be_unreachable_from_a_phone() -> None:
    link = officer_link("", "http://127.0.0.1:8765", "tok")
    assert link.url == "http://127.0.0.1:8765/h/tok"
    assert link.warning.startswith("An officer's phone cannot open this link: it points at 127.0.0.1")
    for url in ("http://localhost:8765/h/x", "http://[::1]:8765/h/x", "http://0.0.0.0/h/x"):
        assert phones_cannot_reach(url), url
    for url in ("http://10.20.0.5:8765/h/x", "https://media.center.lapd/h/x"):
        assert phones_cannot_reach(url) == "", url


def test_the_setting_must_be_an_http_address(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"RTCC_CONFIG_DIR": str(tmp_path), "RTCC_HANDOFF_PUBLIC_URL": "rtcc.lapd.example"}
    with pytest.raises(ConfigError, match="handoff_public_url' must be an http"):
        load_settings(env)
    env["RTCC_HANDOFF_PUBLIC_URL"] = "https://rtcc.lapd.example"
    assert load_settings(env).handoff_public_url == "https://rtcc.lapd.example"
