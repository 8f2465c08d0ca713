"""Running one of our own services (simulator, media service) as a child process.

Each runs in its own process so that GLib's or libVLC's threads never share a process with the
console's Qt loop, and each exits when its parent closes its stdin, so none is left behind.
The child prints ``READY <url>`` once it serves.
"""

from __future__ import annotations

import collections
import logging
import queue
import subprocess
import sys
import threading

log = logging.getLogger(__name__)


class ServiceError(RuntimeError):
    pass


class ChildService:
    name = "service"

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.args = args
        self.env = env  # None: this process's environment
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str] = queue.Queue()
        self._pump_thread: threading.Thread | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=60)
        self._closing = False

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def last_output(self) -> str:
        return "\n".join(self._tail)

    # A bound, not a wait: a child that is alive is waited for this long. Beside the demo's 200
    # simulated cameras and a test run (load average 36 on two cores) the simulator took over 20 s.
    def start(self, timeout: float = 90.0) -> ChildService:
        self._closing = False
        # In a PyInstaller bundle the program itself is the interpreter's place: `rtcc ARGS`.
        program = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "app"]
        cmd = [*program, *self.args, "--exit-with-stdin"]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env=self.env,
        )
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()
        self.url = self.expect("READY", timeout).split()[1]
        return self

    def _pump(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for line in proc.stdout:
            self._tail.append(line.rstrip("\n"))
            self._lines.put(line.rstrip("\n"))
        self._lines.put("EXIT")
        code = proc.wait()
        if not self._closing:
            # Died on its own: say so where someone will read it, with its last words.
            log.error("%s exited unexpectedly (exit code %s); its last output:\n%s",
                      self.name, code, "\n".join(self._tail))  # fmt: skip

    def expect(self, prefix: str, timeout: float) -> str:
        seen: list[str] = []
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise ServiceError(
                    f"{self.name} did not answer {prefix!r} in {timeout}s: {seen[-5:]}"
                ) from None
            if line.startswith(prefix):
                return line
            if line == "EXIT":
                raise ServiceError(f"{self.name} exited: {' | '.join(seen[-10:])}")
            seen.append(line)

    def send(self, command: str, expect: str | None = None) -> None:
        if self._proc is None or self._proc.stdin is None:
            raise ServiceError(f"{self.name} is not running")
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        if expect:
            self.expect(expect, 10.0)

    @property
    def pid(self) -> int:
        return self._proc.pid if self._proc is not None else 0

    def close(self) -> None:
        if self._proc is None:
            return
        self._closing = True
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

    def __enter__(self) -> ChildService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class MediaProcess(ChildService):
    name = "media service"

    def __init__(self, database_url: str, host: str = "127.0.0.1", port: int = 0, *,
                 record_segment_s: float | None = None, record_limit: int = 0,
                 recordings_dir: str = "", divisions: str | None = None, name: str = "") -> None:  # fmt: skip
        args = ["--database", database_url, "media", "--host", host, "--port", str(port)]
        if divisions is not None:
            args += ["--divisions", divisions]
        if name:
            args += ["--name", name]
        if record_segment_s is not None:
            args += ["--record", "--segment-seconds", str(record_segment_s)]
            if record_limit:
                args += ["--record-limit", str(record_limit)]
            if recordings_dir:
                args += ["--recordings", recordings_dir]
        super().__init__(args)
