"""Camera credentials live only in the keyring: never in the database, exports, logs or errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from app.logging_setup import setup_logging
from app.registry import credentials
from app.registry.formats import RawRow
from app.registry.records import validate_camera
from app.registry.service import ImportFailed, Registry
from tests.helpers.registry_rows import GOOD, write_csv

SECRET = "Hunter2-very-secret"
WITH_CREDS = GOOD | {
    "main_url": f"rtsp://admin:{SECRET}@10.9.9.9:554/main",
    "sub_url": f"rtsp://viewer:{SECRET}x@10.9.9.9:554/sub",
}


def db_bytes(db_url: str) -> bytes:
    path = Path(db_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_credentials_go_to_the_keyring_not_the_database(
    registry: Registry, file_keyring: PlaintextKeyring, db_url: str, tmp_path: Path
) -> None:
    rec, _ = validate_camera(WITH_CREDS)
    assert rec is not None
    row = registry.add(rec)
    assert row.main_url == "rtsp://10.9.9.9:554/main"
    assert row.has_credentials
    assert SECRET.encode() not in db_bytes(db_url)
    assert b"admin" not in db_bytes(db_url)
    assert credentials.load(row.uid, "main") == ("admin", SECRET)
    assert credentials.inject(row.main_url, row.uid, "main") == f"rtsp://admin:{SECRET}@10.9.9.9:554/main"
    assert credentials.inject(row.sub_url, row.uid, "sub") == f"rtsp://viewer:{SECRET}x@10.9.9.9:554/sub"

    for name in ("out.csv", "out.geojson"):
        registry.export_file(tmp_path / name)
        text = (tmp_path / name).read_text()
        assert SECRET not in text and "admin" not in text


def test_editing_without_credentials_keeps_the_stored_ones(
    registry: Registry, file_keyring: PlaintextKeyring
) -> None:
    row = registry.add(validate_camera(WITH_CREDS)[0])  # type: ignore[arg-type]
    rec, _ = validate_camera(row.to_fields() | {"notes": "edited"})
    updated = registry.update(row.id, rec)  # type: ignore[arg-type]
    assert updated.has_credentials
    assert credentials.load(row.uid, "main") == ("admin", SECRET)


def test_imported_credentials_are_stripped(
    registry: Registry, file_keyring: PlaintextKeyring, tmp_path: Path, db_url: str
) -> None:
    registry.import_file(write_csv(tmp_path / "c.csv", [WITH_CREDS]))
    row = registry.list_cameras()[0]
    assert credentials.load(row.uid, "main") == ("admin", SECRET)
    assert SECRET.encode() not in db_bytes(db_url)


def test_no_keyring_is_a_clear_error_and_nothing_is_saved(
    registry: Registry, no_keyring: None, tmp_path: Path
) -> None:
    with pytest.raises(ImportFailed) as info:
        registry.import_file(write_csv(tmp_path / "c.csv", [GOOD | {"name": "plain"}, WITH_CREDS]))
    message = str(info.value)
    assert "No OS keyring" in message and "PYTHON_KEYRING_BACKEND" in message
    assert "line 3, field 'main_url'" in message
    assert SECRET not in message
    assert registry.counts()["total"] == 0
    # Cameras without credentials still work on such a machine.
    registry.import_rows([RawRow(2, GOOD)])
    assert registry.counts()["total"] == 1


def test_plaintext_keyring_is_not_used_unless_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "k.cfg")  # type: ignore[misc]
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with pytest.raises(credentials.KeyringUnavailable, match="not chosen explicitly"):
            credentials.store("uid", "main", "u", "p")
        assert not (tmp_path / "k.cfg").exists()
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        credentials.store("uid", "main", "u", "p")
        assert credentials.load("uid", "main") == ("u", "p")
    finally:
        keyring.set_keyring(previous)


def test_failed_save_leaves_no_secret_behind(registry: Registry, file_keyring: PlaintextKeyring) -> None:
    registry.add(validate_camera(GOOD)[0])  # type: ignore[arg-type]
    rec, _ = validate_camera(WITH_CREDS)  # same name: refused as a duplicate
    with pytest.raises(ImportFailed, match="already registered"):
        registry.add(rec)  # type: ignore[arg-type]
    assert (
        SECRET not in Path(file_keyring.file_path).read_text()
        if Path(file_keyring.file_path).exists()
        else True
    )


def test_log_lines_never_carry_credentials(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs", "INFO")
    logging.getLogger("rtcc.test").warning("cannot open %s", f"rtsp://admin:{SECRET}@10.0.0.1/x")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "rtsp://***@10.0.0.1/x" in text
    assert SECRET not in text
