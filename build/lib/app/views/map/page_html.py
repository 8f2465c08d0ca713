"""Builds the map page with folium, pointing every script and stylesheet at the console's own
``rtcc://app/`` assets instead of a CDN. No registry data goes into the HTML: the console
pushes it after the page reports ready, so a camera name can never become markup."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

ASSET_BASE = "rtcc://app/"
TILE_SCHEME_URL = "rtcc://tiles/{z}/{x}/{y}.png"


@dataclass(frozen=True)
class MapConfig:
    tile_url: str = ""
    attribution: str = ""
    mbtiles: str = ""
    max_zoom: int = 19

    @property
    def effective_tile_url(self) -> str:
        if self.mbtiles:
            return TILE_SCHEME_URL
        return self.tile_url

    def tile_origin(self) -> str:
        """The origin a Content-Security-Policy must allow images from, if any."""
        url = self.effective_tile_url
        if not url or url.startswith("rtcc:"):
            return ""
        from urllib.parse import urlsplit

        parts = urlsplit(url.replace("{s}", "a"))
        return f"{parts.scheme}://{parts.netloc.replace('a.', '*.', 1) if '{s}' in url else parts.netloc}"


class OfflineMap(folium.Map):
    """folium's Map with its CDN assets replaced by the vendored copies."""

    default_js = [  # noqa: RUF012 (folium reads these class attributes)
        ("leaflet", ASSET_BASE + "vendor/leaflet/leaflet.js"),
        ("markercluster", ASSET_BASE + "vendor/leaflet.markercluster/leaflet.markercluster.js"),
    ]
    default_css = [  # noqa: RUF012
        ("leaflet_css", ASSET_BASE + "vendor/leaflet/leaflet.css"),
        ("markercluster_css", ASSET_BASE + "vendor/leaflet.markercluster/MarkerCluster.css"),
        ("markercluster_default_css", ASSET_BASE + "vendor/leaflet.markercluster/MarkerCluster.Default.css"),
        ("rtcc_css", ASSET_BASE + "map.css"),
    ]


class _Start(MacroElement):
    """Hands folium's map object to the page script once Leaflet has created it."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "RtccMap.start({{ this._parent.get_name() }}, {{ this.config }});"
        "{% endmacro %}"
    )

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        # json.dumps escapes "<", U+2028 and friends only with ensure_ascii; "</" is split too.
        self.config = json.dumps(config, ensure_ascii=True).replace("</", "<\\/")


def build_map_html(config: MapConfig) -> str:
    fmap = OfflineMap(
        location=[34.05, -118.35], zoom_start=10, tiles=None, prefer_canvas=True, control_scale=True,
        max_zoom=config.max_zoom,
    )  # fmt: skip
    root = cast(Figure, fmap.get_root())
    img_src = " ".join(x for x in ("rtcc:", "data:", config.tile_origin()) if x)
    csp = (
        "default-src rtcc:; script-src rtcc: qrc: 'unsafe-inline'; style-src rtcc: 'unsafe-inline'; "
        f"img-src {img_src}; connect-src 'none'; frame-src 'none'; object-src 'none'; form-action 'none'"
    )
    root.header.add_child(Element(f'<meta http-equiv="Content-Security-Policy" content="{csp}">'), name="csp")
    root.header.add_child(Element(f'<script src="{ASSET_BASE}map.js"></script>'), name="rtcc_js")
    fmap.add_child(
        _Start(
            {
                "tileUrl": config.effective_tile_url,
                "attribution": config.attribution,
                "maxZoom": config.max_zoom,
            }
        )
    )
    return str(root.render())
