"""Registry operations on the database: list, add, edit, retire, import, export.

Every write is one transaction: an import with one bad row, a locked database or a keyring that
refuses leaves the registry exactly as it was.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.governance import audit
from app.governance.identity import current_user
from app.models.change_feed import publish
from app.models.db import write_transaction
from app.models.enums import CameraStatus
from app.models.rows import CameraRow
from app.models.tables import Camera, Division, Owner
from app.models.types import utcnow
from app.registry import credentials
from app.registry.formats import (
    FormatError,
    RawDivision,
    RawRow,
    atomic_write,
    csv_chunks,
    format_for,
    geojson_chunks,
    read_csv,
    read_geojson,
)
from app.registry.records import CameraRecord, FieldError, validate_camera
from app.registry.urls import redact


class RegistryError(RuntimeError):
    """A registry change was refused; nothing was written."""


class StaleEdit(RegistryError):
    """Someone saved the camera after this editor opened it: reload, look, then edit again."""

    def __init__(self, name: str, by: str, at: datetime) -> None:
        self.by, self.at = by or "another workstation", at
        super().__init__(
            f"'{name}' was changed by {self.by} at {at:%Y-%m-%d %H:%M:%S} UTC after you opened it; "
            "nothing was saved. Reload (F5) to see their change, then edit again."
        )


class ImportFailed(RegistryError):
    def __init__(self, source: str, errors: list[FieldError]) -> None:
        self.source = source
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{source}: {len(errors)} problem(s); nothing was imported.\n{shown}{more}")


@dataclass(frozen=True)
class ImportReport:
    cameras: int
    divisions: int
    with_credentials: int


Progress = Callable[[int, int], None]


def owner_conflicts(records: list[CameraRecord]) -> list[FieldError]:
    """Rows that name the same owner with different contacts: an owner has one contact, and the
    first row's used to win silently (12,683 of 100,000 cameras got a contact not in their row)."""
    first: dict[tuple[str, str], tuple[str, int]] = {}
    errors: list[FieldError] = []
    for rec in records:
        if not rec.owner_contact:
            continue
        key = (rec.owner_name, rec.owner_type.value)
        if key not in first:
            first[key] = (rec.owner_contact, rec.line)
        elif first[key][0] != rec.owner_contact:
            contact, line = first[key]
            errors.append(FieldError(
                rec.line, "owner_contact",
                f"owner '{rec.owner_name}' has contact '{rec.owner_contact}' here but '{contact}' on line "
                f"{line}; an owner has one contact: make them agree, or name the owners apart",
            ))  # fmt: skip
    return errors


