"""The layers of docs/architecture.md, as import-linter contracts in pyproject.toml: no Qt below
the views, no GStreamer outside the simulator, no view but the composition root importing the
console's window, no circle in the import graph (type-only imports included), core packages
importing only those below them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout and "6 kept" in result.stdout


def test_the_console_and_the_command_line_start_without_gstreamer() -> None:
    """PyGObject is needed only by the simulator: importing the console's and the media
    service's modules with ``gi`` made unimportable must work."""
    code = (
        "import sys; sys.modules['gi'] = None\n"
        "import app.cli, app.main, app.video.media_service, app.video.simulator_process\n"
        "print('ok')"
    )
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "ok", result.stderr[-3000:]
