"""What the incident dock shows of a hand-off, and when it may still be revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.evidence.handoff import HandoffRow

NOW = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


def row(**changes: object) -> HandoffRow:
    fields: dict[str, object] = {
        "id": 1, "kind": "still", "file": "still.png", "delivered_to": "unit 1A12",
        "created_by": "dispatcher",
        "created_at": NOW - timedelta(minutes=5), "expires_at": NOW + timedelta(hours=1),
        "revoked_at": None, "first_opened_at": None,
    }  # fmt: skip
    fields.update(changes)
    return HandoffRow(**fields)  # type: ignore[arg-type]


def test_a_live_link_can_be_revoked_and_says_until_when() -> None:
    live = row()
    assert live.active(NOW) and live.state(NOW) == "not opened yet; link until 21:00 UTC"
    opened = row(first_opened_at=NOW - timedelta(minutes=1))
    assert opened.active(NOW) and opened.state(NOW).startswith("opened 19:59 UTC")


def test_a_revoked_or_expired_link_cannot_be_revoked_again() -> None:
    revoked = row(revoked_at=NOW - timedelta(minutes=2))
    assert not revoked.active(NOW) and revoked.state(NOW) == "revoked 19:58 UTC"
    expired = row(expires_at=NOW)
    assert not expired.active(NOW) and expired.state(NOW) == "expired"
