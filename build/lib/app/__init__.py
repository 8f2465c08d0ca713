"""RTCC operator console: camera registry, division map, video wall, evidence export."""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "rtcc"
