"""The reports as their readers get them, through ``rtcc report``: the public report's PDF and JSON
(small counts hidden), ``rtcc report check`` on an honest and a curated copy, and an owner's report
(PDF and CSV) that holds exactly that owner's cameras. The PDFs are read as a person reads them:
rendered to PNG by pdftoppm and their text taken out by pdftotext."""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from getpass import getuser
from pathlib import Path

import cv2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.cli import main
from app.governance import audit
from app.governance.keys import public_pem
from app.models.db import open_database
from app.registry.formats import RawRow
from app.registry.service import Registry
from tests.helpers.activity import a_month_of_activity
from tests.helpers.governance import rewrite_entry
from tests.helpers.registry_rows import GOOD

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def rtcc(db_url: str, *args: str, command: str = "report", data_dir: Path | None = None
         ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["RTCC_DATABASE_URL"] = db_url
    if data_dir is not None:  # another machine: its own keys
        env["RTCC_DATA_DIR"] = str(data_dir)
    run = [sys.executable, "-m", "app", command, *args]
    return subprocess.run(run, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def pdf_text(path: Path) -> str:
    """The text as a reader sees it, with lines joined (a title may wrap)."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def first_page(path: Path, out: Path, upright: bool = True) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(path), str(out)],
                   check=True)  # fmt: skip
    page = out.with_suffix(".png")
    image = cv2.imread(str(page))
    assert image is not None and (image.shape[0] > image.shape[1]) == upright  # A4, upright or landscape
    assert (image < 128).mean() > 0.01, "the page has text on it"
    return page


def keep_for_docs(page: Path, name: str) -> None:
    shots = os.environ.get("RTCC_WALKTHROUGH_SHOTS")
    if shots:
        shutil.copy(page, Path(shots) / name)


def test_the_public_report_as_published_and_checked(db_url: str, tmp_path: Path) -> None:
    sessions = open_database(db_url)
    since, until = a_month_of_activity(Registry(sessions))
    out = tmp_path / "published"
    made = rtcc(
        db_url, "public", "--since", since.isoformat(), "--until", until.isoformat(), "--output", str(out)
    )
    assert made.returncode == 0, made.stderr
    (pdf,) = out.glob("*.pdf")
    (report,) = out.glob("*.json")
    doc = json.loads(report.read_text())
    text = pdf_text(pdf)
    assert "public transparency report" in text and "Live views by purpose" in text
    assert "<5" in text and doc["audit_chain"]["head"][:32] in text.replace(" ", "")
    assert "rtcc report check" in text
    keep_for_docs(first_page(pdf, tmp_path / "public"), "public-report.png")

    honest = rtcc(db_url, "check", str(report))
    assert honest.returncode == 0 and honest.stdout.startswith("MATCHES"), honest.stdout + honest.stderr
    # The command the publication prints runs as printed, from anywhere: folder and database named.
    printed = shlex.split(made.stdout.splitlines()[-1])
    assert printed[:2] == ["rtcc", "--database"] and Path(printed[-1]) == report.resolve()
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "RTCC_DATABASE_URL")}
    as_printed = subprocess.run([sys.executable, "-m", "app", *printed[1:]], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
    assert as_printed.returncode == 0 and as_printed.stdout.startswith("MATCHES"), as_printed.stderr
    # A later report checks against this one, which an outsider kept: the log extends it.
    later = rtcc(db_url, "public", "--since", until.isoformat(), "--output", str(tmp_path / "later"))
    (second,) = (tmp_path / "later").glob("*.json")
    against = rtcc(db_url, "check", str(second), "--against", str(report))
    assert later.returncode == 0 and against.returncode == 0, against.stdout + against.stderr
    curated = tmp_path / "curated.json"
    doc["figures"]["live views by purpose"]["incident"] = 5
    curated.write_text(json.dumps(doc))
    caught = rtcc(db_url, "check", str(curated))
    assert caught.returncode == 1
    assert "live views by purpose / incident: the report says 5, the chain says 6" in caught.stdout
    bad = rtcc(db_url, "public", "--since", "last tuesday", "--output", str(out))
    assert bad.returncode == 2 and "--since: 'last tuesday' is not an ISO 8601 time" in bad.stderr
    sessions.kw["bind"].dispose()


def test_a_witness_countersigns_the_agencys_checkpoints_until_the_log_is_rewritten(
    db_url: str, tmp_path: Path
) -> None:
    sessions = open_database(db_url)
    since, until = a_month_of_activity(Registry(sessions))
    key = rtcc(db_url, "show", "--public-key", str(tmp_path / "agency.pub"), command="signing-key")
    assert key.returncode == 0, key.stderr
    agency = key.stdout.split("fingerprint ")[1].splitlines()[0]
    made = rtcc(db_url, "public", "--since", since.isoformat(), "--until", until.isoformat(),
                "--output", str(tmp_path))  # fmt: skip
    assert f"the log's checkpoint is signed with the agency key {agency}" in made.stdout, made.stderr
    (report,) = tmp_path.glob("transparency-*.json")
    text = pdf_text(report.with_suffix(".pdf"))
    assert "The log's checkpoint (with this publication)" in text and agency in text, text[-600:]
    checked = rtcc(db_url, "check", str(report), "--key", str(tmp_path / "agency.pub"))
    assert (
        checked.returncode == 0 and f"checkpoint signed: agency {getuser()}, key {agency}" in checked.stdout
    )

    # The inspector general, on a machine of its own (its own witness key), keeps checkpoints.
    oig, oig_machine = tmp_path / "oig", tmp_path / "oig-machine"
    witness = ["--keep", str(oig), "--name", "Office of the Inspector General"]
    first = rtcc(db_url, "witness", str(report), *witness, command="log", data_dir=oig_machine)
    assert first.returncode == 0 and "COUNTERSIGNED" in first.stdout, first.stdout + first.stderr
    assert f"the agency key {agency} is kept in {oig}" in first.stdout
    assert (oig_machine / "witness-key.pem").stat().st_mode & 0o077 == 0
    made = rtcc(db_url, "checkpoint", "--output", str(tmp_path / "now.json"), command="log")
    assert made.returncode == 0, made.stderr
    second = rtcc(
        db_url, "witness", str(tmp_path / "now.json"), *witness, command="log", data_dir=oig_machine
    )
    assert second.returncode == 0, second.stdout + second.stderr

    # Someone who can write the database rewrites an entry and re-hashes the chain after it; the
    # agency's key signs the new log's checkpoint, but the witness refuses it, and a report
    # checked against what the witness kept fails.
    rewrite_entry(sessions, "live view started", "nothing to see")
    made = rtcc(db_url, "checkpoint", "--output", str(tmp_path / "rewritten.json"), command="log")
    refused = rtcc(db_url, "witness", str(tmp_path / "rewritten.json"), *witness, command="log",
                   data_dir=oig_machine)  # fmt: skip
    assert refused.returncode == 1 and refused.stdout.startswith("REFUSED: "), refused.stdout + refused.stderr
    assert "the log was rewritten after it was published" in refused.stdout
    kept = sorted(str(p) for p in oig.glob("checkpoint-*.json"))
    assert len(kept) == 2
    caught = rtcc(db_url, "check", str(report), "--against", *kept)
    assert caught.returncode == 1 and "rewritten" in caught.stdout
    stranger = Ed25519PrivateKey.generate().public_key()
    (tmp_path / "stranger.pub").write_bytes(public_pem(stranger))
    wrong_key = rtcc(db_url, "check", str(report), "--key", str(tmp_path / "stranger.pub"))
    assert wrong_key.returncode == 1 and "not signed by the agency key you hold" in wrong_key.stdout
    sessions.kw["bind"].dispose()


def test_an_owners_report_holds_that_owners_cameras_and_no_one_elses(db_url: str, tmp_path: Path) -> None:
    sessions = open_database(db_url)
    registry = Registry(sessions)
    since, _ = a_month_of_activity(registry)
    registry.import_rows([RawRow(4, GOOD | {"name": "Ace Hardware rear", "owner_name": "Ace Hardware"})])
    ace = next(c for c in registry.list_cameras() if c.name == "Ace Hardware rear")
    audit.record(sessions, "live view started", target_type="camera", target_id=ace.id, user="sam",
                 purpose="incident 26-0002", details="sub stream")  # fmt: skip
    until = datetime.now(UTC) + timedelta(seconds=1)
    out = tmp_path / "owner"
    made = rtcc(db_url, "owner", "Sunset Liquor", "--since", since.isoformat(), "--until", until.isoformat(),
                "--output", str(out))  # fmt: skip
    assert made.returncode == 0, made.stderr
    (pdf,) = out.glob("*.pdf")
    (table,) = out.glob("*.csv")
    rows = list(csv.DictReader(table.read_text(encoding="utf-8").splitlines()))
    assert {r["camera"] for r in rows} <= {GOOD["name"], "Corner"} and len(rows) == 6 + 3 + 1
    views = [r for r in rows if r["what"] == "viewed live"]
    assert len(views) == 6 and views[0]["details"] == "30 s" and views[0]["under"] == "incident 26-0001"
    assert all(r["by"] == "center staff" for r in rows)  # the program's policy: operators not named
    assert "recordings refused" in {r["what"] for r in rows}  # the registered-only camera, refused
    text = pdf_text(pdf)
    assert "report for Sunset Liquor" in text and "viewed live" in text and "Ace Hardware" not in text
    keep_for_docs(first_page(pdf, tmp_path / "owner", upright=False), "owner-report.png")

    missing = rtcc(db_url, "owner", "Sunset Liqour", "--output", str(out))
    assert missing.returncode == 2 and "no owner named 'Sunset Liqour'" in missing.stderr
    sessions.kw["bind"].dispose()


def test_a_report_with_a_key_twice_is_refused_before_it_is_checked(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A second "figures" key: one reader shows the first, another the last. The check refuses
    the file rather than pass a copy people read differently."""
    forged = tmp_path / "forged.json"
    views = '"figures": {"live views by purpose": {"incident": %d}}'
    forged.write_text("{" + views % 6 + ", " + views % 600 + "}", encoding="utf-8")
    assert main(["--database", f"sqlite:///{tmp_path / 'any.sqlite'}", "report", "check", str(forged)]) == 2
    assert "'figures' appears twice" in capsys.readouterr().err
