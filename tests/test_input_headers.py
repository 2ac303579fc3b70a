"""Reading input honestly: headers in any case and spacing, near misses refused, unknown
columns and files warned about (`--strict` refuses them), formulas without a saved value,
Chinese headers, sheet names and values, and GB18030 files — through the CLI as a planner
meets them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffpool import cli
from staffpool.cli import main
from staffpool.domain.instance import Instance
from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance
from tests import zh_forms

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
SANMING = ROOT / "instances" / "sanming-county"


@pytest.fixture(autouse=True)
def wide_stderr() -> Iterator[None]:
    """Messages on one line each (rich wraps at 80 columns when stderr is not a terminal)."""
    width = cli.err.width
    cli.err.width = 1000
    yield
    cli.err.width = width


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "inst"
    shutil.copytree(src, dst)
    return dst


def _set_header(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    head, rest = path.read_text(encoding="utf-8").split("\n", 1)
    cells = head.split(",")
    assert old in cells, (old, cells)
    path.write_text(",".join(new if c == old else c for c in cells) + "\n" + rest, encoding="utf-8")


def _problems(path: Path) -> list[tuple[str, int | None, str, str]]:
    with pytest.raises(InputError) as exc:
        load_instance(path)
    return [(p.file, p.row, p.column, p.message) for p in exc.value.problems]


# ---------------------------------------------------------------- headers


def test_capitalised_and_spaced_headers_read_as_the_columns(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _copy(SANMING, tmp_path)
    _set_header(inst, "staff.csv", "mobile", "Mobile")  # 40 immobile staff must stay immobile
    _set_header(inst, "staff.csv", "posted_at", " Posted At ")
    _set_header(inst, "staff.csv", "grassroots_due", "GRASSROOTS-DUE")
    _set_header(inst, "institutions.csv", "capacity", "Capacity")
    _set_header(inst, "institutions.csv", "x_km", "横坐标（公里）")  # a unit in brackets, as offices write it
    _set_header(inst, "institutions.csv", "y_km", "y (km)")
    assert load_instance(inst) == load_instance(SANMING)
    assert main(["validate", str(inst), "--json", "--strict"]) == 0
    assert json.loads(capfd.readouterr().out)["warnings"] == []


@pytest.mark.parametrize(("file", "old", "new", "meant"), [
    ("staff.csv", "mobile", "Mobil", "mobile"),
    ("institutions.csv", "capacity", "capacty", "capacity"),
    ("staff.csv", "posted_at", "postedat", "posted_at"),
    ("requirements.csv", "institution", "机构编号", "institution"),
])
def test_near_miss_header_exit_2_did_you_mean(file: str, old: str, new: str, meant: str, tmp_path: Path,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    inst = _copy(TINY, tmp_path)
    _set_header(inst, file, old, new)
    out = tmp_path / "out"
    assert main(["solve", str(inst), "--out", str(out)]) == 2
    err = capfd.readouterr().err
    assert f"did you mean {meant}" in err and file in err and new in err
    assert "found:" in err  # the headers of that file are listed
    assert "Traceback" not in err and not out.exists()


def test_unknown_column_is_a_warning_and_strict_refuses_it(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _copy(TINY, tmp_path)
    _set_header(inst, "staff.csv", "name", "notes")  # `name` is optional: the load goes on
    assert main(["validate", str(inst)]) == 0
    err = capfd.readouterr().err
    assert "warning" in err and "staff.csv row 1 column notes: unknown column, ignored" in err
    assert main(["validate", str(inst), "--json"]) == 0
    captured = capfd.readouterr()
    warnings = json.loads(captured.out)["warnings"]
    assert [(w["file"], w["row"], w["column"]) for w in warnings] == [("staff.csv", 1, "notes")]
    assert "unknown column" in captured.err
    out = tmp_path / "out"
    assert main(["solve", str(inst), "--strict", "--out", str(out)]) == 2
    assert "notes" in capfd.readouterr().err and not out.exists()


def test_unknown_file_in_the_folder_is_a_warning(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _copy(TINY, tmp_path)
    (inst / "Staff.CSV").write_text("id\n")
    (inst / "budget.xlsx").write_bytes(b"")
    (inst / "notes.txt").write_text("x")  # README*, *.md, *.txt and hidden files are the planner's own
    (inst / ".~lock").write_text("x")
    assert main(["validate", str(inst)]) == 0
    err = capfd.readouterr().err
    assert "Staff.CSV: unknown file, ignored (did you mean staff.csv?)" in err
    assert "budget.xlsx: unknown file, ignored" in err
    assert "notes.txt" not in err and ".~lock" not in err and "README" not in err
    assert main(["validate", str(inst), "--strict"]) == 2


def test_a_column_given_twice_is_a_problem(tmp_path: Path) -> None:
    inst = _copy(TINY, tmp_path)
    _set_header(inst, "staff.csv", "name", "Mobile")  # beside `mobile`
    assert any(p[2] == "mobile" and "given twice" in p[3] for p in _problems(inst))


def test_json_keys_are_matched_like_headers(tmp_path: Path) -> None:
    from staffpool.tools.convert import write_json

    base = load_instance(TINY)
    write_json(base, tmp_path / "i.json")
    data = json.loads((tmp_path / "i.json").read_text())
    for row in data["staff"]:
        row["Posted At"] = row.pop("posted_at")
        row["MOBILE"] = row.pop("mobile")
    (tmp_path / "i.json").write_text(json.dumps(data))
    assert load_instance(tmp_path / "i.json") == base
    data["staff"][2]["mobil"] = data["staff"][2].pop("MOBILE")
    (tmp_path / "i.json").write_text(json.dumps(data))
    assert any(p[:3] == ("i.json: staff", 3, "mobil") and "did you mean mobile" in p[3] for p in _problems(tmp_path / "i.json"))


# ---------------------------------------------------------------- workbook formulas


def test_formula_without_a_saved_value_exit_2(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    from staffpool.tools.convert import write_workbook

    write_workbook(load_instance(TINY), tmp_path / "i.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "i.xlsx")
    ws = wb["institutions"]
    assert ws["F1"].value == "approved_posts"
    ws["F2"] = "=200+61"  # openpyxl saves the formula, not its value (as any program but Excel)
    wb.save(tmp_path / "i.xlsx")
    out = tmp_path / "out"
    assert main(["solve", str(tmp_path / "i.xlsx"), "--out", str(out)]) == 2
    err = capfd.readouterr().err
    assert "i.xlsx: institutions" in err and "approved_posts" in err
    assert "a formula without a saved value: open and save it in Excel, or type the value" in err
    assert not out.exists()
    [(file, row, column, _)] = _problems(tmp_path / "i.xlsx")
    assert (file, row, column) == ("i.xlsx: institutions", 2, "approved_posts")


# ---------------------------------------------------------------- Chinese


FORMS = ["utf-8", "gb18030", "utf-8-sig", "i.json", "i.xlsx"]


def _write_zh(base: Instance, form: str, where: Path) -> Path:
    if form == "i.json":
        zh_forms.write_json(base, where / form)
    elif form == "i.xlsx":
        zh_forms.write_workbook(base, where / form)
    else:
        zh_forms.write_folder(base, where / form, form)
    return where / form


@pytest.mark.parametrize("form", FORMS)
def test_chinese_forms_load_equal_to_english(form: str, tmp_path: Path) -> None:
    base = load_instance(SANMING)
    path = _write_zh(base, form, tmp_path)
    if form == "gb18030":
        assert "人员类别".encode("gb18030") in (path / "staff.csv").read_bytes()
    assert load_instance(path) == base
    from staffpool.inputs.validate import load_with_warnings

    assert load_with_warnings(path)[1] == []  # every Chinese header and sheet is known


@pytest.mark.parametrize("form", FORMS)
def test_chinese_forms_solve_to_the_same_plan(form: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = _write_zh(load_instance(TINY), form, tmp_path)
    assert main(["solve", str(TINY), "--out", str(tmp_path / "en"), "--json"]) == 0
    en = json.loads(capfd.readouterr().out)
    assert main(["solve", str(path), "--out", str(tmp_path / "zh"), "--json"]) == 0
    zh = json.loads(capfd.readouterr().out)
    assert zh["objective"] == en["objective"]
    for f in ("assignments.csv", "requirements.csv", "institutions.csv"):
        assert (tmp_path / "zh" / f).read_bytes() == (tmp_path / "en" / f).read_bytes(), f


def _without_names(inst: Instance) -> Instance:
    """Equal for the bundled Chinese instance: every field but the `name` of its
    community, institutions and staff."""
    return inst.model_copy(update={
        "communities": tuple(c.model_copy(update={"name": ""}) for c in inst.communities),
        "institutions": tuple(i.model_copy(update={"name": ""}) for i in inst.institutions),
        "staff": tuple(s.model_copy(update={"name": ""}) for s in inst.staff),
    })


def test_bundled_chinese_workbook_equals_sanming_and_solves_the_same(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    path = ROOT / "instances" / "sanming-county-zh.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["实例", "医共体", "机构", "人员", "需求", "意向"]
    assert next(wb["人员"].iter_rows(values_only=True))[:3] == ("工号", "姓名", "人员类别")
    wb.close()
    zh, en = load_instance(path), load_instance(SANMING)
    assert _without_names(zh) == _without_names(en)
    assert all(not i.name.isascii() for i in zh.institutions) and all(not s.name.isascii() for s in zh.staff)
    assert zh == zh_forms.chinese_names(en)  # what `python -m tests.zh_forms` writes
    assert main(["solve", str(path), "--out", str(tmp_path / "zh"), "--json"]) == 0
    zh_summary = json.loads(capfd.readouterr().out)
    assert main(["solve", str(SANMING), "--out", str(tmp_path / "en"), "--json"]) == 0
    en_summary = json.loads(capfd.readouterr().out)
    assert zh_summary["objective"] == en_summary["objective"] and zh_summary["status"] == en_summary["status"]
    def without_name(folder: Path) -> list[list[str]]:  # the names differ by design
        import csv

        with (folder / "assignments.csv").open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert rows[0][1] == "name"
        return [r[:1] + r[2:] for r in rows]

    assert without_name(tmp_path / "zh") == without_name(tmp_path / "en")


def test_every_chinese_name_is_read() -> None:
    """Every Chinese value of the table (long and short forms) reads as its English code."""
    from staffpool.domain.instance import Funding, StaffStatus, Tier, Title
    from staffpool.inputs.validate import _boolean, _enum

    for code, zh in zh_forms.TIER.items():
        assert _enum(zh, Tier) == (Tier(code), None)
    for code, names in zh_forms.FUNDING.items():
        assert {_enum(n, Funding) for n in names} == {(Funding(code), None)}
    for code, zh in zh_forms.STATUS.items():
        assert _enum(f" {zh} ", StaffStatus) == (StaffStatus(code), None)
    for code, names in zh_forms.TITLE.items():
        assert {_enum(n, Title) for n in names} == {(Title(code), None)}
    for value, zh in zh_forms.BOOLEAN.items():
        assert _boolean(zh, not value) == (value, None)
    from staffpool.inputs.validate import _specialty

    for code, zh in zh_forms.SPECIALTY.items():
        assert _specialty(zh) == (code, None)


# ---------------------------------------------------------------- corrupt Chinese input


def _zh_folder(tmp_path: Path, encoding: str = "utf-8") -> Path:
    return _write_zh(load_instance(TINY), encoding, tmp_path)


def _solve_fails(path: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> str:
    out = tmp_path / "out"
    assert main(["solve", str(path), "--out", str(out)]) == 2
    err = capfd.readouterr().err
    assert "Traceback" not in err and not out.exists()
    return err


def test_unknown_chinese_header(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _zh_folder(tmp_path)
    _set_header(inst, "staff.csv", "工作机构", "工作机购")
    err = _solve_fails(inst, tmp_path, capfd)
    assert "did you mean posted_at (工作机构)" in err and "staff.csv" in err
    (file, row, column, message), missing = _problems(inst)  # and posted_at, a required column, is missing
    assert (file, row, column) == ("staff.csv", 1, "工作机购") and "人员类别" in message  # the headers found
    assert missing[:3] == ("staff.csv", 1, "posted_at")


def test_unknown_chinese_title(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _zh_folder(tmp_path)
    text = (inst / "staff.csv").read_text(encoding="utf-8")
    assert text.count("主任医师") == 1  # s3, row 4
    (inst / "staff.csv").write_text(text.replace("主任医师", "主任护师"), encoding="utf-8")
    err = _solve_fails(inst, tmp_path, capfd)
    assert "主任护师" in err
    [(file, row, column, message)] = _problems(inst)
    assert (file, row, column) == ("staff.csv", 4, "title")
    assert "chief (主任医师)" in message and "resident (住院医师, 医师)" in message


def test_gb18030_file_with_an_invalid_byte_is_one_problem(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _zh_folder(tmp_path, "gb18030")
    data = (inst / "institutions.csv").read_bytes()
    i = data.index("乡镇".encode("gb18030"))  # row 3, the tier of T
    (inst / "institutions.csv").write_bytes(data[:i] + b"\xff" + data[i + 1:])
    err = _solve_fails(inst, tmp_path, capfd)
    assert "institutions.csv" in err and "GB18030" in err
    # one problem, not an unknown-institution error for every member posted there
    assert [p[:3] for p in _problems(inst)] == [("institutions.csv", 3, "tier")]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_case_spacing_and_separators_read_as_the_column(data: st.DataObject) -> None:
    from staffpool.inputs.read import TABLE_COLUMNS, resolve_header

    table = data.draw(st.sampled_from(sorted(TABLE_COLUMNS)))
    column = data.draw(st.sampled_from(TABLE_COLUMNS[table]))
    spelled = ""
    for ch in column:
        if ch == "_":
            spelled += data.draw(st.sampled_from(["_", "-", " ", "  ", "_-", " _ "]))
        else:
            spelled += data.draw(st.sampled_from([ch.lower(), ch.upper()]))
    spelled = data.draw(st.sampled_from(["", " ", "\t"])) + spelled + data.draw(st.sampled_from(["", "  "]))
    problems: list = []
    warnings: list = []
    assert resolve_header([spelled], table, "t.csv", problems, warnings) == [column]
    assert problems == warnings == []


def test_workbook_sheet_names(tmp_path: Path) -> None:
    import openpyxl

    from staffpool.inputs.validate import load_with_warnings

    base = load_instance(TINY)
    zh_forms.write_workbook(base, tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    wb["人员"].title = " Staff "  # the English name, in any case and spacing
    wb.create_sheet("备注")  # the planner's notes: a warning
    wb.save(tmp_path / "a.xlsx")
    inst, warnings = load_with_warnings(tmp_path / "a.xlsx")
    assert inst == base
    assert [(w.file, w.value) for w in warnings] == [("a.xlsx", "备注")] and "unknown sheet" in warnings[0].message
    wb[" Staff "].title = "Staf"
    wb.save(tmp_path / "a.xlsx")
    with pytest.raises(InputError) as exc:
        load_instance(tmp_path / "a.xlsx")
    assert any(p.value == "Staf" and "did you mean staff (人员)" in p.message for p in exc.value.problems)
