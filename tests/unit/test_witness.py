"""Signed checkpoints and witnesses: a report's checkpoint carries the agency's signature, which
fails once anything in it changes; a witness (another office) countersigns a checkpoint only
when the log extends every checkpoint it kept, so a log rewritten and re-signed by whoever holds
the database and the agency's key gathers no more countersignatures."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.console import use_cases
from app.console.actor import Actor
from app.governance import audit
from app.governance.audit_tree import AGENCY, WITNESS, AuditTree, Checkpoint
from app.governance.keys import fingerprint
from app.governance.policy import Policy
from app.governance.roles import Role
from app.registry.service import Registry
from app.reports.public import check_report, make_report
from app.reports.witness import AGENCY_KEY_FILE, WitnessFolder, WitnessRefused, witness
from tests.helpers.activity import a_month_of_activity
from tests.helpers.governance import rewrite_entry

POLICY = Policy(suppress_below=5)
AGENCY_KEY = Ed25519PrivateKey.generate()
WITNESS_KEY = Ed25519PrivateKey.generate()
MALLORY = Ed25519PrivateKey.generate()
AT = "2026-12-08T03:00:00Z"


def signed_checkpoint(registry: Registry, key: Ed25519PrivateKey = AGENCY_KEY) -> Checkpoint:
    return AuditTree.read(registry._sessions).checkpoint(AT).signed(key, AGENCY, "auditor ada", AT)


def test_a_reports_checkpoint_is_signed_and_fails_once_anything_in_it_changes(registry: Registry) -> None:
    sessions = registry._sessions
    since, until = a_month_of_activity(registry)
    doc = make_report(sessions, registry, POLICY, since, until, published_by="ada", key=AGENCY_KEY)
    check = check_report(sessions, doc, agency_keys=[AGENCY_KEY.public_key()])
    assert check.matches, check.problems
    assert check.signed == (f"agency ada, key {fingerprint(AGENCY_KEY.public_key())}, at {doc['made']}",)

    for field, value in (("root", "0" * 64), ("tree_size", 3), ("at", "2020-01-01T00:00:00Z")):
        altered = copy.deepcopy(doc)
        altered["checkpoint"][field] = value
        problems = check_report(sessions, altered).problems
        assert any("agency signature of ada" in p and "does not verify" in p for p in problems), (
            field,
            problems,
        )

    # Whoever can write the database can re-sign with a key of their own: the signature holds,
    # but not under the key the agency publishes, and the check says whose it is.
    forged = copy.deepcopy(doc)
    unsigned = Checkpoint.from_json({k: v for k, v in doc["checkpoint"].items() if k != "signatures"})
    forged["checkpoint"] = unsigned.signed(MALLORY, AGENCY, "ada", doc["made"]).to_json()
    assert check_report(sessions, forged).matches, (
        "without the agency's key in hand, only the fingerprint tells"
    )
    problems = check_report(sessions, forged, agency_keys=[AGENCY_KEY.public_key()]).problems
    assert problems == [f"the report's checkpoint is not signed by the agency key you hold "
                        f"({fingerprint(AGENCY_KEY.public_key())}); agency keys on it: "
                        f"{fingerprint(MALLORY.public_key())}"]  # fmt: skip


def test_a_witness_countersigns_a_log_that_grows_and_refuses_one_that_was_rewritten(
    registry: Registry, tmp_path: Path
) -> None:
    sessions = registry._sessions
    a_month_of_activity(registry)
    folder = WitnessFolder(tmp_path / "inspector-general")
    first = witness(AuditTree.read(sessions), signed_checkpoint(registry), folder, WITNESS_KEY, "OIG", AT)
    assert first.pinned and (folder.root / AGENCY_KEY_FILE).exists()
    assert first.checkpoint.signature_problems() == []
    assert [s.role for s in first.checkpoint.signatures] == [AGENCY, WITNESS]
    assert Checkpoint.from_json(json.loads(first.kept.read_text())["checkpoint"]) == first.checkpoint

    audit.record(sessions, "live view started", target_type="camera", target_id=4, purpose="incident 26-9")
    later = witness(AuditTree.read(sessions), signed_checkpoint(registry), folder, WITNESS_KEY, "OIG", AT)
    assert not later.pinned and later.checkpoint.tree_size == first.checkpoint.tree_size + 1
    assert len(folder.checkpoints()) == 2

    # The log is rewritten and re-hashed, and the agency's own key signs the new root: the
    # signature is genuine, the log is not the one the witness already signed.
    rewrite_entry(sessions, "live view started", "nothing to see")
    assert audit.verify_audit(sessions).intact, "the chain alone shows nothing"
    with pytest.raises(
        WitnessRefused, match="no longer hash to the root in the checkpoint this witness signed"
    ):
        witness(AuditTree.read(sessions), signed_checkpoint(registry), folder, WITNESS_KEY, "OIG", AT)
    assert len(folder.checkpoints()) == 2, "nothing countersigned, nothing kept"


def test_a_witness_refuses_an_unsigned_an_altered_or_a_strangers_checkpoint(
    registry: Registry, tmp_path: Path
) -> None:
    a_month_of_activity(registry)
    tree = AuditTree.read(registry._sessions)
    folder = WitnessFolder(tmp_path / "commission")
    with pytest.raises(WitnessRefused, match="carries no agency signature"):
        witness(tree, tree.checkpoint(AT), folder, WITNESS_KEY, "Police Commission", AT)
    witness(tree, signed_checkpoint(registry), folder, WITNESS_KEY, "Police Commission", AT)

    doc = signed_checkpoint(registry).to_json()
    doc["root"] = tree.root(tree.size - 1)  # a real root of the log, at another size
    with pytest.raises(WitnessRefused, match="does not verify"):
        witness(tree, Checkpoint.from_json(doc), folder, WITNESS_KEY, "Police Commission", AT)
    with pytest.raises(WitnessRefused, match="not by the agency key this witness holds"):
        witness(tree, signed_checkpoint(registry, MALLORY), folder, WITNESS_KEY, "Police Commission", AT)
    with pytest.raises(ValueError, match="printable"):
        signed_checkpoint(registry).signed(WITNESS_KEY, WITNESS, "OIG\u202e", AT)


def test_a_report_checked_against_a_witnessed_checkpoint_verifies_the_witness_too(
    registry: Registry, tmp_path: Path
) -> None:
    sessions = registry._sessions
    since, until = a_month_of_activity(registry)
    folder = WitnessFolder(tmp_path / "oig")
    kept = witness(AuditTree.read(sessions), signed_checkpoint(registry), folder, WITNESS_KEY, "OIG", AT)
    held = {"checkpoint": kept.checkpoint.to_json()}
    doc = make_report(sessions, registry, POLICY, since, until, published_by="ada", key=AGENCY_KEY)
    assert check_report(sessions, doc, [("oig.json", held)]).matches

    held["checkpoint"]["signatures"][1]["name"] = "Someone else"
    problems = check_report(sessions, doc, [("oig.json", held)]).problems
    assert problems == ["oig.json: the witness signature of Someone else "
                        f"(key {fingerprint(WITNESS_KEY.public_key())}) does not verify: the checkpoint was "
                        "changed after it was signed"]  # fmt: skip


def test_witnessing_and_its_refusals_go_on_the_log(registry: Registry, tmp_path: Path) -> None:
    sessions = registry._sessions
    a_month_of_activity(registry)
    auditor = Actor("ada", Role.AUDITOR)
    folder = WitnessFolder(tmp_path / "oig")
    offered = signed_checkpoint(registry)
    use_cases.witness_checkpoint(sessions, auditor, offered, folder, WITNESS_KEY, "OIG")
    with pytest.raises(WitnessRefused):
        use_cases.witness_checkpoint(sessions, auditor, signed_checkpoint(registry, MALLORY), folder,
                                     WITNESS_KEY, "OIG")  # fmt: skip
    with pytest.raises(use_cases.Refused):
        use_cases.witness_checkpoint(
            sessions, Actor("olive", Role.OPERATOR), offered, folder, WITNESS_KEY, "OIG"
        )
    with sessions() as s:
        from sqlalchemy import select

        from app.models.tables import AuditEvent

        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "log")))
    # The operator's attempt is refused by the role table, and that refusal is audited too.
    assert actions == ["audit checkpoint witnessed", "audit checkpoint witness refused", "refused"]
