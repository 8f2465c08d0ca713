"""Exporting a case as a package to a USB drive or a network share, verified after write.

The package is written straight onto the target under ``<name>.partial`` with an ``INCOMPLETE``
marker: originals are read once from the recordings, hashed while copied (several files at a
time), and compared with the hash recorded when the segment closed, so a segment altered on disk
is refused rather than exported. Working copies and stills are cut from the originals. Then
custody, report, manifest, signature and ``SHA256SUMS`` are written, every file is fsynced, its
cached pages are dropped (``posix_fadvise(DONTNEED)``) and the whole package is verified by
reading it back from the device. Only then is the marker removed and the folder renamed to its
final name. Any failure (device pulled, disk full, permission, cancel) leaves ``<name>.partial``
with the marker saying why; such a package never verifies as valid, and the source never changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import av
import cv2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.evidence.cases import overlapping_segments
from app.evidence.media_cut import (
    Mask,
    MediaCutError,
    SourceSegment,
    grab_still,
    render_derivative,
    trim_stream_copy,
)
from app.evidence.package_format import (
    CUSTODY,
    FORMAT,
    FORMAT_VERSION,
    INCOMPLETE,
    MANIFEST,
    PUBLIC_KEY,
    REPORT,
    SIGNATURE,
    SUMS,
    VERIFY_TEXT,
)
from app.evidence.report import render_report
from app.evidence.signing import SigningError, agency_key, sign
from app.evidence.verify import CONTRADICTED, MAX_CLOCK_OFFSET_MS, Verdict, verify_folder
from app.governance import audit
from app.governance.custody import append_event, sha256_file
from app.governance.identity import current_user, current_workstation
from app.governance.keys import fingerprint, public_pem
from app.models.db import write_transaction
from app.models.tables import Bookmark, Camera, Case, CaseWindow, CustodyEvent, EvidenceItem, Incident, Owner
from app.native_memory import then_release_freed_memory

CHUNK = 4 << 20


class ExportError(RuntimeError):
    """The export could not be done; the message says what happened and what to do next."""


class ExportCancelled(ExportError):
    pass


@dataclass(frozen=True)
class ExportProgress:
    phase: str
    done: int
    total: int
    rate_bps: float
    eta_s: float | None

    @property
    def left(self) -> str:
        """What is left, as a person reads it: ", about 12 s left", ", finishing" once the
        estimate is used up (the total is estimated; it said "-0 s left"), "" before a rate."""
        if self.eta_s is None:
            return ""
        if self.eta_s < 0.5 or self.done >= self.total:
            return ", finishing"
        return f", about {self.eta_s:.0f} s left"


@dataclass
class ExportOptions:
    zip: bool = False
    exact: bool = False  # re-encode exactly to the marks instead of a stream copy from the keyframe
    watermark: bool = False
    masks: dict[int, list[Mask]] = field(default_factory=dict)  # camera id -> regions to blur
    time_zone: str = "UTC"
    # None: the agency key from the keyring (the normal case); benchmarks pass a throw-away key.
    signing_key: Ed25519PrivateKey | None = None
    # Where the agency key is kept on a machine with no OS keyring (the data folder).
    key_dir: Path | None = None
    # How target files are opened; tests inject a writer that fails like a full or pulled device.
    open_target: Callable[[Path], IO[bytes]] = lambda path: path.open("xb")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    verdict: Verdict
    bytes: int
    seconds: float
    signed_with: str = ""  # where the signing key came from, said to the person exporting


class _Meter:
    """Bytes, rate and ETA across threads, reported at most ten times a second."""

    def __init__(
        self, total: int, report: Callable[[ExportProgress], None] | None, cancel: threading.Event | None
    ) -> None:
        self.total, self.done, self.phase = max(total, 1), 0, "preparing"
        self.report, self.cancel = report, cancel
        self.started = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise ExportCancelled("export cancelled by the operator")

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def add(self, n: int, phase: str | None = None) -> None:
        self.check()
        with self._lock:
            self.done += n
            changed = bool(phase) and phase != self.phase
            if phase:
                self.phase = phase
            now = time.monotonic()
            if self.report is None or (now - self._last < 0.1 and self.done < self.total and not changed):
                return
            self._last = now
            rate = self.done / max(now - self.started, 1e-6)
            eta = max(0, self.total - self.done) / rate if rate > 0 else None
            progress = ExportProgress(self.phase, min(self.done, self.total), self.total, rate, eta)
        self.report(progress)


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _segment(path: Path, item: EvidenceItem) -> SourceSegment:
    assert item.start_at is not None and item.end_at is not None  # every indexed segment has its times
    return SourceSegment(path, item.start_at, item.end_at)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _drop_cache(path: Path) -> None:
    """Forget the cached pages so that verification reads what the device holds."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _safe_name(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "-" for c in text.strip())
    return keep.strip(".-")[:60] or "case"


