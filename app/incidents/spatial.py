"""A grid index of camera positions, so ranking cameras for an incident looks only nearby.

Cells are fixed squares of latitude and longitude (0.005°, about 550 m north-south); a query
turns the search radius into a latitude-aware box (a degree of longitude shrinks with the cosine
of the latitude) and visits only the cells it touches. Exact distances and the view-cone test
then run on those few cameras. Built once per registry snapshot, in O(n).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence

from app.models.rows import CameraRow

CELL_DEG = 0.005
M_PER_DEG_LAT = 111_320.0


class CameraIndex:
    def __init__(self, cameras: Sequence[CameraRow]) -> None:
        self.cameras = list(cameras)
        self._cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, cam in enumerate(self.cameras):
            self._cells[self._cell(cam.latitude, cam.longitude)].append(i)

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG)

    def __len__(self) -> int:
        return len(self.cameras)

    def near(self, lat: float, lon: float, radius_m: float) -> Iterator[CameraRow]:
        """Every camera in the box around the point that holds the circle of ``radius_m``
        (a superset of those within the radius; the caller measures exactly)."""
        dlat = radius_m / M_PER_DEG_LAT
        dlon = radius_m / (M_PER_DEG_LAT * max(0.01, math.cos(math.radians(lat))))
        lat0, lon0 = self._cell(lat - dlat, lon - dlon)
        lat1, lon1 = self._cell(lat + dlat, lon + dlon)
        for i in range(lat0, lat1 + 1):
            for j in range(lon0, lon1 + 1):
                for k in self._cells.get((i, j), ()):
                    yield self.cameras[k]
