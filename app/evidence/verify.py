"""Verifying a case package: hashes, missing and extra files, custody chain, signature.

The verdict is one of ``valid`` (exit 0), ``tampered`` (exit 1) or ``incomplete`` (exit 2: an
unfinished export, missing files, or a package that cannot be read). A package is untrusted
input: a zip is checked entry by entry before anything is extracted (no absolute paths, ``..``,
symlinks or device files; bounded counts and sizes), a folder is walked without following links,
and the manifest is schema-checked after its signature.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import av

from app.evidence.package_format import (
    CUSTODY,
    INCOMPLETE,
    MANIFEST,
    MAX_CUSTODY_LINE,
    MAX_FILES,
    MAX_MANIFEST_BYTES,
    MAX_PACKAGE_BYTES,
    PUBLIC_KEY,
    SIGNATURE,
    SUMS,
    FormatError,
    check_relative_path,
    is_sha256,
    validate_manifest,
)
from app.evidence.signing import SigningError, legacy_fingerprint, load_public_pem
from app.governance.custody import EventFields, event_hash, sha256_file
from app.governance.keys import fingerprint, signature_valid
from app.native_memory import then_release_freed_memory

VALID, TAMPERED, INCOMPLETE_VERDICT = "valid", "tampered", "incomplete"
# Every file is as signed, but the times the package states are not backed by what it holds: a
# working copy longer or shorter than its stated span, or an original placed by a camera clock
# its own packets' arrival contradicts (packages recorded before the recorder compared clocks).
CONTRADICTED = "contradicted"
EXIT_CODES = {VALID: 0, TAMPERED: 1, INCOMPLETE_VERDICT: 2, CONTRADICTED: 1}
# A camera clock whose packets arrived further than this from it did not place its segments
# well enough to be believed (the recorder's default limit, app.video.clock_watch).
MAX_CLOCK_OFFSET_MS = 2000.0
CAMERA_CLOCK_TEXT = re.compile(r"clock: camera RTCP \(packets arrive ([+-]?\d+(?:\.\d+)?) ms after")


class UnsafePackage(ValueError):
    """A package whose layout could escape its folder (zip-slip, links, devices)."""


@dataclass
class Verdict:
    status: str = VALID
    problems: list[str] = field(default_factory=list)
    case_number: str = ""
    files: int = 0
    bytes: int = 0
    fingerprint: str = ""
    manifest: dict[str, Any] | None = None

    def fail(self, status: str, problem: str) -> None:
        # Tampering outranks incompleteness: a package with a wrong hash is never "just unfinished".
        if status == TAMPERED or self.status == VALID:
            self.status = status
        self.problems.append(problem)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def summary(self) -> str:
        head = {
            VALID: "VALID: every file matches its hash, the custody chain is whole, the manifest is signed",
            TAMPERED: "TAMPERED: the package differs from what was signed",
            INCOMPLETE_VERDICT: "INCOMPLETE: the package is unfinished or unreadable",
            CONTRADICTED: "CONTRADICTED: every file is as signed, but the times it states are not backed "
            "by what it holds",
        }[self.status]
        lines = [head]
        if self.case_number:
            lines.append(f"case {self.case_number}: {self.files} files, {self.bytes:,} bytes")
        if self.fingerprint:
            lines.append(f"signed by key {self.fingerprint}")
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


UNIX_ZIP = 3  # ZipInfo.create_system of zips made on Unix: the high external bits are a st_mode


def check_zip(archive: zipfile.ZipFile) -> None:
    """Refuse a zip that could write outside its folder or hold anything but files and folders;
    every refusal names the entry and the rule it broke."""
    infos = archive.infolist()
    if len(infos) > MAX_FILES:
        raise UnsafePackage(f"the zip holds {len(infos)} entries; at most {MAX_FILES}")
    total = 0
    seen: set[str] = set()
    for info in infos:
        raw = info.orig_filename
        if raw != info.filename and "\0" in raw:
            # zipfile cuts a name at a NUL: "report.html\0/../x" would read as "report.html".
            raise UnsafePackage(f"zip entry {raw!r} has a NUL byte in its name")
        # Classified by what the entry is: only a zip made on Unix carries a file type, and one
        # written with permission bits alone (Python's writestr) is a plain file, not a device.
        kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == UNIX_ZIP else 0
        if kind == stat.S_IFLNK:
            raise UnsafePackage(
                f"zip entry {raw!r} is a symbolic link (a link could point outside the package)"
            )
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UnsafePackage(f"zip entry {raw!r} is a device or special file")
        name = info.filename.rstrip("/") if info.is_dir() else info.filename
        try:
            check_relative_path(name, "zip entry")
        except FormatError as exc:
            raise UnsafePackage(str(exc)) from None
        if name in seen:
            raise UnsafePackage(f"zip entry {raw!r} appears twice (which one is the evidence?)")
        seen.add(name)
        total += info.file_size
        if total > MAX_PACKAGE_BYTES:
            raise UnsafePackage("the zip claims more than 4 TiB of content")


class ZipContentChanged(Exception):
    """An entry's content does not match the CRC-32 the zip recorded for it."""


