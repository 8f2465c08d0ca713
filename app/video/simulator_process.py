"""Running the camera simulator as a child process, for the demo and the test fixtures.

The simulator lives in its own process so that GStreamer's main loop never shares a process with
Qt's, and so that it dies with its parent (it exits when its stdin closes).
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path

from app.video.simulator import mount_path


class SimulatorError(RuntimeError):
    pass


class SimulatorProcess:
    def __init__(self, cameras: int, *, host: str = "127.0.0.1", port: int = 0,
                 labels_file: Path | None = None) -> None:  # fmt: skip
        self.cameras = cameras
        self.host = host
        self.requested_port = port
        self.labels_file = labels_file
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str] = queue.Queue()
        self._pump_thread: threading.Thread | None = None

    def start(self, timeout: float = 20.0) -> SimulatorProcess:
        cmd = [sys.executable, "-m", "app", "simulate", "--cameras", str(self.cameras), "--host", self.host,
               "--port", str(self.requested_port), "--exit-with-stdin"]  # fmt: skip
        if self.labels_file:
            cmd += ["--labels", str(self.labels_file)]
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()
        line = self._expect("READY", timeout)
        self.port = int(line.split()[1].rsplit(":", 1)[1])
        return self

    def _pump(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put("EXIT")

    def _expect(self, prefix: str, timeout: float) -> str:
        seen: list[str] = []
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise SimulatorError(
                    f"simulator did not answer {prefix!r} in {timeout}s: {seen[-5:]}"
                ) from None
            if line.startswith(prefix):
                return line
            if line == "EXIT":
                raise SimulatorError(f"simulator exited: {' | '.join(seen[-10:])}")
            seen.append(line)

    def _send(self, command: str) -> None:
        if self._proc is None or self._proc.stdin is None:
            raise SimulatorError("simulator is not running")
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        self._expect(f"OK {command}", 10.0)

    def stop_camera(self, index: int) -> None:
        self._send(f"stop {index}")

    def start_camera(self, index: int) -> None:
        self._send(f"start {index}")

    def url(self, index: int, stream: str = "main") -> str:
        return f"rtsp://{self.host}:{self.port}{mount_path(index, stream)}"

    @property
    def base_url(self) -> str:
        return f"rtsp://{self.host}:{self.port}"

    def close(self) -> None:
        if self._proc is None:
            return
        try:
            if self._proc.stdin:
                self._proc.stdin.close()
            self._proc.wait(timeout=5)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            self._proc.kill()
            self._proc.wait()
        if self._pump_thread is not None:
            self._pump_thread.join(5)
        if self._proc.stdout:
            self._proc.stdout.close()
        self._proc = None

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
