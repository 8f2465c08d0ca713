"""The manual's table of contents names every section, in order, with a link that works."""

from __future__ import annotations

import re
from pathlib import Path

MANUAL = Path(__file__).resolve().parents[2] / "docs" / "manual.md"


def anchor(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def test_the_contents_list_every_section() -> None:
    text = MANUAL.read_text(encoding="utf-8")
    contents, body = text.split("## Contents\n", 1)[1].split("\n## ", 1)
    listed = re.findall(r"^\s*- \[(.+)\]\(#(.+)\)$", contents, re.M)
    headings = re.findall(r"^#{2,3} (.+)$", "## " + body, re.M)
    assert [title for title, _ in listed] == headings
    assert all(link == anchor(title) for title, link in listed)
