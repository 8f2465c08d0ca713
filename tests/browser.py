"""A real browser for the tests: Debian's headless Chromium, driven over the DevTools protocol on
a pipe (``--remote-debugging-pipe``: JSON messages separated by NUL on file descriptors 3 and 4),
so no WebSocket client or driver is needed. Used for pages outsiders open (the officers' link)."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from typing import Any


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("no Chromium: install Debian's package (`apt-get install chromium`; ./run test does)")


class Browser:
    def __init__(self, width: int = 390, height: int = 844, mobile: bool = True) -> None:
        self.width, self.height, self.mobile = width, height, mobile
        self._profile = tempfile.mkdtemp(prefix="rtcc-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # The child's descriptors 3 and 4 must be these pipes; move them out of the way first.
        high_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)

        command = [chromium_path(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-extensions", "--mute-audio", "--autoplay-policy=no-user-gesture-required",
                   f"--user-data-dir={self._profile}", "--remote-debugging-pipe", "about:blank"]  # fmt: skip
        # bash (dash takes one-digit descriptors only) puts the pipes on 3 and 4 and execs Chromium:
        # a preexec_fn (Python in the forked child) deadlocked once the services' event loops ran.
        wire = f'exec 3<&{high_r} 4>&{high_w} {high_r}<&- {high_w}>&-; exec "$0" "$@"'
        self.process = subprocess.Popen(["/bin/bash", "-c", wire, *command], pass_fds=(high_r, high_w),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        for fd in (to_child_r, from_child_w, high_r, high_w):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.session = ""

    def call(
        self, method: str, params: dict[str, Any] | None = None, timeout_s: float = 30
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})  # type: ignore[no-any-return]
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raise TimeoutError(f"{method}: no answer in {timeout_s} s")

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        metrics = {"width": self.width, "height": self.height, "deviceScaleFactor": 2, "mobile": self.mobile}
        self.call("Emulation.setDeviceMetricsOverride", metrics)
        self.call("Page.enable")
        self.call("Page.navigate", {"url": url})

    def evaluate(self, expression: str) -> Any:
        """Run a DevTools expression (not the page's own script: its CSP does not apply)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def screenshot(self, path: str) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.session = ""
            self.call("Browser.close", timeout_s=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_child)
        os.close(self._from_child)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
