"""Words, not codes (issue 24): what explain, check, report --plan, an infeasible solve and
the input checks print under --lang zh names rules, pools, tiers, funding and modes in the
office's words, institutions with their names, changes with units and separators; the
raw codes (`treasury_budget`, `differential`, `capacity[`, `village`) never appear."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from staffpool.cli import main

ROOT = Path(__file__).resolve().parents[1] / "instances"
TINY = ROOT / "tiny"
ZH_BOOK = ROOT / "sanming-county-zh.xlsx"


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    # One line per table row, whatever ran before: words are not cut by wrapping. The consoles
    # exist from import on, so their width is set, not the environment's COLUMNS.
    from staffpool.cli import common

    monkeypatch.setattr(common.out, "width", 250)
    monkeypatch.setattr(common.err, "width", 250)


def _run(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    got = capfd.readouterr()
    return code, got.out + got.err


def _infeasible(tmp_path: Path) -> Path:
    """tiny with the county hospital's capacity 1 and the township centre's 0: no plan."""
    inst = tmp_path / "inf"
    shutil.copytree(TINY, inst)
    path = inst / "institutions.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for r in rows:
        r["capacity"] = {"H": "1", "T": "0"}.get(r["id"], r["capacity"])
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return inst


def _broken_plan(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> Path:
    """tiny's plan with Dr Chen (a differential post) at the village clinic and Dr Huang
    (a village doctor) at the township centre: post_use, village_title and max_moves broken."""
    out = tmp_path / "plan"
    assert main(["solve", str(TINY), "--out", str(out), "--lang", "en"]) == 0
    capfd.readouterr()
    path = out / "assignments.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for r in rows:
        r["to_institution"] = {"s1": "V", "s6": "T"}.get(r["staff_id"], r["to_institution"])
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return out


def test_explain_names_rules_and_pools_with_units(capfd: pytest.CaptureFixture[str]) -> None:
    code, zh = _run(capfd, "explain", str(ZH_BOOK), "--lang", "zh")
    assert code == 0
    assert "财政预算" in zh and "C000（三明县医共体） 差额拨款编制" in zh and "C000（三明县医共体） 全额拨款编制" in zh
    assert "│ C000（三明县医共体）" in zh  # the community's name beside its id in the where column
    assert "招聘成本 +200,000 元/年" in zh and "调动距离 +10.277 公里" in zh
    assert "加权缺口 -5，调动距离 +10.277 公里，招聘成本" in zh
    for code_word in ("treasury_budget", "differential", "C000,", "+200000"):
        assert code_word not in zh, code_word
    code, en = _run(capfd, "explain", str(ZH_BOOK), "--lang", "en")
    assert code == 0
    assert "C000 (三明县医共体) differential posts" in en and "hiring_cost +200,000 yuan/year" in en and "+10.277 km" in en
    assert "C000,differential" not in en


def test_explain_json_messages_carry_units_and_separators(capfd: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capfd, "explain", str(ZH_BOOK), "--lang", "en", "--json")
    assert code == 0
    assert "hiring_cost +200,000 yuan/year" in out and "one more post in C000 differential posts" in out


def test_check_and_report_name_funding_tier_and_institutions(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    plan = _broken_plan(tmp_path, capfd)
    code, zh = _run(capfd, "check", str(TINY), str(plan), "--lang", "zh")
    assert code == 1
    assert "占用差额拨款编制，却安排在 V（Village clinic）（村）" in zh
    assert "乡镇机构 T（Township centre）" in zh and "最多允许 1 人" in zh
    assert "│ s1（Dr Chen）" in zh and "│ s6（Dr Huang）" in zh and "│ C1（Tiny county）" in zh  # names beside ids
    for code_word in ("differential", "village", "township", "max_moves", "post_use"):
        assert code_word not in zh, code_word
    code, zh = _run(capfd, "report", str(TINY), "--plan", str(plan), "--lang", "zh", "--out", str(tmp_path / "r.html"))
    assert code == 1
    assert "[编制使用] s1：占用差额拨款编制" in zh and "[乡村医生只在村级] s6" in zh
    for code_word in ("differential", "village", "[post_use]", "[village_title]"):
        assert code_word not in zh, code_word
    code, en = _run(capfd, "check", str(TINY), str(plan), "--lang", "en")
    assert "holds a differential post but is posted at V (Village clinic) (village)" in en


def test_an_infeasible_solve_gives_reasons_in_words_and_points_to_explain(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _infeasible(tmp_path)
    code, zh = _run(capfd, "solve", str(inst), "--lang", "zh", "--out", str(tmp_path / "out"))
    assert code == 1
    assert "仅放宽“机构容量”即可行" in zh and "H（County hospital）、T（Township centre）" in zh
    assert zh.rstrip().splitlines()[-1].strip() == "运行 `staffpool explain` 可查看最少须放宽哪些规则、放宽多少"
    assert "capacity[" not in zh and "“capacity”" not in zh
    code, en = _run(capfd, "solve", str(inst), "--lang", "en", "--out", str(tmp_path / "out2"))
    assert "relaxing “capacity” alone" in en and "H (County hospital), T (Township centre)" in en
    assert "capacity[" not in en and "`staffpool explain`" in en.rstrip().splitlines()[-1]


def test_a_missing_sheet_is_named_in_the_chosen_language(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import openpyxl  # heavy: only here

    book = openpyxl.load_workbook(ZH_BOOK)
    del book["人员"]
    path = tmp_path / "no-staff.xlsx"
    book.save(path)
    code, zh = _run(capfd, "validate", str(path), "--lang", "zh")
    assert code == 2
    assert "没有工作表 '人员'" in zh and "'staff'" not in zh
    code, en = _run(capfd, "validate", str(path), "--lang", "en")
    assert "has no sheet 'staff'" in en


def test_a_wrong_mode_lists_the_modes_in_words(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = tmp_path / "inst"
    shutil.copytree(TINY, inst)
    yaml = inst / "instance.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("mode: county_pool", "mode: unifed"), encoding="utf-8")
    code, zh = _run(capfd, "validate", str(inst), "--lang", "zh")
    assert code == 2
    assert "各自管理（separate）、县管乡用（county_pool）、统一管理（unified）" in zh
    assert "'separate'" not in zh
    code, en = _run(capfd, "validate", str(inst), "--lang", "en")
    assert "'separate', 'county_pool' or 'unified'" in en
