"""Salvos are stored in the database, shared by name, replaced on save, and checked."""

from __future__ import annotations

import pytest

from app.registry.service import Registry
from app.walls.salvos import SalvoDoc, SalvoError, SalvoStore, WallArrangement


def test_save_load_replace_delete(registry: Registry) -> None:
    store = SalvoStore(registry._sessions)
    doc = SalvoDoc(
        "Robbery on 7th", [WallArrangement("3x3", [5, None, 7]), WallArrangement("2x2", [9], "HDMI-2")]
    )
    store.save(doc)
    loaded = store.load("Robbery on 7th")
    assert loaded.windows == doc.windows
    store.save(SalvoDoc("Robbery on 7th", [WallArrangement("1x1", [5])]))
    assert store.load("Robbery on 7th").windows == [WallArrangement("1x1", [5])]
    assert store.names() == ["Robbery on 7th"]
    # Another workstation on the same database sees it.
    assert SalvoStore(registry._sessions).names() == ["Robbery on 7th"]
    store.delete("Robbery on 7th")
    assert store.names() == []


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (SalvoDoc("  ", [WallArrangement("2x2", [])]), "needs a name"),
        (SalvoDoc("x" * 101, [WallArrangement("2x2", [])]), "at most 100"),
        (SalvoDoc("empty", []), "at least one wall"),
        (SalvoDoc("bad", [WallArrangement("7x7", [])]), "unknown layout '7x7'"),
    ],
)
def test_bad_salvos_are_refused(registry: Registry, doc: SalvoDoc, reason: str) -> None:
    with pytest.raises(SalvoError, match=reason):
        SalvoStore(registry._sessions).save(doc)


def test_unknown_and_damaged_salvos(registry: Registry) -> None:
    store = SalvoStore(registry._sessions)
    with pytest.raises(SalvoError, match="no salvo named"):
        store.load("nothing")
    with pytest.raises(SalvoError, match="damaged"):
        SalvoDoc.from_json("x", '{"windows": [{"tiles": []}]}')
