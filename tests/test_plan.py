"""plan --rolling: each year the optimum given the years before; H = 1 is solve; year data is validated."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from staffpool.domain.instance import Horizon, Title
from staffpool.domain.years import year_view
from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance

from .helpers import inst, make, person, req

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
YEAR_COLUMNS = ["leaves", "birth_year", "arrives", "grassroots_years"]


def three_years(tmp_path: Path) -> Path:
    """tiny over 2027-2029: s2 retires (born 1968), s3 leaves in 2029, s7 arrives in 2028,
    s8 a targeted graduate; 2028 has its own budget; the township needs more in 2029."""
    folder = tmp_path / "inst"
    shutil.copytree(TINY, folder)
    with (folder / "instance.yaml").open("a", encoding="utf-8") as f:
        f.write("horizon: {start: 2027, years: 3}\n")
    rows = list(csv.reader((folder / "staff.csv").open(encoding="utf-8")))
    extra = {"s3": ["2029", "", "", ""], "s2": ["", "1968", "", ""], "s8": ["", "", "", "3"], "s7": ["", "", "2028", ""]}
    rows[0] += YEAR_COLUMNS
    for r in rows[1:]:
        r += extra.get(r[0], ["", "", "", ""])
    with (folder / "staff.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    (folder / "budgets.csv").write_text("community,year,hiring_budget,max_moves\nC1,2028,400000,2\n", encoding="utf-8")
    req_text = (folder / "requirements.csv").read_text(encoding="utf-8").splitlines()
    req_text = [req_text[0] + ",year"] + [line + "," for line in req_text[1:]] + ["T,*,resident,4,2,2029"]
    (folder / "requirements.csv").write_text("\n".join(req_text) + "\n", encoding="utf-8")
    return folder


def _files(d: Path) -> dict[str, str]:
    return {f: (d / f).read_text(encoding="utf-8") for f in ("assignments.csv", "requirements.csv", "institutions.csv")}


def test_one_year_plan_is_solve(tmp_path: Path) -> None:
    folder = tmp_path / "inst"
    shutil.copytree(TINY, folder)
    with (folder / "instance.yaml").open("a", encoding="utf-8") as f:
        f.write("horizon: {start: 2027}\n")
    assert main(["plan", str(folder), "--out", str(tmp_path / "P"), "--rolling"]) == 0
    assert main(["solve", str(TINY), "--out", str(tmp_path / "S")]) == 0
    assert _files(tmp_path / "P" / "2027") == _files(tmp_path / "S")
    summary = json.loads((tmp_path / "P" / "summary.json").read_text(encoding="utf-8"))
    solved = json.loads((tmp_path / "S" / "summary.json").read_text(encoding="utf-8"))
    assert summary["years"]["2027"]["objective"] == summary["totals"] == solved["objective"]


def test_rolling_equals_advance_then_solve_year_by_year(tmp_path: Path) -> None:
    folder = three_years(tmp_path)
    plan = tmp_path / "P"
    assert main(["plan", str(folder), "--out", str(plan), "--rolling"]) == 0
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    assert sorted(summary["years"]) == ["2027", "2028", "2029"]
    # Independently, through files: solve the first year, advance, solve the next …
    current = folder
    for year in (2027, 2028, 2029):
        out = tmp_path / f"S{year}"
        assert main(["solve", str(current), "--out", str(out)]) == 0
        assert _files(out) == _files(plan / str(year)), year
        got = json.loads((out / "summary.json").read_text(encoding="utf-8"))["objective"]
        assert got == summary["years"][str(year)]["objective"]
        nxt = tmp_path / f"I{year + 1}"
        assert main(["advance", str(current), str(out), "--out", str(nxt)]) == 0
        current = nxt
    totals = {k: sum(summary["years"][y]["objective"][k] for y in summary["years"]) for k in summary["totals"]}
    assert totals == pytest.approx(summary["totals"])
    # …and advancing by the whole plan folder gives the world after its last year.
    assert main(["advance", str(folder), str(plan), "--out", str(tmp_path / "after")]) == 0
    assert load_instance(tmp_path / "after") == load_instance(current)


def test_each_year_sees_who_is_there(tmp_path: Path) -> None:
    i = load_instance(three_years(tmp_path))
    assert i.staff_by_id["s2"].leaves_in(i.policy) == 2028
    present = {y: sorted(s.id for s in year_view(i, y).staff) for y in (2027, 2028, 2029)}
    assert present[2027] == ["s1", "s2", "s3", "s4", "s5", "s6", "s8"]  # s7 arrives in 2028
    assert present[2028] == ["s1", "s3", "s4", "s5", "s6", "s7", "s8"]  # s2 retired
    assert present[2029] == ["s1", "s4", "s5", "s6", "s7", "s8"]  # s3 left
    assert year_view(i, 2028).communities[0].hiring_budget == 400000
    assert year_view(i, 2029).communities[0].hiring_budget == 200000
    need = {y: [r.need for r in year_view(i, y).requirements if r.institution == "T" and r.specialty == "*"]
            for y in (2027, 2029)}
    assert need == {2027: [3], 2029: [4]}  # the 2029 row replaces the yearless one


def test_retirement_age_by_title() -> None:
    staff = [person("a", "on_staff", "chief", at="H", post="differential", holder="H").model_copy(update={"birth_year": 1967}),
             person("b", "on_staff", "resident", at="H", post="differential", holder="H").model_copy(update={"birth_year": 1967})]
    i = make([inst("H", "county", 2)], staff, [req("H", "*", "resident", 2)],
             policy={"retirement_age": {"chief": 65}}).model_copy(update={"horizon": Horizon(start=2027, years=2)})
    assert i.policy.retires_at(Title.chief) == 65 and i.policy.retires_at(Title.resident) == 60
    assert [s.id for s in year_view(i, 2027).staff] == ["a"]


def test_year_columns_are_validated(tmp_path: Path) -> None:
    folder = three_years(tmp_path)
    staff = (folder / "staff.csv").read_text(encoding="utf-8")
    staff = staff.replace("s5,Dr Liu,contract,resident,general_practice,,,T,C1,true,false,,,,",
                          "s5,Dr Liu,contract,resident,general_practice,,,T,C1,true,false,soon,1800,2028,2")
    (folder / "staff.csv").write_text(staff, encoding="utf-8")
    (folder / "budgets.csv").write_text("community,year,hiring_budget,max_moves\nC1,2028,,1\nC9,2031,x,\nC1,2028,5,\n",
                                        encoding="utf-8")
    with (folder / "requirements.csv").open("a", encoding="utf-8") as f:
        f.write("H,surgery,attending,1,1,2040\n")
    with pytest.raises(InputError) as exc:
        load_instance(folder)
    where = [(p.file, p.row, p.column) for p in exc.value.problems]
    assert where == [
        ("staff.csv", 6, "leaves"), ("staff.csv", 6, "birth_year"), ("staff.csv", 6, "arrives"),
        ("staff.csv", 6, "grassroots_years"),
        ("requirements.csv", 9, "year"),
        ("budgets.csv", 3, "hiring_budget"), ("budgets.csv", 3, "community"), ("budgets.csv", 3, "year"),
        ("budgets.csv", 4, "year"),
    ]
    assert main(["plan", str(folder), "--out", str(tmp_path / "P"), "--rolling"]) == 2
    assert not (tmp_path / "P").exists()


def test_year_data_needs_a_start(tmp_path: Path) -> None:
    folder = tmp_path / "inst"
    shutil.copytree(TINY, folder)
    (folder / "budgets.csv").write_text("community,year,max_moves\nC1,2028,1\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_instance(folder)
    assert [(p.row, p.column) for p in exc.value.problems] == [(2, "year")]
    assert "horizon.start" in exc.value.problems[0].message


def test_plan_of_an_infeasible_year_writes_nothing(tmp_path: Path) -> None:
    folder = three_years(tmp_path)
    (folder / "pins.csv").write_text("staff_id,year,at\ns6,2028,H\n", encoding="utf-8")  # a village doctor at county
    assert main(["plan", str(folder), "--out", str(tmp_path / "P"), "--rolling"]) == 1
    assert not (tmp_path / "P").exists()


def test_bundled_five_years_keeps_its_pins_and_graduates() -> None:
    from staffpool.check import check_plan
    from staffpool.solving.horizon import plan_rolling

    i = load_instance(ROOT / "instances" / "sanming-county-5y")
    assert i.horizon == Horizon(start=2027, years=5)
    hp = plan_rolling(i.model_copy(update={"horizon": Horizon(start=2027, years=2)}))
    assert hp.status == "optimal" and [y.year for y in hp.years] == [2027, 2028]
    first, second = (y.result for y in hp.years)
    assert first.plan["C000-G01"].to_institution == "C000-T05"
    assert second.plan["C000-S00011"].to_institution == "C000-T03"
    for y in hp.years:
        assert check_plan(y.result.instance, y.result.plan, y.result.mode).ok
        for sid, a in y.result.plan.items():
            if sid.startswith("C000-G") and a.to_institution:
                assert y.result.instance.institution_by_id[a.to_institution].tier.value != "county"


def test_plan_json_is_clean_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = three_years(tmp_path)
    capsys.readouterr()
    assert main(["plan", str(folder), "--out", str(tmp_path / "P"), "--rolling", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "rolling" and sorted(data["years"]) == ["2027", "2028", "2029"]
    assert data == json.loads((tmp_path / "P" / "summary.json").read_text(encoding="utf-8"))


def test_report_of_a_plan_over_years(tmp_path: Path) -> None:
    folder = three_years(tmp_path)
    assert main(["plan", str(folder), "--out", str(tmp_path / "P"), "--rolling"]) == 0
    page = tmp_path / "years.html"
    assert main(["report", str(folder), "--plan", str(tmp_path / "P"), "--out", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert 'id="chart-years-staff"' in html and 'id="chart-years-short"' in html
    summary = json.loads((tmp_path / "P" / "summary.json").read_text(encoding="utf-8"))
    for year, y in summary["years"].items():
        staff = y["by_tier"]["county"]["staff"]
        assert f"<tr><td>{year}</td><td class=num>{staff}</td>" in html
    # A year that does not follow from the one before is named, and nothing is written.
    a = tmp_path / "P" / "2028" / "assignments.csv"
    a.write_text(a.read_text(encoding="utf-8").replace(",T,T,", ",H,T,", 1), encoding="utf-8")
    assert main(["report", str(folder), "--plan", str(tmp_path / "P"), "--out", str(tmp_path / "bad.html")]) == 2
    assert not (tmp_path / "bad.html").exists()


def test_plan_xlsx_equals_the_year_csv_files(tmp_path: Path) -> None:
    """plan --xlsx --lang zh: the Years sheet is summary.json's years, the Changes sheet is
    every year's changed rows of DIR/<year>/assignments.csv, read back through the .po."""
    import openpyxl

    from .test_xlsx_out import _csv, _inverse, _same, _sheet_rows

    folder, out, book = three_years(tmp_path), tmp_path / "P", tmp_path / "years.xlsx"
    assert main(["plan", str(folder), "--out", str(out), "--rolling", "--xlsx", str(book), "--lang", "zh"]) == 0
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["各年度", "变动"]
    inv = _inverse("zh")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    levels = list(summary["totals"])
    years = list(wb["各年度"].iter_rows(values_only=True))
    header = [str(h) for h in years[0]]
    assert header[0] == "年份" and all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in header)
    by_year = {str(r[0]): r for r in years[1:] if isinstance(r[0], int)}
    assert sorted(by_year) == sorted(summary["years"]) == ["2027", "2028", "2029"]
    for year, y in summary["years"].items():
        row = by_year[year]
        assert list(row[2:2 + len(levels)]) == pytest.approx([y["objective"][lvl] for lvl in levels])
        assert list(row[2 + len(levels):5 + len(levels)]) == [y["by_tier"][t]["staff"] for t in ("county", "township", "village")]
        assert row[-2] == y["payroll"]["institutions_after"]
    total = next(r for r in years[1:] if r[0] == "合计")
    assert list(total[2:2 + len(levels)]) == pytest.approx([summary["totals"][lvl] for lvl in levels])
    codes, rows = _sheet_rows(wb["变动"], "zh", inv, "changes")
    assert codes[0] == "year"
    expected = [(y, r) for y in ("2027", "2028", "2029") for r in _csv(out / y / "assignments.csv")
                if r["change"] in ("move", "hire", "regularise", "regularise_move")]
    assert len(expected) >= 3 and len(rows) == len(expected)
    for (year, want), got in zip(expected, rows, strict=True):
        assert str(got["year"]) == year
        for col, cell in want.items():
            assert _same(cell, got[col]), (year, col, cell, got[col])
    # never over an existing workbook (nor the plan folder) unless --force
    before = book.read_bytes()
    assert main(["plan", str(folder), "--out", str(tmp_path / "Q"), "--rolling", "--xlsx", str(book)]) == 2
    assert book.read_bytes() == before and not (tmp_path / "Q").exists()
    assert main(["plan", str(folder), "--out", str(out), "--rolling", "--xlsx", str(book), "--force", "--lang", "en"]) == 0
    assert openpyxl.load_workbook(book).sheetnames == ["Years", "Changes"]


