"""What a status promises: `optimal` only when proven, `infeasible` only when proven, the
solver's levels equal to the checker's, and a plan read back from a folder checked, not
trusted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool import solve
from staffpool.check import check_plan
from staffpool.cli import main
from staffpool.constants import Status
from staffpool.domain.plan import Assignment
from staffpool.inputs.validate import load_instance
from staffpool.tools.generate import generate

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """782 staff in one community: CBC with a 1 s limit stops in its preprocessing, and PuLP
    relays that as "infeasible" (it is feasible); highs-quick stops within its gap on the
    distance level."""
    return generate(1, seed=1, scale=0.75, out_dir=tmp_path_factory.mktemp("gen") / "county")


def test_a_gap_profile_reports_feasible_with_bounds(county: Path) -> None:
    instance = load_instance(county)
    result = solve(instance, solver="highs-quick")
    assert result.status == Status.feasible
    assert check_plan(instance, result.plan, result.mode).ok
    # Every level's bound is at or below its value, and some level is not closed.
    assert all(b is not None and b <= result.objective[lvl] + 1e-9 for lvl, b in result.bounds.items())
    assert any(result.objective[lvl] - b > 1e-6 for lvl, b in result.bounds.items() if b is not None)
    exact = solve(instance)
    assert exact.status == Status.optimal
    first = instance.policy.objective[0]
    assert result.bounds[first] <= exact.objective[first] + 1e-9  # type: ignore[operator]


def test_feasible_is_exit_0_with_a_warning_and_bounds_in_summary(county: Path, tmp_path: Path,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(county), "--solver", "highs-quick", "--json", "--out", str(tmp_path / "o")]) == 0
    captured = capfd.readouterr()
    summary = json.loads(captured.out)
    assert summary["status"] == "feasible" and "not proven optimal" in captured.err.lower()
    assert set(summary["bounds"]) == set(summary["objective"])


def test_cbc_under_a_time_limit_never_says_infeasible(county: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["solve", str(county), "--solver", "cbc", "--time-limit", "1", "--json"])
    captured = capfd.readouterr()
    summary = json.loads(captured.out)
    assert summary["status"] != "infeasible" and "would make it feasible" not in captured.err
    if summary["status"] == "time_limit" and not summary["objective"]:  # no plan: exit 1 with the reason
        err = " ".join(captured.err.split())  # as read, whatever the terminal's wrapping
        assert code == 1 and "no plan was found within the time limit" in err
        assert "not proven infeasible" in err  # whether CBC stopped saying infeasible or with nothing
    else:
        assert code == 0


def test_diagnosis_first_confirms_infeasibility() -> None:
    from staffpool.solving.community import diagnose_infeasible

    instance = load_instance(TINY)
    reasons = diagnose_infeasible(instance, "C1", instance.policy.mode)  # tiny is feasible
    assert reasons == ["nothing to diagnose: the community has a plan obeying every hard rule"]


def test_solver_levels_differ_from_the_checker_is_exit_3(monkeypatch: pytest.MonkeyPatch,
                                                         capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from staffpool.solving import community as solve_mod

    real = solve_mod._read_back

    def corrupt(cm, runner):  # type: ignore[no-untyped-def]
        plan = real(cm, runner)
        for sid, a in plan.items():
            if a.post_source == "hired":  # un-hire: obeys every rule, but hiring_cost is no longer the solver's
                plan[sid] = Assignment(sid, None, None, None)
        return plan

    monkeypatch.setattr(solve_mod, "_read_back", corrupt)
    out = tmp_path / "o"
    assert main(["solve", str(TINY), "--mode", "unified", "--out", str(out)]) == 3
    err = capfd.readouterr().err
    assert "internal error" in err and "hiring_cost" in err
    assert not out.exists()


def test_check_takes_the_mode_of_the_plan(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan"
    assert main(["solve", str(TINY), "--mode", "unified", "--out", str(plan)]) == 0
    capfd.readouterr()
    assert main(["check", str(TINY), str(plan), "--json"]) == 0  # the policy says county_pool
    assert json.loads(capfd.readouterr().out)["mode"] == "unified"
    assert main(["check", str(TINY), str(plan / "assignments.csv"), "--json"]) == 0
    capfd.readouterr()
    assert main(["check", str(TINY), str(plan), "--mode", "county_pool", "--json"]) == 1  # --mode wins
    assert json.loads(capfd.readouterr().out)["violations"]


def _solved(tmp_path: Path) -> Path:
    plan = tmp_path / "plan"
    assert main(["solve", str(TINY), "--out", str(plan)]) == 0
    return plan


def test_report_of_a_plan_breaking_a_rule_is_exit_1(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    plan = _solved(tmp_path)
    rows = (plan / "assignments.csv").read_text(encoding="utf-8").splitlines()
    # the village doctor sent to the county hospital: village_title broken
    rows = [r.replace("s6,Dr Huang,contract,village_doctor,general_practice,V,V,", "s6,Dr Huang,contract,village_doctor,general_practice,V,H,")
            for r in rows]
    (plan / "assignments.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    page = tmp_path / "r.html"
    assert main(["report", str(TINY), "--plan", str(plan), "--no-compare", "--out", str(page)]) == 1
    assert "village" in capfd.readouterr().err
    assert not page.exists()


def test_report_does_not_trust_the_recorded_status(tmp_path: Path) -> None:
    plan = _solved(tmp_path)
    page = tmp_path / "r.html"
    assert main(["report", str(TINY), "--plan", str(plan), "--no-compare", "--out", str(page)]) == 0
    assert "status <b>optimal</b>" in page.read_text(encoding="utf-8")  # the solver's plan, unchanged
    # Edit the plan (still obeying every rule): the summary's "optimal" no longer speaks for it.
    rows = (plan / "assignments.csv").read_text(encoding="utf-8").splitlines()
    assert any(r.startswith("s1,") and ",T," in r for r in rows)
    rows = [r.replace("s1,Dr Chen,on_staff,attending,general_practice,H,T,true,10.000,", "s1,Dr Chen,on_staff,attending,general_practice,H,H,false,0.000,")
            for r in rows]
    (plan / "assignments.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    shutil.copy(plan / "summary.json", tmp_path / "kept.json")
    page2 = tmp_path / "r2.html"
    assert main(["report", str(TINY), "--plan", str(plan), "--no-compare", "--out", str(page2)]) == 0
    html = page2.read_text(encoding="utf-8")
    assert "status <b>feasible</b>" in html and "status <b>optimal</b>" not in html


def test_explain_does_not_relax_rules_of_a_feasible_county_cbc_stopped_on(county: Path) -> None:
    from staffpool.errors import InfeasibleError
    from staffpool.tools.explain import explain

    instance = load_instance(county)
    try:
        exp = explain(instance, solver="cbc", time_limit=1)
    except InfeasibleError as exc:  # no plan within the limit, and said so
        assert "time limit" in str(exc) + " ".join(exc.reasons)
    else:
        assert exp.feasible and not exp.relaxations