class Registry:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self._sessions

    # -- reading -----------------------------------------------------------------------------
    def _row_query(self) -> Any:
        return (
            select(Camera, Owner.name, Owner.owner_type, Owner.contact, Division.name)
            .join(Owner, Camera.owner_id == Owner.id)
            .outerjoin(Division, Camera.division_id == Division.id)
            .order_by(Camera.name)
        )

    @staticmethod
    def _to_row(cam: Camera, owner: str, owner_type: str, contact: str, division: str | None) -> CameraRow:
        return CameraRow(
            id=cam.id,
            uid=cam.uid,
            name=cam.name,
            owner_name=owner,
            owner_type=owner_type,
            owner_contact=contact,
            division=division or "",
            latitude=cam.latitude,
            longitude=cam.longitude,
            heading_deg=cam.heading_deg,
            fov_deg=cam.fov_deg,
            range_m=cam.range_m,
            main_url=cam.main_url,
            sub_url=cam.sub_url,
            sharing_terms=cam.sharing_terms,
            consent_granted_at=cam.consent_granted_at,
            consent_revoked_at=cam.consent_revoked_at,
            retention_days=cam.retention_days,
            status=cam.status,
            has_credentials=cam.has_credentials,
            notes=cam.notes,
            live_window=cam.live_window,
            version=cam.version,
        )

    def list_cameras(self, include_retired: bool = True) -> list[CameraRow]:
        with self._sessions() as s:
            query = self._row_query()
            if not include_retired:
                query = query.where(Camera.status != CameraStatus.RETIRED.value)
            return [self._to_row(*r) for r in s.execute(query)]

    def change_mark(self) -> tuple[int, str]:
        """A cheap fingerprint of the camera table that moves when a camera is added, edited,
        retired or its consent changes (every write sets ``updated_at``): 23 ms at 100,000
        cameras, where reading them all takes 3.6 s. Workstations with skewed clocks can write an
        ``updated_at`` older than the newest, so a poller should also re-read now and then."""
        with self._sessions() as s:
            count, newest = s.execute(select(func.count(Camera.id), func.max(Camera.updated_at))).one()
        return int(count), str(newest)

    def cameras_by_id(self, ids: Iterable[int]) -> dict[int, CameraRow]:
        """The cameras with these ids (missing ones are left out), in one query."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self._sessions() as s:
            rows = [self._to_row(*r) for r in s.execute(self._row_query().where(Camera.id.in_(wanted)))]
        return {r.id: r for r in rows}

    def iter_cameras(self, batch: int = 5000) -> Iterator[CameraRow]:
        with self._sessions() as s:
            for r in s.execute(self._row_query().execution_options(yield_per=batch)):
                yield self._to_row(*r)

    def get(self, camera_id: int) -> CameraRow:
        with self._sessions() as s:
            r = s.execute(self._row_query().where(Camera.id == camera_id)).first()
        if r is None:
            raise RegistryError(f"camera #{camera_id} does not exist")
        return self._to_row(*r)

    def counts(self) -> dict[str, int]:
        with self._sessions() as s:
            by_status = dict(s.execute(select(Camera.status, func.count()).group_by(Camera.status)).all())
            divisions = s.scalar(select(func.count()).select_from(Division)) or 0
        return {
            "total": sum(by_status.values()),
            **{st.value: int(by_status.get(st.value, 0)) for st in CameraStatus},
            "divisions": int(divisions),
        }

    def divisions(self) -> list[tuple[str, bool]]:
        """Division names, each with whether its boundary is only an approximation."""
        with self._sessions() as s:
            rows = s.execute(select(Division.name, Division.boundary_approximate).order_by(Division.name))
            return [(name, bool(approx)) for name, approx in rows]

    def divisions_geojson(self) -> list[dict[str, Any]]:
        with self._sessions() as s:
            out = []
            for d in s.scalars(select(Division).order_by(Division.name)):
                out.append(
                    {
                        "type": "Feature",
                        "geometry": json.loads(d.boundary_geojson),
                        "properties": {
                            "name": d.name,
                            "station": [d.station_longitude, d.station_latitude],
                            "approximate": d.boundary_approximate,
                        },
                    }
                )
            return out

    # -- writing -----------------------------------------------------------------------------
    def _write(self, work: Callable[[Session], Any]) -> Any:
        try:
            with write_transaction(self._sessions) as s:
                return work(s)
        except IntegrityError as exc:
            raise RegistryError(
                f"the change conflicts with the registry ({redact(str(exc.orig))}); nothing was saved"
            ) from exc

    @staticmethod
    def _owner_id(s: Session, cache: dict[tuple[str, str], int], rec: CameraRecord) -> int:
        key = (rec.owner_name, rec.owner_type.value)
        if key not in cache:
            owner = s.execute(
                select(Owner).where(Owner.name == key[0], Owner.owner_type == key[1])
            ).scalar_one_or_none()
            if owner is None:
                owner = Owner(name=key[0], owner_type=key[1], contact=rec.owner_contact)
                s.add(owner)
                s.flush()
            elif rec.owner_contact and owner.contact != rec.owner_contact:
                owner.contact = rec.owner_contact
            cache[key] = owner.id
        return cache[key]

    @staticmethod
    def _owner_ids(s: Session, records: list[CameraRecord]) -> dict[tuple[str, str], int]:
        """Every owner the records name, found or created in bulk: one query per thousand names
        and one insert for the new ones (a query and a flush per owner took 40 s for 100,000
        rows with 80,000 owners). An owner's contact given in the file replaces the registry's."""
        wanted: dict[tuple[str, str], str] = {}
        for rec in records:
            key = (rec.owner_name, rec.owner_type.value)
            if rec.owner_contact or key not in wanted:
                wanted[key] = rec.owner_contact
        ids: dict[tuple[str, str], int] = {}
        changed: list[dict[str, Any]] = []
        names = sorted({name for name, _ in wanted})
        for i in range(0, len(names), 1000):
            found = s.execute(
                select(Owner.id, Owner.name, Owner.owner_type, Owner.contact).where(
                    Owner.name.in_(names[i : i + 1000])
                )
            )
            for id_, name, kind, contact in found:
                key = (name, kind)
                if key in wanted:
                    ids[key] = id_
                    if wanted[key] and wanted[key] != contact:
                        changed.append({"id": id_, "contact": wanted[key]})
        new = [
            {"name": n, "owner_type": t, "contact": c} for (n, t), c in wanted.items() if (n, t) not in ids
        ]
        for i in range(0, len(new), 5000):
            for id_, name, kind in s.execute(
                insert(Owner).returning(Owner.id, Owner.name, Owner.owner_type), new[i : i + 5000]
            ):
                ids[name, kind] = id_
        if changed:
            s.execute(update(Owner), changed)
        return ids

    @staticmethod
    def _columns(rec: CameraRecord, owner_id: int, division_id: int | None) -> dict[str, Any]:
        return {
            "name": rec.name,
            "owner_id": owner_id,
            "division_id": division_id,
            "latitude": rec.latitude,
            "longitude": rec.longitude,
            "heading_deg": rec.heading_deg,
            "fov_deg": rec.fov_deg,
            "range_m": rec.range_m,
            "main_url": rec.main.url,
            "sub_url": rec.sub.url if rec.sub else "",
            "sharing_terms": rec.sharing_terms.value,
            "consent_granted_at": rec.consent_granted_at,
            "consent_revoked_at": rec.consent_revoked_at,
            "retention_days": rec.retention_days,
            "status": rec.status.value,
            "live_window": rec.live_window,
            "has_credentials": rec.has_credentials,
            "notes": rec.notes,
        }

    @staticmethod
    def _store_secrets(uid: str, rec: CameraRecord) -> None:
        for stream, split in (("main", rec.main), ("sub", rec.sub)):
            if split is not None and split.has_credentials:
                credentials.store(uid, stream, split.username or "", split.password or "")

    def _check(
        self,
        s: Session,
        records: list[CameraRecord],
        *,
        ignore_id: int | None = None,
        known_divisions: set[str] | None = None,
    ) -> list[FieldError]:
        errors: list[FieldError] = []
        names_in_db = set(s.scalars(select(Camera.name).where(Camera.id != (ignore_id or -1))))
        divisions = set(s.scalars(select(Division.name))) | (known_divisions or set())
        seen: dict[str, int] = {}
        for rec in records:
            if rec.name in names_in_db:
                errors.append(FieldError(rec.line, "name", f"camera '{rec.name}' is already registered"))
            elif rec.name in seen:
                errors.append(FieldError(rec.line, "name", f"'{rec.name}' repeats line {seen[rec.name]}"))
            seen.setdefault(rec.name, rec.line)
            if rec.division and rec.division not in divisions:
                errors.append(FieldError(rec.line, "division", f"unknown division '{rec.division}'"))
        if any(r.has_credentials for r in records):
            try:
                credentials.check_keyring()
            except credentials.KeyringUnavailable as exc:
                line = next(r.line for r in records if r.has_credentials)
                errors.append(FieldError(line, "main_url", f"carries a credential, but {exc}"))
        return errors

    def add(self, rec: CameraRecord) -> CameraRow:
        uid = str(uuid.uuid4())

        def work(s: Session) -> int:
            errors = self._check(s, [rec])
            if errors:
                raise ImportFailed("camera", errors)
            division_id = (
                s.scalar(select(Division.id).where(Division.name == rec.division)) if rec.division else None
            )
            cam = Camera(uid=uid, **self._columns(rec, self._owner_id(s, {}, rec), division_id))
            s.add(cam)
            s.flush()
            self._store_secrets(uid, rec)
            audit.append(
                s,
                "camera registered",
                target_type="camera",
                target_id=cam.id,
                details=f"{cam.name}: {cam.sharing_terms}",
            )
            publish(s, "cameras", cam.id, username=current_user())
            return cam.id

        try:
            camera_id = self._write(work)
        except Exception:
            if rec.has_credentials:
                credentials.forget(uid)
            raise
        return self.get(camera_id)

    def update(self, camera_id: int, rec: CameraRecord, *, keep_credentials: bool = True,
               expected_version: int | None = None) -> CameraRow:  # fmt: skip
        """Save edited fields. URLs given without credentials keep the stored ones unless told not to.
        With ``expected_version`` (the version the editor opened), a camera changed since then by
        anyone is refused with who and when (:class:`StaleEdit`), and nothing is written."""

        def work(s: Session) -> None:
            cam = s.get(Camera, camera_id, with_for_update=True)
            if cam is None:
                raise RegistryError(f"camera #{camera_id} does not exist")
            if expected_version is not None and cam.version != expected_version:
                raise StaleEdit(cam.name, cam.updated_by, cam.updated_at)
            errors = self._check(s, [rec], ignore_id=camera_id)
            if errors:
                raise ImportFailed("camera", errors)
            division_id = (
                s.scalar(select(Division.id).where(Division.name == rec.division)) if rec.division else None
            )
            cols = self._columns(rec, self._owner_id(s, {}, rec), division_id)
            if keep_credentials and not rec.has_credentials:
                cols["has_credentials"] = cam.has_credentials
            changed = sorted(k for k, v in cols.items() if getattr(cam, k) != v)
            was_revoked = cam.consent_revoked_at is not None
            for key, value in cols.items():
                setattr(cam, key, value)
            if (cam.consent_revoked_at is not None) != was_revoked:
                what = "consent revoked" if cam.consent_revoked_at is not None else "consent granted again"
                audit.append(s, what, target_type="camera", target_id=camera_id, details=cam.name)
            if changed:  # field names only: values may be URLs, and notes are the owner's
                audit.append(
                    s,
                    "camera edited",
                    target_type="camera",
                    target_id=camera_id,
                    details=f"{cam.name}: {', '.join(changed)}",
                )
            cam.updated_at = utcnow()
            cam.version += 1
            cam.updated_by = current_user()
            publish(s, "cameras", camera_id, username=cam.updated_by)
            if rec.has_credentials:
                self._store_secrets(cam.uid, rec)

        self._write(work)
        return self.get(camera_id)

    def retire(self, camera_id: int) -> CameraRow:
        """Retired cameras stay in the registry (evidence may refer to them) but are never pulled."""

        def work(s: Session) -> None:
            cam = s.get(Camera, camera_id)
            if cam is None:
                raise RegistryError(f"camera #{camera_id} does not exist")
            cam.status = CameraStatus.RETIRED.value
            cam.updated_at = utcnow()
            cam.version += 1
            cam.updated_by = current_user()
            audit.append(s, "camera retired", target_type="camera", target_id=camera_id, details=cam.name)
            publish(s, "cameras", camera_id, username=cam.updated_by)

        self._write(work)
        return self.get(camera_id)

    # -- import / export ---------------------------------------------------------------------
    def import_file(self, path: Path, progress: Progress | None = None) -> ImportReport:
        try:
            kind = format_for(path)
        except ValueError as exc:
            raise ImportFailed(str(path), [FieldError(0, "file", str(exc))]) from exc
        try:
            if kind == "csv":
                raw_divisions: list[RawDivision] = []
                raw_rows = read_csv(path)
            else:
                raw_divisions, raw_rows = read_geojson(path)
        except FormatError as exc:
            raise ImportFailed(str(path), exc.errors) from exc
        except OSError as exc:
            raise ImportFailed(
                str(path), [FieldError(0, "file", f"cannot be read ({exc.strerror})")]
            ) from exc
        return self.import_rows(raw_rows, raw_divisions, source=str(path), progress=progress)

    def import_rows(
        self,
        raw_rows: list[RawRow],
        raw_divisions: list[RawDivision] | None = None,
        *,
        source: str = "import",
        progress: Progress | None = None,
    ) -> ImportReport:
        raw_divisions = raw_divisions or []
        errors: list[FieldError] = []
        records: list[CameraRecord] = []
        total = len(raw_rows)
        for i, raw in enumerate(raw_rows):
            rec, problems = validate_camera(raw.values, raw.line)
            errors.extend(problems)
            if rec is not None:
                records.append(rec)
            if progress and i % 5000 == 0:
                progress(i, total)
        errors.extend(owner_conflicts(records))
        # Every problem at once: the rows' own fields, conflicts between rows, and what clashes
        # with the registry (it was reported in rounds: fix the fields, then learn of duplicates).
        with self._sessions() as s:
            errors.extend(self._check(s, records, known_divisions={d.name for d in raw_divisions}))
        if errors:
            raise ImportFailed(source, sorted(errors, key=lambda e: (e.line, e.field)))
        uids = [str(uuid.uuid4()) for _ in records]

        def work(s: Session) -> ImportReport:
            problems = self._check(s, records, known_divisions={d.name for d in raw_divisions})
            if problems:
                raise ImportFailed(source, problems)
            for d in raw_divisions:
                existing = s.execute(select(Division).where(Division.name == d.name)).scalar_one_or_none()
                target = existing or Division(name=d.name)
                target.boundary_geojson = json.dumps(d.boundary)
                target.station_latitude = d.station_latitude
                target.station_longitude = d.station_longitude
                target.boundary_approximate = d.approximate
                if existing is None:
                    s.add(target)
            s.flush()
            division_ids = {name: id_ for name, id_ in s.execute(select(Division.name, Division.id))}
            owners = self._owner_ids(s, records)
            batch: list[dict[str, Any]] = []
            for n, (uid, rec) in enumerate(zip(uids, records, strict=True), start=1):
                owner_id = owners[rec.owner_name, rec.owner_type.value]
                cols = self._columns(rec, owner_id, division_ids.get(rec.division))
                batch.append({"uid": uid, "created_at": utcnow(), "updated_at": utcnow(), **cols})
                if len(batch) >= 5000:
                    s.execute(insert(Camera), batch)
                    batch.clear()
                    if progress:
                        progress(n, total)
            if batch:
                s.execute(insert(Camera), batch)
            for uid, rec in zip(uids, records, strict=True):
                if rec.has_credentials:
                    self._store_secrets(uid, rec)
            audit.append(
                s,
                "cameras imported",
                details=f"{len(records)} camera(s), {len(raw_divisions)} division(s) from {source}",
            )
            publish(s, "cameras", username=current_user())  # no ids: consoles re-read the registry
            return ImportReport(len(records), len(raw_divisions), sum(r.has_credentials for r in records))

        try:
            report: ImportReport = self._write(work)
        except Exception:
            for uid, rec in zip(uids, records, strict=True):
                if rec.has_credentials:
                    credentials.forget(uid)
            raise
        if progress:
            progress(total, total)
        return report

    def export_file(self, path: Path) -> int:
        """Write every camera (never a credential) to ``path``; CSV or GeoJSON by its suffix."""
        kind = format_for(path)
        count = 0

        def rows() -> Iterator[dict[str, str]]:
            nonlocal count
            for row in self.iter_cameras():
                count += 1
                yield row.to_fields()

        try:
            if kind == "csv":
                atomic_write(path, csv_chunks(rows()))
            else:
                atomic_write(path, geojson_chunks(rows(), self.divisions_geojson()))
        except OSError as exc:
            raise RegistryError(f"cannot write {path}: {exc.strerror}; nothing was written") from exc
        return count
