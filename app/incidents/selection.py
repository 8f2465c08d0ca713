"""Which registered cameras could have seen an incident, best first, each with the reason.

Within the search radius, cameras whose view cone contains the incident point come first, then
the others by distance. Cameras that governance excludes (retired, consent revoked, registered
only) are listed too, greyed, with why, so the operator knows what exists but may not be used.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.geo.visibility import view_of
from app.governance.gate import why_not_used
from app.incidents.spatial import CameraIndex
from app.models.enums import CameraStatus, SharingTerms
from app.models.rows import CameraRow

DEFAULT_RADIUS_M = 300.0


@dataclass(frozen=True)
class Candidate:
    camera: CameraRow
    distance_m: float
    in_view: bool
    usable: bool
    reason: str

    @property
    def label(self) -> str:
        return f"{'in view' if self.in_view else 'nearby, facing away'}, {self.distance_m:.0f} m"


def rank_cameras(cameras: list[CameraRow] | CameraIndex, lat: float, lon: float,
                 radius_m: float = DEFAULT_RADIUS_M) -> list[Candidate]:  # fmt: skip
    """Cameras within ``radius_m`` of the point, best first. Given a :class:`CameraIndex`, only
    the cameras near the point are measured (what makes a city of 100,000 cameras instant)."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"incident location {lat}, {lon} is not a place on Earth")
    if radius_m <= 0:
        raise ValueError("the search radius must be more than 0 m")
    found: list[Candidate] = []
    nearby = cameras.near(lat, lon, radius_m) if isinstance(cameras, CameraIndex) else cameras
    for cam in nearby:
        view = view_of(cam.latitude, cam.longitude, cam.heading_deg, cam.fov_deg, cam.range_m, lat, lon)
        if view.distance_m > radius_m:
            continue
        refused = why_not_used(cam)
        reason = f"{'in view' if view.in_cone else 'nearby, facing away'}, {view.distance_m:.0f} m"
        if refused:
            reason = f"excluded: {refused}"
        elif cam.sharing_terms == SharingTerms.RECORDED_ON_REQUEST:
            reason += "; footage on request from the owner"
        if not refused and cam.status == CameraStatus.OFFLINE:
            # Still worth its recordings from before it went down. What the registry says, not
            # what the stream does: a console that plays it says so beside this.
            reason += "; marked offline in the registry"
        found.append(Candidate(cam, view.distance_m, view.in_cone, refused is None, reason))
    found.sort(
        key=lambda c: (not c.usable, not c.in_view, c.camera.status == CameraStatus.OFFLINE, c.distance_m)
    )
    return found
