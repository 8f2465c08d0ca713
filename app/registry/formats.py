"""Reading and writing the registry's exchange formats: CSV and GeoJSON.

Readers only parse: they return raw field dictionaries with the line (CSV) or feature number
(GeoJSON) each came from, and leave judging the values to :mod:`app.registry.records`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.geo.rings import polygon_problems
from app.registry.records import FIELDS, FieldError

GEOJSON_SUFFIXES = (".geojson", ".json")


class FormatError(ValueError):
    """The file itself cannot be read as the format it claims; carries every problem found."""

    def __init__(self, path: Path, errors: list[FieldError]) -> None:
        self.path = path
        self.errors = errors
        super().__init__(f"{path}: " + "; ".join(str(e) for e in errors[:5]))


@dataclass(frozen=True)
class RawRow:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class RawDivision:
    line: int
    name: str
    boundary: dict[str, Any]
    station_latitude: float | None
    station_longitude: float | None
    approximate: bool


def format_for(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in GEOJSON_SUFFIXES:
        return "geojson"
    raise ValueError(f"{path.name}: unknown file type '{suffix}'; use .csv, .geojson or .json")


def read_csv(path: Path) -> list[RawRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(
            path, [FieldError(0, "file", f"is not UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise FormatError(path, [FieldError(1, "header", "the file is empty")]) from None
    except csv.Error as exc:
        raise FormatError(path, [FieldError(1, "header", f"is not valid CSV ({exc})")]) from exc
    header = [h.strip() for h in header]
    errors: list[FieldError] = []
    unknown = [h for h in header if h not in FIELDS]
    if unknown:
        errors.append(
            FieldError(1, "header", f"unknown column(s): {', '.join(unknown)}; expected {', '.join(FIELDS)}")
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        errors.append(FieldError(1, "header", f"repeated column(s): {', '.join(dupes)}"))
    if errors:
        raise FormatError(path, errors)
    rows: list[RawRow] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(FieldError(reader.line_num, "row", f"is not valid CSV ({exc})"))
            break
        line = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(FieldError(line, "row", f"has {len(cells)} values, the header has {len(header)}"))
            continue
        rows.append(RawRow(line, _restore(dict(zip(header, cells, strict=True)))))
    if errors:
        raise FormatError(path, errors)
    return rows


def _feature_errors(index: int, feature: Any) -> list[FieldError]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [FieldError(index, "feature", "is not a GeoJSON Feature")]
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or "type" not in geometry:
        return [FieldError(index, "geometry", "is missing")]
    if not isinstance(feature.get("properties"), dict):
        return [FieldError(index, "properties", "is missing")]
    return []


def read_geojson(path: Path) -> tuple[list[RawDivision], list[RawRow]]:
    """Polygons become divisions, points become cameras. ``line`` is the feature number (1-based)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", 0)
        raise FormatError(path, [FieldError(line, "file", f"is not valid JSON ({exc})")]) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise FormatError(path, [FieldError(0, "file", "is not a GeoJSON FeatureCollection")])
    features = data.get("features")
    if not isinstance(features, list):
        raise FormatError(path, [FieldError(0, "features", "is missing or not a list")])
    errors: list[FieldError] = []
    divisions: list[RawDivision] = []
    rows: list[RawRow] = []
    for index, feature in enumerate(features, start=1):
        problems = _feature_errors(index, feature)
        if problems:
            errors.extend(problems)
            continue
        geometry = feature["geometry"]
        props = feature["properties"]
        kind = geometry["type"]
        if kind in ("Polygon", "MultiPolygon"):
            name = str(props.get("name", "")).strip()
            if not name:
                errors.append(FieldError(index, "name", "a division polygon needs a name"))
                continue
            boundary_problems = polygon_problems(geometry)
            if boundary_problems:
                errors.extend(
                    FieldError(index, "geometry", f"division '{name[:80]}': {p}") for p in boundary_problems
                )
                continue
            station = props.get("station") or [None, None]
            divisions.append(
                RawDivision(
                    index,
                    name,
                    geometry,
                    _opt_float(station[1]),
                    _opt_float(station[0]),
                    bool(props.get("approximate", False)),
                )
            )
        elif kind == "Point":
            coords = geometry.get("coordinates")
            if not isinstance(coords, list) or len(coords) < 2:
                errors.append(FieldError(index, "geometry", "a Point needs [longitude, latitude]"))
                continue
            values = {k: "" if v is None else str(v) for k, v in props.items() if k in FIELDS}
            values["longitude"] = str(coords[0])
            values["latitude"] = str(coords[1])
            rows.append(RawRow(index, values))
        else:
            errors.append(
                FieldError(
                    index, "geometry", f"type '{kind}' is neither a camera Point nor a division Polygon"
                )
            )
    if errors:
        raise FormatError(path, errors)
    return divisions, rows


def _opt_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def atomic_write(path: Path, chunks: Iterable[str], mode: int = 0o600) -> None:
    """Write to a temporary file beside ``path`` and rename, so a failure leaves no half file
    (readable by its owner only unless ``mode`` says otherwise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        if mode != 0o600:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Free-text columns a spreadsheet would run as a formula if they started with = + - @: written
# with a leading apostrophe, which the importer removes again (numbers such as a negative
# longitude are not text and stay as they are).
TEXT_FIELDS = ("name", "owner_name", "owner_contact", "division", "notes")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(row: dict[str, str]) -> dict[str, str]:
    out = dict(row)
    for key in TEXT_FIELDS:
        value = out.get(key) or ""
        if value.startswith(FORMULA_START):
            out[key] = "'" + value
    return out


def _restore(row: dict[str, str]) -> dict[str, str]:
    for key in TEXT_FIELDS:
        value = row.get(key) or ""
        if value.startswith("'") and value[1:2] in {c[0] for c in FORMULA_START}:
            row[key] = value[1:]
    return row


def csv_chunks(rows: Iterable[dict[str, str]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(_neutralise(row))
        if buf.tell() > 1 << 20:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def geojson_chunks(rows: Iterable[dict[str, str]], divisions: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": [\n'
    first = True
    for div in divisions:
        yield ("" if first else ",\n") + json.dumps(div)
        first = False
    for row in rows:
        props = {k: v for k, v in row.items() if k not in ("latitude", "longitude")}
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]},
            "properties": props,
        }
        yield ("" if first else ",\n") + json.dumps(feature)
        first = False
    yield "\n]}\n"
