"""Where an export can go: mounted removable drives and network shares, with their free space.

Read from ``/proc/mounts`` and ``/sys/block/*/removable`` on Linux; elsewhere (or when nothing
is found) the operator picks a folder. Pseudo file systems and the system's own mounts are left
out so the list shows what an evidence technician would plug in or map.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

NETWORK_TYPES = {"cifs", "smb3", "nfs", "nfs4", "sshfs", "fuse.sshfs", "9p"}
SKIP_PREFIXES = ("/proc", "/sys", "/dev", "/run/user", "/boot", "/snap", "/var/lib/docker")


@dataclass(frozen=True)
class Target:
    path: Path
    kind: str  # "removable", "network share"
    device: str
    free: int
    total: int

    @property
    def label(self) -> str:
        return f"{self.path}  ({self.kind}, {self.free / 1e9:,.1f} GB free of {self.total / 1e9:,.1f} GB)"


def _removable(device: str, sys_block: Path) -> bool:
    name = Path(device).name
    for block in (name, name.rstrip("0123456789"), name.rsplit("p", 1)[0]):
        flag = sys_block / block / "removable"
        if flag.is_file():
            return flag.read_text().strip() == "1"
    return False


def list_targets(mounts: Path = Path("/proc/mounts"), sys_block: Path = Path("/sys/block")) -> list[Target]:
    found: list[Target] = []
    try:
        lines = mounts.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        device, where, fstype = parts[0], parts[1].replace("\\040", " "), parts[2]
        if where.startswith(SKIP_PREFIXES) or where == "/":
            continue
        if fstype in NETWORK_TYPES:
            kind = "network share"
        elif device.startswith("/dev/") and _removable(device, sys_block):
            kind = "removable"
        else:
            continue
        try:
            usage = shutil.disk_usage(where)
        except OSError:
            continue
        if not os.access(where, os.W_OK):
            continue
        found.append(Target(Path(where), kind, device, usage.free, usage.total))
    return found
