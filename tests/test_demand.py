"""WISN per wisn.md: a hand-computed cadre, derived rows solve like typed rows, bad workload exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool import load_instance, solve
from staffpool.cli import main
from staffpool.demand import wisn_table

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"

# T general_practice/resident: AWT = (250-11-5)*8 = 1872 h. Consultations 11,232 a year at
# 20 min: standard workload 1872*60/20 = 5616, service staff 2.0. Support 187.2 h/person:
# CAF = 1/(1-0.1) = 1.1111. Individual: 2 people × 93.6 h: IAF = 0.1.
# required = 2.0*1.1111 + 0.1 = 2.3222 → 2.32, need 3; current at T (resident+ GP) = 2.
WORKLOAD = (
    "institution,specialty,min_title,activity,kind,annual_volume,unit_minutes,hours_per_year,staff_doing\n"
    "T,general_practice,resident,consultation,service,11232,20,,\n"
    "T,general_practice,resident,meetings,support,,,187.2,\n"
    "T,general_practice,resident,supervision,individual,,,93.6,2\n"
)


def _with_workload(tmp_path: Path, workload: str = WORKLOAD, derived: bool = False) -> Path:
    inst = tmp_path / "inst"
    shutil.copytree(TINY, inst)
    (inst / "workload.csv").write_text(workload)
    if derived:
        y = (inst / "instance.yaml").read_text().replace("mode: county_pool", "mode: county_pool\n  requirements_from: [wisn]")
        (inst / "instance.yaml").write_text(y)
    return inst


def test_hand_computed_cadre(tmp_path: Path) -> None:
    row = wisn_table(load_instance(_with_workload(tmp_path))).iloc[0]
    assert row["awt_hours"] == 1872
    assert row["caf"] == pytest.approx(1 / 0.9, abs=1e-4) and row["iaf"] == pytest.approx(0.1)
    assert row["required"] == 2.32 and row["need"] == 3 and row["current"] == 2
    assert row["wisn_ratio"] == pytest.approx(0.86)


def test_derived_rows_give_the_same_plan_as_typed_rows(tmp_path: Path) -> None:
    derived = load_instance(_with_workload(tmp_path / "a", derived=True))
    typed_dir = _with_workload(tmp_path / "b")
    reqs = (typed_dir / "requirements.csv").read_text() + "T,general_practice,resident,3,1\n"
    (typed_dir / "requirements.csv").write_text(reqs)
    typed = load_instance(typed_dir)
    a, b = solve(derived), solve(typed)
    assert a.objective == b.objective
    assert a.assignments.equals(b.assignments)
    assert a.summary.requirements_derived[0]["need"] == 3


def test_demand_json_and_out(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _with_workload(tmp_path)
    assert main(["demand", str(inst), "--out", str(tmp_path / "o"), "--json"]) == 0
    cadres = json.loads(capfd.readouterr().out)["cadres"]
    assert cadres[0]["required"] == 2.32
    assert (tmp_path / "o" / "wisn.csv").read_text().startswith("institution,specialty,min_title,awt_hours,required,need,current,wisn_ratio")
    assert "T,general_practice,resident,3,1" in (tmp_path / "o" / "requirements.csv").read_text()


@pytest.mark.parametrize(("bad", "column"), [
    ("T,general_practice,resident,consultation,service,-5,20,,", "annual_volume"),
    ("T,general_practice,resident,consultation,service,100,0,,", "unit_minutes"),
    ("X,general_practice,resident,consultation,service,100,20,,", "institution"),
    ("T,general_practice,resident,consultation,chores,100,20,,", "kind"),
    ("T,general_practice,resident,meetings,support,,,2000,", "hours_per_year"),
])
def test_bad_workload_exit_2(bad: str, column: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    header = WORKLOAD.splitlines()[0]
    inst = _with_workload(tmp_path, header + "\n" + bad + "\n")
    assert main(["demand", str(inst), "--out", str(tmp_path / "o")]) == 2
    err = capfd.readouterr().err
    assert "workload.csv" in err and column in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
