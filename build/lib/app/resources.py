"""Where the program's resources (the map page's scripts and styles, icons) are, however it was
installed: beside the source in a checkout or an editable install, under ``share/rtcc`` of the
environment after ``pip install .`` (the wheel's data files), or inside a PyInstaller bundle."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def resource_root() -> Path:
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    candidates.append(Path(sys.prefix) / "share" / "rtcc" / "resources")
    for candidate in candidates:
        if (candidate / "web" / "map.js").is_file():
            return candidate
    raise FileNotFoundError(
        "the program's resources (map page, icons) are missing; looked in "
        + ", ".join(str(c) for c in candidates)
        + ". Reinstall the program."
    )
