"""The demo's sample city: the 21 LAPD geographic areas and about 200 registered cameras.

Area names and station locations are real (taken from the stations' street addresses; positions
to about 100 m). The area *boundaries* are not: each is the Voronoi cell of its station, cut to
a box around it, and is marked approximate in the data and the UI. The cameras, owners and
sharing terms are invented, deterministically from a seed, so every demo shows the same city.
An agency replaces all of it by importing its own GeoJSON.
"""

from __future__ import annotations

import math
import random
import zlib
from typing import Any

from app.geo.geometry import LocalProjection, Point, clip_half_plane, point_in_polygon
from app.registry.formats import RawDivision, RawRow

# (area, station latitude, station longitude)
LAPD_STATIONS: tuple[tuple[str, float, float], ...] = (
    ("Central", 34.0442, -118.2473),
    ("Rampart", 34.0567, -118.2673),
    ("Hollenbeck", 34.0446, -118.2131),
    ("Northeast", 34.1193, -118.2494),
    ("Newton", 34.0122, -118.2562),
    ("Southwest", 34.0103, -118.3050),
    ("Harbor", 33.7575, -118.2891),
    ("77th Street", 33.9705, -118.2782),
    ("Southeast", 33.9386, -118.2750),
    ("Hollywood", 34.0958, -118.3308),
    ("Wilshire", 34.0467, -118.3427),
    ("West Los Angeles", 34.0437, -118.4501),
    ("Pacific", 33.9918, -118.4199),
    ("Olympic", 34.0503, -118.2916),
    ("Van Nuys", 34.1837, -118.4487),
    ("North Hollywood", 34.1722, -118.3861),
    ("Foothill", 34.2531, -118.4105),
    ("Devonshire", 34.2566, -118.5331),
    ("West Valley", 34.1936, -118.5363),
    ("Mission", 34.2723, -118.4682),
    ("Topanga", 34.2166, -118.5998),
)

CELL_HALF_WIDTH_M = 7000.0
_ORIGIN = LocalProjection(34.05, -118.35)

_BUSINESSES = (
    "Liquor", "Market", "Auto Repair", "Laundromat", "Pharmacy", "Taqueria", "Donuts", "Gas & Go",
    "Hardware", "Pawn", "Tire Shop", "Dental", "Bakery", "Check Cashing", "Motel", "Car Wash",
)  # fmt: skip
_STREETS = (
    "Figueroa", "Vermont", "Western", "Sunset", "Pico", "Olympic", "Broadway", "Alvarado",
    "Crenshaw", "Slauson", "Florence", "Sepulveda", "Van Nuys", "Lankershim", "Reseda", "Cesar Chavez",
)  # fmt: skip
_AGENCIES = ("LADOT", "LA Metro", "City of Los Angeles", "LAUSD", "Port of Los Angeles")


def _cell(index: int) -> list[Point]:
    _, lat, lon = LAPD_STATIONS[index]
    cx, cy = _ORIGIN.to_xy(lat, lon)
    h = CELL_HALF_WIDTH_M
    poly: list[Point] = [(cx - h, cy - h), (cx + h, cy - h), (cx + h, cy + h), (cx - h, cy + h)]
    for j, (_, lat2, lon2) in enumerate(LAPD_STATIONS):
        if j != index:
            poly = clip_half_plane(poly, (cx, cy), _ORIGIN.to_xy(lat2, lon2))
    return poly


def division_boundaries() -> list[RawDivision]:
    out = []
    for i, (name, lat, lon) in enumerate(LAPD_STATIONS):
        ring = [_ORIGIN.to_latlon(x, y) for x, y in _cell(i)]
        coords = [[round(lo, 6), round(la, 6)] for la, lo in ring]
        coords.append(coords[0])
        out.append(RawDivision(i + 1, name, {"type": "Polygon", "coordinates": [coords]}, lat, lon, True))
    return out


