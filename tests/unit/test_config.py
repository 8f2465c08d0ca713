"""Settings come from defaults, then the config file, then the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, load_settings


def test_defaults_put_sqlite_in_the_data_folder(isolated_dirs: Path) -> None:
    s = load_settings()
    assert s.effective_database_url == f"sqlite:///{isolated_dirs / 'data' / 'rtcc.sqlite'}"
    assert s.theme == "dark"


def test_config_file_overrides_defaults_and_environment_overrides_file(
    isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = isolated_dirs / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('theme = "light"\ndatabase_url = "sqlite:////srv/file.sqlite"\nsimulator_port = 9000\n')
    s = load_settings()
    assert (s.theme, s.database_url, s.simulator_port) == ("light", "sqlite:////srv/file.sqlite", 9000)
    monkeypatch.setenv("RTCC_DATABASE_URL", "postgresql://rtcc@db.local/rtcc")
    s = load_settings()
    assert s.effective_database_url == "postgresql://rtcc@db.local/rtcc"
    assert s.theme == "light"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('theme = "purple"', "theme"),
        ("simulator_port = 99999", "simulator_port"),
        ("colour = 1", "unknown setting 'colour'"),
        ("theme = ", "cannot read config file"),
    ],
)
def test_bad_config_file_names_the_setting(isolated_dirs: Path, content: str, message: str) -> None:
    cfg = isolated_dirs / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(content)
    with pytest.raises(ConfigError, match=message) as info:
        load_settings()
    assert str(cfg) in str(info.value)


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCC_SIMULATOR_PORT", "eighty")
    with pytest.raises(ConfigError, match="RTCC_SIMULATOR_PORT"):
        load_settings()
