"""Salvos: named wall arrangements, saved in the database and recalled with one action.

A salvo is a JSON document::

    {"version": 1, "windows": [{"screen": "HDMI-1", "layout": "3x3", "tiles": [12, null, 7, ...]}]}

``windows[0]`` is the console's own wall; the others are extra wall windows, each with the name
of the screen it sat on. Camera ids that no longer exist are shown as empty tiles on recall.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.governance.identity import current_user
from app.models.db import write_transaction
from app.models.tables import Salvo

LAYOUT_NAMES = {f"{n}x{n}" for n in range(1, 7)} | {"1+5", "1+7", "1+12"}


class SalvoError(ValueError):
    pass


@dataclass
class WallArrangement:
    layout: str
    tiles: list[int | None]
    screen: str = ""


@dataclass
class SalvoDoc:
    name: str
    windows: list[WallArrangement] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "windows": [{"screen": w.screen, "layout": w.layout, "tiles": w.tiles} for w in self.windows],
            }
        )

    @classmethod
    def from_json(cls, name: str, text: str) -> SalvoDoc:
        try:
            data = json.loads(text)
            windows = [
                WallArrangement(
                    str(w["layout"]),
                    [None if t is None else int(t) for t in w["tiles"]],
                    str(w.get("screen", "")),
                )
                for w in data["windows"]
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise SalvoError(f"salvo '{name}' is damaged ({exc}); save it again") from exc
        return cls(name, windows)


def validate(doc: SalvoDoc) -> None:
    name = doc.name.strip()
    if not name:
        raise SalvoError("a salvo needs a name")
    if len(name) > 100:
        raise SalvoError("a salvo name is at most 100 characters")
    if not doc.windows:
        raise SalvoError("a salvo needs at least one wall")
    for i, window in enumerate(doc.windows, start=1):
        if window.layout not in LAYOUT_NAMES:
            raise SalvoError(f"wall {i}: unknown layout '{window.layout}'")


class SalvoStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def names(self) -> list[str]:
        with self._sessions() as s:
            return list(s.scalars(select(Salvo.name).order_by(Salvo.name)))

    def load(self, name: str) -> SalvoDoc:
        with self._sessions() as s:
            row = s.execute(select(Salvo).where(Salvo.name == name)).scalar_one_or_none()
        if row is None:
            raise SalvoError(f"there is no salvo named '{name}'")
        return SalvoDoc.from_json(row.name, row.content)

    def save(self, doc: SalvoDoc) -> None:
        """Create or replace the salvo of that name."""
        validate(doc)
        doc.name = doc.name.strip()
        try:
            with write_transaction(self._sessions) as s:
                row = s.execute(select(Salvo).where(Salvo.name == doc.name)).scalar_one_or_none()
                if row is None:
                    s.add(Salvo(name=doc.name, content=doc.to_json(), created_by=current_user()))
                else:
                    row.content = doc.to_json()
        except IntegrityError as exc:
            raise SalvoError(
                f"salvo '{doc.name}' was saved by someone else at the same moment; try again"
            ) from exc

    def delete(self, name: str) -> None:
        with write_transaction(self._sessions) as s:
            row = s.execute(select(Salvo).where(Salvo.name == name)).scalar_one_or_none()
            if row is not None:
                s.delete(row)