@dataclass
class _Plan:
    case: Case
    incidents: list[Incident]
    windows: list[tuple[CaseWindow, Camera, Owner, list[EvidenceItem]]]
    bookmarks: list[tuple[Bookmark, list[EvidenceItem]]]

    @property
    def originals(self) -> dict[int, EvidenceItem]:
        return {item.id: item for *_, items in self.windows for item in items}


def _plan(sessions: sessionmaker[Session], case_id: int) -> _Plan:
    with sessions() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise ExportError(f"no case with id {case_id}")
        incidents = list(s.scalars(select(Incident).where(Incident.case_id == case_id).order_by(Incident.id)))
        windows = []
        for w in s.scalars(select(CaseWindow).where(CaseWindow.case_id == case_id).order_by(CaseWindow.id)):
            camera = s.get(Camera, w.camera_id)
            assert camera is not None
            windows.append(
                (w, camera, camera.owner, overlapping_segments(s, w.camera_id, w.start_at, w.end_at))
            )
        bookmarks = [
            (b, overlapping_segments(s, b.camera_id, b.at, b.at))
            for b in s.scalars(select(Bookmark).where(Bookmark.case_id == case_id).order_by(Bookmark.at))
        ]
        s.expunge_all()
    if not windows:
        raise ExportError(
            f"case {case.number} holds no footage yet: add a time window from the scrub view first"
        )
    for w, camera, _owner, items in windows:
        if not items:
            raise ExportError(f"the recording of {camera.name} for window {w.id} no longer exists")
    return _Plan(case, incidents, windows, bookmarks)


def estimate_bytes(sessions: sessionmaker[Session], case_id: int) -> int:
    """Space the package needs: originals, working copies about as large, and the small files."""
    plan = _plan(sessions, case_id)
    originals = sum(item.size_bytes for item in plan.originals.values())
    return originals * 2 + 2 * 1024 * 1024 + len(plan.bookmarks) * 2 * 1024 * 1024


def _copy_hashing(src: Path, dst: Path, meter: _Meter, opener: Callable[[Path], IO[bytes]]) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with src.open("rb", buffering=0) as fin, opener(dst) as fout:
        # One read per chunk serves both the hash and the copy; hashing and writing release the
        # GIL, so the pool's threads overlap them across files.
        while n := fin.readinto(buffer):
            digest.update(view[:n])
            fout.write(view[:n])
            meter.add(n)
        fout.flush()
        os.fsync(fout.fileno())
    return digest.hexdigest()


def _tools() -> dict[str, str]:
    versions = {"python": platform.python_version(), "pyav": av.__version__, "opencv": cv2.__version__}
    for lib, ver in av.library_versions.items():
        versions[f"ffmpeg {lib}"] = ".".join(str(v) for v in ver)
    return versions


