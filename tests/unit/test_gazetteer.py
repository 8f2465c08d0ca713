"""The offline gazetteer: CSV import checked row by row, all or nothing, and address lookup."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.registry.gazetteer import GazetteerError, InMemoryGeocoder, OfflineGazetteer
from app.registry.sample_city import station_places
from app.registry.service import Registry

CSV = "address,lat,lon\n251 E 6th St,34.0442,-118.2473\n1358 N Wilcox Ave,34.0958,-118.3308\n"


def test_import_and_lookup(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text(CSV)
    gazetteer = OfflineGazetteer(registry._sessions)
    assert gazetteer.import_csv(path) == 2
    [match] = gazetteer.lookup("wilcox 1358")
    assert (match.latitude, match.longitude) == (34.0958, -118.3308)
    assert gazetteer.lookup("nowhere street") == []
    memory = InMemoryGeocoder(gazetteer.all())
    assert memory.lookup("6th St")[0].address == "251 E 6th St"


def test_bad_rows_are_named_and_nothing_changes(registry: Registry, tmp_path: Path) -> None:
    gazetteer = OfflineGazetteer(registry._sessions)
    gazetteer.import_places(station_places())
    path = tmp_path / "bad.csv"
    path.write_text("address,lat,lon\n,34,-118\nMain St,95,-118\nElm St,34,west\n")
    with pytest.raises(GazetteerError) as info:
        gazetteer.import_csv(path)
    assert [str(e) for e in info.value.errors] == [
        "line 2, field 'address': is required",
        "line 3, field 'lat': 95 is out of range [-90, 90]",
        "line 4, field 'lon': 'west' is not a number",
    ]
    assert len(gazetteer.all()) == 21
    (tmp_path / "h.csv").write_text("street,x,y\n")
    with pytest.raises(GazetteerError, match="address, lat, lon"):
        gazetteer.import_csv(tmp_path / "h.csv")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "places.csv"
    path.write_text(CSV)
    assert main(["gazetteer", "import", str(path)]) == 0
    assert main(["gazetteer", "find", "6th"]) == 0
    assert "34.044200, -118.247300  251 E 6th St" in capsys.readouterr().out
    path.write_text("address,lat,lon\nX,1000,0\n")
    assert main(["gazetteer", "import", str(path)]) == 2
