"""The camera simulator as a child process, for the demo and the test fixtures."""

from __future__ import annotations

from pathlib import Path

from app.video.child_service import ChildService
from app.video.child_service import ServiceError as SimulatorError
from app.video.misbehaviour import Misbehaviour
from app.video.mounts import mount_path

__all__ = ["SimulatorError", "SimulatorProcess"]


class SimulatorProcess(ChildService):
    name = "simulator"

    def __init__(self, cameras: int, *, host: str = "127.0.0.1", port: int = 0,
                 labels_file: Path | None = None, fps: int = 15,
                 shared_encoder: bool = False,
                 misbehaving: dict[int, Misbehaviour] | None = None) -> None:  # fmt: skip
        args = ["simulate", "--cameras", str(cameras), "--host", host, "--port", str(port), "--fps", str(fps)]
        for index, faults in (misbehaving or {}).items():
            args += ["--misbehave", f"{index}:{faults.spec()}"]
        if labels_file:
            args += ["--labels", str(labels_file)]
        if shared_encoder:
            args.append("--shared-encoder")
        super().__init__(args)
        self.cameras = cameras
        self.host = host

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def base_url(self) -> str:
        return f"rtsp://{self.host}:{self.port}"

    def url_of(self, index: int, stream: str = "main") -> str:
        return f"{self.base_url}{mount_path(index, stream)}"

    def stop_camera(self, index: int) -> None:
        self.send(f"stop {index}", f"OK stop {index}")

    def start_camera(self, index: int) -> None:
        self.send(f"start {index}", f"OK start {index}")

    def freeze_camera(self, index: int) -> None:
        """The camera's sessions stay up but it sends no more frames, until :meth:`thaw_camera`."""
        self.send(f"freeze {index}", f"OK freeze {index}")

    def thaw_camera(self, index: int) -> None:
        self.send(f"thaw {index}", f"OK thaw {index}")

    def misbehave(self, index: int, faults: Misbehaviour) -> None:
        """From now on camera ``index`` claims its frames as ``faults`` says."""
        self.send(f"misbehave {index} {faults.spec()}", f"OK misbehave {index}")

    def jump_clock(self, index: int, seconds: float) -> None:
        """Camera ``index``'s clock jumps by ``seconds`` (an NTP correction)."""
        self.send(f"jump {index} {seconds:g}", f"OK jump {index}")

    def stall(self, index: int, seconds: float) -> None:
        """Camera ``index``'s link stalls for ``seconds``, then bursts."""
        self.send(f"stall {index} {seconds:g}", f"OK stall {index}")

    def __enter__(self) -> SimulatorProcess:
        self.start()
        return self