def sample_cameras(
    count: int = 200, *, rtsp_base: str = "rtsp://127.0.0.1:8554", seed: int = 7
) -> list[RawRow]:
    """Cameras spread over the areas; camera *n* streams from the simulator's ``camNNN`` mounts."""
    rng = random.Random(seed)
    cells = [_cell(i) for i in range(len(LAPD_STATIONS))]

    def inside(area: int, cx: float, cy: float, radius: float) -> tuple[float, float]:
        while True:
            r = radius * math.sqrt(rng.random())
            a = rng.uniform(0, 2 * math.pi)
            x, y = cx + r * math.cos(a), cy + r * math.sin(a)
            if point_in_polygon((x, y), cells[area]):
                return x, y

    # Cameras gather where businesses do: a few commercial corners per area, each with several
    # registered cameras within a couple of hundred metres.
    corners = []
    for area, (_, slat, slon) in enumerate(LAPD_STATIONS):
        sx, sy = _ORIGIN.to_xy(slat, slon)
        corners.append([inside(area, sx, sy, 2500) for _ in range(2)])
    rows: list[RawRow] = []
    for n in range(1, count + 1):
        area = (n - 1) % len(LAPD_STATIONS)
        name_area, _, _ = LAPD_STATIONS[area]
        cx, cy = rng.choice(corners[area])
        x, y = inside(area, cx, cy, 160)
        lat, lon = _ORIGIN.to_latlon(x, y)
        kind = rng.choices(("business", "resident", "public_agency"), weights=(55, 25, 20))[0]
        street = rng.choice(_STREETS)
        if kind == "business":
            owner = f"{street} {rng.choice(_BUSINESSES)}"
            terms = rng.choices(("live_and_recorded", "recorded_on_request", "registered_only"), (5, 3, 2))[0]
            contact = f"manager@{owner.lower().replace(' ', '').replace('&', 'and')}.example"
        elif kind == "resident":
            owner = f"Resident, {rng.randrange(1, 99) * 100} block {street}"
            terms = rng.choices(("recorded_on_request", "registered_only", "live_and_recorded"), (5, 4, 1))[0]
            # One household, one number (two cameras of one block once had two, which the import
            # now refuses). The draw stays so that the rest of the sample city is unchanged.
            rng.randrange(0, 10000)
            contact = f"+1-213-555-{zlib.crc32(owner.encode()) % 10000:04d}"
        else:
            owner = rng.choice(_AGENCIES)
            terms = "live_and_recorded"
            contact = "rtcc-liaison@agency.example"
        consent = (
            f"2026-{rng.randrange(1, 11):02d}-{rng.randrange(1, 28):02d}T{rng.randrange(8, 18):02d}:00:00Z"
        )
        revoked = "2026-11-20T12:00:00Z" if kind != "public_agency" and rng.random() < 0.04 else ""
        status = "offline" if rng.random() < 0.05 else "active"
        label = "Traffic" if kind == "public_agency" else street
        values: dict[str, Any] = {
            "name": f"{name_area[:3].upper()}-{n:03d} {label} {rng.choice(('N', 'S', 'E', 'W'))}",
            "owner_name": owner,
            "owner_type": kind,
            "owner_contact": contact,
            "latitude": f"{lat:.6f}",
            "longitude": f"{lon:.6f}",
            "heading_deg": str(rng.randrange(0, 360, 5)),
            "fov_deg": str(rng.choice((60, 75, 90, 110))),
            "range_m": str(rng.choice((40, 60, 80, 120, 150))),
            "main_url": f"{rtsp_base}/cam{n:03d}/main",
            "sub_url": f"{rtsp_base}/cam{n:03d}/sub",
            "sharing_terms": terms,
            "consent_granted_at": consent,
            "consent_revoked_at": revoked,
            "retention_days": str(rng.choice((7, 14, 30, 30, 30, 90)) if kind != "public_agency" else 30),
            "status": status,
            # Every third live-sharing business allows live viewing only during an incident
            # (derived from n, not drawn, so the rest of the sample city stays as it was).
            "live_window": "active_incident" if kind == "business" and n % 3 == 0 else "always",
            "division": name_area,
            "notes": "sample data",
        }
        rows.append(RawRow(n, {k: str(v) for k, v in values.items()}))
    return rows


# Street addresses of the area stations (the demo's gazetteer).
STATION_ADDRESSES: dict[str, str] = {
    "Central": "251 E 6th St", "Rampart": "1401 W 6th St", "Hollenbeck": "2111 E 1st St",
    "Northeast": "3353 San Fernando Rd", "Newton": "3400 S Central Ave",
    "Southwest": "1546 W Martin Luther King Jr Blvd", "Harbor": "2175 John S Gibson Blvd, San Pedro",
    "77th Street": "7600 S Broadway", "Southeast": "145 W 108th St", "Hollywood": "1358 N Wilcox Ave",
    "Wilshire": "4861 W Venice Blvd", "West Los Angeles": "1663 Butler Ave", "Pacific": "12312 Culver Blvd",
    "Olympic": "1130 S Vermont Ave", "Van Nuys": "6240 Sylmar Ave", "North Hollywood": "11640 Burbank Blvd",
    "Foothill": "12760 Osborne St, Pacoima", "Devonshire": "10250 Etiwanda Ave, Northridge",
    "West Valley": "19020 Vanowen St, Reseda", "Mission": "11121 N Sepulveda Blvd, Mission Hills",
    "Topanga": "21501 Schoenborn St, Canoga Park",
}  # fmt: skip


def station_places() -> list[Any]:
    from app.registry.gazetteer import Match

    return [
        Match(f"{STATION_ADDRESSES[name]} (LAPD {name} station)", lat, lon)
        for name, lat, lon in LAPD_STATIONS
    ]
