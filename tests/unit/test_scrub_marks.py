"""The scrub view's marks: an out mark never before the in mark, bookmarks found in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.views.scrub.marks import Bookmark, Marks

T0 = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


def test_an_out_mark_before_the_in_mark_is_refused_and_a_later_in_mark_clears_it() -> None:
    marks = Marks()
    marks.set_in(T0)
    assert marks.set_out(T0 - timedelta(seconds=5)) == "The out mark must come after the in mark."
    assert marks.mark_out is None
    assert marks.set_out(T0 + timedelta(seconds=30)) == "" and marks.mark_out == T0 + timedelta(seconds=30)
    marks.set_in(T0 + timedelta(minutes=1))  # after the out mark: the out mark no longer holds
    assert marks.mark_out is None
    assert marks.summary() == "in 14:01:00 · 0 bookmark(s)"


def test_next_and_previous_bookmark_skip_the_one_under_the_playhead() -> None:
    marks = Marks(bookmarks=[Bookmark(1, T0 + timedelta(seconds=s), f"b{s}") for s in (30, 10, 20)])
    here = T0 + timedelta(seconds=20)
    assert marks.next_bookmark(here, 1).note == "b30"  # type: ignore[union-attr]
    assert marks.next_bookmark(here, -1).note == "b10"  # type: ignore[union-attr]
    assert marks.next_bookmark(T0 + timedelta(seconds=30), 1) is None
    assert marks.bookmark_at(here).note == "b20"  # type: ignore[union-attr]