def test_plan_in_chinese_prints_the_same_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import re

    from staffpool.cli import common

    monkeypatch.setattr(common.out, "width", 200)
    folder = three_years(tmp_path)
    tables = {}
    for lang in ("en", "zh"):
        capsys.readouterr()
        assert main(["plan", str(folder), "--out", str(tmp_path / lang), "--lang", lang]) == 0
        text = capsys.readouterr().out
        lines = [line for line in text.splitlines() if line.startswith("│")]
        assert len(lines) == 5, text  # three years, the total, the rolling plan's total
        tables[lang] = (text, [re.findall(r"\d+(?:\.\d+)?", line) for line in lines])
    zh, en = tables["zh"][0], tables["en"][0]
    assert "tiny：整体规划，最优" in zh and "年份" in zh and "合计" in zh and "加权缺口" in zh
    assert "已将 2027, 2028, 2029 年度及 summary.json 写入" in zh
    assert "tiny: integrated plan, optimal" in en and "total" in en and "Wrote 2027, 2028, 2029" in en
    assert tables["zh"][1] == tables["en"][1]


def test_an_integrated_plan_proven_infeasible_says_so(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import staffpool
    folder = three_years(tmp_path)
    (folder / "pins.csv").write_text("staff_id,year,at\ns6,2028,H\n", encoding="utf-8")  # a village doctor at county
    hr = staffpool.plan(folder)
    assert hr.kind == "integrated" and not hr.complete and hr.status == "infeasible"
    capfd.readouterr()
    assert main(["plan", str(folder), "--out", str(tmp_path / "P"), "--lang", "zh"]) == 1
    said = capfd.readouterr()
    assert "整体规划，无可行方案" in said.out and "时限" not in said.out + said.err
    assert not (tmp_path / "P").exists()
