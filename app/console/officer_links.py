"""The address of a hand-off's link as officers' phones reach it.

The media service serves a hand-off's page at ``/h/TOKEN``; on a workstation it listens on
127.0.0.1, which no phone can open. A center publishes the page through its reverse proxy at a
public address (``handoff_public_url``, see the manual) and links are made with that; without
one the link names the media service, and the console warns when that is a loopback address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

SETTING = "handoff_public_url (RTCC_HANDOFF_PUBLIC_URL)"


@dataclass(frozen=True)
class OfficerLink:
    url: str
    warning: str  # "" when a phone on the agency's network can open it


def phones_cannot_reach(url: str) -> str:
    """Why an officer's phone cannot open ``url`` ("" when nothing stands out)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "") or host.endswith(".localhost"):
        return f"it points at {host or 'no host'}, this machine"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ""  # a name: resolved on the phone's network
    if address.is_loopback or address.is_unspecified or address.is_link_local:
        return f"it points at {host}, this machine"
    return ""


def officer_link(public_url: str, media_base: str, token: str) -> OfficerLink:
    """The hand-off's link: under the published address when there is one."""
    base = (public_url or media_base).rstrip("/")
    url = f"{base}/h/{token}"
    why = phones_cannot_reach(url)
    warning = (
        f"An officer's phone cannot open this link: {why}. Publish the page and set {SETTING} "
        "(manual: Hand-off to responding officers); until then deliver the file."
        if why else ""
    )  # fmt: skip
    return OfficerLink(url, warning)
