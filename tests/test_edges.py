"""The edges a user meets: nothing overwritten, no formula runs in Excel, no markup in the
terminal, JSON errors, the library on paths, names beside ids, 80-column tables."""

from __future__ import annotations

import csv
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import staffpool
from staffpool.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
WISN = ROOT / "instances" / "hiv-clinic-wisn"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _snapshot(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- never overwrite

CASES = {
    "solve": (lambda d: ["solve", str(TINY), "--out", str(d / "res")], "res"),
    "convert-folder": (lambda d: ["convert", str(TINY), "--to", "folder", "--out", str(d / "copy")], "copy"),
    "convert-json": (lambda d: ["convert", str(TINY), "--to", "json", "--out", str(d / "i.json")], "i.json"),
    "convert-xlsx": (lambda d: ["convert", str(TINY), "--to", "xlsx", "--out", str(d / "i.xlsx")], "i.xlsx"),
    "generate": (lambda d: ["generate", "--communities", "1", "--scale", "0.05", "--out", str(d / "gen")], "gen"),
    "rotate": (lambda d: ["rotate", str(TINY), "--out", str(d / "rot")], "rot"),
    "rotate-graph": (lambda d: ["rotate", str(TINY), "--graph", str(d / "flow.graphml")], "flow.graphml"),
    "demand": (lambda d: ["demand", str(WISN), "--out", str(d / "need")], "need"),
    "report": (lambda d: ["report", str(TINY), "--no-compare", "--out", str(d / "r.html")], "r.html"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_existing_target_is_refused_without_force(case: str, tmp_path: Path,
                                                     capfd: pytest.CaptureFixture[str]) -> None:
    args, target = CASES[case]
    assert main(args(tmp_path)) == 0
    before = _snapshot(tmp_path / target)
    # a user's own edit to what was written must survive a second run
    first = sorted(before)[0]
    edited = tmp_path / target / first if (tmp_path / target).is_dir() else tmp_path / target
    edited.write_bytes(b"my own notes\n")
    capfd.readouterr()
    assert main(args(tmp_path)) == 2
    err = " ".join(capfd.readouterr().err.split())
    assert "already exist" in err and "--force" in err
    assert edited.read_bytes() == b"my own notes\n"
    assert main([*args(tmp_path), "--force"]) == 0
    after = _snapshot(tmp_path / target)
    for snap in (before, after):
        snap.pop("summary.json", None)  # its timings differ
    if target.endswith(".xlsx"):  # a workbook holds its time of writing
        assert staffpool.load_instance(tmp_path / target) == staffpool.load_instance(TINY)
    else:
        assert after == before  # replaced by the same output again


def test_force_never_deletes_a_folder_with_files_staffpool_did_not_write(tmp_path: Path,
                                                                          capfd: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()  # made ready for it: nothing to lose
    assert main(["generate", "--communities", "1", "--scale", "0.05", "--out", str(empty)]) == 0
    assert (empty / "staff.csv").exists()
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    assert main(["generate", "--communities", "1", "--scale", "0.05", "--out", str(out), "--force"]) == 2
    assert "did not write" in " ".join(capfd.readouterr().err.split())
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]
    # result files go beside other files in a folder, touching none of them; solve and
    # rotate write into the same folder without a clash
    assert main(["solve", str(TINY), "--out", str(out)]) == 0
    assert main(["rotate", str(TINY), "--allocation", str(out), "--out", str(out)]) == 0
    assert (out / "thesis.docx").read_text() == "years of work"
    assert {p.name for p in out.iterdir()} >= {"thesis.docx", "assignments.csv", "rotation.csv"}


def test_a_crash_while_writing_leaves_no_half_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import staffpool.outputs.files as sio

    def crash(*_a: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(sio.os, "replace", crash)
    for args in (["generate", "--communities", "1", "--scale", "0.05", "--out", str(tmp_path / "gen")],
                 ["convert", str(TINY), "--to", "folder", "--out", str(tmp_path / "copy")]):
        assert main(args) == 3
    assert list(tmp_path.iterdir()) == []  # neither the folders nor temporary leftovers


# ---------------------------------------------------------------- formula injection

EVIL = {
    "s1,Dr Chen": "=s1,[bold red]x[/] [link=http://e.x]y[/link]",  # an id; markup in a name
    "Dr Li,": "+SUM(1;2),",                  # names
    "Dr Wang": "@cmd",
    "Dr Zhao": "-2+3",
    "Dr Huang": "'=already quoted",
    "attending,pediatrics": 'attending,=HYPERLINK("http://e.x")',
}


@pytest.fixture
def evil(tmp_path: Path) -> Path:
    folder = tmp_path / "evil"
    shutil.copytree(TINY, folder)
    text = (folder / "staff.csv").read_text(encoding="utf-8")
    for a, b in EVIL.items():
        assert a in text
        text = text.replace(a, b)
    (folder / "staff.csv").write_text(text, encoding="utf-8")
    return folder


def _dangerous_csv_cells(folder: Path) -> list[tuple[str, str]]:
    bad = []
    for f in sorted(folder.glob("*.csv")):
        with f.open(newline="", encoding="utf-8-sig") as fh:
            for row in csv.reader(fh):
                bad += [(f.name, c) for c in row if c.startswith(DANGEROUS) and not NUMBER.fullmatch(c)]
    return bad


def test_no_output_cell_starts_a_formula(evil: Path, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "out"
    staff = evil / "staff.csv"  # =s1 kept at the county hospital, so rotation.csv has them
    staff.write_text(staff.read_text(encoding="utf-8").replace("H,H,C1,true,true", "H,H,C1,false,true"), encoding="utf-8")
    meta = evil / "instance.yaml"
    meta.write_text(meta.read_text().replace("  max_distance_km: 40\n", "  max_distance_km: 40\n  rotation: {max_away_fraction: 0.5}\n"))
    assert main(["solve", str(evil), "--out", str(out)]) == 0
    assert main(["rotate", str(evil), "--allocation", str(out), "--out", str(out)]) == 0
    assert main(["convert", str(evil), "--to", "folder", "--out", str(tmp_path / "copy")]) == 0
    assert main(["convert", str(evil), "--to", "xlsx", "--out", str(tmp_path / "i.xlsx")]) == 0
    assert _dangerous_csv_cells(out) == [] and _dangerous_csv_cells(tmp_path / "copy") == []
    rows = {r[0]: r for r in csv.reader((out / "assignments.csv").open(newline="", encoding="utf-8"))}
    assert "'=s1" in rows and rows["s2"][1] == "'+SUM(1;2)" and rows["s4"][1] == "'-2+3"
    assert rows["s6"][1] == "'=already quoted"  # read as =already quoted (one quote dropped), quoted again
    rotation = (out / "rotation.csv").read_text(encoding="utf-8")
    assert "\n'=s1," in rotation
    wb = openpyxl.load_workbook(tmp_path / "i.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(DANGEROUS), (ws.title, cell.coordinate, cell.value)
    # a negative number stays a number
    neg = tmp_path / "neg"
    shutil.copytree(TINY, neg)
    text = (neg / "institutions.csv").read_text().replace("V,Village clinic,C1,village,none,0,3000,13,4,",
                                                         "V,Village clinic,C1,village,none,0,3000,-13,-4,")
    (neg / "institutions.csv").write_text(text)
    assert main(["convert", str(neg), "--to", "folder", "--out", str(tmp_path / "neg2")]) == 0
    assert "-13.0,-4.0" in (tmp_path / "neg2" / "institutions.csv").read_text()


def test_neutralised_text_round_trips_through_every_form(evil: Path, tmp_path: Path) -> None:
    base = staffpool.load_instance(evil)
    assert main(["convert", str(evil), "--to", "folder", "--out", str(tmp_path / "f")]) == 0
    assert main(["convert", str(evil), "--to", "xlsx", "--out", str(tmp_path / "i.xlsx")]) == 0
    assert main(["convert", str(tmp_path / "i.xlsx"), "--to", "folder", "--out", str(tmp_path / "f2")]) == 0
    for path in (tmp_path / "f", tmp_path / "i.xlsx", tmp_path / "f2"):
        again = staffpool.load_instance(path)
        assert again.staff == base.staff, path
    # and a plan written with a neutralised id is read back by check
    assert main(["solve", str(evil), "--out", str(tmp_path / "res")]) == 0
    assert main(["check", str(evil), str(tmp_path / "res")]) == 0


def test_user_text_is_never_rich_markup(evil: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from staffpool.cli import common

    monkeypatch.setattr(common.out, "width", 200)
    monkeypatch.setattr(common.err, "width", 200)
    assert main(["solve", str(evil)]) == 0
    assert "[bold red]x[/] [link=http://e.x]y[/link]" in capfd.readouterr().out
    # a bad value is shown as typed in the problems table too
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    (bad / "staff.csv").write_text((bad / "staff.csv").read_text().replace(
        "s2,Dr Li,on_staff,resident", "s2,Dr Li,on_staff,[red]boss[/red]"))
    assert main(["validate", str(bad)]) == 2
    assert "[red]boss[/red]" in capfd.readouterr().err


# ---------------------------------------------------------------- JSON, version, library


def test_bad_input_with_json_prints_a_json_error(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    (bad / "requirements.csv").write_text((bad / "requirements.csv").read_text().replace(",1,", ",many,", 1))
    for cmd in ("validate", "solve"):
        assert main([cmd, str(bad), "--json"]) == 2
        got = json.loads(capfd.readouterr().out)
        assert got["valid"] is False
        assert got["problems"] and set(got["problems"][0]) == {"file", "row", "column", "value", "message"}
        p = got["problems"][0]
        assert (p["file"], p["column"], p["value"]) == ("requirements.csv", "need", "many") and p["row"] >= 2
    assert main(["solve", str(tmp_path / "nowhere"), "--json"]) == 2
    got = json.loads(capfd.readouterr().out)
    assert got["valid"] is False and got["error"] == "usage" and "no such file" in got["message"]
    assert main(["solve", str(TINY), "--json", "--no-such-option"]) == 2
    got = json.loads(capfd.readouterr().out)
    assert got["valid"] is False and got["error"] == "usage"


def test_version(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capfd.readouterr().out.strip() == f"staffpool {staffpool.__version__}"


def test_library_takes_paths_and_gives_plain_levels(tmp_path: Path) -> None:
    result = staffpool.solve(str(TINY), mode="county_pool")
    assert result.objective == {"shortfall": 2, "moves": 1, "distance": 10.0, "hiring_cost": 0, "unregularised": 1}
    assert all(type(k) is str for k in result.objective)
    assert type(result.objective["moves"]) is int
    assert len(repr(result)) < 400 and "county_pool" in repr(result) and "optimal" in repr(result)
    assert staffpool.check_plan(TINY, result).ok
    result.write(tmp_path / "res")
    assert staffpool.check_plan(TINY, tmp_path / "res", mode="county_pool").ok
    assert staffpool.rotate(TINY, tmp_path / "res").status == "optimal"
    importlib.import_module("staffpool.tools.explain")  # as other code does: the function must stay bound
    assert staffpool.explain(TINY).feasible
    with pytest.raises(TypeError):
        staffpool.solve(42)  # type: ignore[arg-type]
    summary = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert summary["objective"] == result.objective


def test_assignments_name_beside_id_and_read_back(tmp_path: Path) -> None:
    assert main(["solve", str(TINY), "--out", str(tmp_path / "res")]) == 0
    rows = list(csv.DictReader((tmp_path / "res" / "assignments.csv").open(encoding="utf-8")))
    assert list(rows[0])[:2] == ["staff_id", "name"]
    assert rows[0]["name"] == "Dr Chen"
    assert main(["check", str(TINY), str(tmp_path / "res")]) == 0
    assert main(["report", str(TINY), "--plan", str(tmp_path / "res"), "--no-compare",
                 "--out", str(tmp_path / "r.html")]) == 0


def test_tables_keep_ids_whole_at_80_columns(tmp_path: Path) -> None:
    from staffpool.tools.generate import generate

    inst = generate(1, seed=3, scale=0.2, out_dir=tmp_path / "g")
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "staffpool.cli", "solve", str(inst), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    shown = done.stdout
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "weighted shortfall" in shown
    assert not re.search(r"C\d{3}-[A-Z0-9]*…", shown)
    rows = [r for r in csv.DictReader((tmp_path / "o" / "assignments.csv").open(encoding="utf-8"))
            if r["change"] in ("move", "hire", "regularise", "regularise_move")]
    assert rows
    for r in rows[:25]:
        line = next(ln for ln in shown.splitlines() if f" {r['staff_id']} " in ln)
        assert f" {r['to_institution']} " in line and r["name"].split()[0] in line


def test_wrapping_columns_never_cut_a_word_at_80_columns() -> None:
    from rich.console import Console
    from rich.table import Table

    from staffpool.cli.render import fit

    t = Table(title="what one more unit of each limit buys")
    for col in ("rule", "where", "step", "used up now", "levels change"):
        t.add_column(col, no_wrap=col in ("rule", "where"))
    t.add_row("community_mobility", "C000,differential", "+100,000 yuan", "no",
              "shortfall -5, distance +10.277, hiring_cost +200000, unregularised +1")
    console = Console(width=80, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(fit(t, 80, ["used up now", "step"]))
    shown = console.export_text()
    assert "…" not in shown and max(len(line) for line in shown.splitlines()) <= 80
    for word in ("community_mobility", "C000,differential", "hiring_cost", "unregularised"):
        assert word in shown
