"""Which dispatch calls open by themselves, and what then happens at the consoles.

``rules.json`` in the intake folder is a list of rules, first match wins:

    [{"name": "p1 robbery Hollywood", "categories": ["robbery"], "max_priority": 1,
      "divisions": ["Hollywood"], "top": 4, "wall": "main", "alert": true}]

A call matches when its category is listed (or the list is empty: any), its priority is at most
``max_priority`` (0 is the most urgent; absent: any priority) and its division is listed (or the
list is empty). The intake stores the rule's name and actions with the incident; each console of
that division then draws it on the map, alerts its operator with a sound and a banner when
``alert`` is on, and a console that puts rule calls on its wall (the setting ``rule_walls``)
shows the ``top`` usable cameras live on ``wall`` ("main", or "window N" for its N-th wall
window). A call that matches no rule waits in the Incidents dock, queued. Every automatic action
is audited with the rule's name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WALL = re.compile(r"^(main|window [1-9])$")


@dataclass(frozen=True)
class Rule:
    name: str
    categories: frozenset[str]
    max_priority: int | None
    divisions: frozenset[str]
    top: int
    wall: str
    alert: bool

    def matches(self, category: str, priority: int | None, division: str) -> bool:
        if self.categories and category not in self.categories:
            return False
        if self.max_priority is not None and (priority is None or priority > self.max_priority):
            return False
        return not self.divisions or division in self.divisions

    def actions(self) -> dict[str, Any]:
        return {"top": self.top, "wall": self.wall, "alert": self.alert}


def load_rules(path: Path) -> list[Rule]:
    """The rules in ``path`` (none when it does not exist); a bad rule names the file and which."""
    if not path.is_file():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(doc, list):
        raise ValueError(f"{path}: the rules are a JSON list")
    rules, names = [], set()
    for n, item in enumerate(doc, start=1):
        where = f"{path}, rule {n}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: a rule is a JSON object")
        name = str(item.get("name", "")).strip()
        if not name or len(name) > 100 or name in names:
            raise ValueError(f"{where}: needs a name of its own (at most 100 characters)")
        names.add(name)
        top = item.get("top", 4)
        if not isinstance(top, int) or not 1 <= top <= 36:
            raise ValueError(f"{where} ({name}): 'top' is a number of cameras from 1 to 36")
        wall = str(item.get("wall", "main"))
        if not WALL.match(wall):
            raise ValueError(f'{where} ({name}): \'wall\' is "main" or "window N"')
        priority = item.get("max_priority")
        if priority is not None and (not isinstance(priority, int) or not 0 <= priority <= 9):
            raise ValueError(f"{where} ({name}): 'max_priority' is 0-9")
        categories = frozenset(map(str, item.get("categories", [])))
        divisions = frozenset(map(str, item.get("divisions", [])))
        rules.append(Rule(name, categories, priority, divisions, top, wall, bool(item.get("alert", True))))
    return rules


def first_match(rules: list[Rule], category: str, priority: int | None, division: str) -> Rule | None:
    return next((r for r in rules if r.matches(category, priority, division)), None)