@then_release_freed_memory
def export_case(
    sessions: sessionmaker[Session],
    case_id: int,
    recordings: Path,
    target: Path,
    *,
    options: ExportOptions | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Write the case's package into the folder ``target`` and verify it there."""
    options = options or ExportOptions()
    started = time.monotonic()
    if not target.is_dir():
        raise ExportError(f"the target {target} is not a folder (is the drive mounted?)")
    plan = _plan(sessions, case_id)
    _refuse_unbacked_times(plan)
    need = estimate_bytes(sessions, case_id)
    free = shutil.disk_usage(target).free
    if free < need:
        raise ExportError(
            f"not enough space on {target}: the package needs about {need / 1e6:,.0f} MB and "
            f"{free / 1e6:,.0f} MB are free; choose another drive or free some space"
        )
    try:
        held = agency_key(options.key_dir) if options.signing_key is None else None
    except SigningError as exc:
        raise ExportError(f"{exc}; nothing was written") from None
    key = options.signing_key or held.key  # type: ignore[union-attr]
    signed_with = held.where if held is not None else "a key given by the caller"
    stamp = datetime.now(UTC)
    name = f"{_safe_name(plan.case.number)}_{stamp:%Y%m%dT%H%M%SZ}"
    final = target / name
    partial = target / f"{name}.partial"
    meter = _Meter(need, progress, cancel)
    try:
        partial.mkdir()
    except OSError as exc:
        raise ExportError(f"cannot create a folder on {target}: {exc.strerror or exc}") from None
    marker = partial / INCOMPLETE
    marker.write_text("export in progress\n", encoding="utf-8")
    try:
        verdict = _PackageWriter(sessions, plan, recordings, partial, options, meter, key, stamp).write()
    except BaseException as exc:
        reason = str(exc) if isinstance(exc, ExportError) else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, OSError):
            reason = _explain_os_error(exc, target)
        with contextlib.suppress(OSError):
            marker.write_text(f"export failed at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC: {reason}\n")
        _record(sessions, plan, "export failed", f"to {target}: {reason}")
        _audit(sessions, plan, "evidence export failed", f"to {target}: {reason}")
        if isinstance(exc, ExportError):
            raise
        if isinstance(exc, OSError):
            raise ExportError(reason) from exc
        raise
    marker.unlink()
    _fsync_dir(partial)
    partial.rename(final)
    _fsync_dir(target)
    result_path = final
    if options.zip:
        result_path = _zip_package(final, meter)
    _record(sessions, plan, "copied", f"package {name} written to {target} and read back from the device")
    _record(sessions, plan, "verified", f"package {name}: every SHA-256 matches after write")
    _audit(sessions, plan, "evidence exported", f"{result_path} ({len(plan.originals)} original segment(s))")
    return ExportResult(
        result_path,
        verdict,
        sum(p.stat().st_size for p in final.rglob("*") if p.is_file()),
        time.monotonic() - started,
        signed_with,
    )


def _refuse_unbacked_times(plan: _Plan) -> None:
    """A window whose recordings' times their pictures do not back is not exported as if they did:
    a segment placed by a camera clock whose packets arrived seconds away from it was recorded
    before the recorder compared clocks, and its stated times may be minutes off (a package of
    such footage verified, and showed the wrong minute)."""
    for w, camera, _owner, items in plan.windows:
        for item in items:
            offset = item.clock_offset_ms
            if (
                item.clock_source == "camera RTCP"
                and offset is not None
                and abs(offset) > MAX_CLOCK_OFFSET_MS
            ):
                raise ExportError(
                    f"window {w.id} of {camera.name}: segment {item.path} was placed by the camera's clock, "
                    f"but its packets arrived {offset / 1000:+.1f} s from the times it claims, so the times "
                    "it states are not backed by its pictures; nothing was written"
                )


def verify_instructions(key_fingerprint: str) -> str:
    """VERIFY.txt: how someone holding only the package checks it with standard tools."""
    compact = key_fingerprint.replace(" ", "")
    return f"""HOW TO CHECK THIS EVIDENCE PACKAGE WITH STANDARD TOOLS

No RTCC software is needed. Run the commands in this folder.

1. Every file is as it was exported (sha256sum, GNU coreutils):

   sha256sum -c SHA256SUMS

   Every line must end in "OK". SHA256SUMS lists every file of the package, {MANIFEST} and
   {SIGNATURE} included.

2. The manifest is signed by the agency's key (OpenSSL 3):

   openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY} -rawin -in {MANIFEST} -sigfile {SIGNATURE}

   It must print "Signature Verified Successfully". The signed file is {MANIFEST}: it lists
   every file of the package with its size and SHA-256, the case, the cameras and the custody
   heads. The signature is Ed25519 over the bytes of {MANIFEST} as they are.

3. Whose key it is: its fingerprint is the SHA-256 of the public key in DER form.

   openssl pkey -pubin -in {PUBLIC_KEY} -outform DER | sha256sum

   This package's key: {compact}
   ({key_fingerprint})
   Compare it with the fingerprint the agency publishes. A package re-signed by someone else
   has another fingerprint.

4. The chain of custody is in {CUSTODY}, one event per line; each event's "prev" is the
   "hash" of the item's event before it. `rtcc verify PACKAGE` checks the chain, the hashes
   and the signature at once (exit 0 valid, 1 tampered, 2 incomplete).
"""


