"""The case package format (version 1): file names, limits, and the manifest's schema.

Documented for people in ``docs/case-package-format.md``; this module is what the code checks. A
package is untrusted input, so every path in it is checked to stay inside the package and every
size and count is bounded before anything is read.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

FORMAT = "rtcc-case-package"
FORMAT_VERSION = 1

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
PUBLIC_KEY = "signing-key.pub"
SUMS = "SHA256SUMS"
CUSTODY = "custody.jsonl"
REPORT = "report.html"
VERIFY_TEXT = "VERIFY.txt"  # how to check the package with sha256sum and OpenSSL, in plain text
INCOMPLETE = "INCOMPLETE"
# Files that the manifest cannot list because they are made from it.
SEALING_FILES = frozenset({MANIFEST, SIGNATURE, SUMS})

MAX_FILES = 100_000
MAX_MANIFEST_BYTES = 64 << 20
MAX_CUSTODY_LINE = 64 << 10
MAX_PACKAGE_BYTES = 4 << 40  # 4 TiB: beyond any case, small enough to catch a zip bomb's claims

_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_SAFE_PART = re.compile(r"[A-Za-z0-9._@+-][A-Za-z0-9 ._@+-]{0,199}\Z")


class FormatError(ValueError):
    """The package does not follow the format; the message names what and where."""


def check_relative_path(name: str, where: str) -> PurePosixPath:
    """A path inside the package: relative, POSIX, no ``..``, no drive, no odd characters."""
    if not isinstance(name, str) or not name:
        raise FormatError(f"{where}: empty or non-text path")
    if "\\" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        raise FormatError(f"{where}: {name!r} is not a relative POSIX path inside the package")
    path = PurePosixPath(name)
    for part in name.split("/"):  # not path.parts: it silently drops "." and empty parts
        if part in (".", "..") or not _SAFE_PART.match(part):
            raise FormatError(f"{where}: {name!r} has a forbidden path part {part!r}")
    if len(path.parts) > 8:
        raise FormatError(f"{where}: {name!r} is nested too deeply")
    return path


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX64.match(value))


def _require(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise FormatError(f"{where}: missing {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FormatError(
            f"{where}.{key}: expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}"
        )
    return value


def validate_manifest(doc: object) -> dict[str, Any]:
    """Check the manifest's structure; returns it, or raises :class:`FormatError`."""
    if not isinstance(doc, dict):
        raise FormatError("manifest: not a JSON object")
    if doc.get("format") != FORMAT:
        raise FormatError(f"manifest: format is {doc.get('format')!r}, not {FORMAT!r}")
    version = _require(doc, "format_version", int, "manifest")
    if version != FORMAT_VERSION:
        raise FormatError(
            f"manifest: format version {version} is not supported (this software reads {FORMAT_VERSION})"
        )
    _require(doc, "package_id", str, "manifest")
    _require(doc, "created_at", str, "manifest")
    case = _require(doc, "case", dict, "manifest")
    _require(case, "number", str, "manifest.case")
    for key in ("incidents", "cameras", "windows", "bookmarks"):
        _require(doc, key, list, "manifest")
    key = _require(doc, "signing_key", dict, "manifest")
    _require(key, "fingerprint", str, "manifest.signing_key")
    files = _require(doc, "files", list, "manifest")
    if len(files) > MAX_FILES:
        raise FormatError(f"manifest: {len(files)} files listed; at most {MAX_FILES}")
    seen: set[str] = set()
    for i, entry in enumerate(files):
        where = f"manifest.files[{i}]"
        if not isinstance(entry, dict):
            raise FormatError(f"{where}: not an object")
        path = _require(entry, "path", str, where)
        check_relative_path(path, where)
        if path in SEALING_FILES or path == INCOMPLETE:
            raise FormatError(f"{where}: {path} cannot be listed")
        if path in seen:
            raise FormatError(f"{where}: {path} is listed twice")
        seen.add(path)
        if not is_sha256(entry.get("sha256")):
            raise FormatError(f"{where}: sha256 is not 64 lowercase hex digits")
        size = _require(entry, "size", int, where)
        if not 0 <= size <= MAX_PACKAGE_BYTES:
            raise FormatError(f"{where}: size {size} out of range")
        _require(entry, "kind", str, where)
    for i, cam in enumerate(doc["cameras"]):
        where = f"manifest.cameras[{i}]"
        if not isinstance(cam, dict):
            raise FormatError(f"{where}: not an object")
        _require(cam, "name", str, where)
        for coord in ("latitude", "longitude"):
            value = _require(cam, coord, (int, float), where)
            if not -180 <= value <= 180:
                raise FormatError(f"{where}.{coord}: {value} out of range")
    return doc