def extract_zip(path: Path, into: Path) -> Path:
    """Extract a checked zip into ``into``; returns the package folder inside it."""
    with zipfile.ZipFile(path) as archive:
        check_zip(archive)
        for info in archive.infolist():
            target = into / info.filename
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, target.open("xb") as dst:
                written = 0
                try:
                    while block := src.read(1 << 20):
                        written += len(block)
                        if written > info.file_size:
                            raise UnsafePackage(f"zip entry {info.filename!r} is larger than it claims")
                        dst.write(block)
                except zipfile.BadZipFile as exc:
                    if "CRC" in str(exc):
                        raise ZipContentChanged(
                            f"zip entry {info.filename!r} does not match the CRC-32 recorded for it: "
                            "its content was changed"
                        ) from None
                    raise
    tops = [p for p in into.iterdir()]
    if len(tops) == 1 and tops[0].is_dir() and not (into / MANIFEST).exists():
        return tops[0]
    return into


def list_files(root: Path) -> dict[str, Path]:
    """Every regular file under ``root`` by its package path; links and devices are refused."""
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            mode = full.lstat().st_mode
            rel = full.relative_to(root).as_posix()
            if stat.S_ISLNK(mode):
                raise UnsafePackage(f"{rel} is a symbolic link")
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise UnsafePackage(f"{rel} is a device or special file")
            if stat.S_ISREG(mode):
                found[rel] = full
                if len(found) > MAX_FILES:
                    raise UnsafePackage(f"more than {MAX_FILES} files")
    return found


def _check_custody(verdict: Verdict, path: Path, manifest: dict[str, Any]) -> None:
    heads: dict[int, str] = {}
    try:
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, 1):
                if len(raw) > MAX_CUSTODY_LINE:
                    verdict.fail(TAMPERED, f"{CUSTODY} line {number}: longer than {MAX_CUSTODY_LINE} bytes")
                    return
                ev = json.loads(raw)
                fields = EventFields(
                    int(ev["item"]),
                    parse_utc(ev["at"]),
                    str(ev["user"]),
                    str(ev["workstation"]),
                    str(ev["action"]),
                    str(ev["reason"]),
                    str(ev["item_sha256"]),
                )
                prev = heads.get(fields.item_id, "")
                if ev["prev"] != prev or ev["hash"] != event_hash(fields, prev):
                    verdict.fail(
                        TAMPERED,
                        f"{CUSTODY} line {number}: breaks the custody chain of item {fields.item_id}",
                    )
                    return
                heads[fields.item_id] = ev["hash"]
    except (ValueError, KeyError, TypeError) as exc:
        verdict.fail(TAMPERED, f"{CUSTODY}: unreadable event ({exc})")
        return
    for entry in manifest["files"]:
        item, head = entry.get("item"), entry.get("custody_head")
        if item is None:
            continue
        if heads.get(int(item)) != head:
            verdict.fail(
                TAMPERED,
                f"{CUSTODY}: the custody trail of {entry['path']} does not end where the manifest says",
            )


