"""An incident belongs to the division whose boundary holds its point, the same whatever order the
divisions were read in."""

from __future__ import annotations

from datetime import UTC, datetime

from app.geo.divisions import DivisionMap
from app.incidents.service import IncidentInput, IncidentStore
from app.registry.sample_city import LAPD_STATIONS
from app.registry.service import Registry


def square(west: float, south: float, east: float, north: float) -> dict[str, object]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


WEST = ("West Valley", square(-118.6, 34.0, -118.5, 34.1))
EAST = ("East Valley", square(-118.5, 34.0, -118.4, 34.1))


def test_a_point_inside_is_its_division_and_outside_is_none() -> None:
    divisions = DivisionMap([WEST, EAST])
    assert divisions.division_of(34.05, -118.55) == "West Valley"
    assert divisions.division_of(34.05, -118.45) == "East Valley"
    assert divisions.division_of(35.0, -118.45) is None


def test_a_point_on_a_shared_edge_goes_to_the_same_division_whatever_the_order() -> None:
    on_edge = (34.05, -118.5)
    assert DivisionMap([WEST, EAST]).division_of(*on_edge) == "East Valley"  # first by name
    assert DivisionMap([EAST, WEST]).division_of(*on_edge) == "East Valley"
    # A shared corner too.
    assert DivisionMap([EAST, WEST]).division_of(34.0, -118.5) == "East Valley"


def test_a_hole_is_not_part_of_the_division() -> None:
    outer = [[-118.6, 34.0], [-118.4, 34.0], [-118.4, 34.2], [-118.6, 34.2], [-118.6, 34.0]]
    hole = [[-118.55, 34.05], [-118.45, 34.05], [-118.45, 34.15], [-118.55, 34.15], [-118.55, 34.05]]
    ring_road = ("Ring", {"type": "Polygon", "coordinates": [outer, hole]})
    island = ("Island", square(-118.55, 34.05, -118.45, 34.15))
    divisions = DivisionMap([ring_road, island])
    assert divisions.division_of(34.1, -118.5) == "Island"
    assert divisions.division_of(34.01, -118.59) == "Ring"


def test_an_incident_is_saved_with_the_division_that_holds_its_point(city_registry: Registry) -> None:
    store = IncidentStore(city_registry.sessions)
    name, lat, lon = next(s for s in LAPD_STATIONS if s[0] == "Hollywood")
    saved = store.create(IncidentInput("HW-1", "robbery", datetime.now(UTC), "UTC", lat, lon, 300.0), [])
    assert saved.division == name and store.get(saved.id).division == name
    far = store.create(IncidentInput("SEA-1", "robbery", datetime.now(UTC), "UTC", 47.6, -122.3, 300.0), [])
    assert far.division == ""
