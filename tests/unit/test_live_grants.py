"""The console's book of live-view grants: asked for once, reused until shortly before they stop
starting views, a refusal told to the next tile that asks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.console.live_grants import RENEW_BEFORE, LiveGrants
from app.console.use_cases import Grant
from app.governance.purpose import Purpose

NOW = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
WHY = Purpose(incident="26-0412")


def test_a_grant_is_asked_for_once_and_reused_until_it_is_nearly_spent() -> None:
    book = LiveGrants()
    assert book.usable(7, WHY, NOW) is None
    assert book.ask(7, WHY) and not book.ask(7, WHY)  # a second tile does not ask again
    grant = Grant(7, WHY, "token", NOW + timedelta(minutes=10))
    book.granted(grant)
    assert book.usable(7, WHY, NOW) == grant
    assert book.usable(7, Purpose(incident="26-0413"), NOW) is None  # another purpose, another grant
    assert book.usable(7, WHY, grant.expires_at - RENEW_BEFORE) is None  # asked for again in time
    assert book.ask(7, WHY)


def test_a_refusal_is_told_once_and_a_failure_is_asked_again_after_a_pause() -> None:
    book = LiveGrants()
    assert book.ask(7, WHY)
    book.refused(7, WHY, "CAM 7: a stated purpose is required")
    assert book.refusal(7, WHY) == "CAM 7: a stated purpose is required"
    assert book.refusal(7, WHY) is None
    assert book.ask(9, WHY)
    book.failed(9, WHY)  # the database did not answer
    assert not book.ask(9, WHY)
    book.forget()  # another person signs in: nothing of the last one's is kept
    assert book.ask(9, WHY)
