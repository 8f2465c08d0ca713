"""Calls from a dispatch system (CAD): how a feed's JSON maps to an incident, and how a feed
proves a call is its own.

A feed is described by a mapping file (JSON): a dot path per field of the call in the feed's own
documents (``incidentComponent[0].incidentTrackingIdentifier``), the statuses that mean closed,
the time zone of times without one, and a CSV mapping the agency's call-type codes to the
console's categories. ``resources/dispatch/`` ships mappings for NENA's Emergency Incident Data
Object (EIDO, JSON) and for a plain generic format, each with a sample.

Nothing in a document is run or interpreted beyond these paths: values are read as strings or
numbers, checked, and rejected with the field and the reason.

Over HTTP, a call carries ``X-RTCC-Timestamp`` (Unix seconds) and ``X-RTCC-Signature``
(``sha256=`` and the hex HMAC-SHA256, with the feed's secret, of the time stamp, a full stop and
the body). A time stamp more than five minutes off is refused, and so is a body seen before.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_BODY_BYTES = 256 * 1024
MAX_SKEW_S = 300
MAX_DEPTH = 32  # nesting of objects and arrays in a call; a CAD's deepest is well under 10
# A call number goes into captions, file names, reports and logs: a CAD's numbers are letters,
# digits and a few separators.
NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:/#-]{0,63}")
FIELDS = ("number", "type", "priority", "reported_at", "latitude", "longitude", "position", "address",
          "notes", "status")  # fmt: skip
FEED_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class CallRefused(ValueError):
    """A call that changes nothing, with why (for the feed's log and the sender)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class CallType:
    code: str
    category: str
    label: str


@dataclass(frozen=True)
class FeedMapping:
    name: str
    paths: dict[str, str]
    closed_statuses: frozenset[str]
    call_types: dict[str, CallType]
    time_zone: str
    radius_m: float = 300.0
    source: Path | None = field(default=None, compare=False)


@dataclass(frozen=True)
class DispatchCall:
    """One call event, read and checked: what the intake creates or updates an incident from."""

    feed: str
    number: str
    call_type: CallType
    priority: int | None
    reported_at: datetime
    latitude: float | None
    longitude: float | None
    address: str
    notes: str
    closed: bool


# -- mapping files ---------------------------------------------------------------------------------
def load_mapping(path: Path) -> FeedMapping:
    """Read a feed's mapping file; every problem names the file and the key."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable JSON mapping ({exc})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: a mapping is a JSON object")
    name = str(doc.get("feed", ""))
    if not FEED_NAME.match(name):
        raise ValueError(f"{path}: 'feed' must be a short name of lower-case letters, digits, - and _")
    paths = doc.get("fields")
    if not isinstance(paths, dict) or not all(isinstance(v, str) for v in paths.values()):
        raise ValueError(f"{path}: 'fields' must map field names to paths (strings)")
    unknown = sorted(set(paths) - set(FIELDS))
    if unknown:
        raise ValueError(f"{path}: unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    for needed in ("number", "type"):
        if needed not in paths:
            raise ValueError(f"{path}: 'fields' needs a path for '{needed}'")
    if not ({"latitude", "longitude"} <= set(paths) or "position" in paths or "address" in paths):
        raise ValueError(f"{path}: 'fields' needs latitude and longitude, a position, or an address")
    zone = str(doc.get("time_zone", "UTC"))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{path}: 'time_zone' {zone!r} is not a known zone") from None
    types_file = path.parent / str(doc.get("call_types", ""))
    if not doc.get("call_types") or not types_file.is_file():
        raise ValueError(f"{path}: 'call_types' must name a CSV file beside it ({types_file} not found)")
    radius = float(doc.get("radius_m", 300.0))
    if not 1 <= radius <= 5000:
        raise ValueError(f"{path}: 'radius_m' must be between 1 and 5000")
    closed = frozenset(str(status).strip().lower() for status in doc.get("closed_statuses", []))
    return FeedMapping(name, dict(paths), closed, load_call_types(types_file), zone, radius, path)


def load_call_types(path: Path) -> dict[str, CallType]:
    """``code,category,label`` rows (a header row first)."""
    types: dict[str, CallType] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):
            code, category = (row.get("code") or "").strip(), (row.get("category") or "").strip()
            if not code or not category:
                raise ValueError(f"{path} line {n}: every row needs a code and a category")
            if code in types:
                raise ValueError(f"{path} line {n}: code {code!r} appears twice")
            types[code] = CallType(code, category, (row.get("label") or "").strip() or code)
    if not types:
        raise ValueError(f"{path}: no call types")
    return types


def load_feeds(folder: Path) -> dict[str, FeedMapping]:
    """Every ``*.mapping.json`` in the folder, by feed name."""
    feeds: dict[str, FeedMapping] = {}
    for path in sorted(folder.glob("*.mapping.json")) if folder.is_dir() else []:
        mapping = load_mapping(path)
        if mapping.name in feeds:
            raise ValueError(
                f"{path}: feed {mapping.name!r} is already defined by {feeds[mapping.name].source}"
            )
        feeds[mapping.name] = mapping
    return feeds


# -- reading a call ----------------------------------------------------------------------------------
def value_at(doc: Any, path: str) -> Any:
    """The value at a dot path (``a.b[0].c``; keys may hold ':'), or None where it is absent."""
    node = doc
    for key, index in _STEP.findall(path):
        if key:
            node = node.get(key) if isinstance(node, dict) else None
        else:
            position = int(index)
            node = node[position] if isinstance(node, list) and position < len(node) else None
        if node is None:
            return None
    return node


def _text(doc: Any, mapping: FeedMapping, name: str, limit: int) -> str:
    path = mapping.paths.get(name)
    if not path:
        return ""
    value = value_at(doc, path)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CallRefused(f"{name} ({path}): expected text, found {type(value).__name__}")
    text = str(value).strip()
    if len(text) > limit:
        raise CallRefused(f"{name} ({path}): longer than {limit} characters")
    bad = unprintable(text, allow_newlines=name == "notes")
    if bad:
        raise CallRefused(f"{name} ({path}): {bad}; only printable characters are accepted")
    return text


def unprintable(text: str, allow_newlines: bool = False) -> str:
    """The first character that is not plain printable text, described, or "".

    Control characters (NUL, newline, escape), the bidirectional overrides that make text read
    differently than it is stored, zero-width characters and unassigned code points would all
    flow into captions, reports and logs unseen."""
    for position, char in enumerate(text, start=1):
        if allow_newlines and char in "\n\t":
            continue
        category = unicodedata.category(char)
        if category[0] == "C" or category in ("Zl", "Zp"):  # Cc, Cf, Cs, Co, Cn; line separators
            name = unicodedata.name(char, "unassigned")
            return f"character {position} is U+{ord(char):04X} ({name.lower()})"
    return ""


def nesting_depth(body: bytes) -> int:
    """How deeply the JSON in ``body`` nests, counted before it is parsed (a deep body made the
    parser recurse until it failed, and the failure read as an outage)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _number(doc: Any, mapping: FeedMapping, name: str) -> float | None:
    text = _text(doc, mapping, name, 40)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise CallRefused(f"{name} ({mapping.paths[name]}): {text!r} is not a number") from None
    if not math.isfinite(value):
        raise CallRefused(f"{name} ({mapping.paths[name]}): {text!r} is not a number")
    return value


def read_call(body: bytes, mapping: FeedMapping, now: datetime | None = None) -> DispatchCall:
    """The call in ``body``, checked field by field; :class:`CallRefused` names what is wrong."""
    if len(body) > MAX_BODY_BYTES:
        raise CallRefused(f"the call is {len(body)} bytes; at most {MAX_BODY_BYTES} are accepted", 413)
    if nesting_depth(body) > MAX_DEPTH:
        raise CallRefused(f"the body nests more than {MAX_DEPTH} levels of objects and arrays")
    try:
        doc = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CallRefused(f"the body is not JSON in UTF-8 ({exc})") from None
    if not isinstance(doc, dict):
        raise CallRefused("the body must be a JSON object")
    number = _text(doc, mapping, "number", 64)
    if not number:
        raise CallRefused(f"number ({mapping.paths['number']}): missing; every call needs its CAD number")
    if not NUMBER.fullmatch(number):
        raise CallRefused(f"number ({mapping.paths['number']}): {number!r} is not a call number (letters, "
                          "digits, space and . _ : / # - only)")  # fmt: skip
    code = _text(doc, mapping, "type", 100)
    call_type = mapping.call_types.get(code)
    if call_type is None:
        raise CallRefused(f"type ({mapping.paths['type']}): {code!r} is not a call type of feed "
                          f"{mapping.name} (add it to {mapping.name}'s call-type list)", 422)  # fmt: skip
    priority_value = _number(doc, mapping, "priority")
    if priority_value is not None and (priority_value != int(priority_value) or not 0 <= priority_value <= 9):
        raise CallRefused(f"priority ({mapping.paths['priority']}): {priority_value} is not 0-9")
    latitude, longitude = _number(doc, mapping, "latitude"), _number(doc, mapping, "longitude")
    position = _text(doc, mapping, "position", 100)
    if position and latitude is None:
        parts = position.replace(",", " ").split()
        try:
            latitude, longitude = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            raise CallRefused(
                f"position ({mapping.paths['position']}): {position!r} is not 'latitude longitude'"
            ) from None
    if (latitude is None) != (longitude is None):
        raise CallRefused("location: a latitude needs its longitude")
    if (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise CallRefused(f"location: {latitude}, {longitude} is not a place on Earth", 422)
    address = _text(doc, mapping, "address", 300)
    if latitude is None and not address:
        raise CallRefused("location: neither coordinates nor an address")
    status = _text(doc, mapping, "status", 60).lower()
    priority = None if priority_value is None else int(priority_value)
    reported_at = _time(doc, mapping, now or datetime.now(UTC))
    return DispatchCall(mapping.name, number, call_type, priority, reported_at,
                        latitude, longitude, address, _text(doc, mapping, "notes", 4000),
                        status in mapping.closed_statuses)  # fmt: skip


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _time(doc: Any, mapping: FeedMapping, now: datetime) -> datetime:
    text = _text(doc, mapping, "reported_at", 60)
    if not text:
        return now
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CallRefused(
            f"reported_at ({mapping.paths['reported_at']}): {text!r} is not an ISO 8601 time"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(mapping.time_zone))
    return when.astimezone(UTC)


# -- signatures ------------------------------------------------------------------------------------
def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def check_signature(secret: bytes, timestamp: str, signature: str, body: bytes, now: float) -> str:
    """Refuse a call not signed with the feed's secret or signed too long ago; returns the digest
    the replay check keeps."""
    try:
        sent = int(timestamp)
    except ValueError:
        raise CallRefused("X-RTCC-Timestamp: missing or not Unix seconds", 401) from None
    if abs(now - sent) > MAX_SKEW_S:
        raise CallRefused(f"X-RTCC-Timestamp: {abs(now - sent):.0f} s from this server's clock "
                          f"(at most {MAX_SKEW_S} s); check both clocks", 401)  # fmt: skip
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature.strip()):
        raise CallRefused("X-RTCC-Signature: does not match this feed's secret and the body", 401)
    return hashlib.sha256(timestamp.encode() + b"." + body).hexdigest()
