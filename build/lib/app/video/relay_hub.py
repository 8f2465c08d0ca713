"""Every camera stream the media service pulls, once each: live viewers and the recorder share a
relay per camera and stream kind (``"<camera id>/<main|sub>"``)."""

from __future__ import annotations

import threading

from app.video.relay import Relay


class RelayHub:
    def __init__(self, *, open_timeout_s: float = 5.0, linger_s: float = 5.0) -> None:
        self.open_timeout_s = open_timeout_s
        self.linger_s = linger_s
        self.relays: dict[str, Relay] = {}
        self.pulls: dict[str, int] = {}  # how many times each stream was pulled from its camera
        self.lock = threading.Lock()

    def relay(self, key: str, url: str) -> Relay:
        """The running relay of ``key``, or a new pull of ``url`` if there is none (or it died)."""
        with self.lock:
            relay = self.relays.get(key)
            if relay is None or not relay.alive:
                relay = Relay(key, url, linger_s=self.linger_s, open_timeout_s=self.open_timeout_s,
                              on_stopped=self._forget)  # fmt: skip
                self.relays[key] = relay
                self.pulls[key] = self.pulls.get(key, 0) + 1
                relay.start()
            return relay

    def _forget(self, relay: Relay) -> None:
        with self.lock:
            if self.relays.get(relay.key) is relay:
                del self.relays[relay.key]

    def snapshot(self) -> tuple[dict[str, Relay], dict[str, int]]:
        with self.lock:
            return dict(self.relays), dict(self.pulls)

    def stop_all(self) -> None:
        relays, _ = self.snapshot()
        for relay in relays.values():
            relay.stop()
        for relay in relays.values():
            relay.join(2)
