"""Small-area geometry: metres around a reference point, polygon clipping, point in polygon.

An equirectangular projection around a local origin is accurate to well under 0.1% across a
city, which is all a camera registry needs.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8

Point = tuple[float, float]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


class LocalProjection:
    """Maps latitude/longitude to metres east/north of an origin, and back."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self._kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
        self._ky = math.radians(1) * EARTH_RADIUS_M

    def to_xy(self, lat: float, lon: float) -> Point:
        return (lon - self.lon0) * self._kx, (lat - self.lat0) * self._ky

    def to_latlon(self, x: float, y: float) -> Point:
        return self.lat0 + y / self._ky, self.lon0 + x / self._kx


def clip_half_plane(poly: list[Point], a: Point, b: Point) -> list[Point]:
    """Keep the part of ``poly`` that is at least as close to ``a`` as to ``b`` (one Voronoi cut)."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    nx, ny = b[0] - a[0], b[1] - a[1]

    def side(p: Point) -> float:
        return (p[0] - mx) * nx + (p[1] - my) * ny

    out: list[Point] = []
    for i, cur in enumerate(poly):
        prev = poly[i - 1]
        sc, sp = side(cur), side(prev)
        if sc <= 0:
            if sp > 0:
                out.append(_cross(prev, cur, sp, sc))
            out.append(cur)
        elif sp <= 0:
            out.append(_cross(prev, cur, sp, sc))
    return out


def _cross(p: Point, q: Point, sp: float, sq: float) -> Point:
    t = sp / (sp - sq)
    return p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])


def point_in_polygon(pt: Point, poly: list[Point]) -> bool:
    x, y = pt
    inside = False
    for i, (x1, y1) in enumerate(poly):
        x2, y2 = poly[i - 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside
