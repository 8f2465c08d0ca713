"""The evidence signing key needs no set-up: a machine with no OS keyring keeps it in a file only
its owner can read; an administrator moves it into a keyring later. The keyrings the docs
recommend work with what the console installs."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from app.evidence.signing import KEY_FILE_NAME, SigningError, agency_key, move_to_keyring
from app.governance.keys import fingerprint
from app.registry import credentials

ROOT = Path(__file__).resolve().parents[2]


def test_no_keyring_creates_a_key_file_only_its_owner_can_read(no_keyring: None, tmp_path: Path) -> None:
    held = agency_key(tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE_NAME
    assert held.created and held.file == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path) in held.where and "owner only" in held.where
    again = agency_key(tmp_path / "data")
    assert not again.created
    assert fingerprint(again.key.public_key()) == fingerprint(held.key.public_key())


def test_a_key_file_others_can_read_is_refused(no_keyring: None, tmp_path: Path) -> None:
    agency_key(tmp_path)
    (tmp_path / KEY_FILE_NAME).chmod(0o644)
    with pytest.raises(SigningError, match=r"can be read by others \(mode 0644\).*chmod 600"):
        agency_key(tmp_path)


def test_without_a_data_folder_the_missing_keyring_is_named(no_keyring: None) -> None:
    with pytest.raises(SigningError, match="cannot reach the keyring"):
        agency_key(None)


def test_the_file_key_moves_into_a_keyring_and_the_file_goes(
    no_keyring: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = agency_key(tmp_path)
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "kr" / "keyring_pass.cfg")  # type: ignore[misc]
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    keyring.set_keyring(backend)
    # Until it is moved, the machine that now has a keyring keeps signing with the file's key.
    assert agency_key(tmp_path).file is not None
    moved = move_to_keyring(tmp_path)
    assert not (tmp_path / KEY_FILE_NAME).exists()
    assert "OS keyring" in moved.where
    now = agency_key(tmp_path)
    assert now.file is None and fingerprint(now.key.public_key()) == fingerprint(held.key.public_key())
    with pytest.raises(SigningError, match="no key file"):
        move_to_keyring(tmp_path)


def test_rtcc_signing_key_show_says_where_and_the_fingerprint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTCC_")}
    env |= {"RTCC_DATA_DIR": str(tmp_path), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = subprocess.run([sys.executable, "-m", "app", "signing-key", "show"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"created in the file {tmp_path / KEY_FILE_NAME}" in result.stdout
    assert re.search(r"fingerprint( [0-9a-f]{4}){16}", result.stdout)


def documented_keyrings() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    text += "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    text += (ROOT / "app" / "registry" / "credentials.py").read_text(encoding="utf-8")
    return set(re.findall(r"keyrings\.alt\.file\.(\w+Keyring)", text))


@pytest.mark.parametrize("name", sorted(documented_keyrings()))
def test_every_keyring_the_docs_recommend_works(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    from keyrings.alt import file as alt

    backend = getattr(alt, name)()
    backend.file_path = str(tmp_path / f"{name}.cfg")
    monkeypatch.setattr(getpass, "getpass", lambda _prompt="": "a long keyring passphrase")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"keyrings.alt.file.{name}")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        credentials.store("cam-uid", "main", "admin", "s3cret")
        assert credentials.load("cam-uid", "main") == ("admin", "s3cret")
        held = agency_key(tmp_path / "data")
        assert held.file is None and "OS keyring" in held.where
        assert not (tmp_path / "data" / KEY_FILE_NAME).exists()
    finally:
        keyring.set_keyring(previous)


def test_the_docs_name_at_least_the_encrypted_keyring() -> None:
    assert "EncryptedKeyring" in documented_keyrings()
