"""Could a camera see a point? Its view cone: heading, field-of-view angle and range."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.geo.geometry import haversine_m


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def angle_between(a: float, b: float) -> float:
    """Smallest difference between two bearings, 0..180."""
    d = abs(a - b) % 360.0
    return 360.0 - d if d > 180.0 else d


@dataclass(frozen=True)
class View:
    distance_m: float
    bearing_deg: float
    off_axis_deg: float
    in_cone: bool


def view_of(cam_lat: float, cam_lon: float, heading: float, fov: float, range_m: float,
            lat: float, lon: float) -> View:  # fmt: skip
    distance = haversine_m(cam_lat, cam_lon, lat, lon)
    if distance < 1.0:  # standing at the camera: it sees the spot around it
        return View(distance, heading, 0.0, True)
    bearing = bearing_deg(cam_lat, cam_lon, lat, lon)
    off_axis = angle_between(bearing, heading)
    return View(distance, bearing, off_axis, distance <= range_m and off_axis <= fov / 2.0)