def parse_utc(text: str) -> datetime:
    """A package's ISO 8601 UTC time (with a Z)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _check_times(verdict: Verdict, files: dict[str, Path], manifest: dict[str, Any]) -> None:
    """The times the package states against what it holds: each working copy's span against its
    window's stated start and end, and each original's recorded clock against its arrival."""
    for window in manifest.get("windows", []):
        rel = window.get("working_copy")
        if rel not in files:
            continue
        try:
            stated = (parse_utc(window["actual_end"]) - parse_utc(window["actual_start"])).total_seconds()
            held, frames = media_span(files[rel])
        except (KeyError, ValueError, TypeError, av.error.FFmpegError, OSError) as exc:
            verdict.fail(CONTRADICTED, f"{rel}: its span cannot be read ({exc})")
            continue
        step = held / (frames - 1) if frames > 1 else 0.0
        if abs(held - stated) > 2 * step + 0.01 * stated + 0.01:
            verdict.fail(
                CONTRADICTED,
                f"{rel}: holds {held:.2f} s of video where the manifest states {stated:.2f} s "
                f"({window['actual_start']} to {window['actual_end']})",
            )
    if CUSTODY not in files:
        return
    with files[CUSTODY].open("rb") as fh:
        for raw in fh:
            ev = json.loads(raw)
            if ev.get("action") != "recorded":
                continue
            found = CAMERA_CLOCK_TEXT.search(str(ev.get("reason", "")))
            if found and abs(float(found.group(1))) > MAX_CLOCK_OFFSET_MS:
                verdict.fail(
                    CONTRADICTED,
                    f"{ev['file']}: placed by the camera's clock, but its packets arrived "
                    f"{float(found.group(1)) / 1000:+.1f} s from the times it claims: its stated times "
                    "are not backed by its arrival",
                )


def media_span(path: Path) -> tuple[float, int]:
    """Seconds from a video file's first frame to its last, and its frame count (demux only)."""
    first: float | None = None
    last = 0.0
    frames = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            at = float(packet.pts * packet.time_base)
            first = at if first is None else min(first, at)
            last = max(last, at)
            frames += 1
    return (last - first if first is not None else 0.0), frames


def verify_folder(root: Path, trusted: set[str] | None = None, ignore_marker: bool = False) -> Verdict:
    """Check a package folder in phases, each adding its findings to the verdict; a phase whose
    failure leaves nothing to check against (no readable listing, no trusted signed manifest)
    ends the check there."""
    verdict = Verdict()
    files = _list_package(verdict, root)
    if files is None or not _required_present(verdict, files, ignore_marker):
        return verdict
    data = files[MANIFEST].read_bytes()
    manifest = _signed_manifest(verdict, files, data, trusted)
    if manifest is None:
        return verdict
    listed = _check_file_set(verdict, files, manifest, ignore_marker)
    _check_contents(verdict, files, listed)
    if SUMS in files:
        sealed = {MANIFEST: hashlib.sha256(data).hexdigest(), SIGNATURE: sha256_file(files[SIGNATURE])}
        _check_sums(verdict, files[SUMS], listed, sealed)
    if CUSTODY in files and CUSTODY in listed:
        _check_custody(verdict, files[CUSTODY], manifest)
    if verdict.status == VALID:  # the times are worth checking only in a package as signed
        _check_times(verdict, files, manifest)
    return verdict


def _list_package(verdict: Verdict, root: Path) -> dict[str, Path] | None:
    """Every regular file under the root, or None (and why) where the folder is unsafe or unreadable."""
    try:
        return list_files(root)
    except UnsafePackage as exc:
        verdict.fail(TAMPERED, f"unsafe package: {exc}")
    except OSError as exc:
        verdict.fail(INCOMPLETE_VERDICT, f"cannot read {root}: {exc.strerror or exc}")
    return None


def _required_present(verdict: Verdict, files: dict[str, Path], ignore_marker: bool) -> bool:
    """The export's unfinished marker and the files every package has; False when there is no
    signed manifest to check the rest against."""
    if INCOMPLETE in files and not ignore_marker:
        reason = files[INCOMPLETE].read_text(encoding="utf-8", errors="replace")[:500].strip()
        verdict.fail(INCOMPLETE_VERDICT, f"the export did not finish: {reason or 'no reason recorded'}")
    for required in (MANIFEST, SIGNATURE, PUBLIC_KEY, SUMS):
        if required not in files:
            verdict.fail(INCOMPLETE_VERDICT, f"{required} is missing")
    if MANIFEST not in files or SIGNATURE not in files or PUBLIC_KEY not in files:
        return False
    if files[MANIFEST].stat().st_size > MAX_MANIFEST_BYTES:
        verdict.fail(TAMPERED, f"{MANIFEST} is larger than {MAX_MANIFEST_BYTES} bytes")
        return False
    return True


def _signed_manifest(
    verdict: Verdict, files: dict[str, Path], data: bytes, trusted: set[str] | None
) -> dict[str, Any] | None:
    """The manifest, once its signature holds under the package's key (and that key is trusted,
    when a list of trusted keys is given); None when it cannot be relied on."""
    try:
        public = load_public_pem(files[PUBLIC_KEY].read_bytes()[:4096])
    except SigningError as exc:
        verdict.fail(TAMPERED, f"{PUBLIC_KEY}: {exc}")
        return None
    verdict.fingerprint = fingerprint(public)
    if not signature_valid(data, files[SIGNATURE].read_bytes()[:1024], public):
        verdict.fail(
            TAMPERED, f"{SIGNATURE}: the manifest's signature does not match (manifest edited or re-signed)"
        )
        return None
    older = legacy_fingerprint(public)  # packages before the DER fingerprint named the raw key
    if trusted is not None and not {verdict.fingerprint, older} & trusted:
        verdict.fail(TAMPERED, f"signed by key {verdict.fingerprint}, which is not one of the trusted keys")
    try:
        manifest = validate_manifest(json.loads(data))
    except (ValueError, FormatError) as exc:
        verdict.fail(INCOMPLETE_VERDICT, f"{MANIFEST}: {exc}")
        return None
    verdict.manifest = manifest
    verdict.case_number = manifest["case"]["number"]
    if manifest["signing_key"]["fingerprint"] not in (verdict.fingerprint, older):
        verdict.fail(TAMPERED, f"{PUBLIC_KEY} is not the key the manifest names")
    return manifest


def _check_file_set(
    verdict: Verdict, files: dict[str, Path], manifest: dict[str, Any], ignore_marker: bool
) -> dict[str, dict[str, Any]]:
    """Files added after signing (tampering) and files missing (incomplete); the manifest's
    entries by path."""
    listed = {e["path"]: e for e in manifest["files"]}
    verdict.files = len(listed)
    verdict.bytes = sum(e["size"] for e in listed.values())
    allowed = set(listed) | {MANIFEST, SIGNATURE, SUMS} | ({INCOMPLETE} if ignore_marker else set())
    for extra in sorted(set(files) - allowed - {INCOMPLETE}):
        verdict.fail(TAMPERED, f"{extra}: not part of the package (added after signing)")
    for missing in sorted(set(listed) - set(files)):
        verdict.fail(INCOMPLETE_VERDICT, f"{missing}: missing")
    return listed


def _check_contents(verdict: Verdict, files: dict[str, Path], listed: dict[str, dict[str, Any]]) -> None:
    """Each present file's size and SHA-256 against the manifest, hashed on all cores."""

    def check(entry: dict[str, Any]) -> str | None:
        path = files[entry["path"]]
        try:
            if path.stat().st_size != entry["size"]:
                return f"{entry['path']}: {path.stat().st_size:,} bytes, manifest says {entry['size']:,}"
            if sha256_file(path) != entry["sha256"]:
                return f"{entry['path']}: content differs from its SHA-256 in the manifest"
        except OSError as exc:
            return f"{entry['path']}: cannot be read ({exc.strerror or exc})"
        return None

    present = [e for p, e in listed.items() if p in files]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        for problem in pool.map(check, present):
            if problem:
                verdict.fail(INCOMPLETE_VERDICT if "cannot be read" in problem else TAMPERED, problem)


def _check_sums(
    verdict: Verdict, path: Path, listed: dict[str, dict[str, Any]], sealed: dict[str, str]
) -> None:
    expected = {p: e["sha256"] for p, e in listed.items()}
    seen: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or not is_sha256(digest):
            verdict.fail(TAMPERED, f"{SUMS} line {number}: not '<sha256>  <path>'")
            return
        seen[name] = digest
    expected.update(sealed)
    if seen != expected:
        verdict.fail(TAMPERED, f"{SUMS} does not list exactly the manifest's files and hashes")


@then_release_freed_memory
def verify_package(path: Path, trusted: set[str] | None = None) -> Verdict:
    """Verify a package folder or zip."""
    if not path.exists():
        verdict = Verdict()
        verdict.fail(INCOMPLETE_VERDICT, f"{path} does not exist")
        return verdict
    if path.is_file():
        if not zipfile.is_zipfile(path):
            verdict = Verdict()
            verdict.fail(INCOMPLETE_VERDICT, f"{path.name} is neither a package folder nor a zip")
            return verdict
        with tempfile.TemporaryDirectory(prefix="rtcc-verify-") as tmp:
            try:
                root = extract_zip(path, Path(tmp))
            except UnsafePackage as exc:
                verdict = Verdict()
                verdict.fail(TAMPERED, f"unsafe zip refused: {exc}")
                return verdict
            except ZipContentChanged as exc:
                verdict = Verdict()  # a content mismatch is tampering wherever it is found
                verdict.fail(TAMPERED, str(exc))
                return verdict
            except (zipfile.BadZipFile, OSError) as exc:
                verdict = Verdict()
                verdict.fail(INCOMPLETE_VERDICT, f"the zip cannot be read: {exc}")
                return verdict
            return verify_folder(root, trusted)
    return verify_folder(path, trusted)
