"""What the export's progress says is left: never a negative time (the total is an estimate, and
"-0 s left" was shown once the copy passed it)."""

from __future__ import annotations

from app.evidence.export import ExportProgress


def test_the_time_left_is_said_as_a_person_reads_it() -> None:
    assert ExportProgress("copying", 0, 100, 0.0, None).left == ""
    assert ExportProgress("copying", 50, 100, 4.0, 12.4).left == ", about 12 s left"
    assert ExportProgress("copying", 99, 100, 4.0, 0.2).left == ", finishing"
    assert ExportProgress("copying", 130, 100, 4.0, 0.0).left == ", finishing", "past the estimate"
