"""Wishes in the outputs: assignments.csv `preference_rank` (last, always), summary.json
`preferences` (always), the terminal, the report, the workbook, compare, explain, and
`check` flagging a rank or count the checker does not find."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from staffpool.domain.instance import Instance, Level, Preference
from staffpool.tools.explain import explain

from .helpers import inst, make, person, req

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
SANMING = ROOT / "instances" / "sanming-county"


def _tiny_with_wishes(tmp_path: Path) -> Path:
    folder = tmp_path / "inst"
    shutil.copytree(TINY, folder)
    # s1 (H, moved to T by the plan) lists T first; s2 (stays at H) lists V only.
    (folder / "preferences.csv").write_text("staff_id,institution,rank\ns1,T,1\ns1,H,2\ns2,V,1\n", encoding="utf-8")
    return folder


def test_without_wishes_the_column_is_blank_and_the_counts_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(TINY), "--out", str(tmp_path / "o")]) == 0
    rows = list(csv.reader((tmp_path / "o" / "assignments.csv").open(encoding="utf-8-sig")))
    assert rows[0][-1] == "preference_rank" and all(r[-1] == "" for r in rows[1:])
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["preferences"] == {"people": 0, "first_choice": 0, "listed": 0, "unlisted": 0}
    assert "preference" not in summary["objective"]
    assert "Wishes" not in capsys.readouterr().out


def test_ranks_counts_and_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _tiny_with_wishes(tmp_path)
    assert main(["solve", str(folder), "--out", str(tmp_path / "o"), "--xlsx", str(tmp_path / "o.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "Wishes" in out and "people with wishes" in out
    ranks = {r["staff_id"]: r["preference_rank"] for r in csv.DictReader((tmp_path / "o" / "assignments.csv").open())}
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    where = {r["staff_id"]: r["to_institution"] for r in csv.DictReader((tmp_path / "o" / "assignments.csv").open())}
    assert ranks["s1"] == {"T": "1", "H": "2"}.get(where["s1"], "") and ranks["s2"] == ("1" if where["s2"] == "V" else "")
    assert ranks["s3"] == ""
    people = summary["preferences"]
    assert people["people"] == 2 and people["listed"] + people["unlisted"] == 2
    assert summary["objective"]["preference"] == sum(
        {"1": 0, "2": 1}[ranks[s]] if ranks[s] else {"s1": 2, "s2": 1}[s] for s in ("s1", "s2"))
    import openpyxl  # heavy: the workbook only

    wb = openpyxl.load_workbook(tmp_path / "o.xlsx")
    head = [c.value for c in next(iter(wb["Assignments"].iter_rows(max_row=1)))]
    assert head[-1] == "preference_rank"
    assert any(str(r[0]).startswith("wishes: people with wishes") for r in wb["Summary"].iter_rows(values_only=True))
    assert main(["check", str(folder), str(tmp_path / "o")]) == 0


def test_check_flags_a_rank_or_count_that_does_not_hold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _tiny_with_wishes(tmp_path)
    assert main(["solve", str(folder), "--out", str(tmp_path / "o")]) == 0
    path = tmp_path / "o" / "assignments.csv"
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    rows[3][-1] = "7"  # s3 listed nothing
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    capsys.readouterr()
    assert main(["check", str(folder), str(tmp_path / "o"), "--json"]) == 1
    got = json.loads(capsys.readouterr().out)
    assert [(v["rule"], v["subject"]) for v in got["violations"]] == [("preference", "s3")]
    rows[3][-1] = ""
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    summary["preferences"]["first_choice"] += 1
    (tmp_path / "o" / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert main(["check", str(folder), str(tmp_path / "o"), "--json"]) == 1
    got = json.loads(capsys.readouterr().out)
    assert [(v["rule"], v["subject"]) for v in got["violations"]] == [("preference", "summary.json")]


def test_report_and_compare_show_the_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _tiny_with_wishes(tmp_path)
    assert main(["report", str(folder), "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Wishes" in html and "people with wishes" in html and "preference_rank" in html
    assert main(["compare", str(folder), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["modes"]
    assert [r["preferences"]["people"] for r in rows] == [2, 2, 2]
    assert main(["compare", str(folder)]) == 0
    assert "at their first choice" in capsys.readouterr().out


def test_explain_says_what_one_more_move_buys_in_wishes() -> None:
    # a0 at H wishes to work at T; nothing needs them there, so the plan keeps them (moves
    # come before wishes). One more move, spent on wishes, sends them: preference −1.
    insts = [inst("H", "county", 2, 0, 0), inst("T", "township", 0, 5, 0)]
    staff = [person("a0", "on_staff", "attending", "gp", "H", "differential", "H")]
    base = make(insts, staff, [req("H", "gp", "attending", 0)])
    instance = Instance(**{**{f: getattr(base, f) for f in Instance.model_fields},
                           "preferences": (Preference(staff_id="a0", institution="T", rank=1),)})
    exp = explain(instance)
    m = next(m for m in exp.marginals if m.rule == "preference")
    assert m.binds and m.change == {"moves": 1.0, "preference": -1.0, "distance": 5.0}
    assert m.message == "one more move spent on wishes in C1: preference -1 (then moves +1, distance +5.000 km)"
    assert exp.objective[Level.preference.value] == 1
