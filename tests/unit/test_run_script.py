"""``./run`` on a fresh machine: another package manager holding the apt lock is waited for (it
failed at once with exit 100 while unattended upgrades ran), and a real failure still fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def fake_apt_get(folder: Path, locked_times: int, then_exit: int = 0) -> Path:
    """An apt-get that reports a held lock ``locked_times`` times, then exits ``then_exit``."""
    counter = folder / "calls"
    script = folder / "apt-get"
    script.write_text(
        "#!/bin/sh\n"
        f'n=$(cat "{counter}" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "{counter}"\n'
        f"if [ $n -le {locked_times} ]; then\n"
        '  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242" >&2\n'
        "  exit 100\n"
        "fi\n"
        f'echo "$@" >> "{folder / "args"}"\n'
        f"exit {then_exit}\n"
    )
    script.chmod(0o755)
    return script


def run_setup(tmp_path: Path, apt_get: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "RUN_APT_GET": str(apt_get),
        "RUN_EXTRA_APT_PACKAGES": "rtcc-test-package-that-is-not-installed",
        "RUN_APT_LOCK_WAIT_S": "0",
        "RUN_APT_LOCK_TRIES": "5",
    }
    return subprocess.run(["./run", "setup"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(os.geteuid() != 0, reason="./run installs system packages only as root")
def test_a_held_apt_lock_is_waited_for(tmp_path: Path) -> None:
    result = run_setup(tmp_path, fake_apt_get(tmp_path, locked_times=2))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("another package manager holds the apt lock; waiting") == 2
    calls = (tmp_path / "args").read_text().splitlines()
    assert calls[0].endswith("update -qq")
    assert "install" in calls[1] and "rtcc-test-package-that-is-not-installed" in calls[1]


@pytest.mark.skipif(os.geteuid() != 0, reason="./run installs system packages only as root")
def test_a_lock_that_is_never_released_and_a_real_failure_still_fail(tmp_path: Path) -> None:
    stuck = run_setup(tmp_path, fake_apt_get(tmp_path, locked_times=99))
    assert stuck.returncode == 100 and "Could not get lock" in stuck.stderr
    (tmp_path / "calls").unlink()
    broken = run_setup(tmp_path, fake_apt_get(tmp_path, locked_times=0, then_exit=100))
    assert broken.returncode == 100 and "waiting" not in broken.stderr