def _explain_os_error(exc: OSError, target: Path) -> str:
    import errno

    what = {
        errno.ENOSPC: f"the target {target} is full",
        errno.EDQUOT: f"the disk quota on {target} is used up",
        errno.EACCES: f"no permission to write to {target}",
        errno.EPERM: f"no permission to write to {target}",
        errno.EROFS: f"{target} is read-only (write-protected drive?)",
        errno.EIO: f"the device holding {target} reported an I/O error (was it pulled out?)",
        errno.ENODEV: f"the device holding {target} is gone (was it pulled out?)",
        errno.ENOENT: f"the target folder {target} disappeared (was the drive pulled out?)",
    }.get(exc.errno or 0, f"{exc.strerror or exc}")
    return f"{what}; the partial package is marked INCOMPLETE and the recordings are unchanged"


def _record(sessions: sessionmaker[Session], plan: _Plan, action: str, reason: str) -> None:
    with write_transaction(sessions) as s:
        for item_id in plan.originals:
            item = s.get(EvidenceItem, item_id)
            if item is not None:
                append_event(s, item, action, f"case {plan.case.number}: {reason}")


def _audit(sessions: sessionmaker[Session], plan: _Plan, action: str, details: str) -> None:
    """An audit entry for the export, filed under its case (which is also its purpose)."""
    number = plan.case.number
    audit.record(sessions, action, target_type="case", target_id=plan.case.id, purpose=f"case {number}",
                 case_number=number, details=details)  # fmt: skip


