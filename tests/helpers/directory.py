"""A database of another center, for the media directory."""

from __future__ import annotations

import psutil

from app.video.simulator_process import SimulatorProcess


def upstream_sessions(sim: SimulatorProcess) -> int:
    """RTSP sessions the simulator serves: TCP connections to its port, from any process."""
    return sum(
        1 for c in psutil.net_connections(kind="tcp")
        if c.raddr and c.raddr.port == sim.port and c.status == psutil.CONN_ESTABLISHED
    )  # fmt: skip
