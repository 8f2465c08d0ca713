"""Whether a division's boundary is a polygon at all: rings closed, with enough points, of numbers
in range, and not crossing themselves. A self-intersecting or open ring makes point-in-polygon
answer differently in different tools, so an incident could land in the wrong division; such a
file is refused with the ring, the edges and the place named."""

from __future__ import annotations

import math
from typing import Any

Point = tuple[float, float]


def polygon_problems(geometry: dict[str, Any]) -> list[str]:
    """What is wrong with a GeoJSON Polygon or MultiPolygon (empty: nothing)."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        return [f"{kind} is not a Polygon or MultiPolygon with coordinates"]
    problems: list[str] = []
    for p, rings in enumerate(polygons, start=1):
        where = f"polygon {p}, " if kind == "MultiPolygon" else ""
        if not isinstance(rings, list) or not rings:
            problems.append(f"{where}has no rings")
            continue
        for r, ring in enumerate(rings, start=1):
            problem = ring_problem(ring)
            if problem:
                problems.append(f"{where}ring {r} {problem}")
    return problems


def ring_problem(ring: Any) -> str | None:
    """Why a ring of [longitude, latitude] positions is not a simple closed ring, or None."""
    if not isinstance(ring, list) or len(ring) < 4:
        return "needs at least 4 positions (a triangle and its first point again)"
    points: list[Point] = []
    for i, position in enumerate(ring, start=1):
        point = _position(position)
        if point is None:
            return f"position {i} is not [longitude, latitude] in range: {str(position)[:60]}"
        points.append(point)
    if points[0] != points[-1]:
        return (
            f"is not closed: it starts at {_fmt(points[0])} and ends at {_fmt(points[-1])} "
            "(the last position must repeat the first)"
        )
    crossing = first_crossing(points)
    if crossing is not None:
        a, b, at = crossing
        return f"crosses itself: edge {a} meets edge {b} near {_fmt(at)}"
    return None


def first_crossing(points: list[Point]) -> tuple[int, int, Point] | None:
    """The first two edges (1-based) of a closed ring that touch other than at their shared
    corner, with where. Edges are sorted by their west end and compared only while their
    longitudes overlap, so a boundary of thousands of points is checked in well under a second."""
    edges = [(points[i], points[i + 1]) for i in range(len(points) - 1)]
    n = len(edges)
    order = sorted(range(n), key=lambda k: min(edges[k][0][0], edges[k][1][0]))
    for oi, i in enumerate(order):
        (a, b) = edges[i]
        east = max(a[0], b[0])
        for j in order[oi + 1 :]:
            c, d = edges[j]
            if min(c[0], d[0]) > east:
                break
            if abs(i - j) == 1 or {i, j} == {0, n - 1}:
                # Neighbours share a corner; they cross only if they fold back over each other.
                if _collinear_overlap(a, b, c, d):
                    first, second = sorted((i, j))
                    return first + 1, second + 1, b if j == i + 1 else a
                continue
            at = _intersection(a, b, c, d)
            if at is not None:
                first, second = sorted((i, j))
                return first + 1, second + 1, at
    return None


def _position(value: Any) -> Point | None:
    if not isinstance(value, list | tuple) or len(value) < 2:
        return None
    lon, lat = value[0], value[1]
    if isinstance(lon, bool) or isinstance(lat, bool) or not isinstance(lon, int | float):
        return None
    if not isinstance(lat, int | float) or not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return float(lon), float(lat)


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _intersection(a: Point, b: Point, c: Point, d: Point) -> Point | None:
    d1, d2 = _cross(c, d, a), _cross(c, d, b)
    d3, d4 = _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        t = d1 / (d1 - d2)
        return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
    for p, s, e, side in ((a, c, d, d1), (b, c, d, d2), (c, a, b, d3), (d, a, b, d4)):
        if side == 0 and _on_segment(p, s, e):
            return p
    return None


def _collinear_overlap(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Two neighbouring edges that lie on one line and run back over each other."""
    if _cross(a, b, c) != 0 or _cross(a, b, d) != 0:
        return False
    ux, uy = b[0] - a[0], b[1] - a[1]
    vx, vy = d[0] - c[0], d[1] - c[1]
    return ux * vx + uy * vy < 0


def _fmt(point: Point) -> str:
    return f"({point[0]:.6f}, {point[1]:.6f})"
