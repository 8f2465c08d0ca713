"""``report.html``: the printable, human-readable summary of a case package.

Static HTML with no script and a Content-Security-Policy that forbids any; every value from the
registry or the case (camera names, notes) is escaped. The map of the cameras is an inline SVG
drawn from their coordinates and fields of view, so it needs no tiles and no network.
"""

from __future__ import annotations

import html
import math
from typing import Any

CSS = """
body { font: 11pt/1.4 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 2em; }
h1 { font-size: 18pt; margin-bottom: 0; }
h2 { font-size: 13pt; border-bottom: 1px solid #999; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border: 1px solid #bbb; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #eee; }
code, .hash { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
.fp { font: bold 12pt "DejaVu Sans Mono", monospace; }
.stills { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0; width: 320px; } figure img { width: 100%; } figcaption { font-size: 9pt; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def camera_map_svg(cameras: list[dict[str, Any]], incidents: list[dict[str, Any]], size: int = 520) -> str:
    points = [(c["latitude"], c["longitude"]) for c in cameras] + [
        (i["latitude"], i["longitude"]) for i in incidents
    ]
    if not points:
        return ""
    lat0 = sum(p[0] for p in points) / len(points)
    kx = 111_320 * math.cos(math.radians(lat0))
    ky = 110_540
    xs = [(lon * kx, -lat * ky) for lat, lon in points]
    reach = max([c.get("range_m", 0) for c in cameras] + [i.get("radius_m", 0) for i in incidents] + [50])
    minx, maxx = min(x for x, _ in xs) - reach, max(x for x, _ in xs) + reach
    miny, maxy = min(y for _, y in xs) - reach, max(y for _, y in xs) + reach
    scale = (size - 40) / max(maxx - minx, maxy - miny)

    def at(lat: float, lon: float) -> tuple[float, float]:
        return 20 + (lon * kx - minx) * scale, 20 + (-lat * ky - miny) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" role="img" '
        f'aria-label="cameras of the case"><rect width="100%" height="100%" fill="#f4f4f0"/>'
    ]
    for inc in incidents:
        x, y = at(inc["latitude"], inc["longitude"])
        r = inc.get("radius_m", 0) * scale
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#d33" fill-opacity="0.08" stroke="#d33"/>'
        )
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#d33"/>')
    for n, cam in enumerate(cameras, 1):
        x, y = at(cam["latitude"], cam["longitude"])
        heading, half, rng = (
            cam.get("heading_deg", 0),
            cam.get("fov_deg", 0) / 2,
            cam.get("range_m", 0) * scale,
        )
        if rng > 0 and half > 0:
            a0, a1 = math.radians(heading - half), math.radians(heading + half)
            x0, y0 = x + rng * math.sin(a0), y - rng * math.cos(a0)
            x1, y1 = x + rng * math.sin(a1), y - rng * math.cos(a1)
            large = 1 if half * 2 > 180 else 0
            parts.append(
                f'<path d="M{x:.1f},{y:.1f} L{x0:.1f},{y0:.1f} A{rng:.1f},{rng:.1f} 0 {large} 1 '
                f'{x1:.1f},{y1:.1f} Z" fill="#2a6fdb" fill-opacity="0.18" stroke="#2a6fdb"/>'
            )
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2a6fdb"/>')
        parts.append(f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" font-size="11">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_report(manifest: dict[str, Any], custody: list[dict[str, Any]]) -> str:
    case = manifest["case"]
    cams = manifest["cameras"]
    by_id = {c["id"]: c for c in cams}
    key = manifest["signing_key"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; "
        "style-src 'unsafe-inline'\">",
        f"<title>Case {_e(case['number'])} evidence report</title><style>{CSS}</style></head><body>",
        f"<h1>Case {_e(case['number'])}: {_e(case.get('title', ''))}</h1>",
        f"<p>Package <code>{_e(manifest['package_id'])}</code>, made {_e(manifest['created_at'])} by "
        f"{_e(manifest['created_by'])} on {_e(manifest['workstation'])} with "
        f"{_e(manifest['software']['name'])} {_e(manifest['software']['version'])}. "
        f"Times are UTC; {_zone_note(manifest.get('time_zone', ''))}.</p>",
        "<p>Manifest signed with Ed25519 key fingerprint:<br>"
        f'<span class="fp">{_e(key["fingerprint"])}</span><br>Check it against the fingerprint the agency '
        "publishes; verify the package with <code>rtcc verify</code> or "
        "<code>sha256sum -c SHA256SUMS</code>.</p>",
    ]
    if case.get("notes"):
        out.append(f"<p>{_e(case['notes'])}</p>")
    if manifest["incidents"]:
        out.append(
            "<h2>Incidents</h2><table><tr><th>Number</th><th>Type</th><th>Reported (UTC)</th>"
            "<th>Location</th><th>Notes</th></tr>"
        )
        for inc in manifest["incidents"]:
            out.append(
                f"<tr><td>{_e(inc['number'])}</td><td>{_e(inc['type'])}</td><td>{_e(inc['reported_at'])}"
                f"</td><td>{inc['latitude']:.6f}, {inc['longitude']:.6f}</td><td>{_e(inc['notes'])}</td></tr>"
            )
        out.append("</table>")
    out.append("<h2>Cameras</h2>")
    out.append(camera_map_svg(cams, manifest["incidents"]))
    out.append(
        "<table><tr><th>#</th><th>Camera</th><th>Owner</th><th>Location</th><th>View</th><th>Stream</th></tr>"
    )
    for n, cam in enumerate(cams, 1):
        out.append(
            f"<tr><td>{n}</td><td>{_e(cam['name'])}</td><td>{_e(cam['owner'])} ({_e(cam['owner_type'])})</td>"
            f"<td>{cam['latitude']:.6f}, {cam['longitude']:.6f}</td><td>heading {cam['heading_deg']:.0f}°, "
            f"{cam['fov_deg']:.0f}° wide, {cam['range_m']:.0f} m</td><td>{_e(cam['stream'])}</td></tr>"
        )
    out.append(
        "</table><h2>Footage</h2><table><tr><th>Camera</th><th>Requested (UTC)</th><th>Actual (UTC)</th>"
        "<th>Working copy</th><th>Originals</th></tr>"
    )
    for w in manifest["windows"]:
        cam = by_id.get(w["camera_id"], {"name": "?"})
        originals = "<br>".join(f"<code>{_e(p)}</code>" for p in w["originals"])
        out.append(
            f"<tr><td>{_e(cam['name'])}</td><td>{_e(w['requested_start'])} – {_e(w['requested_end'])}</td>"
            f"<td>{_e(w['actual_start'])} – {_e(w['actual_end'])}</td>"
            f"<td><code>{_e(w['working_copy'])}</code>"
            f"<br>{_e(w['derivation'])}</td><td>{originals}</td></tr>"
        )
    out.append("</table>")
    if manifest["bookmarks"]:
        out.append('<h2>Bookmarks</h2><div class="stills">')
        for b in manifest["bookmarks"]:
            cam = by_id.get(b["camera_id"], {"name": "?"})
            out.append(
                f'<figure><img src="{_e(b["still"])}" alt="still"><figcaption>{_e(cam["name"])}, '
                f"{_e(b['frame_at'])}<br>{_e(b['note'])}</figcaption></figure>"
            )
        out.append("</div>")
    out.append("<h2>Files</h2><table><tr><th>File</th><th>Kind</th><th>Bytes</th><th>SHA-256</th></tr>")
    for f in manifest["files"]:
        out.append(
            f"<tr><td><code>{_e(f['path'])}</code></td><td>{_e(f['kind'])}</td><td>{f['size']:,}</td>"
            f'<td class="hash">{_e(f["sha256"])}</td></tr>'
        )
    out.append(
        "</table><h2>Chain of custody</h2><table><tr><th>Time (UTC)</th><th>Item</th><th>Action</th>"
        "<th>User @ workstation</th><th>Reason</th><th>Event hash</th></tr>"
    )
    for ev in custody:
        out.append(
            f"<tr><td>{_e(ev['at'])}</td><td><code>{_e(ev['file'])}</code></td><td>{_e(ev['action'])}</td>"
            f"<td>{_e(ev['user'])} @ {_e(ev['workstation'])}</td><td>{_e(ev['reason'])}</td>"
            f'<td class="hash">{_e(ev["hash"])}</td></tr>'
        )
    out.append("</table></body></html>")
    return "\n".join(out)


def _zone_note(zone: str) -> str:
    """Older packages exported from the command line carry an empty zone ("local time zone .")."""
    return f"local time zone {_e(zone)}" if zone.strip() else "the local time zone was not recorded"
