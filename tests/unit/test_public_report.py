"""The public transparency report counts from the audit chain, hides small counts, and a reader
holding the database can check it: an honest report passes; a report with one view left out,
one edited after publication, and a chain edited (or edited and rebuilt) after publication fail."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from app.governance import audit
from app.governance.policy import Policy
from app.models.db import open_database
from app.models.tables import AuditEvent
from app.registry.formats import RawRow
from app.registry.service import Registry
from app.reports.public import check_report, digest, make_report
from tests.helpers.activity import a_month_of_activity
from tests.helpers.governance import rehash_from
from tests.helpers.registry_rows import GOOD

POLICY = Policy(suppress_below=5)


def test_an_honest_report_counts_from_the_chain_hides_small_counts_and_checks(registry: Registry) -> None:
    since, until = a_month_of_activity(registry)
    doc = make_report(registry._sessions, registry, POLICY, since, until, published_by="auditor")
    figures = doc["figures"]
    assert figures["live views by purpose"] == {"incident": 6}
    assert figures["live views by legal basis"] == {"not recorded": 6}
    assert figures["playbacks by purpose"] == {"incident": "<5"}  # three: too few to print
    assert figures["incidents by category"] == {"burglary": "<5", "robbery": "<5"}
    assert figures["refusals by reason"] == {"sharing terms": "<5"}
    assert doc["registry_when_made"]["cameras registered by sharing terms"] == {
        "live_and_recorded": "<5", "registered_only": "<5"
    }  # fmt: skip
    assert doc["caps"]["private cameras on tours"] == "never"
    with registry._sessions() as s:
        entries = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    published = entries[-1]
    assert (
        published.action == "transparency report published"
        and doc["audit_chain"]["head"] == entries[-2].event_hash
    )
    assert doc["audit_chain"]["entries"] == len(entries) - 1 and doc["audit_chain"]["intact"]

    check = check_report(registry._sessions, doc)
    assert check.matches, check.problems
    # Activity after the period changes nothing in it.
    audit.record(
        registry._sessions, "live view started", target_type="camera", target_id=1, purpose="incident 26-0001"
    )
    assert check_report(registry._sessions, doc).matches


def test_a_report_that_left_a_view_out_fails(registry: Registry) -> None:
    since, until = a_month_of_activity(registry)
    doc = make_report(registry._sessions, registry, POLICY, since, until, published_by="auditor")
    curated = copy.deepcopy(doc)
    curated["figures"]["live views by purpose"]["incident"] = 5
    check = check_report(registry._sessions, curated)
    assert not check.matches
    assert "live views by purpose / incident: the report says 5, the chain says 6" in check.problems
    assert any("holds no publication of this report" in p for p in check.problems)


def test_a_chain_edited_after_publication_fails_and_so_does_one_rebuilt_to_hide_it(
    registry: Registry,
) -> None:
    since, until = a_month_of_activity(registry)
    doc = make_report(registry._sessions, registry, POLICY, since, until, published_by="auditor")
    sessions = registry._sessions
    with sessions.begin() as s:
        first_view = s.scalars(select(AuditEvent).where(AuditEvent.action == "live view started")).first()
        assert first_view is not None
        s.execute(
            update(AuditEvent).where(AuditEvent.id == first_view.id).values(purpose="reason: routine patrol")
        )
    check = check_report(sessions, doc)
    assert not check.matches and any("changed after publication: entry" in p for p in check.problems)

    # Whoever edited it rebuilds every hash from there on: the chain is whole again, but its head
    # is no longer the published one, and the figures no longer match.
    with sessions.begin() as s:
        prev = ""
        for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            e.prev_hash, e.event_hash = prev, audit.entry_hash(e, prev)
            prev = e.event_hash
    assert audit.verify_audit(sessions).intact
    problems = check_report(sessions, doc).problems
    assert any("is not the published head" in p and "rebuilt" in p for p in problems)
    assert "live views by purpose / incident: the report says 6, the chain says 5" in problems


def test_a_file_that_is_not_a_report_says_so(registry: Registry) -> None:
    check = check_report(registry._sessions, {"report": "something else"})
    assert check.problems == [
        "the report cannot be read: report: this is not an rtcc public transparency report"
    ]


def test_markup_in_an_owners_and_a_cameras_name_is_printed_as_text(registry: Registry) -> None:
    """The owner's report is HTML turned into PDF: a name with markup must print as those characters,
    never as an image, a bold run or a table of its own."""
    import html

    from app.reports.owner import owner_report
    from app.reports.render import owner_report_html

    marked = "<img src='file:///etc/hostname'><b>BOLD</b><table><tr><td>x</td></tr></table>"
    since = datetime.now(UTC) - timedelta(minutes=1)
    registry.import_rows([RawRow(2, GOOD | {"name": f"Rear {marked}", "owner_name": f"Owner {marked}"})])
    (camera,) = registry.list_cameras()
    audit.record(registry._sessions, "live view started", target_type="camera", target_id=camera.id,
                 user="dana", purpose="incident 26-0001", details=f"sub stream {marked}")  # fmt: skip
    until = datetime.now(UTC) + timedelta(seconds=1)
    page = owner_report_html(owner_report(registry._sessions, f"Owner {marked}", since, until, POLICY))
    assert "<img" not in page and "<b>" not in page and page.count("<table") == 2  # caps and entries
    for text in (f"report for Owner {marked}", f"Your cameras: Rear {marked}.", f"Rear {marked}"):
        assert html.escape(text, quote=True) in page


def test_calls_from_dispatch_are_counted_by_their_category(registry: Registry) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    written = "feed generic: 211 Robbery (robbery), priority 1; 3 usable camera(s) ranked"
    for n in range(6):  # as the intake writes them (app/incidents/dispatch_intake.py)
        audit.record(registry._sessions, "incident received from dispatch", target_type="incident",
                     target_id=n + 1, case_number=f"LAPD-{n}", user="feed:generic",
                     details=written)  # fmt: skip
    until = datetime.now(UTC) + timedelta(seconds=1)
    doc = make_report(registry._sessions, registry, POLICY, since, until, published_by="auditor")
    assert doc["figures"]["incidents by category"] == {"robbery": 6}
    assert check_report(registry._sessions, doc).matches


def test_a_publication_replaced_and_the_chain_rehashed_fails_against_the_report_outsiders_hold(
    registry: Registry,
) -> None:
    sessions = registry._sessions
    since, until = a_month_of_activity(registry)
    genuine = make_report(sessions, registry, POLICY, since, until, published_by="auditor")
    assert genuine["checkpoint"]["tree_size"] == genuine["audit_chain"]["entries"] + 1, (
        "covers its publication"
    )
    assert check_report(sessions, genuine).matches

    # The forger edits what the chain cannot recount (the registry as it was) and swaps the
    # publication entry's digest for the forgery's.
    forged = copy.deepcopy({k: v for k, v in genuine.items() if k != "checkpoint"})
    forged["registry_when_made"]["cameras registered by sharing terms"] = {"live_and_recorded": 900}
    with sessions.begin() as s:
        published = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "transparency report published")
        ).one()
        published.details = published.details.replace(
            published.details.split(";")[0], f"sha256 {digest(forged)}"
        )
        published_id = published.id
    rehash_from(sessions, published_id)
    assert audit.verify_audit(sessions).intact, "the chain alone shows nothing"
    assert check_report(sessions, forged).matches, "without what outsiders hold, the forgery passes"

    # Against the genuine report someone kept, it fails, and says why.
    problems = check_report(sessions, forged, [("transparency.json", genuine)]).problems
    assert any("no longer hash to the root in transparency.json" in p and "rewritten" in p for p in problems)
    problems = check_report(sessions, genuine).problems
    assert any("no longer hash to the root in the report" in p for p in problems)


def test_a_report_republished_with_other_figures_is_flagged(registry: Registry) -> None:
    sessions = registry._sessions
    since, until = a_month_of_activity(registry)
    genuine = make_report(sessions, registry, POLICY, since, until, published_by="auditor")
    again = make_report(sessions, registry, Policy(suppress_below=1), since, until, published_by="auditor")
    problems = check_report(sessions, again, [("first.json", genuine)]).problems
    assert problems == ["1 other report(s) for the same period were published on this log (another "
                        "version was re-published): compare them before trusting either"]  # fmt: skip


def test_a_report_checked_against_another_database_says_that_first(
    registry: Registry, tmp_path: Path
) -> None:
    since, until = a_month_of_activity(registry)
    doc = make_report(registry._sessions, registry, POLICY, since, until, published_by="auditor")
    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite'}")
    audit.record(other, "console locked after inactivity", user="someone")
    check = check_report(other, doc)
    assert len(check.problems) == 1 and check.problems[0].startswith(
        "this database is not the one the report"
    )
