"""Suspicious input and bad option values, through the CLI (issue 24): a requirement row
pasted twice and a table with only its header are warnings naming where (`--strict`: exit 2,
nothing written); a time limit ≤ 0, workers < 1, an unknown mode or --lang are usage errors
naming the option, and the library raises the same with its own argument names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import staffpool
from staffpool.cli import main
from staffpool.errors import UsageError

ROOT = Path(__file__).resolve().parents[1] / "instances"
TINY = ROOT / "tiny"


def _copy(tmp_path: Path) -> Path:
    inst = tmp_path / "inst"
    shutil.copytree(TINY, inst)
    return inst


def _warnings(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, object]]]:
    code = main(["validate", *args, "--json", "--lang", "en"])
    return code, json.loads(capfd.readouterr().out)["warnings"]


def test_a_requirement_row_twice_is_a_warning_naming_both_rows(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _copy(tmp_path)
    req = inst / "requirements.csv"
    lines = req.read_text(encoding="utf-8").splitlines()
    req.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    code, warnings = _warnings(capfd, str(inst))
    assert code == 0
    assert [(w["file"], w["row"]) for w in warnings] == [("requirements.csv", len(lines) + 1)]
    assert "repeats row 2" in str(warnings[0]["message"])
    assert "institution, specialty and min_title" in str(warnings[0]["message"])
    # --strict: a problem, exit 2, nothing written
    out = tmp_path / "out"
    assert main(["solve", str(inst), "--strict", "--out", str(out), "--lang", "en"]) == 2
    assert "repeats row 2" in capfd.readouterr().err
    assert not out.exists()


def test_the_same_row_in_another_year_is_no_duplicate(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = tmp_path / "y"
    shutil.copytree(ROOT / "sanming-county-5y", inst)
    req = inst / "requirements.csv"
    lines = req.read_text(encoding="utf-8").splitlines()
    at = lines.index("C000-T03,general_practice,resident,8,5,2029") + 1  # replaces the yearless row 26 in 2029
    req.write_text("\n".join([*lines, "C000-T03,general_practice,resident,8,5,2030"]) + "\n", encoding="utf-8")
    code, warnings = _warnings(capfd, str(inst))
    assert code == 0 and warnings == []
    req.write_text("\n".join([*lines, "C000-T03,general_practice,resident,2,1,2029"]) + "\n", encoding="utf-8")
    code, warnings = _warnings(capfd, str(inst))
    assert code == 0 and [(w["row"], f"repeats row {at}" in str(w["message"])) for w in warnings] == [(len(lines) + 1, True)]


@pytest.mark.parametrize("table", ["staff", "institutions", "requirements"])
def test_a_table_with_only_its_header_is_a_warning(tmp_path: Path, capfd: pytest.CaptureFixture[str], table: str) -> None:
    inst = _copy(tmp_path)
    path = inst / f"{table}.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    code, warnings = _warnings(capfd, str(inst))
    if table == "institutions":  # every staff row's institution is then unknown: exit 2 all the same
        assert code == 2
    else:
        assert code == 0
    assert [(w["file"], w["row"]) for w in warnings] == [(f"{table}.csv", None)]
    assert "has no rows: the instance has no" in str(warnings[0]["message"])
    out = tmp_path / "out"
    assert main(["solve", str(inst), "--strict", "--out", str(out)]) == 2
    assert not out.exists()


def test_empty_staff_is_no_longer_silently_optimal(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _copy(tmp_path)
    path = inst / "staff.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert main(["solve", str(inst), "--lang", "en"]) == 0
    assert "staff.csv: has no rows" in capfd.readouterr().err


def test_requirements_from_workload_may_leave_the_table_empty(capfd: pytest.CaptureFixture[str]) -> None:
    code, warnings = _warnings(capfd, str(ROOT / "hiv-clinic-wisn"))
    assert code == 0 and warnings == []


def test_duplicates_in_json_and_workbook_name_their_table(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    data = json.loads((ROOT / "sanming-county.json").read_text(encoding="utf-8"))
    data["requirements"].append(dict(data["requirements"][0]))
    js = tmp_path / "dup.json"
    js.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, warnings = _warnings(capfd, str(js))
    assert code == 0 and len(warnings) == 1
    assert warnings[0]["file"] == "dup.json: requirements" and warnings[0]["row"] == len(data["requirements"])
    assert "repeats row 1" in str(warnings[0]["message"])

    data["requirements"].pop()
    data["staff"] = []
    data.pop("preferences", None)  # their staff are gone with the table
    js.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, warnings = _warnings(capfd, str(js))
    assert code == 0 and [(w["file"], w["row"]) for w in warnings] == [("dup.json: staff", None)]

    wb = openpyxl.load_workbook(ROOT / "sanming-county-zh.xlsx")
    sheet = wb["需求"]
    sheet.append([c.value for c in sheet[2]])
    book = tmp_path / "dup.xlsx"
    wb.save(book)
    code, warnings = _warnings(capfd, str(book))
    assert code == 0
    assert [(w["file"], w["row"]) for w in warnings] == [("dup.xlsx: 需求", sheet.max_row)]
    assert "repeats row 2" in str(warnings[0]["message"])
    assert main(["validate", str(book), "--strict", "--lang", "en"]) == 2


@pytest.mark.parametrize("args", [
    ["solve", str(TINY), "--time-limit", "0"],
    ["solve", str(TINY), "--time-limit", "-1"],
    ["solve", str(TINY), "--workers", "0"],
    ["explain", str(TINY), "--time-limit", "-1"],
    ["plan", str(ROOT / "small-county-5y"), "--out", "never-written", "--time-limit", "0"],
])
def test_time_limit_and_workers_out_of_range_are_usage_errors(args: list[str], capfd: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "--lang", "en"]) == 2
    err = capfd.readouterr().err
    option = args[-2]
    assert f"{option} must be" in err
    assert not Path("never-written").exists()


def test_lang_takes_zh_or_en_only(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(TINY), "--lang", "cn"]) == 2
    assert "choose zh or en" in capfd.readouterr().err
    assert main(["validate", str(TINY), "--lang", "EN"]) == 0


def test_library_raises_usage_errors_in_its_own_words() -> None:
    cases = [
        (lambda: staffpool.solve(TINY, mode="unifed"), "mode 'unifed': choose separate, county_pool or unified"),
        (lambda: staffpool.solve(TINY, time_limit=0), "time_limit must be > 0"),
        (lambda: staffpool.solve(TINY, workers=0), "workers must be"),
        (lambda: staffpool.compare(TINY, ["unified", "pool"]), "modes 'pool': choose"),
        (lambda: staffpool.explain(TINY, time_limit=-1), "time_limit must be > 0"),
        (lambda: staffpool.check_plan(TINY, {}, mode="x"), "mode 'x': choose"),
        (lambda: staffpool.plan(ROOT / "small-county-5y", time_limit=-5), "time_limit must be > 0"),
        (lambda: staffpool.plan(ROOT / "small-county-5y", max_columns=0), "max_columns must be"),
        (lambda: staffpool.solve(TINY, solver="nope"), "unknown solver 'nope'"),
    ]
    for call, words in cases:
        with pytest.raises(UsageError, match=words.replace("(", r"\(")):
            call()
    assert staffpool.solve(TINY, mode=" Unified ").mode.value == "unified"


def test_library_write_names_force_true(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = staffpool.solve(TINY)
    result.write(tmp_path / "o")
    with pytest.raises(UsageError, match="force=True") as info:
        result.write(tmp_path / "o")
    assert "--force" not in str(info.value)
    # the CLI keeps --force
    assert main(["solve", str(TINY), "--out", str(tmp_path / "o"), "--lang", "en"]) == 2
    assert "pass --force" in " ".join(capfd.readouterr().err.split())  # (the terminal may wrap it)


def test_advance_over_an_existing_folder_suggests_no_force(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    sol = tmp_path / "sol"
    assert main(["solve", str(TINY), "--out", str(sol)]) == 0
    (tmp_path / "next").mkdir()
    (tmp_path / "next" / "note.txt").write_text("mine", encoding="utf-8")
    capfd.readouterr()
    assert main(["advance", str(TINY), str(sol), "--out", str(tmp_path / "next"), "--lang", "en"]) == 2
    err = " ".join(capfd.readouterr().err.split())  # (the terminal wraps a long path)
    assert "already exists" in err and "--force" not in err
    assert (tmp_path / "next" / "note.txt").read_text(encoding="utf-8") == "mine"


def test_a_mode_by_its_chinese_name(capfd: pytest.CaptureFixture[str]) -> None:
    """`--mode 统一管理` is taken, as the error's list of modes and the workbook say."""
    assert main(["solve", str(TINY), "--mode", "统一管理", "--json"]) == 0
    assert json.loads(capfd.readouterr().out)["mode"] == "unified"
    assert staffpool.solve(TINY, mode="县管乡用").mode.value == "county_pool"
