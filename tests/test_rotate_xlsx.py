"""`rotate --xlsx`: the rotation and its hosts as one workbook for people; names in rotation.csv."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import staffpool
from staffpool.cli import main

SANMING = Path(__file__).resolve().parents[1] / "instances" / "sanming-county"


def _rows(path: Path, sheet: int) -> list[list[object]]:
    import openpyxl

    ws = openpyxl.load_workbook(path).worksheets[sheet]
    return [[c.value for c in r] for r in ws.iter_rows()]


@pytest.fixture(scope="module")
def alloc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("alloc")
    assert main(["solve", str(SANMING), "--out", str(out)]) == 0
    return out


def test_workbook_zh_en_names_beside_ids(alloc: Path, tmp_path: Path) -> None:
    zh, en = tmp_path / "zh.xlsx", tmp_path / "en.xlsx"
    assert main(["rotate", str(SANMING), "--allocation", str(alloc), "--xlsx", str(zh), "--lang", "zh",
                 "--out", str(tmp_path / "r")]) == 0
    assert main(["rotate", str(SANMING), "--allocation", str(alloc), "--xlsx", str(en), "--lang", "en"]) == 0
    inst = staffpool.load_instance(SANMING)
    names = {i.id: i.name for i in inst.institutions}
    staff = inst.staff_by_id
    head, *body = _rows(zh, 0)
    # the headers already in the catalogue; the new ones (home, home_name, host_name, first_period,
    # last_period, distance_to_host_km) come with the catalogue's next update
    assert [head[k] for k in (0, 1, 2, 5, 7)] == ["工号", "姓名", "专业", "接收机构", "时段"]
    assert _rows(en, 0)[0] == ["staff_id", "name", "specialty", "home", "home_name", "host", "host_name", "window",
                               "first_period", "last_period", "distance_to_host_km", "fills"]
    with (tmp_path / "r" / "rotation.csv").open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert len(body) == len(table) > 0
    for row, r in zip(body, table, strict=True):
        sid, name, _spec, home, home_name, host, host_name, window, first, last, km, fills = row
        assert (fills or "") == (r["fills"] and "全部/主治医师" if r["fills"] == "*/attending" else r["fills"])
        assert (sid, home, host) == (r["staff_id"], r["home"], r["host"])
        assert name == staff[str(sid)].name == r["name"] and host_name == names[str(host)] == r["host_name"]
        assert home_name == names[str(home)]
        assert (window, first, last) == (int(r["window"]), int(r["first_period"]), int(r["last_period"]))
        assert km == pytest.approx(float(r["distance_km"]))
    hosts = _rows(zh, 1)
    assert [hosts[0][k] for k in (0, 2, 3, 4, 5)] == ["接收机构", "时段", "轮转人数", "高级职称缺口", "已覆盖"]
    assert all(h[1] == names[str(h[0])] for h in hosts[1:]) and len(hosts) > 1
    assert sum(h[3] for h in hosts[1:]) == len(body)
    import json

    summary = json.loads((tmp_path / "r" / "rotation_summary.json").read_text(encoding="utf-8"))
    coverage = _rows(en, 2)
    assert coverage[0] == ["host", "host_name", "senior row", "window", "gap", "filled"]
    assert sum(c[5] for c in coverage[1:]) == summary["covered_slots"] == sum(1 for r in table if r["fills"])
    assert [r[1] for r in _rows(zh, 3)[1:]] == [summary[k] for k in ("rotators", "covered_slots", "longest_trip_km",
                                                                     "distance_km")]


def test_existing_file_needs_force_and_path_must_be_xlsx(alloc: Path, tmp_path: Path) -> None:
    book = tmp_path / "r.xlsx"
    book.write_bytes(b"earlier")
    assert main(["rotate", str(SANMING), "--allocation", str(alloc), "--xlsx", str(book)]) == 2
    assert book.read_bytes() == b"earlier"
    assert main(["rotate", str(SANMING), "--allocation", str(alloc), "--xlsx", str(book), "--force"]) == 0
    assert _rows(book, 0)[0][0] == "staff_id"
    assert main(["rotate", str(SANMING), "--allocation", str(alloc), "--xlsx", str(tmp_path / "r.csv")]) == 2
    assert not (tmp_path / "r.csv").exists()
