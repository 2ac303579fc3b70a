"""pins.csv and horizon: every problem at once (file, row, column), exit 2; the forms round-trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from staffpool.domain.instance import Pin
from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance
from staffpool.tools.convert import write_folder, write_json, write_workbook

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"


def _tiny(tmp_path: Path, pins: str, horizon: str = "") -> Path:
    folder = tmp_path / "inst"
    shutil.copytree(TINY, folder)
    (folder / "pins.csv").write_text(pins, encoding="utf-8")
    if horizon:
        with (folder / "instance.yaml").open("a", encoding="utf-8") as f:
            f.write(horizon)
    return folder


def test_good_pins_load(tmp_path: Path) -> None:
    folder = _tiny(tmp_path, "staff_id,year,at,stay,not_at\ns1,,T,,\ns3,2027,,yes,\ns8,,,,H\n", "horizon: {start: 2027, years: 2}\n")
    i = load_instance(folder)
    assert i.pins == (Pin(staff_id="s1", at="T"), Pin(staff_id="s3", year=2027, stay=True), Pin(staff_id="s8", not_at="H"))
    assert i.horizon.start == 2027 and i.horizon.years == 2


def test_every_pin_problem_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pins = (
        "staff_id,year,at,stay,not_at\n"
        "s99,,T,,\n"        # 2 unknown staff
        "s1,,X9,,\n"        # 3 unknown institution
        "s2,,,,\n"          # 4 none of at/stay/not_at
        "s2,,T,true,\n"     # 5 two of them
        "s4,,H,,\n"         # 6 fine
        "s4,,T,,\n"         # 7 contradicts row 6
        "s5,,,true,\n"      # 8 fine: stay at T
        "s5,,,,T\n"         # 9 contradicts row 8
        "s8,,,true,\n"      # 10 a candidate cannot stay
        "s1,2031,,,H\n"     # 11 a year outside the horizon
        "s3,,Z1,,\n"        # 12 institution of another community
    )
    folder = _tiny(tmp_path, pins, "horizon: {start: 2027, years: 2}\n")
    inst_csv = folder / "institutions.csv"
    inst_csv.write_text(inst_csv.read_text(encoding="utf-8") + "Z1,Other hospital,C2,county,differential,1,1000,50,0,\n",
                        encoding="utf-8")
    yaml = folder / "instance.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace(
        "communities:\n", "communities:\n  - {id: C2, name: Other county}\n"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_instance(folder)
    where = [(p.file, p.row, p.column) for p in exc.value.problems]
    assert where == [
        ("pins.csv", 2, "staff_id"), ("pins.csv", 3, "at"), ("pins.csv", 4, "at"), ("pins.csv", 5, "stay"),
        ("pins.csv", 7, "at"), ("pins.csv", 9, "not_at"), ("pins.csv", 10, "stay"), ("pins.csv", 11, "year"),
        ("pins.csv", 12, "at"),
    ]
    assert "contradicts the pin of row 6 (at H)" in str(exc.value.problems[4])
    out_dir = tmp_path / "out"
    assert main(["solve", str(folder), "--out", str(out_dir)]) == 2
    assert not out_dir.exists()
    assert "Traceback" not in capsys.readouterr().err


def test_year_without_horizon_start(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_instance(_tiny(tmp_path, "staff_id,year,at,stay,not_at\ns1,2027,T,,\n"))
    assert [(p.row, p.column) for p in exc.value.problems] == [(2, "year")]
    assert "horizon.start" in exc.value.problems[0].message


def test_bad_horizon(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_instance(_tiny(tmp_path, "staff_id,at\n", "horizon: {start: soon, years: 0, end: 2030}\n"))
    assert [p.column for p in exc.value.problems] == ["horizon.end", "horizon.start", "horizon.years"]


def test_pins_and_horizon_round_trip(tmp_path: Path) -> None:
    folder = _tiny(tmp_path, "staff_id,year,at,stay,not_at\ns1,,T,,\ns3,2028,,true,\ns8,,,,H\n",
                   "horizon: {start: 2027, years: 3}\n")
    base = load_instance(folder)
    write_json(base, tmp_path / "i.json")
    write_workbook(base, tmp_path / "i.xlsx")
    write_folder(base, tmp_path / "folder")
    for form in ("i.json", "i.xlsx", "folder"):
        assert load_instance(tmp_path / form) == base, form
    assert (tmp_path / "folder" / "pins.csv").exists()


def test_pins_and_budgets_under_their_chinese_names(tmp_path: Path) -> None:
    english = _tiny(tmp_path, "staff_id,year,at,stay,not_at\ns1,,T,,\ns3,2027,,是,\n", "horizon: {start: 2027, years: 2}\n")
    (english / "budgets.csv").write_text("community,year,max_moves,treasury_budget\nC1,2028,2,100000\n", encoding="utf-8")
    chinese = tmp_path / "zh"
    shutil.copytree(english, chinese)
    (chinese / "pins.csv").write_text("工号,年份,安排至,留任,不安排至\ns1,,T,,\ns3,2027,,是,\n", encoding="utf-8")
    (chinese / "budgets.csv").write_text("医共体,年份,最多调动人数,财政预算\nC1,2028,2,100000\n", encoding="utf-8")
    a, b = load_instance(english), load_instance(chinese)
    assert a == b and a.pins[1].stay and a.budgets[0].treasury_budget == 100000
