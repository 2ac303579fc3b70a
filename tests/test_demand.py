"""WISN per docs/demand.md: a hand-computed cadre, derived rows solve like typed rows, bad workload exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool import solve
from staffpool.cli import main
from staffpool.domain.demand import derive_requirements, norm_rows, wisn_table
from staffpool.inputs.validate import load_instance

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
    assert a.summary["requirements_derived"][0]["need"] == 3


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


HIV_CLINIC = Path(__file__).resolve().parents[1] / "instances" / "hiv-clinic-wisn"
SANMING = Path(__file__).resolve().parents[1] / "instances" / "sanming-county"


def test_published_case_hiv_clinic_kenya() -> None:
    """Burmen, Owuor, Mitei, Hum Resour Health 2017 15:9, Table 3: 179 days of 8 h, 100,000
    consultations of 15 min -> 17.46 staff; 10 days of training -> required 18.49, need 19;
    12 clinicians in post -> WISN ratio 0.65."""
    row = wisn_table(load_instance(HIV_CLINIC)).iloc[0]
    assert row["awt_hours"] == 179 * 8
    assert round(float(row["service_staff"]), 2) == 17.46
    assert row["caf"] == pytest.approx(1 / (1 - 10 / 179), abs=1e-4)
    assert row["required"] == 18.49 and row["need"] == 19
    assert row["current"] == 12 and row["wisn_ratio"] == 0.65 and row["shortage"] == 7


def test_published_case_solves_with_its_derived_row() -> None:
    r = solve(load_instance(HIV_CLINIC))
    assert r.summary["requirements_derived"] == [{"source": "wisn", "institution": "JOOTRH", "specialty": "hiv_care",
                                               "min_title": "resident", "need": 19, "weight": 1.0}]
    assert r.requirements["short"].tolist() == [7]


def test_shipped_norms_give_rows_from_service_population() -> None:
    inst = load_instance(SANMING)
    rows = norm_rows(inst)
    villages = [r for r in rows if r.min_title.value == "village_doctor"]
    townships = [r for r in rows if r.specialty == "general_practice"]
    # 45 villages of 1,444 people: ceil(1.444) = 2; 7 townships of 9,285: ceil(1.857) = 2.
    assert len(villages) == 45 and {r.need for r in villages} == {2}
    assert len(townships) == 7 and {r.need for r in townships} == {2}
    derived, info = derive_requirements(inst.with_policy(requirements_from=["norms"]))
    assert len(info) == 52 and all(d["source"] == "norms" for d in info)
    # Norm rows replace the typed rows of the same cadre and keep the rest.
    typed_kept = [r for r in inst.requirements if (r.institution, r.specialty, r.min_title) not in
                  {(x.institution, x.specialty, x.min_title) for x in rows}]
    assert len(derived.requirements) == len(typed_kept) + 52
