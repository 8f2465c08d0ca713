"""`pip install .` (not editable) carries everything the program needs: the migrations, the map
page and icons (as data files under the environment's share/rtcc), the desktop entry; the
installed copy finds them and runs with no checkout beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_an_installed_wheel_carries_migrations_resources_and_runs_without_the_checkout(
    tmp_path: Path,
) -> None:
    # Built from a copy: setuptools writes build/ and *.egg-info into the tree it builds.
    source = tmp_path / "source"
    skip = shutil.ignore_patterns(
        ".venv", ".git", "build", "*.egg-info", "__pycache__", "installer", "*.sqlite*", ".*_cache"
    )
    shutil.copytree(ROOT, source, ignore=skip)
    shutil.copytree(ROOT / "installer" / "linux", source / "installer" / "linux")
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    # No build isolation: the suite runs with no network, and the test extras carry setuptools.
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)]
    built = subprocess.run(build, capture_output=True,
                           text=True, timeout=600, cwd=tmp_path)  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("rtcc_console-*.whl")

    # A fresh environment: the wheel installed into it, the dependencies borrowed from this one
    # (a path in a .pth file: this environment's editable hook is not loaded).
    # The new environment's own pip: `pip install --prefix` from this one would first uninstall
    # this environment's copy of the package (it did, and took the `rtcc` command with it).
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    env_pip = [str(env_dir / "bin" / "python"), "-m", "pip", "-q", "--disable-pip-version-check"]
    installed = subprocess.run([*env_pip, "install", "--no-deps", "--no-index", str(wheel)],
                               capture_output=True, text=True, timeout=600, cwd=tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert (ROOT / ".venv" / "bin" / "rtcc").exists() or not (ROOT / ".venv").exists(), (
        "this environment untouched"
    )
    site = next(env_dir.glob("lib/python3*/site-packages"))
    deps = next(p for p in map(Path, sys.path) if p.name == "site-packages" and (p / "sqlalchemy").is_dir())
    (site / "borrowed_dependencies.pth").write_text(f"{deps}\n")

    python = env_dir / "bin" / "python"
    probe = (
        "import app, app.resources as r, app.models.db as db; "
        "print(app.__file__); print(r.resource_root()); print(db.head_revision())"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)} | {"HOME": str(tmp_path / "home")}
    done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    module, resources, head = done.stdout.split()
    assert Path(module).is_relative_to(site), "the installed copy, not the checkout"
    assert Path(resources) == env_dir / "share" / "rtcc" / "resources"
    for needed in ("web/map.js", "web/map.css", "web/vendor/leaflet/leaflet.js", "icons/rtcc.svg",
                   "web/vendor/leaflet.markercluster/leaflet.markercluster.js", "dispatch/eido.mapping.json",
                   "dispatch/generic_call_types.csv"):  # fmt: skip
        assert (Path(resources) / needed).is_file(), needed
    assert (env_dir / "share" / "applications" / "rtcc-console.desktop").is_file()
    migrations = sorted(
        p.name for p in (Path(module).parent / "models" / "migrations" / "versions").glob("0*.py")
    )
    assert migrations == sorted(p.name for p in (ROOT / "app/models/migrations/versions").glob("0*.py"))
    assert head == migrations[-1].split("_")[0]

    # The installed command migrates a new database and answers.
    database = tmp_path / "fresh.sqlite"
    command = [str(env_dir / "bin" / "rtcc"), "--database", f"sqlite:///{database}", "cameras", "list"]
    listed = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert database.is_file()
