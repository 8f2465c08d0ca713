"""Which division a point lies in, from the divisions' GeoJSON boundaries.

An incident belongs to the division whose boundary holds its point. Boundaries that share an edge
both hold the points on it, so the answer must not depend on the order divisions were read: a
point inside one division's interior is that division's; a point on the boundary of several (or
inside overlapping ones) goes to the first of them by name. Holes are honoured; a point on a
hole's edge counts as on the boundary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.geo.geometry import point_in_polygon

Point = tuple[float, float]  # (longitude, latitude), as GeoJSON writes them


@dataclass(frozen=True)
class _Area:
    name: str
    polygons: list[list[list[Point]]]  # each polygon: outer ring, then holes
    box: tuple[float, float, float, float]  # west, south, east, north


class DivisionMap:
    def __init__(self, boundaries: Iterable[tuple[str, dict[str, Any]]]) -> None:
        self._areas: list[_Area] = []
        for name, geometry in boundaries:
            polygons = _polygons(geometry)
            points = [p for polygon in polygons for ring in polygon for p in ring]
            if not points:
                continue
            lons, lats = [p[0] for p in points], [p[1] for p in points]
            self._areas.append(_Area(name, polygons, (min(lons), min(lats), max(lons), max(lats))))
        self._areas.sort(key=lambda area: area.name)

    def division_of(self, latitude: float, longitude: float) -> str | None:
        point = (longitude, latitude)
        on_edge: str | None = None
        for area in self._areas:
            west, south, east, north = area.box
            if not (west <= longitude <= east and south <= latitude <= north):
                continue
            where = _locate(point, area.polygons)
            if where == "inside":
                return area.name
            if where == "edge" and on_edge is None:
                on_edge = area.name  # the first by name, unless another holds it inside
        return on_edge


def _polygons(geometry: dict[str, Any]) -> list[list[list[Point]]]:
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in polygons]


def _locate(point: Point, polygons: list[list[list[Point]]]) -> str:
    """ "inside", "edge" or "outside" of a (multi)polygon."""
    for rings in polygons:
        if not rings:
            continue
        if any(_on_ring(point, ring) for ring in rings):
            return "edge"
        if point_in_polygon(point, rings[0]) and not any(point_in_polygon(point, hole) for hole in rings[1:]):
            return "inside"
    return "outside"


def _on_ring(point: Point, ring: list[Point]) -> bool:
    x, y = point
    for i in range(len(ring) - 1):
        (x1, y1), (x2, y2) = ring[i], ring[i + 1]
        within = min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)
        if within and (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) == 0:
            return True
    return False
