"""The one settings object: built-in defaults, then the config file, then the environment.

Every part of the program receives a :class:`Settings` from the composition root rather than
reading the environment itself, so tests can build one pointing at temporary folders.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from app import APP_NAME

ENV_PREFIX = "RTCC_"


class ConfigError(ValueError):
    """The config file or an environment variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    log_dir: Path
    config_dir: Path
    database_url: str = ""
    db_busy_timeout_s: float = 5.0
    theme: str = "dark"
    simulator_host: str = "127.0.0.1"
    simulator_port: int = 8554
    demo_live_cameras: int = 200
    media_host: str = "127.0.0.1"
    media_port: int = 8765
    # libVLC's network caching for live tiles: the lowest that played smoothly from the simulator.
    network_caching_ms: int = 50
    log_level: str = "INFO"
    # IANA zone for reported times; the default is this machine's zone.
    time_zone: str = ""
    # Base map: an agency tile server URL template ({z}/{x}/{y}) or a local MBTiles file; neither
    # leaves the divisions on a plain background.
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    map_mbtiles: str = ""
    # Where the media service writes segments and consoles read them (a shared folder when the
    # service runs on another machine); empty means <data folder>/recordings.
    recordings_dir: str = ""
    # A media service this console starts records too (0: it only relays live video). The demo
    # records this many of its cameras: the simulator encodes every pulled stream on this machine.
    record_cameras: int = 0
    demo_record_cameras: int = 9
    segment_seconds: float = 60.0
    # When the recorder believes a camera's clock (docs/manual.md, "Camera clocks"): arrival less
    # the camera's time within this many seconds, drifting less than this a minute, its stream
    # running at real time within this share, and no jump beyond this, for this long in a row.
    clock_max_offset_seconds: float = 2.0
    clock_max_drift_seconds_per_minute: float = 0.5
    clock_rate_tolerance: float = 0.05
    clock_max_jump_seconds: float = 0.5
    clock_probation_seconds: float = 20.0
    # Once accounts exist, the console locks after this long without keyboard or mouse input.
    lock_after_minutes: float = 10.0
    # This workstation's own divisions, comma-separated ("Hollywood, Wilshire"): its center's.
    # A camera of another division needs a stated purpose, as a private camera does, and the
    # audit log marks the view. Empty: every division is home (a single center).
    home_divisions: str = ""
    # The divisions whose cameras `rtcc media` on this machine serves and records ("": all).
    media_divisions: str = ""
    # Dispatch intake (`rtcc intake serve`): where the feeds' mapping files are and where CAD
    # systems drop calls as files (FEED/incoming/); "" is "intake" in the data folder.
    intake_dir: str = ""
    intake_host: str = "127.0.0.1"
    intake_port: int = 8770
    # Whether this console puts calls that a dispatch rule opened on its walls (a wall machine,
    # a desk with its own wall); every console of the division is alerted either way.
    rule_walls: bool = True
    # Where hand-offs to responding officers are delivered: the folder the agency's mobile data
    # system watches ("": "handoffs" in the data folder). The media service serves their links.
    handoff_dir: str = ""
    # The address officers' phones open hand-off links at (a reverse proxy in front of the media
    # services' /h/ pages, e.g. https://rtcc.agency.example); "": the media service's own.
    handoff_public_url: str = ""
    sources: tuple[str, ...] = field(default=(), compare=False)

    @property
    def effective_database_url(self) -> str:
        """The database URL in use: the configured one, or SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'rtcc.sqlite'}"

    @property
    def demo_database_url(self) -> str:
        """The demo keeps its sample city apart from the agency's own registry."""
        return f"sqlite:///{self.data_dir / 'demo.sqlite'}"

    @property
    def effective_time_zone(self) -> str:
        return self.time_zone or system_time_zone()

    @property
    def media_url(self) -> str:
        return f"http://{self.media_host}:{self.media_port}"

    @property
    def effective_recordings_dir(self) -> Path:
        return Path(self.recordings_dir) if self.recordings_dir else self.data_dir / "recordings"

    @property
    def effective_handoff_dir(self) -> Path:
        return Path(self.handoff_dir) if self.handoff_dir else self.data_dir / "handoffs"

    @property
    def effective_intake_dir(self) -> Path:
        return Path(self.intake_dir) if self.intake_dir else self.data_dir / "intake"

    @property
    def home_division_names(self) -> frozenset[str]:
        return frozenset(n.strip() for n in self.home_divisions.split(",") if n.strip())

    @property
    def ui_state_path(self) -> Path:
        return self.config_dir / "ui-state.ini"


