"""libVLC behind a small driver: one engine per process, one player per tile surface, for live
streams (the wall) and recorded files (the offline review) alike.

No Qt here: a tile hands the driver its native window handle, or decodes into memory where no
native window can host libVLC. The driver never lets text in a
URL become a libVLC option: only http, https, rtsp and rtsps URLs without whitespace are
accepted, and they are opened with ``media_new_location``, which takes the URL as a location
and parses no options from it. Nothing here is called from a libVLC callback: tiles poll the
player's state and statistics on the GUI thread (libVLC is not re-entrant).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vlc

from app.registry.urls import UrlError, check_stream_url
from app.video.frame_sink import FrameSink

DEFAULT_NETWORK_CACHING_MS = 50


@dataclass(frozen=True)
class PlayerStats:
    decoded: int = 0
    displayed: int = 0
    lost: int = 0
    read_bytes: int = 0
    input_kbps: float = 0.0


class VlcEngine:
    """The process's libVLC instance, set for live viewing with low delay."""

    def __init__(
        self, network_caching_ms: int = DEFAULT_NETWORK_CACHING_MS, extra_args: list[str] | None = None
    ):
        self.network_caching_ms = network_caching_ms
        args = [
            "--aout=dummy",  # --no-audio alone still probes PulseAudio
            "--no-audio",
            "--no-xlib",
            "--quiet",
            "--no-video-title-show",
            "--no-snapshot-preview",
            "--no-osd",
            f"--network-caching={network_caching_ms}",
            "--clock-jitter=0",
            "--clock-synchro=0",
            "--drop-late-frames",
            "--skip-frames",
            # Frame threading holds one frame per thread; one thread keeps a live tile current.
            "--avcodec-threads=1",
            # Every tile probed VA-API and VDPAU, then decoded through a VA-API chroma filter; the
            # tiles draw through X11 (no GL), so decoded frames end in main memory anyway.
            "--avcodec-hw=none",
            # X11 output cannot scale, so swscale fits every picture to its tile: bicubic (the
            # default) cost a 16-tile wall about 0.4% of a core per tile more than fast bilinear.
            "--swscale-mode=0",
            # The prefetch filter kept a 16 MiB ring per stream and filled it at the stream's rate:
            # 16 MB per tile after five minutes (256 MB for a 16-tile wall), never read back by a
            # live view. 1 MiB is two seconds of a 4 Mb/s main stream; the buffer only grows to
            # the read size when that is larger, so both are set.
            "--prefetch-buffer-size=1024",
            "--prefetch-read-size=65536",
            *(extra_args or []),
        ]
        self.instance = vlc.Instance(args)
        if self.instance is None:
            raise RuntimeError("libVLC could not start; is vlc-plugin-base installed?")

    @staticmethod
    def version() -> str:
        raw = vlc.libvlc_get_version()
        return raw.decode() if isinstance(raw, bytes) else str(raw)


# libVLC states in which a player must be started again before it seeks or pauses.
_IDLE = ("ended", "stopped", "error", "nothingspecial")


class Player:
    """One libVLC media player drawing into one native window (or into memory)."""

    def __init__(self, engine: VlcEngine, software_size: tuple[int, int] | None = None) -> None:
        """``software_size`` (width, height) decodes into memory instead of a native window."""
        self.engine = engine
        self.player = engine.instance.media_player_new()
        self.sink: FrameSink | None = None
        if software_size is not None:
            self.sink = FrameSink(self.player, *software_size)
        self.player.video_set_mouse_input(False)
        self.player.video_set_key_input(False)
        self.url = ""
        self._media: Any = None
        self._released = False

    def set_window(self, handle: int) -> None:
        if sys.platform.startswith("linux"):
            self.player.set_xwindow(handle)
        elif sys.platform == "win32":
            self.player.set_hwnd(handle)
        elif sys.platform == "darwin":
            self.player.set_nsobject(handle)

    def play(self, url: str) -> None:
        try:
            checked = check_stream_url(url)
        except UrlError as exc:
            raise ValueError(f"refusing to play: URL {exc}") from exc
        # Credentials injected at play time stay in the URL handed to libVLC, never in self.url.
        self.url = checked.url
        media = self.engine.instance.media_new_location(url.strip())
        self.player.set_media(media)  # the player holds a reference of its own
        self._release_media()
        self._media = media
        self.player.play()

    def open_file(self, path: Path) -> None:
        """A recorded file (a package's working copy), opened but not started."""
        media = self.engine.instance.media_new_path(str(path))
        self.player.set_media(media)
        self._release_media()
        self._media = media
        self.url = path.as_uri()

    def start(self) -> None:
        self.player.play()

    def needs_start(self) -> bool:
        """Ended, stopped or never started: libVLC seeks and pauses only a running input."""
        return self.state() in _IDLE

    def is_opening(self) -> bool:
        """Opening or buffering: libVLC ignores seeks and pauses until the input runs."""
        return self.state() in ("opening", "buffering")

    def seek_ms(self, offset_ms: int) -> None:
        self.player.set_time(int(offset_ms))

    def time_ms(self) -> int:
        """Where the player is in its file (-1 before it runs)."""
        return int(self.player.get_time())

    def set_paused(self, paused: bool) -> None:
        self.player.set_pause(1 if paused else 0)

    def next_frame(self) -> None:
        self.player.next_frame()

    def set_rate(self, rate: float) -> None:
        self.player.set_rate(rate)

    def fps(self) -> float:
        return float(self.player.get_fps() or 0.0)

    def _release_media(self) -> None:
        # python-vlc never releases a media object by itself: each reconnect leaked one (about
        # 60-100 kB measured; a tile whose camera is down reconnects every few seconds).
        if self._media is not None:
            self._media.release()
            self._media = None

    def stop(self) -> None:
        if self._released:
            return
        self.player.stop()
        self._release_media()

    def release(self) -> None:
        """Free the libVLC player; once only: a second release (a wall released, then its window
        closed) stopped a freed player and crashed the process."""
        if self._released:
            return
        self._released = True
        self.player.stop()
        self._release_media()
        self.player.release()

    def state(self) -> str:
        if self._released:
            return "stopped"
        return str(self.player.get_state()).rsplit(".", 1)[-1].lower()

    def stats(self) -> PlayerStats:
        if self._media is None:
            return PlayerStats()
        s = vlc.MediaStats()
        if not self._media.get_stats(s):
            return PlayerStats()
        return PlayerStats(
            decoded=int(s.decoded_video),
            displayed=int(s.displayed_pictures),
            lost=int(s.lost_pictures),
            read_bytes=int(s.read_bytes),
            input_kbps=float(s.input_bitrate) * 8000.0,
        )
