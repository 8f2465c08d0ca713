"""Geocoding addresses with no network: an offline gazetteer imported from CSV.

Geocoders share one small interface (:class:`Geocoder`) so an agency can plug in its own
(a county address server, say); the built-in one looks addresses up in the ``places`` table,
filled from a CSV with the columns ``address, lat, lon``. Import checks every row and is all or
nothing, like the camera registry's.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.models.db import write_transaction
from app.models.tables import Place
from app.registry.records import FieldError


@dataclass(frozen=True)
class Match:
    address: str
    latitude: float
    longitude: float


class Geocoder(Protocol):
    def lookup(self, query: str, limit: int = 5) -> list[Match]: ...


class GazetteerError(ValueError):
    def __init__(self, source: str, errors: list[FieldError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:20])
        super().__init__(f"{source}: {len(errors)} problem(s); nothing was imported.\n{shown}")


def normalize(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z ]+", " ", text.lower()).split())


class OfflineGazetteer:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def import_csv(self, path: Path, replace: bool = True) -> int:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise GazetteerError(str(path), [FieldError(0, "file", f"cannot be read ({exc})")]) from exc
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        if header[:3] != ["address", "lat", "lon"]:
            raise GazetteerError(str(path), [FieldError(1, "header", "must start with: address, lat, lon")])
        rows: list[dict[str, object]] = []
        errors: list[FieldError] = []
        for record in reader:
            line = reader.line_num
            address = (record.get("address") or "").strip()
            if not address:
                errors.append(FieldError(line, "address", "is required"))
            coords = {}
            for field, lo, hi in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
                raw = (record.get(field) or "").strip()
                try:
                    value = float(raw)
                except ValueError:
                    errors.append(FieldError(line, field, f"'{raw}' is not a number"))
                    continue
                if not math.isfinite(value) or not lo <= value <= hi:
                    errors.append(FieldError(line, field, f"{raw} is out of range [{lo:g}, {hi:g}]"))
                coords[field] = value
            if address and len(coords) == 2:
                rows.append({"address": address, "normalized": normalize(address),
                             "latitude": coords["lat"], "longitude": coords["lon"]})  # fmt: skip
        if errors:
            raise GazetteerError(str(path), errors)
        return self._store(rows, replace)

    def import_places(self, places: list[Match], replace: bool = False) -> int:
        rows: list[dict[str, object]] = [
            {"address": p.address, "normalized": normalize(p.address), "latitude": p.latitude,
             "longitude": p.longitude}
            for p in places
        ]  # fmt: skip
        return self._store(rows, replace)

    def _store(self, rows: list[dict[str, object]], replace: bool) -> int:
        with write_transaction(self._sessions) as s:
            if replace:
                s.execute(delete(Place))
            if rows:
                s.execute(insert(Place), rows)
        return len(rows)

    def all(self) -> list[Match]:
        with self._sessions() as s:
            return [Match(p.address, p.latitude, p.longitude) for p in s.scalars(select(Place))]

    def lookup(self, query: str, limit: int = 5) -> list[Match]:
        """Places whose address contains every word of ``query``, shortest address first."""
        words = normalize(query).split()
        if not words:
            return []
        statement = select(Place)
        for word in words:
            statement = statement.where(Place.normalized.contains(word))
        with self._sessions() as s:
            places = list(s.scalars(statement.limit(200)))
        places.sort(key=lambda p: (len(p.address), p.address))
        return [Match(p.address, p.latitude, p.longitude) for p in places[:limit]]


class InMemoryGeocoder:
    """The gazetteer loaded once (off the GUI thread) and searched in memory by dialogs."""

    def __init__(self, places: list[Match]) -> None:
        self._places = [(normalize(p.address), p) for p in places]

    def __len__(self) -> int:
        return len(self._places)

    def example(self) -> str | None:
        """An address this gazetteer finds, for a field's example (its own example was refused:
        it named a street the demo's gazetteer does not hold)."""
        if not self._places:
            return None
        return self._places[0][1].address.split(" (", 1)[0]

    def lookup(self, query: str, limit: int = 5) -> list[Match]:
        words = normalize(query).split()
        if not words:
            return []
        found = [p for norm, p in self._places if all(w in norm for w in words)]
        found.sort(key=lambda p: (len(p.address), p.address))
        return found[:limit]
