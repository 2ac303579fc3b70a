"""preferences.csv: every problem at once (file, row, column), exit 2, through the CLI; the
forms (folder, JSON, workbook, the Chinese sheet 意向) round-trip; the objective's order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from staffpool.domain.instance import PREFERENCE_OBJECTIVE, Level, Preference
from staffpool.inputs.validate import load_instance, load_with_warnings
from staffpool.tools.convert import write_folder, write_json, write_workbook

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"


def _tiny(tmp_path: Path, rows: str, name: str = "preferences.csv") -> Path:
    folder = tmp_path / "inst"
    shutil.copytree(TINY, folder)
    (folder / name).write_text(rows, encoding="utf-8")
    return folder


def test_good_wishes_load_and_take_their_place_in_the_order(tmp_path: Path) -> None:
    i = load_instance(_tiny(tmp_path, "staff_id,institution,rank\ns1,T,1\ns1,H,3\ns2,V,2\n"))
    assert i.preferences == (Preference(staff_id="s1", institution="T", rank=1),
                             Preference(staff_id="s1", institution="H", rank=3),
                             Preference(staff_id="s2", institution="V", rank=2))
    assert i.policy.objective == PREFERENCE_OBJECTIVE
    assert load_instance(TINY).policy.objective == (Level.shortfall, Level.moves, Level.distance,
                                                    Level.hiring_cost, Level.unregularised)


def test_every_problem_at_once_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = (
        "staff_id,institution,rank\n"
        "s99,T,1\n"     # 2 unknown staff
        "s1,X9,1\n"     # 3 unknown institution
        "s1,T,0\n"      # 4 rank below 1
        "s1,H,x\n"      # 5 not a number
        "s1,V,1.5\n"    # 6 not a whole number
        "s2,T,1\n"      # 7 fine
        "s2,H,1\n"      # 8 rank 1 again
        "s3,Z1,1\n"     # 9 an institution of another community
        "s4,H,\n"       # 10 blank rank
    )
    folder = _tiny(tmp_path, rows)
    inst_csv = folder / "institutions.csv"
    inst_csv.write_text(inst_csv.read_text(encoding="utf-8") + "Z1,Other hospital,C2,county,differential,1,1000,50,0,\n",
                        encoding="utf-8")
    yaml = folder / "instance.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace(
        "communities:\n", "communities:\n  - {id: C2, name: Other county}\n"), encoding="utf-8")
    assert main(["validate", str(folder), "--json"]) == 2
    got = json.loads(capsys.readouterr().out)
    where = [(p["file"], p["row"], p["column"]) for p in got["problems"]]
    assert where == [
        ("preferences.csv", 2, "staff_id"), ("preferences.csv", 3, "institution"), ("preferences.csv", 4, "rank"),
        ("preferences.csv", 5, "rank"), ("preferences.csv", 6, "rank"), ("preferences.csv", 8, "rank"),
        ("preferences.csv", 9, "institution"), ("preferences.csv", 10, "rank"),
    ]
    assert "first in row 7" in got["problems"][5]["message"]
    out_dir = tmp_path / "out"
    assert main(["solve", str(folder), "--out", str(out_dir)]) == 2
    assert not out_dir.exists()
    assert "Traceback" not in capsys.readouterr().err


def test_an_objective_without_preference_warns(tmp_path: Path) -> None:
    folder = _tiny(tmp_path, "staff_id,institution,rank\ns1,T,1\n")
    yaml = folder / "instance.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("policy:\n", "policy:\n  objective: [shortfall, moves]\n"),
                    encoding="utf-8")
    inst, warnings = load_with_warnings(folder)
    assert inst.policy.objective == (Level.shortfall, Level.moves)
    assert [w.column for w in warnings] == ["policy.objective"]
    assert "not optimised" in warnings[0].message


def test_wishes_round_trip_in_every_form(tmp_path: Path) -> None:
    base = load_instance(_tiny(tmp_path, "staff_id,institution,rank\ns1,T,1\ns1,H,2\ns8,V,1\n"))
    write_json(base, tmp_path / "i.json")
    write_workbook(base, tmp_path / "i.xlsx")
    write_folder(base, tmp_path / "folder")
    for form in ("i.json", "i.xlsx", "folder"):
        assert load_instance(tmp_path / form) == base, form
    assert (tmp_path / "folder" / "preferences.csv").exists()


def test_the_chinese_sheet_and_columns(tmp_path: Path) -> None:
    english = _tiny(tmp_path, "staff_id,institution,rank\ns1,T,1\ns1,H,2\n")
    chinese = tmp_path / "zh"
    shutil.copytree(english, chinese)
    (chinese / "preferences.csv").write_text("人员编号,机构,志愿顺序\ns1,T,1\ns1,H,2\n", encoding="utf-8")
    assert load_instance(english) == load_instance(chinese)
    assert main(["convert", str(english), "--to", "xlsx", "--out", str(tmp_path / "zh.xlsx"), "--lang", "zh"]) == 0
    import openpyxl  # heavy: the workbook only

    wb = openpyxl.load_workbook(tmp_path / "zh.xlsx")
    assert [c.value for c in wb["意向"][1]] == ["人员编号", "机构", "志愿顺序"]
    assert load_instance(tmp_path / "zh.xlsx") == load_instance(english)
