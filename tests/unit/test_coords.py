"""Operators type coordinates in decimal or degrees-minutes-seconds; both must land right."""

from __future__ import annotations

import pytest

from app.geo.coords import CoordinateError, looks_like_coordinates, parse_coordinates


@pytest.mark.parametrize(
    "text",
    [
        "34.0522, -118.2437",
        "34.0522 -118.2437",
        "34.0522;-118.2437",
        "34°03'07.9\"N 118°14'37.3\"W",
        "34°03'07.9\"N, 118°14'37.3\"W",
        "34 3 7.9 N, 118 14 37.3 W",
        "N34°03'07.9\" W118°14'37.3\"",
        "34d03m07.9s N 118d14m37.3s W",
    ],
)
def test_accepted_forms(text: str) -> None:
    lat, lon = parse_coordinates(text)
    assert lat == pytest.approx(34.0522, abs=1e-4)
    assert lon == pytest.approx(-118.2437, abs=1e-4)


def test_southern_and_eastern_hemispheres() -> None:
    lat, lon = parse_coordinates("33°51'S 151°12'E")
    assert lat == pytest.approx(-33.85) and lon == pytest.approx(151.2)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no coordinates"),
        ("95, 10", "latitude 95 is out of range"),
        ("34, 200", "longitude 200 is out of range"),
        ("34 61 0 N, 118 0 0 W", "below 60"),
        ("Figueroa and 7th", "latitude"),
        ("34°N 118°N", "hemisphere N"),
    ],
)
def test_rejected_with_reason(text: str, reason: str) -> None:
    with pytest.raises(CoordinateError, match=reason):
        parse_coordinates(text)


def test_looks_like_coordinates() -> None:
    assert looks_like_coordinates("34.05, -118.2")
    assert looks_like_coordinates("N34 03")
    assert not looks_like_coordinates("Sunset Liquor")
