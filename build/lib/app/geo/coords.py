"""Reading coordinates as operators type them: decimal degrees or degrees-minutes-seconds.

Accepted: ``34.0522, -118.2437`` · ``34.0522 -118.2437`` · ``34°03'08"N 118°14'37"W`` ·
``34 3 8.0 N, 118 14 37 W`` · ``34d03m08s N 118d14m37s W``. A hemisphere letter (capital, so
that it is not confused with the ``s`` of seconds) overrides the sign.
"""

from __future__ import annotations

import re


class CoordinateError(ValueError):
    pass


_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_PART = re.compile(
    rf"""^\s*(?P<h1>[NSEW])?\s*
    (?P<deg>{_NUMBER})\s*(?:°|º|d|deg|\s)?\s*
    (?:(?P<min>\d+(?:[.,]\d+)?)\s*(?:'|′|m|min|\s)?\s*)?
    (?:(?P<sec>\d+(?:[.,]\d+)?)\s*(?:"|″|''|s|sec)?\s*)?
    (?P<h2>[NSEW])?\s*$""",
    re.VERBOSE,
)


def _split(text: str) -> tuple[str, str]:
    text = text.strip()
    if ";" in text:
        a, b = text.split(";", 1)
        return a, b
    if text.count(",") == 1 and not re.search(r"\d,\d", text.replace(", ", ",X")):
        a, b = text.split(",", 1)
        return a, b
    # "N34 03 08 W118 14 37" or "34 03 08 N 118 14 37 W": cut after the first hemisphere letter
    m = re.search(r"[NS]", text)
    if m:
        cut = m.end() if text[: m.start()].strip() else None
        if cut is None:
            rest = re.search(r"[EW]", text[m.end() :])
            if rest:
                cut = m.end() + rest.start()
        if cut:
            return text[:cut], text[cut:]
    parts = text.replace(",", " ").split()
    if len(parts) == 2:
        return parts[0], parts[1]
    raise CoordinateError(f"cannot tell latitude from longitude in {text!r}; separate them with a comma")


def _value(part: str, axis: str) -> float:
    m = _PART.match(part.replace(",", "."))
    if not m:
        raise CoordinateError(f"{axis} {part.strip()!r} is not decimal degrees or degrees-minutes-seconds")
    deg = float(m["deg"])
    minutes = float(m["min"]) if m["min"] else 0.0
    seconds = float(m["sec"]) if m["sec"] else 0.0
    if minutes >= 60 or seconds >= 60:
        raise CoordinateError(f"{axis} {part.strip()!r}: minutes and seconds must be below 60")
    value = abs(deg) + minutes / 60 + seconds / 3600
    sign = -1.0 if deg < 0 or str(m["deg"]).startswith("-") else 1.0
    hemi = m["h1"] or m["h2"] or ""
    if hemi:
        if (axis == "latitude" and hemi not in "NS") or (axis == "longitude" and hemi not in "EW"):
            raise CoordinateError(f"{axis} {part.strip()!r} has hemisphere {hemi}")
        sign = -1.0 if hemi in "SW" else 1.0
    return sign * value


def parse_coordinates(text: str) -> tuple[float, float]:
    """Return (latitude, longitude) or raise :class:`CoordinateError` saying what is wrong."""
    if not text.strip():
        raise CoordinateError("no coordinates given")
    a, b = _split(text)
    lat, lon = _value(a, "latitude"), _value(b, "longitude")
    if not -90 <= lat <= 90:
        raise CoordinateError(f"latitude {lat:g} is out of range [-90, 90]")
    if not -180 <= lon <= 180:
        raise CoordinateError(f"longitude {lon:g} is out of range [-180, 180]")
    return lat, lon


def looks_like_coordinates(text: str) -> bool:
    return bool(re.match(r"^\s*[NSEW+-]?\s*\d", text))
