"""Package format rules, the report's escaping and the export target list, without video."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.evidence.package_format import FormatError, check_relative_path, validate_manifest
from app.evidence.report import render_report
from app.evidence.targets import list_targets


@pytest.mark.parametrize(
    "name",
    ["../etc/passwd", "/etc/passwd", "originals/../../x", "C:evil", "a\\b", "originals/./x", "", "a/\x00b"],
)
def test_paths_that_leave_the_package_are_refused(name: str) -> None:
    with pytest.raises(FormatError):
        check_relative_path(name, "test")


def test_ordinary_package_paths_pass() -> None:
    assert str(check_relative_path("originals/3f2a-uid/20261125T194204.123456Z.mkv", "t")).endswith(".mkv")


def minimal_manifest(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "format": "rtcc-case-package", "format_version": 1, "package_id": "x", "created_at": "now",
        "case": {"number": "C-1"}, "incidents": [], "windows": [], "bookmarks": [],
        "cameras": [{"name": "cam", "latitude": 34.0, "longitude": -118.0}],
        "signing_key": {"fingerprint": "ab"},
        "files": [{"path": "report.html", "sha256": "0" * 64, "size": 10, "kind": "report"}],
    }  # fmt: skip
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format_version": 2}, "not supported"),
        ({"files": [{"path": "../x", "sha256": "0" * 64, "size": 1, "kind": "original"}]}, "forbidden"),
        ({"files": [{"path": "a", "sha256": "xyz", "size": 1, "kind": "original"}]}, "sha256"),
        ({"files": [{"path": "a", "sha256": "0" * 64, "size": -1, "kind": "original"}]}, "out of range"),
        (
            {"files": [{"path": "manifest.json", "sha256": "0" * 64, "size": 1, "kind": "x"}]},
            "cannot be listed",
        ),
        ({"cameras": [{"name": "c", "latitude": 999, "longitude": 0}]}, "out of range"),
        ({"case": "C-1"}, "expected dict"),
    ],
)
def test_manifest_schema_errors_name_the_field(change: dict[str, object], message: str) -> None:
    validate_manifest(minimal_manifest())
    with pytest.raises(FormatError, match=message):
        validate_manifest(minimal_manifest(**change))


def test_the_report_renders_registry_text_inert() -> None:
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    manifest = minimal_manifest(
        case={"number": evil, "title": evil, "notes": evil},
        cameras=[{"id": 1, "name": evil, "owner": evil, "owner_type": "business", "latitude": 34.0,
                  "longitude": -118.0, "heading_deg": 90.0, "fov_deg": 60.0, "range_m": 50.0,
                  "stream": "main"}],
        windows=[], bookmarks=[], created_by="u", workstation="w", time_zone="UTC",
        software={"name": "rtcc-console", "version": "0"},
    )  # fmt: skip
    html = render_report(manifest, [{"at": "t", "file": evil, "action": evil, "user": "u", "workstation": "w",
                                     "reason": evil, "hash": "h"}])  # fmt: skip
    assert "<script>" not in html and "onerror=" not in html.replace("onerror=&quot;", "")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<svg" in html  # the cameras map


def test_export_targets_are_removable_drives_and_shares(tmp_path: Path) -> None:
    usb, share, internal = tmp_path / "usb", tmp_path / "share", tmp_path / "internal"
    for folder in (usb, share, internal):
        folder.mkdir()
    sys_block = tmp_path / "sys"
    for dev, removable in (("sdb", "1"), ("nvme0n1", "0")):
        (sys_block / dev).mkdir(parents=True)
        (sys_block / dev / "removable").write_text(removable)
    mounts = tmp_path / "mounts"
    mounts.write_text(
        f"proc /proc proc rw 0 0\n/dev/sdb1 {usb} vfat rw 0 0\n//srv/evidence {share} cifs rw 0 0\n"
        f"/dev/nvme0n1p2 {internal} ext4 rw 0 0\n"
    )
    found = {t.path: t.kind for t in list_targets(mounts, sys_block)}
    assert found == {usb: "removable", share: "network share"}


def test_a_report_without_a_time_zone_says_so_instead_of_a_blank() -> None:
    """Packages exported from the command line once carried an empty zone: 'local time zone .'"""
    from app.evidence.report import _zone_note

    assert _zone_note("America/Los_Angeles") == "local time zone America/Los_Angeles"
    assert _zone_note("") == "the local time zone was not recorded"
    assert _zone_note("<b>x</b>") == "local time zone &lt;b&gt;x&lt;/b&gt;"
