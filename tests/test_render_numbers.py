"""Terminal tables: every number with thousands separators (distances to the metre), in
English and Chinese; `rotate` names each host beside its id; tables stay within 80 columns."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from rich.cells import cell_len

from staffpool.cli import main
from staffpool.cli.render import level_num, num
from staffpool.domain.instance import Level

ROOT = Path(__file__).resolve().parents[1]
SANMING = ROOT / "instances" / "sanming-county"
NAMES = {"C000-T02": "Township Centre 0-2", "C000-T05": "Township Centre 0-5"}
# Four digits or more not part of an id (C000-S00112) nor of a separated number (1,250,000).
BARE = re.compile(r"(?<![\w.,-])\d{4,}(?![\w,-])")


def test_numbers_get_separators() -> None:
    assert num(1250000) == "1,250,000"
    assert num(np.int64(20627)) == "20,627"
    assert num(-300000, sign="+") == "-300,000" and num(0, sign="+") == "+0"
    assert num(1234.567, 3) == "1,234.567" and num(0.0, 3) == "0.000"
    assert num(1500.0) == "1,500" and num(1.5) == "1.5" and num(2.25, 2) == "2.25"
    assert num("–") == "–" and num(None) == "None"
    assert level_num(Level.hiring_cost, 1250000) == "1,250,000"
    assert level_num(Level.hiring_cost, 200000.0, "+") == "+200,000"  # `:+g` gave +200000, or +1.25e+06
    assert level_num("distance", 10.277, "+") == "+10.277" and level_num(Level.distance, 1234.5) == "1,234.500"
    assert level_num(Level.treasury_cost, 930000.5) == "930,000.50"


def _table_rows(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith(("│", "┃"))]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_solve_and_compare_tables_have_no_bare_numbers(lang: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(SANMING), "--lang", lang, "--out", str(tmp_path / "o")]) == 0
    solved = capsys.readouterr().out
    assert main(["compare", str(SANMING), "--lang", lang]) == 0
    compared = capsys.readouterr().out
    cost = next(ln for ln in _table_rows(compared) if ("招聘成本" if lang == "zh" else "hiring_cost") in ln)
    assert cost.count("1,250,000") == 3, cost
    distance = next(ln for ln in _table_rows(compared) if ("调动距离" if lang == "zh" else "distance") in ln)
    assert "0.000" in distance and "94.196" in distance, distance
    rows = _table_rows(solved) + _table_rows(compared)
    assert any("31,170,000" in ln for ln in rows)  # the payroll (it had separators already)
    assert [ln for ln in rows if BARE.search(ln)] == []
    assert max(cell_len(ln) for ln in (solved + compared).splitlines()) <= 80


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rotate_names_each_host(lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rotate", str(SANMING), "--lang", lang]) == 0
    text = capsys.readouterr().out
    header = next(ln for ln in _table_rows(text) if ln.startswith("┃"))
    assert ("机构名称" if lang == "zh" else "name") in header
    rows = [ln for ln in _table_rows(text) if ln.startswith("│")]
    for host, name in NAMES.items():
        row = next(ln for ln in rows if host in ln)
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert cells[:2] == [host, name], cells
    assert all(BARE.search(ln) is None for ln in rows)
    assert max(cell_len(ln) for ln in text.splitlines()) <= 80