class _PackageWriter:
    """Writes one package into ``root`` (the ``.partial`` folder), phase by phase: originals and
    working copies, stills, custody of the derivatives, the small files (custody.jsonl, the key,
    VERIFY.txt, the report), manifest and signature, and finally everything read back from the
    device. ``files`` collects the manifest's entries as each phase writes."""

    def __init__(self, sessions: sessionmaker[Session], plan: _Plan, recordings: Path, root: Path,
                 options: ExportOptions, meter: _Meter, key: Any, stamp: datetime) -> None:  # fmt: skip
        self.sessions, self.plan, self.recordings, self.root = sessions, plan, recordings, root
        self.options, self.meter, self.key, self.stamp = options, meter, key, stamp
        self.files: list[dict[str, Any]] = []
        self.copies: dict[int, str] = {}  # evidence item id -> path of its copy in the package
        self.windows_doc: list[dict[str, Any]] = []
        self.marks_doc: list[dict[str, Any]] = []
        # Derivatives to record: (path, manifest info, source item ids, how it was made).
        self.derived: list[tuple[str, dict[str, Any], list[int], str]] = []
        self.custody: list[dict[str, Any]] = []
        self.watermark = ""
        if options.watermark:
            self.watermark = (
                f"CASE {plan.case.number} | exported by {current_user()} | {current_workstation()}"
            )

    def write(self) -> Verdict:
        self.meter.add(0, "copying originals")
        self.copy_originals_and_cut_working_copies()
        self.grab_stills()
        self.meter.add(0, "recording custody")
        self.record_derivatives_and_export()
        self.write_custody_and_instructions()
        self.write_manifest_and_signature()
        return self.read_back()

    # 1. Originals, bit-exact, several at a time, hashed while copied.
    def copy_original(self, item: EvidenceItem) -> tuple[EvidenceItem, str, str]:
        rel = f"originals/{item.path}"
        src = self.recordings / item.path
        if not src.is_file():
            raise ExportError(f"recorded segment {item.path} is missing from {self.recordings}")
        digest = _copy_hashing(src, self.root / rel, self.meter, self.options.open_target)
        if digest != item.sha256:
            raise ExportError(
                f"recorded segment {item.path} was altered on disk since it was recorded "
                f"(recorded SHA-256 {item.sha256[:12]}…, now {digest[:12]}…); it is not exported"
            )
        return item, rel, digest

    # 2. A working copy per window, cut from the recordings while the originals are copied: the
    # cut needs a core, the copy mostly the disk. A source altered on disk fails the copy's hash
    # check, which aborts the export, so the cut never outlives a bad source.
    def cut_window(self, w: CaseWindow, camera: Camera, items: list[EvidenceItem]
                   ) -> tuple[dict[str, Any], tuple[str, dict[str, Any], list[int], str]]:  # fmt: skip
        root, options, meter, watermark = self.root, self.options, self.meter, self.watermark
        sources = [_segment(self.recordings / i.path, i) for i in items]
        rel = f"working/window{w.id:04d}_{_safe_name(camera.name)}.mp4"
        masks = options.masks.get(camera.id, [])
        # The working copy's share of the estimate (about its sources' size), counted as it is
        # made: a watermarked export re-encodes, and its bar sat at 0 % for 40 s without this.
        share, counted = sum(i.size_bytes for i in items), [0]

        def advanced(fraction: float) -> None:
            target = int(share * min(1.0, max(0.0, fraction)))
            if target > counted[0]:
                meter.add(target - counted[0])
                counted[0] = target

        try:
            if options.exact or watermark or masks:
                cut = render_derivative(
                    sources,
                    w.start_at,
                    w.end_at,
                    root / rel,
                    masks=masks,
                    watermark=watermark,
                    cancelled=meter.cancelled,
                    progress=advanced,
                )
                how = "re-encoded (H.264) exactly to the marks"
                how += ", privacy masks blurred" if masks else ""
                how += ", watermark burned in" if watermark else ""
            else:
                cut = trim_stream_copy(sources, w.start_at, w.end_at, root / rel, cancelled=meter.cancelled)
                how = "stream copy from the keyframe at or before the in mark (not re-encoded)"
        except MediaCutError as exc:
            meter.check()
            raise ExportError(f"working copy of {camera.name}, window {w.id}: {exc}") from None
        meter.check()
        advanced(1.0)
        doc = {
            "id": w.id,
            "camera_id": camera.id,
            "note": w.note,
            "requested_start": _iso(w.start_at),
            "requested_end": _iso(w.end_at),
            "actual_start": _iso(cut.actual_start),
            "actual_end": _iso(cut.actual_end),
            "frames": cut.frames,
            "originals": [f"originals/{i.path}" for i in items],
            "working_copy": rel,
            "derivation": how,
        }
        info = {
            "sha256": sha256_file(root / rel),  # hashed now, while its pages are still cached
            "kind": "working copy",
            "camera_id": camera.id,
            "derivation": how,
            "sources": [{"path": f"originals/{i.path}", "sha256": i.sha256} for i in items],
        }
        return doc, (rel, info, [i.id for i in items], how)

    def copy_originals_and_cut_working_copies(self) -> None:
        root, plan = self.root, self.plan
        for item in plan.originals.values():
            (root / "originals" / Path(item.path).parts[0]).mkdir(parents=True, exist_ok=True)
        (root / "working").mkdir(exist_ok=True)
        self.meter.add(0, "copying originals and cutting working copies")
        with (
            ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool,
            # Two cutters: PyAV leaves the GIL while it reads and writes, so four 5-minute cuts took
            # 1.34 s on two threads against 1.97 s on one.
            ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as cutter,
        ):
            cuts = [
                cutter.submit(self.cut_window, w, camera, items) for w, camera, _owner, items in plan.windows
            ]
            try:
                for item, rel, digest in pool.map(self.copy_original, plan.originals.values()):
                    self.copies[item.id] = rel
                    self.files.append(
                        {
                            "path": rel,
                            "sha256": digest,
                            "size": item.size_bytes,
                            "kind": "original",
                            "item": item.id,
                            "camera_id": item.camera_id,
                            "start": _iso(item.start_at),
                            "end": _iso(item.end_at),
                        }
                    )
            except BaseException:
                for future in cuts:
                    future.cancel()
                raise
            for future in cuts:
                doc, entry = future.result()
                self.windows_doc.append(doc)
                self.derived.append(entry)

    # 3. Stills of bookmarks.
    def grab_stills(self) -> None:
        root, recordings, copies = self.root, self.recordings, self.copies
        for b, items in self.plan.bookmarks:
            if not items:
                continue
            (root / "stills").mkdir(exist_ok=True)
            rel = f"stills/bookmark{b.id:04d}.png"
            stills_from = [
                _segment(root / copies[i.id] if i.id in copies else recordings / i.path, i) for i in items
            ]
            try:
                frame_at = grab_still(stills_from, b.at, root / rel)
            except MediaCutError as exc:
                raise ExportError(f"still for bookmark {b.id}: {exc}") from None
            self.marks_doc.append(
                {
                    "id": b.id,
                    "camera_id": b.camera_id,
                    "at": _iso(b.at),
                    "frame_at": _iso(frame_at),
                    "note": b.note,
                    "still": rel,
                }
            )
            self.derived.append(
                (
                    rel,
                    {
                        "kind": "still",
                        "camera_id": b.camera_id,
                        "derivation": "frame decoded to PNG",
                        "sources": [{"path": copies.get(i.id, ""), "sha256": i.sha256} for i in items],
                    },
                    [i.id for i in items],
                    "frame decoded to PNG",
                )
            )

    # 4. Derivatives become evidence items with their own custody, linked to their sources.
    def record_derivatives_and_export(self) -> None:
        root, plan, files = self.root, self.plan, self.files
        with self.sessions.begin() as s:
            for rel, info, source_ids, how in self.derived:
                path = root / rel
                digest = info.get("sha256") or sha256_file(path)
                item = EvidenceItem(
                    kind=info["kind"],
                    camera_id=info["camera_id"],
                    case_id=plan.case.id,
                    source_item_id=source_ids[0],
                    path=f"{root.name.removesuffix('.partial')}/{rel}",
                    sha256=digest,
                    size_bytes=path.stat().st_size,
                )
                s.add(item)
                s.flush()
                named = ", ".join(f"{src['path']} ({src['sha256'][:12]}…)" for src in info["sources"])
                append_event(s, item, "created", f"{how} from {named}")
                files.append(
                    {
                        "path": rel,
                        "sha256": digest,
                        "size": item.size_bytes,
                        "kind": info["kind"],
                        "item": item.id,
                        "camera_id": info["camera_id"],
                        "derivation": info["derivation"],
                        "sources": info["sources"],
                    }
                )
            for entry in files:
                exported = s.get(EvidenceItem, entry["item"])
                assert exported is not None
                append_event(
                    s,
                    exported,
                    "exported",
                    f"case {plan.case.number}, package {root.name.removesuffix('.partial')}",
                )

    # 5. custody.jsonl: every event of every item, in order, with the previous event's hash.
    def write_custody_and_instructions(self) -> None:
        root, files, options, key = self.root, self.files, self.options, self.key
        custody = self.custody
        path_of = {entry["item"]: entry["path"] for entry in files}
        with self.sessions() as s:
            events = s.scalars(
                select(CustodyEvent)
                .where(CustodyEvent.evidence_item_id.in_(path_of))
                .order_by(CustodyEvent.id)
            )
            for e in events:
                custody.append(
                    {
                        "item": e.evidence_item_id,
                        "file": path_of[e.evidence_item_id],
                        "at": _iso(e.at),
                        "user": e.username,
                        "workstation": e.workstation,
                        "action": e.action,
                        "reason": e.reason,
                        "item_sha256": e.item_sha256,
                        "prev": e.prev_hash,
                        "hash": e.event_hash,
                    }
                )
        heads = {ev["item"]: ev["hash"] for ev in custody}
        for entry in files:
            entry["custody_head"] = heads[entry["item"]]
        _write_small(
            root,
            CUSTODY,
            "".join(json.dumps(ev, sort_keys=True) + "\n" for ev in custody).encode(),
            files,
            "custody",
            options,
        )
        _write_small(root, PUBLIC_KEY, public_pem(key.public_key()), files, "signing key", options)
        instructions = verify_instructions(fingerprint(key.public_key()))
        _write_small(root, VERIFY_TEXT, instructions.encode(), files, "how to verify", options)

    # The manifest names every file with its hash; it is signed, and SHA256SUMS covers all.
    def write_manifest_and_signature(self) -> None:
        root, plan, files, options, key = self.root, self.plan, self.files, self.options, self.key
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "package_id": str(uuid.uuid4()),
            "created_at": _iso(self.stamp),
            "created_by": current_user(),
            "workstation": current_workstation(),
            "time_zone": options.time_zone,
            "software": {"name": "rtcc-console", "version": __version__, "tools": _tools()},
            "case": {
                "number": plan.case.number,
                "title": plan.case.title,
                "notes": plan.case.notes,
                "status": plan.case.status,
            },
            "incidents": [
                {
                    "number": i.number,
                    "type": i.incident_type,
                    "reported_at": _iso(i.reported_at),
                    "time_zone": i.time_zone,
                    "latitude": i.latitude,
                    "longitude": i.longitude,
                    "radius_m": i.radius_m,
                    "notes": i.notes,
                }
                for i in plan.incidents
            ],
            "cameras": _cameras_doc(plan),
            "windows": self.windows_doc,
            "bookmarks": self.marks_doc,
            "signing_key": {
                "algorithm": "Ed25519",
                "file": PUBLIC_KEY,
                "fingerprint": fingerprint(key.public_key()),
                "fingerprint_of": "SHA-256 of the public key in DER (SubjectPublicKeyInfo) form",
            },
            "files": files,
        }
        _write_small(root, REPORT, render_report(manifest, self.custody).encode(), files, "report", options)
        manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
        _write_small(root, MANIFEST, manifest_bytes, None, "", options)
        _write_small(root, SIGNATURE, sign(manifest_bytes, key), None, "", options)
        lines = [f"{e['sha256']}  {e['path']}" for e in files]
        lines += [
            f"{hashlib.sha256(manifest_bytes).hexdigest()}  {MANIFEST}",
            f"{hashlib.sha256((root / SIGNATURE).read_bytes()).hexdigest()}  {SIGNATURE}",
        ]
        _write_small(root, SUMS, ("\n".join(lines) + "\n").encode(), None, "", options)

    # 6. Read everything back from the device, not from the page cache.
    def read_back(self) -> Verdict:
        root, files, meter = self.root, self.files, self.meter
        meter.add(0, "verifying on the target")
        for path in root.rglob("*"):
            if path.is_file():
                _drop_cache(path)
        _fsync_dir(root)
        verdict = verify_folder(root, ignore_marker=True)
        meter.add(sum(e["size"] for e in files) // 2)
        if verdict.status == CONTRADICTED:
            raise ExportError(
                "the package's times are contradicted by what it holds: " + "; ".join(verdict.problems[:3])
            )
        if verdict.status != "valid":
            raise ExportError(
                "the package read back from the target does not match what was written: "
                + "; ".join(verdict.problems[:3])
            )
        return verdict


def _write_small(
    root: Path, rel: str, data: bytes, files: list[dict[str, Any]] | None, kind: str, options: ExportOptions
) -> None:
    with options.open_target(root / rel) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if files is not None:
        files.append(
            {"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "kind": kind}
        )


def _cameras_doc(plan: _Plan) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for _w, cam, owner, _items in plan.windows:
        seen.setdefault(
            cam.id,
            {
                "id": cam.id,
                "uid": cam.uid,
                "name": cam.name,
                "owner": owner.name,
                "owner_type": owner.owner_type,
                "latitude": cam.latitude,
                "longitude": cam.longitude,
                "heading_deg": cam.heading_deg,
                "fov_deg": cam.fov_deg,
                "range_m": cam.range_m,
                "stream": "main",
                "sharing_terms": cam.sharing_terms,
            },
        )
    return list(seen.values())


def _zip_package(folder: Path, meter: _Meter) -> Path:
    """Zip a verified package (stored, not compressed: video does not shrink), then check the zip."""
    import zipfile

    from app.evidence.verify import verify_package

    partial = folder.with_name(folder.name + ".zip.partial")
    with zipfile.ZipFile(partial, "x", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                meter.check()
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    _drop_cache(partial)
    verdict = verify_package(partial)
    if verdict.status != "valid":
        raise ExportError(
            "the zip read back from the target does not verify: " + "; ".join(verdict.problems[:3])
        )
    final = folder.with_name(folder.name + ".zip")
    partial.rename(final)
    _fsync_dir(folder.parent)
    return final
