"""Offline review of a case package: what the review window shows, read-only.

Opening a package verifies it first and never writes into it. A zip is extracted (after the
same safety checks as verification) into a temporary folder that lives as long as the review.
If the reviewer chooses, a "reviewed" custody event per item goes into a sidecar file *beside*
the package (``<package>.reviews.jsonl``), chained from the package's custody heads with the same
hash rule, so the package itself stays bit-exact and still verifies. Stills are derivatives: new
PNG files in a folder beside the package (``<package>.stills``), each with a JSON sidecar naming
the clip it came from, that clip's SHA-256 and the frame's recorded time.
"""

from __future__ import annotations

import json
import socket
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from app.evidence.package_format import CUSTODY, MAX_CUSTODY_LINE
from app.evidence.verify import VALID, Verdict, extract_zip, parse_utc, verify_folder, verify_package
from app.governance.custody import EventFields, event_hash, sha256_file


@dataclass(frozen=True)
class ReviewClip:
    camera: str
    path: Path
    start: datetime
    end: datetime


@dataclass
class ReviewPackage:
    source: Path
    root: Path
    verdict: Verdict
    custody: list[dict[str, Any]] = field(default_factory=list)
    clips: list[ReviewClip] = field(default_factory=list)
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def manifest(self) -> dict[str, Any]:
        return self.verdict.manifest or {}

    @property
    def valid(self) -> bool:
        return self.verdict.status == VALID

    @property
    def timeline(self) -> tuple[datetime, datetime] | None:
        if not self.clips:
            return None
        return min(c.start for c in self.clips), max(c.end for c in self.clips)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def open_for_review(path: Path) -> ReviewPackage:
    """Verify and load a package folder or zip; works with no network and no database."""
    tmp: tempfile.TemporaryDirectory[str] | None = None
    root = path
    if path.is_file() and zipfile.is_zipfile(path):
        verdict = verify_package(path)
        if verdict.manifest is not None:
            tmp = tempfile.TemporaryDirectory(prefix="rtcc-review-")
            root = extract_zip(path, Path(tmp.name))
    elif path.is_dir():
        verdict = verify_folder(path)
    else:
        verdict = verify_package(path)
    review = ReviewPackage(path, root, verdict, _tmp=tmp)
    manifest = verdict.manifest
    if manifest is None:
        return review
    listed = {f["path"] for f in manifest["files"]}
    custody_path = root / CUSTODY
    if CUSTODY in listed and custody_path.is_file():
        with custody_path.open("rb") as fh:
            for raw in fh:
                if len(raw) > MAX_CUSTODY_LINE:
                    break
                try:
                    review.custody.append(json.loads(raw))
                except ValueError:
                    break
    names = {c.get("id"): str(c.get("name", "")) for c in manifest["cameras"]}
    for w in manifest["windows"]:
        clip = w.get("working_copy", "")
        if clip in listed and (root / clip).is_file():
            try:
                review.clips.append(
                    ReviewClip(names.get(w.get("camera_id"), "?"), root / clip, parse_utc(w["actual_start"]),
                               parse_utc(w["actual_end"]))
                )  # fmt: skip
            except (KeyError, ValueError, TypeError):
                continue
    return review


def stills_folder(package: Path) -> Path:
    return package.with_name(package.name + ".stills")


def save_still(review: ReviewPackage, clip: ReviewClip, at: datetime, made_by: str) -> Path:
    """Decode the frame of ``clip`` on screen at ``at`` (the last one at or before it) and write it
    as a PNG beside the package, with a sidecar that links it to its source."""
    import hashlib

    import av
    import cv2

    target = (at - clip.start).total_seconds()
    chosen = None
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[0]
        tick = stream.time_base or Fraction(1, 90_000)
        base = stream.start_time or 0
        container.seek(base + max(0, int(target / tick)), stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.pts is not None and float((frame.pts - base) * tick) > target + 1e-6:
                break
            chosen = frame
    if chosen is None or chosen.pts is None:
        raise ValueError(f"{clip.camera}: no frame at {at:%H:%M:%S.%f} in {clip.path.name}")
    shown_at = clip.start + timedelta(seconds=float((chosen.pts - base) * tick))
    folder = stills_folder(review.source)
    folder.mkdir(exist_ok=True)
    stem = f"{clip.path.stem}_{shown_at:%Y%m%dT%H%M%S_%f}Z"
    png = folder / f"{stem}.png"
    if not cv2.imwrite(str(png), chosen.to_ndarray(format="bgr24")):
        raise OSError(f"cannot write {png}")
    digest = sha256_file(clip.path)  # streamed: a working copy can be hundreds of megabytes
    facts = {
        "kind": "still (derivative)",
        "package": review.source.name,
        "source_file": clip.path.relative_to(review.root).as_posix(),
        "source_sha256": digest,
        "camera": clip.camera,
        "frame_time_utc": shown_at.isoformat().replace("+00:00", "Z"),
        "made_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "made_by": made_by,
        "workstation": socket.gethostname(),
        "png_sha256": hashlib.sha256(png.read_bytes()).hexdigest(),
    }
    png.with_suffix(".json").write_text(json.dumps(facts, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return png


def sidecar_path(package: Path) -> Path:
    return package.with_name(package.name + ".reviews.jsonl")


def record_review(review: ReviewPackage, reviewer: str, note: str) -> Path:
    """Append a "reviewed" event for every item to the sidecar beside the package."""
    if not reviewer.strip():
        raise ValueError("a review is recorded under the reviewer's name")
    sidecar = sidecar_path(review.source)
    heads: dict[int, tuple[str, str, str]] = {}
    for events in (review.custody, _read_sidecar(sidecar)):
        for ev in events:
            heads[int(ev["item"])] = (ev["hash"], ev["item_sha256"], ev["file"])
    now = datetime.now(UTC)
    lines = []
    for item, (prev, digest, file) in sorted(heads.items()):
        fields = EventFields(
            item, now, reviewer.strip(), socket.gethostname(), "reviewed", note.strip(), digest
        )
        lines.append({"item": item, "file": file, "at": now.isoformat().replace("+00:00", "Z"),
                      "user": fields.username, "workstation": fields.workstation, "action": "reviewed",
                      "reason": fields.reason, "item_sha256": digest, "prev": prev,
                      "hash": event_hash(fields, prev)})  # fmt: skip
    with sidecar.open("a", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, sort_keys=True) + "\n")
    return sidecar


def _read_sidecar(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