_FIELD_TYPES: dict[str, type] = {
    "database_url": str,
    "db_busy_timeout_s": float,
    "theme": str,
    "simulator_host": str,
    "simulator_port": int,
    "demo_live_cameras": int,
    "media_host": str,
    "media_port": int,
    "network_caching_ms": int,
    "log_level": str,
    "time_zone": str,
    "map_tile_url": str,
    "map_tile_attribution": str,
    "map_mbtiles": str,
    "recordings_dir": str,
    "record_cameras": int,
    "demo_record_cameras": int,
    "segment_seconds": float,
    "clock_max_offset_seconds": float,
    "clock_max_drift_seconds_per_minute": float,
    "clock_rate_tolerance": float,
    "clock_max_jump_seconds": float,
    "clock_probation_seconds": float,
    "lock_after_minutes": float,
    "home_divisions": str,
    "media_divisions": str,
    "intake_dir": str,
    "intake_host": str,
    "intake_port": int,
    "rule_walls": bool,
    "handoff_dir": str,
    "handoff_public_url": str,
    "data_dir": Path,
    "log_dir": Path,
}


def _coerce(name: str, raw: Any, origin: str) -> Any:
    kind = _FIELD_TYPES[name]
    if kind is bool:  # bool("false") is True: read the words people write
        words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
                 "off": False}  # fmt: skip
        if isinstance(raw, bool):
            return raw
        if str(raw).strip().lower() in words:
            return words[str(raw).strip().lower()]
        raise ConfigError(f"{origin}: setting '{name}' must be true or false, got {raw!r}")
    try:
        value = kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: setting '{name}' must be {kind.__name__}, got {raw!r}") from exc
    if name == "theme" and value not in ("dark", "light"):
        raise ConfigError(f"{origin}: setting 'theme' must be 'dark' or 'light', got {raw!r}")
    if name in ("simulator_port", "media_port", "intake_port") and not 0 <= value <= 65535:
        raise ConfigError(f"{origin}: setting '{name}' must be a TCP port, got {raw!r}")
    if name == "handoff_public_url" and value and not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
        raise ConfigError(f"{origin}: setting '{name}' must be an http(s) address such as "
                          f"https://rtcc.agency.example, got {raw!r}")  # fmt: skip
    return value


def system_time_zone() -> str:
    """This machine's IANA zone name (from /etc/localtime or TZ), or UTC when it cannot tell."""
    if os.environ.get("TZ", "").strip(":"):
        return os.environ["TZ"].strip(":")
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return "UTC"
    return target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "UTC"


def default_config_file(config_dir: Path) -> Path:
    return config_dir / "config.toml"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read defaults, then the TOML config file, then ``RTCC_*`` environment variables."""
    env = dict(os.environ if environ is None else environ)
    config_dir = Path(env.get("RTCC_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))
    values: dict[str, Any] = {
        "data_dir": Path(platformdirs.user_data_dir(APP_NAME)),
        "log_dir": Path(platformdirs.user_log_dir(APP_NAME)),
    }
    sources = ["defaults"]

    config_file = Path(env["RTCC_CONFIG"]) if env.get("RTCC_CONFIG") else default_config_file(config_dir)
    if config_file.exists():
        try:
            with config_file.open("rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{config_file}: cannot read config file: {exc}") from exc
        for key, raw in data.items():
            if key not in _FIELD_TYPES:
                raise ConfigError(f"{config_file}: unknown setting '{key}'")
            values[key] = _coerce(key, raw, str(config_file))
        sources.append(str(config_file))

    for key in _FIELD_TYPES:
        env_key = ENV_PREFIX + key.upper()
        if env_key in env and env[env_key] != "":
            values[key] = _coerce(key, env[env_key], f"environment {env_key}")
            sources.append(env_key)

    return Settings(config_dir=config_dir, sources=tuple(sources), **values)


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, **changes)
