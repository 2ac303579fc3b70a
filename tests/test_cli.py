"""The command line: exit codes, clean --json, nothing written on error, identical outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from tests.helpers import run_on_pty

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"


def test_solve_json_is_clean_and_matches_files(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(TINY), "--out", str(tmp_path / "o"), "--json"]) == 0
    out = capfd.readouterr().out
    summary = json.loads(out)  # stdout holds the JSON and nothing else (no solver banner)
    assert summary["objective"] == {"shortfall": 2, "moves": 1, "distance": 10.0, "hiring_cost": 0, "unregularised": 1}
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["objective"] == summary["objective"]
    header = (tmp_path / "o" / "assignments.csv").read_text().splitlines()[0]
    assert header == "staff_id,name,status,title,specialty,from_institution,to_institution,moved,distance_km,post_funding,post_source,change,salary,treasury_pays,preference_rank"


def test_same_input_gives_byte_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["solve", str(TINY), "--out", str(tmp_path / name), "--mode", "unified"]) == 0
    for f in ("assignments.csv", "requirements.csv", "institutions.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_bad_input_exit_2_names_the_cell_and_writes_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    staff = (bad / "staff.csv").read_text().replace("s2,Dr Li,on_staff,resident", "s2,Dr Li,on_staff,professor")
    (bad / "staff.csv").write_text(staff)
    out_dir = tmp_path / "out"
    assert main(["solve", str(bad), "--out", str(out_dir)]) == 2
    captured = capfd.readouterr()
    text = captured.out + captured.err
    assert "staff.csv" in text and "professor" in text and "title" in text
    assert "Traceback" not in text
    assert not out_dir.exists()


def test_refuses_to_overwrite_inputs(tmp_path: Path) -> None:
    inst = tmp_path / "tiny"
    shutil.copytree(TINY, inst)
    before = (inst / "requirements.csv").read_bytes()
    assert main(["solve", str(inst), "--out", str(inst)]) == 2
    assert (inst / "requirements.csv").read_bytes() == before


def test_infeasible_exit_1_with_reason(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = tmp_path / "tiny"
    shutil.copytree(TINY, inst)
    text = (inst / "institutions.csv").read_text().replace("T,Township centre,C1,township,full,2,20000,10,0,3",
                                                          "T,Township centre,C1,township,full,2,20000,10,0,1")
    (inst / "institutions.csv").write_text(text)  # two immovable... T holds 2 people, capacity 1
    (inst / "staff.csv").write_text((inst / "staff.csv").read_text().replace(",T,C1,true,", ",T,C1,false,"))
    assert main(["solve", str(inst)]) == 1
    err = capfd.readouterr().err
    assert "capacity" in err


def test_check_catches_a_hand_plan(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "assignments.csv").write_text(
        "staff_id,to_institution\ns1,V\ns2,H\ns3,T\ns4,T\ns5,T\ns6,H\ns7,\ns8,\n"
    )
    assert main(["check", str(TINY), str(plan), "--json"]) == 2  # no summary.json: which mode?
    assert "summary.json" in json.loads(capfd.readouterr().out)["problems"][0]["file"]
    assert main(["check", str(TINY), str(plan), "--mode", "county_pool", "--json"]) == 1
    report = json.loads(capfd.readouterr().out)
    rules = {v["rule"] for v in report["violations"]}
    assert {"community_mobility", "village_title", "post_use"} <= rules


def test_compare_json_equals_solve_per_mode(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(TINY), "--json"]) == 0
    data = json.loads(capfd.readouterr().out)
    assert data["instance"] == "tiny" and [m["mode"] for m in data["modes"]] == ["separate", "county_pool", "unified"]
    for m in data["modes"]:
        assert main(["solve", str(TINY), "--mode", m["mode"], "--json"]) == 0
        assert json.loads(capfd.readouterr().out)["objective"] == m["objective"]


def test_progress_on_a_terminal_leaves_json_stdout_clean(tmp_path: Path) -> None:
    """With stderr on a terminal, `solve --json` draws its progress there; stdout is the JSON."""
    from staffpool.tools.generate import generate

    inst = generate(2, seed=4, scale=0.3, out_dir=tmp_path / "g")  # over a second, in two workers
    rc, stdout, drawn = run_on_pty(["solve", str(inst), "--json", "--workers", "2"], columns=100)
    assert rc == 0
    summary = json.loads(stdout)
    assert summary["status"] == "optimal" and len(summary["communities"]) == 2
    assert b"loading" in drawn  # the instance being read
    assert b"C00" in drawn and b"level" in drawn  # the community and level being solved


def test_generate_shape_options(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g"
    assert main(["generate", "--communities", "1", "--scale", "0.2", "--mode", "separate", "--move-cap", "none",
                 "--contracts", "2", "--vacancies", "0.1", "--out", str(out)]) == 0
    yaml = (out / "instance.yaml").read_text()
    assert "mode: separate" in yaml and "max_moves" not in yaml
    for bad in (["--move-cap", "lots"], ["--move-cap", "1.5"], ["--mode", "pooled"]):
        assert main(["generate", "--communities", "1", *bad, "--out", str(tmp_path / "x")]) == 2
        assert not (tmp_path / "x").exists()
    assert "--move-cap" in capfd.readouterr().err
