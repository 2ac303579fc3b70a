"""`solve --xlsx`: one workbook for people that says exactly what the CSV files say."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from babel.messages.pofile import read_po

from staffpool.cli import main

ROOT = Path(__file__).resolve().parents[1]
SANMING = ROOT / "instances" / "sanming-county"
TINY = ROOT / "instances" / "tiny"
ZH_PO = ROOT / "staffpool" / "locale" / "zh" / "LC_MESSAGES" / "staffpool.po"
SHEETS = {"en": {"Changes": "assignments", "Assignments": "assignments", "Institutions": "institutions",
                 "Requirements": "requirements"},
          "zh": {"变动": "assignments", "人员安排": "assignments", "机构": "institutions", "需求": "requirements"}}
# Which catalogue context holds each column's values (the test's own table, not the package's).
VALUE_CONTEXT = {"status": "status", "title": "title", "min_title": "title", "specialty": "specialty",
                 "change": "change", "post_source": "post_source", "post_funding": "funding", "funding": "funding",
                 "tier": "tier", "moved": "bool"}


def _inverse(lang: str) -> dict[str, dict[str, str]]:
    """label → code per catalogue context, read from the .po (English: labels are the codes)."""
    if lang == "en":
        return {}
    with ZH_PO.open("rb") as fh:
        cat = read_po(fh)
    inv: dict[str, dict[str, str]] = {}
    for m in cat:
        if m.context and isinstance(m.id, str):
            inv.setdefault(m.context, {})[m.string] = m.id
    inv["column"].update({"机构编码": "institution", "姓名": "name"})
    # the institution names beside the codes in the changes (English: the codes themselves)
    inv["column"].update({"原工作机构名称": "from_institution_name", "安排机构名称": "to_institution_name"})
    return inv


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _same(csv_cell: str, xl: object) -> bool:
    if xl is None:
        return csv_cell == ""
    if isinstance(xl, bool):
        return csv_cell == ("true" if xl else "false")
    if isinstance(xl, int | float):
        return csv_cell != "" and abs(float(csv_cell) - float(xl)) < 1e-9
    return csv_cell == str(xl)


def _sheet_rows(ws: object, lang: str, inv: dict[str, dict[str, str]], table: str) -> tuple[list[str], list[dict]]:
    rows = list(ws.iter_rows(values_only=True))  # type: ignore[attr-defined]
    header = [str(h) for h in rows[0]]
    codes = [inv["column"].get(h, h) if lang == "zh" else h for h in header]
    if table == "institutions" and lang == "zh":
        codes = [{"机构编码": "id", "机构名称": "name"}.get(h, c) for h, c in zip(header, codes, strict=True)]
    out = []
    for r in rows[1:]:
        rec = {}
        for code, v in zip(codes, r, strict=True):
            if lang == "zh" and code in VALUE_CONTEXT and isinstance(v, str):
                v = inv[VALUE_CONTEXT[code]].get(v, v)
            rec[code] = v
        out.append(rec)
    return codes, out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_workbook_equals_the_csv_files(tmp_path: Path, lang: str) -> None:
    out, book = tmp_path / "out", tmp_path / "plan.xlsx"
    assert main(["solve", str(SANMING), "--out", str(out), "--xlsx", str(book), "--lang", lang]) == 0
    wb = openpyxl.load_workbook(book)
    inv = _inverse(lang)
    assert wb.sheetnames[0] == ("摘要" if lang == "zh" else "Summary")
    assert set(wb.sheetnames[1:]) == set(SHEETS[lang])
    for title, table in SHEETS[lang].items():
        ws = wb[title]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), title
        codes, rows = _sheet_rows(ws, lang, inv, table)
        expected = _csv(out / f"{table}.csv")
        assert set(expected[0]) <= set(codes), (title, codes)
        if title in ("Changes", "变动"):
            expected = [r for r in expected if r["change"] in ("move", "hire", "regularise", "regularise_move")]
            assert expected, "sanming has changes"
        assert len(rows) == len(expected), title
        for want, got in zip(expected, rows, strict=True):
            for col, cell in want.items():
                assert _same(cell, got[col]), (title, col, cell, got[col])
        if lang == "zh":  # the headers and values are Chinese, the ids are not
            assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in (c.value for c in ws[1])), title
    # number formats: km to the metre, counts as integers
    ws = wb["人员安排" if lang == "zh" else "Assignments"]
    km = next(c for c in ws[1] if c.value in ("distance_km", "调动距离km")).column
    assert ws.cell(row=2, column=km).number_format == "#,##0.000"
    inst = wb["机构" if lang == "zh" else "Institutions"]
    assert inst.cell(row=2, column=5).number_format == "#,##0"
    assert [c.value for c in inst[1]][:2] == (["机构编码", "机构名称"] if lang == "zh" else ["id", "name"])
    _names_beside_codes(wb, lang, inv)
    _summary_has_the_payroll(wb, lang, json.loads((out / "summary.json").read_text(encoding="utf-8")))


def _names_beside_codes(wb: openpyxl.Workbook, lang: str, inv: dict[str, dict[str, str]]) -> None:
    """The changes give each institution's name right after its code."""
    names = {r["id"]: r["name"] for r in _csv(SANMING / "institutions.csv")}
    codes, rows = _sheet_rows(wb["变动" if lang == "zh" else "Changes"], lang, inv, "assignments")
    for col in ("from_institution", "to_institution"):
        assert codes[codes.index(col) + 1] == f"{col}_name", codes
        for r in rows:
            assert r[f"{col}_name"] == names.get(r[col]), (col, r)
    assert any(r["from_institution_name"] for r in rows) and all(r["to_institution_name"] for r in rows)


