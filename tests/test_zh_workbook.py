"""A planner sets up data in Chinese: the workbook's instance sheet (实例) takes Chinese keys
and values, a mistyped key gets "did you mean", and `convert --to xlsx --lang zh` writes a
whole Chinese workbook of any instance that loads back equal and solves to the same plan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from staffpool.errors import InputError
from staffpool.i18n import set_language
from staffpool.inputs.read import chinese_key, instance_keys
from staffpool.inputs.validate import load_instance

ROOT = Path(__file__).resolve().parents[1]
ONE_YEAR = ["tiny", "sanming-county", "hiv-clinic-wisn", "sanming-county.json", "sanming-county.xlsx",
            "sanming-county-zh.xlsx"]
YEARS = ["sanming-county-5y", "small-county-5y"]

# Written by hand from docs/input.md (the oracle), not imported from staffpool.
SHEETS = {"实例", "医共体", "机构", "人员", "需求"}
CODED = [
    ("机构", "层级", {"县级", "乡镇", "村"}), ("机构", "经费形式", {"全额拨款", "差额拨款", "无"}),
    ("人员", "人员类别", {"在编", "编外", "拟招聘"}),
    ("人员", "职称", {"乡村医生", "住院医师", "主治医师", "副主任医师", "主任医师"}),
    ("人员", "可调动", {"是", "否"}), ("工作量", "类型", {"卫生服务", "支持活动", "个人附加活动"}),
    ("既定安排", "留任", {"是", "否"}),
]
ENGLISH = {"instance", "communities", "institutions", "staff", "requirements", "workload", "pins", "budgets"}


def _zh_workbook(name: str, tmp_path: Path) -> Path:
    out = tmp_path / f"{name}.zh.xlsx"
    assert main(["convert", str(ROOT / "instances" / name), "--to", "xlsx", "--out", str(out), "--lang", "zh"]) == 0
    set_language("en")  # the messages these tests read are English
    return out


def _sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    import openpyxl  # heavy

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb}
    finally:
        wb.close()


def _ascii_words(rows: list[tuple[object, ...]]) -> list[str]:
    return [c for row in rows for c in row if isinstance(c, str) and c.isascii() and c.isalpha()]


@pytest.mark.parametrize("name", ONE_YEAR + YEARS)
def test_chinese_workbook_loads_back_equal(name: str, tmp_path: Path) -> None:
    out = _zh_workbook(name, tmp_path)
    sheets = _sheets(out)
    assert set(sheets) >= SHEETS and not ENGLISH & set(sheets)
    keys = [row[0] for row in sheets["实例"][1:]]
    assert sheets["实例"][0] == ("键", "值")
    # every key part in Chinese (titles, fundings and all): no ASCII letter in a key
    assert all(isinstance(k, str) and not any(ch.isascii() and ch.isalpha() for ch in k.replace("km", "")) for k in keys), keys
    for sheet, rows in sheets.items():
        assert not _ascii_words([rows[0]]), (sheet, rows[0])  # headers
    for sheet, column, words in CODED:
        if sheet not in sheets:
            continue
        header = sheets[sheet][0]
        cells = {row[header.index(column)] for row in sheets[sheet][1:]} - {None}
        assert cells and cells <= words, (sheet, column, cells - words)
    assert load_instance(out) == load_instance(ROOT / "instances" / name)


def test_years_pins_and_budgets_in_chinese(tmp_path: Path) -> None:
    sheets = _sheets(_zh_workbook("sanming-county-5y", tmp_path))
    assert {"既定安排", "年度预算"} <= set(sheets)
    assert sheets["既定安排"][0] == ("工号", "年份", "安排至", "留任", "不安排至")
    assert sheets["年度预算"][0][:3] == ("医共体", "年份", "招聘预算")
    assert {"离岗年份", "出生年份", "到岗年份", "基层服务年限"} <= set(sheets["人员"][0])
    meta = {row[0]: row[1] for row in sheets["实例"][1:]}
    assert meta["规划期.起始年份"] == 2027 and meta["规划期.年数"] == 5
    assert meta["政策.管理模式"] == "县管乡用"
    assert meta["政策.县管编制可用于乡镇"] == "是"
    assert meta["政策.退休年龄.主任医师"] == 63
    assert "乡村医生" in meta["政策.配置标准"]
    stays = {row[3] for row in sheets["既定安排"][1:]}
    assert stays <= {"是", "否", None} and "是" in stays


def _assignments(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(folder.rglob("assignments.csv"))]


@pytest.mark.parametrize("name", ["tiny", "sanming-county", "sanming-county-zh.xlsx"])
def test_chinese_workbook_solves_to_the_same_plan(name: str, tmp_path: Path) -> None:
    zh = _zh_workbook(name, tmp_path)
    assert main(["solve", str(ROOT / "instances" / name), "--out", str(tmp_path / "a")]) == 0
    assert main(["solve", str(zh), "--out", str(tmp_path / "b")]) == 0
    assert _assignments(tmp_path / "a") and _assignments(tmp_path / "a") == _assignments(tmp_path / "b")


@pytest.mark.parametrize("name", YEARS)
def test_chinese_workbook_plans_the_same_years(name: str, tmp_path: Path) -> None:
    zh = _zh_workbook(name, tmp_path)
    assert main(["plan", str(ROOT / "instances" / name), "--rolling", "--out", str(tmp_path / "a")]) == 0
    assert main(["plan", str(zh), "--rolling", "--out", str(tmp_path / "b")]) == 0
    found = _assignments(tmp_path / "a")
    assert len(found) == 5 and found == _assignments(tmp_path / "b")


def _with_rows(tmp_path: Path, rows: list[tuple[str, object]]) -> Path:
    import openpyxl  # heavy

    src = _zh_workbook("tiny", tmp_path)
    wb = openpyxl.load_workbook(src)
    ws = wb["实例"]
    for key, value in rows:
        ws.append([key, value])
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return out


def _without_key(path: Path, key: str) -> None:
    import openpyxl  # heavy

    wb = openpyxl.load_workbook(path)
    ws = wb["实例"]
    for row in range(ws.max_row, 1, -1):
        if ws.cell(row, 1).value == key:
            ws.delete_rows(row)
    wb.save(path)


@pytest.mark.parametrize(("key", "value", "field", "expected"), [
    ("政策.管理模式", "统一管理", "mode", "unified"),
    ("政策.管理模式", "各自管理", "mode", "separate"),
    ("policy.mode", "县管乡用", "mode", "county_pool"),
    ("政策.优化目标", "加权缺口，调动人数、调动距离", "objective", ("shortfall", "moves", "distance")),
    ("政策.县管编制可用于村", "是", "county_managed_village_used", True),
    ("policy.township_recruited_village_used", "否", "township_recruited_village_used", False),
    ("政策.最远调动距离", 12, "max_distance_km", 12.0),
    ("政策.最远调动距离km", "４０", "max_distance_km", 40.0),
    ("政策.最远调动距离km", "1,250", "max_distance_km", 1250.0),
    ("管理模式", "统一管理", "mode", "unified"),  # the group may be left out
    ("最远调动距离km", 25, "max_distance_km", 25.0),
])
def test_chinese_keys_and_values_are_read(key: str, value: object, field: str, expected: object, tmp_path: Path) -> None:
    path = _with_rows(tmp_path, [])
    english = {"mode": "政策.管理模式", "objective": "政策.优化目标", "max_distance_km": "政策.最远调动距离km",
               "county_managed_village_used": "政策.县管编制可用于村",
               "township_recruited_village_used": "政策.乡招村用"}[field]
    _without_key(path, english)
    import openpyxl  # heavy

    wb = openpyxl.load_workbook(path)
    wb["实例"].append([key, value])
    wb.save(path)
    got = getattr(load_instance(path).policy, field)
    got = tuple(v.value for v in got) if field == "objective" else getattr(got, "value", got)
    assert got == expected


def test_chinese_nested_keys(tmp_path: Path) -> None:
    path = _with_rows(tmp_path, [])
    for key in ("政策.年薪.主任医师", "政策.轮岗.接收层级"):
        _without_key(path, key)
    import openpyxl  # heavy

    wb = openpyxl.load_workbook(path)
    for row in (["政策.年薪.主任医师", 310000], ["政策.轮岗.接收层级", "乡镇,村"], ["规划期.起始年份", 2030]):
        wb["实例"].append(row)
    wb.save(path)
    inst = load_instance(path)
    assert [t.value for t in inst.policy.rotation.host_tiers] == ["township", "village"]
    assert inst.horizon.start == 2030
    assert inst.policy.salary[next(t for t in inst.policy.salary if t.value == "chief")] == 310000


def test_mistyped_key_did_you_mean(tmp_path: Path) -> None:
    path = _with_rows(tmp_path, [("policy.max_distance", 30), ("政策.未知开关", 1), ("备注", "2027 年方案"),
                                 ("管理模试", "统一管理")])
    with pytest.raises(InputError) as info:
        load_instance(path)
    problems = info.value.problems
    near = next(p for p in problems if p.value == "policy.max_distance")
    assert near.file.endswith(": 实例") and near.column == "key"
    assert near.row is not None and near.row > 1
    assert "did you mean policy.max_distance_km" in near.message
    far = next(p for p in problems if p.value == "政策.未知开关")
    assert "did you mean" not in far.message
    assert "did you mean policy.mode (政策.管理模式)" in next(p for p in problems if p.value == "管理模试").message
    assert len(problems) == 3  # a note outside policy and horizon is ignored, with a warning
    assert [w.value for w in info.value.warnings if w.column == "key"] == ["备注"]


def test_mistyped_key_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _with_rows(tmp_path, [("政策.最远调动距里km", 30)])
    capsys.readouterr()
    assert main(["validate", str(path), "--json"]) == 2
    problem, = json.loads(capsys.readouterr().out)["problems"]
    assert problem["file"].endswith(": 实例") and problem["row"] > 1 and problem["column"] == "key"
    assert problem["value"] == "政策.最远调动距里km"
    assert "did you mean policy.max_distance_km (政策.最远调动距离km)?" in problem["message"]


def test_a_key_given_in_both_languages_is_given_twice(tmp_path: Path) -> None:
    path = _with_rows(tmp_path, [("policy.mode", "unified")])
    with pytest.raises(InputError) as info:
        load_instance(path)
    assert any("twice" in p.message for p in info.value.problems)


def test_docs_list_every_instance_key_in_chinese() -> None:
    doc = (ROOT / "docs" / "input.md").read_text(encoding="utf-8")
    missing = [k for k in instance_keys() if f"| `{k}` | {chinese_key(k)} |" not in doc]
    assert not missing


def test_chinese_mode_in_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(ROOT / "instances" / "tiny", folder)
    meta = folder / "instance.yaml"
    text = meta.read_text(encoding="utf-8")
    assert "mode:" in text
    meta.write_text("\n".join("  mode: 统一管理" if line.strip().startswith("mode:") else line
                              for line in text.splitlines()) + "\n", encoding="utf-8")
    assert load_instance(folder).policy.mode.value == "unified"


def test_a_mistyped_chinese_mode_lists_the_modes_in_both_languages(tmp_path: Path) -> None:
    path = _with_rows(tmp_path, [])
    _without_key(path, "政策.管理模式")
    import openpyxl  # heavy

    wb = openpyxl.load_workbook(path)
    wb["实例"].append(["政策.管理模式", "统一管里"])
    wb.save(path)
    from staffpool.i18n import language, set_language

    before = language()
    set_language("zh")
    try:
        with pytest.raises(InputError) as info:
            load_instance(path)
    finally:
        set_language(before)
    problem, = info.value.problems
    assert problem.column == "policy.mode" and problem.value == "统一管里" and problem.row is not None
    assert "各自管理（separate）、县管乡用（county_pool）、统一管理（unified）" in problem.message
