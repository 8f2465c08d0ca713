"""Checking stream URLs before they reach the database or libVLC.

A camera URL ends up as a libVLC MRL. libVLC reads ``:option`` and ``--option`` words, so a URL
with whitespace or an option-looking part could smuggle player options (``:sout=...`` writes
files anywhere). Such URLs are refused outright, never "cleaned".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

ALLOWED_SCHEMES = ("rtsp", "rtsps", "http", "https")


class UrlError(ValueError):
    pass


@dataclass(frozen=True)
class SplitUrl:
    """A URL with its ``user:password@`` part taken out."""

    url: str
    username: str | None
    password: str | None

    @property
    def has_credentials(self) -> bool:
        return self.username is not None


def check_stream_url(raw: str) -> SplitUrl:
    """Validate ``raw`` and return it without credentials. Raises :class:`UrlError`."""
    url = raw.strip()
    if not url:
        raise UrlError("is empty")
    if any(ch.isspace() for ch in url) or any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UrlError("contains spaces or control characters (libVLC would read them as options)")
    if url.startswith((":", "-")):
        raise UrlError("starts with ':' or '-', which libVLC reads as an option")
    decoded = unquote(url)
    if any(unicodedata.category(ch) == "Cf" for ch in url + decoded):
        # Right-to-left overrides and zero-width characters make a URL read otherwise than it is.
        raise UrlError("contains invisible or direction-changing characters (e.g. U+202E)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in decoded):
        raise UrlError("carries an encoded control character such as a line break (%0A)")
    if re.search(r"\s[:-]", decoded):
        raise UrlError("carries an encoded libVLC option")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlError(f"is not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = scheme or "none"
        raise UrlError(f"has scheme '{shown}'; only {', '.join(ALLOWED_SCHEMES)} are allowed")
    if not parts.hostname:
        raise UrlError("has no host")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    clean = urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))
    if username is not None and password is None:
        password = ""
    return SplitUrl(clean, username, password)


def redact(text: str) -> str:
    """Hide any ``user:password@`` in free text (log lines, error messages)."""
    return re.sub(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@", r"\1***@", text)
