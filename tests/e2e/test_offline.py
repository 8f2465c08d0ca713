"""When ``./run test`` runs as root, the suite has no route out: this proves it."""

from __future__ import annotations

import os
import socket

import pytest


@pytest.mark.skipif(
    os.environ.get("RTCC_TESTS_OFFLINE") != "1", reason="suite not started by ./run test as root"
)
def test_there_is_no_route_out() -> None:
    with pytest.raises(OSError), socket.create_connection(("1.1.1.1", 443), timeout=2):
        pass
    with socket.socket() as s:  # loopback still works for the simulator and the media service
        s.bind(("127.0.0.1", 0))