def _summary_has_the_payroll(wb: openpyxl.Workbook, lang: str, data: dict) -> None:
    """摘要/Summary: the levels and counts of summary.json, then its payroll, total and by tier."""
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    tiers = {"县级": "county", "乡镇": "township", "村": "village"}
    header = [tiers.get(h, h) for h in rows[0]]
    assert header == ["key", "value", "unit", "county", "township", "village"] or lang == "zh"
    assert header[3:] == ["county", "township", "village"], header
    summary = {r[0]: r[1:] for r in rows[1:]}
    assert data["instance"] == summary["实例" if lang == "zh" else "instance"][0]
    pay = data["payroll"]
    words = {"en": {"treasury before": "treasury_before", "treasury after": "treasury_after",
                    "treasury added": "treasury_added", "institutions before": "institutions_before",
                    "institutions after": "institutions_after", "institutions added": "institutions_added",
                    "salary fund": "salary_fund"},
             "zh": {"财政（调整前）": "treasury_before", "财政（调整后）": "treasury_after", "财政新增": "treasury_added",
                    "机构（调整前）": "institutions_before", "机构（调整后）": "institutions_after",
                    "机构新增": "institutions_added", "工资基金": "salary_fund"}}[lang]
    shown = {words[k]: v for k, v in summary.items() if k in words}
    assert set(shown) == set(words.values())
    for key, (total, unit, *by_tier) in shown.items():
        assert total == pay[key] and unit == ("元/年" if lang == "zh" else "yuan/year"), key
        if key != "salary_fund":
            who, when = key.split("_")
            want = [pay["by_tier"][t][f"{who}_{when}"] if when != "added" else
                    pay["by_tier"][t][f"{who}_after"] - pay["by_tier"][t][f"{who}_before"] for t in header[3:]]
            assert by_tier == want, key
    numbers = sorted(v[0] for k, v in summary.items() if k not in words and isinstance(v[0], int | float))
    wishes = list(data["preferences"].values()) if data["preferences"]["people"] else []  # shown only then
    assert numbers == sorted([*data["objective"].values(), *data["counts"].values(), *wishes, 1500000,
                              pay["salary_fund_covers"]])


def test_workbook_is_never_written_over_unless_forced(tmp_path: Path) -> None:
    book = tmp_path / "plan.xlsx"
    book.write_bytes(b"someone's file")
    assert main(["solve", str(TINY), "--xlsx", str(book)]) == 2
    assert book.read_bytes() == b"someone's file"
    assert main(["solve", str(TINY), "--xlsx", str(book), "--force"]) == 0
    assert openpyxl.load_workbook(book).sheetnames[0] == "Summary"
    assert main(["solve", str(TINY), "--xlsx", str(tmp_path / "plan.csv")]) == 2
    assert not (tmp_path / "plan.csv").exists()


def test_bad_input_writes_no_workbook(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in TINY.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    text = (bad / "requirements.csv").read_text(encoding="utf-8").splitlines()
    text[1] = text[1].rsplit(",", 2)[0] + ",many,1"
    (bad / "requirements.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    assert main(["solve", str(bad), "--xlsx", str(tmp_path / "p.xlsx")]) == 2
    assert not (tmp_path / "p.xlsx").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_compare_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "modes.xlsx"
    assert main(["compare", str(TINY), "--json", "--xlsx", str(book), "--lang", "zh"]) == 0
    data = json.loads(capsys.readouterr().out)
    ws = openpyxl.load_workbook(book).worksheets[0]
    assert ws.title == "模式比较"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][1:] == ("各自管理", "县管乡用", "统一管理")
    treasury = next(r for r in rows if r[0] == "财政新增（元/年）")
    assert rows.index(treasury) == 2  # right after the shortfall, as the terminal shows it
    assert list(treasury[1:]) == [m["treasury_added"] for m in data["modes"]]
    body = [r for r in rows[1:] if r is not treasury]
    for j, m in enumerate(data["modes"], start=1):
        got = [r[j] for r in body[:len(m["objective"])]]
        assert got == list(m["objective"].values())


def test_compare_workbook_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "modes.xlsx"
    assert main(["compare", str(TINY), "--json", "--xlsx", str(book)]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r[0]: r[1:] for r in openpyxl.load_workbook(book).worksheets[0].iter_rows(values_only=True)}
    assert list(rows["treasury_added (yuan/year)"]) == [m["treasury_added"] for m in data["modes"]]


def test_plan_workbook_names_beside_codes(tmp_path: Path) -> None:
    """plan --xlsx: each year's changes give the institutions' names right after their codes."""
    folder = ROOT / "instances" / "small-county-5y"
    book = tmp_path / "years.xlsx"
    assert main(["plan", str(folder), "--out", str(tmp_path / "P"), "--rolling", "--xlsx", str(book)]) == 0
    rows = list(openpyxl.load_workbook(book)["Changes"].iter_rows(values_only=True))
    header = list(rows[0])
    names = {r["id"]: r["name"] for r in _csv(folder / "institutions.csv")}
    assert rows[1:], "the county changes over the years"
    for col in ("from_institution", "to_institution"):
        at = header.index(col)
        assert header[at + 1] == f"{col}_name"
        assert all(r[at + 1] == names.get(r[at]) for r in rows[1:]), col
