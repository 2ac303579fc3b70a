"""One scenario, one plan: whichever command solves it, however loaded the machine.

The user's levels often leave several equally good plans; the driver's last, internal level
(the canonical tie-break: model/canonical.py, settled by the driver through `Runner.settle`) picks one by the
meaning of the columns, not by the solver's path. Here: a sweep's every scenario and every
mode of `compare` equals `solve` of that scenario (assignments.csv bytes and payroll); a
county solved idle, under load with other --workers, and on a local Dask cluster gives the
same bytes; and the weights follow a column's meaning, not its index.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import staffpool.scale.chain as chain_module
from staffpool.cli import main
from staffpool.domain.instance import Mode
from staffpool.domain.plan import Plan
from staffpool.inputs.validate import load_instance
from staffpool.model.build import build_community
from staffpool.model.canonical import identities, tie_break, weight, weights
from staffpool.model.canonical import value as canonical_value
from staffpool.model.years import build_horizon_community
from staffpool.outputs.results import Result, solve
from staffpool.scale.chain import Chain, Point, _program, point_instance
from staffpool.scale.grid import parse_grid
from staffpool.solving.community import solve_community
from staffpool.solving.profiles import load_profile
from staffpool.solving.runners import WarmLP
from staffpool.tools import compare as compare_mod
from staffpool.tools.generate import generate

ROOT = Path(__file__).resolve().parents[1]
SANMING = ROOT / "instances" / "sanming-county"
# modes × two distance limits × budget factors: 18 scenarios (the policy's 40 km, and 60 km
# so that a 40 km scenario runs on a program built for 60 km with options fixed at 0)
GRID = "mode: [separate, county_pool, unified]\nmax_distance_km: [40, 60]\nhiring_budget: {factor: [0.5, 1.0, 1.5]}\n"
# With and without a treasury budget the new posts are other columns (by title or not): the
# chain must not share one program between them.
TREASURY_GRID = "mode: [county_pool, separate]\nmax_distance_km: [15, 40]\ntreasury_budget: [null, 300000]\n"
PAYROLL = ("treasury_before", "treasury_after", "treasury_added", "institutions_before", "institutions_after",
           "salary_fund")


def _assignments(result: Result, out: Path) -> bytes:
    result.write(out, force=True)
    return (out / "assignments.csv").read_bytes()


def _with_plan(result: Result, plan: Plan) -> Result:
    """The same instance and mode with another plan (tables computed afresh)."""
    return dataclasses.replace(result, plan=plan, _rows={})


@pytest.mark.parametrize("text", [GRID, TREASURY_GRID], ids=["budgets", "treasury"])
def test_every_sweep_scenario_is_its_solve(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Warm chains (one program per chain, columns beyond a scenario's distance fixed at 0,
    warm LP bases, neighbours' levels as guesses, looser plans reused) end on the plan a
    cold `solve` of the scenario gives: the same people where the same posts are."""
    plans: dict[int, Plan] = {}
    fill = chain_module._fill

    def keep(res: Any, inst: Any, plan: Plan, levels: Any) -> None:
        fill(res, inst, plan, levels)
        plans[res.scenario] = dict(plan)

    monkeypatch.setattr(chain_module, "_fill", keep)
    grid = tmp_path / "grid.yaml"
    grid.write_text(text, encoding="utf-8")
    assert main(["sweep", str(SANMING), "--grid", str(grid), "--out", str(tmp_path / "sweep"), "--workers", "1"]) == 0
    rows = {int(r["scenario"]): r for r in _csv(tmp_path / "sweep" / "sweep.csv")}
    inst = load_instance(SANMING)
    scenarios = parse_grid(text).scenarios(inst)
    assert len(scenarios) == len(plans) == len(rows) > 1
    com = inst.communities[0]
    differ = []
    for s in scenarios:
        point = Point(s.number, s.max_distance_km, tuple(s.community_values(com).items()))
        alone = point_instance(inst, com.id, s.mode, point)
        solved = solve(alone, s.mode)
        summary = solved.summary
        assert list(summary["objective"]) == [lvl.value for lvl in inst.policy.objective]  # no tie-break there
        cold = _assignments(solved, tmp_path / f"solve-{s.number}")
        warm = _assignments(_with_plan(solved, plans[s.number]), tmp_path / f"sweep-{s.number}")
        swept = {k: float(rows[s.number][k]) for k in PAYROLL}
        if warm != cold or swept != {k: float(summary["payroll"][k]) for k in PAYROLL}:
            differ.append((s.number, s.mode.value, s.max_distance_km, rows[s.number]["hiring_budget"],
                           rows[s.number]["treasury_budget"]))
    assert not differ, f"sweep plans that are not their solve's (scenario, mode, km, hiring, treasury): {differ}"


def test_every_mode_of_compare_is_its_solve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[Result] = []
    row = compare_mod.compare_row

    def keep(result: Result) -> dict[str, Any]:
        seen.append(result)
        return row(result)

    monkeypatch.setattr(compare_mod, "compare_row", keep)
    assert main(["compare", str(SANMING), "--json"]) == 0
    printed = {m["mode"]: m for m in json.loads(capsys.readouterr().out)["modes"]}
    assert [r.mode.value for r in seen] == ["separate", "county_pool", "unified"]
    for result in seen:
        mode = result.mode.value
        out = tmp_path / f"solve-{mode}"
        assert main(["solve", str(SANMING), "--mode", mode, "--out", str(out), "--json"]) == 0
        capsys.readouterr()
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert _assignments(result, tmp_path / f"compare-{mode}") == (out / "assignments.csv").read_bytes(), mode
        assert json.loads(json.dumps(result.payroll["total"])) == summary["payroll"], mode
        assert printed[mode]["treasury_added"] == summary["payroll"]["treasury_added"], mode


def test_cbc_and_highs_give_one_plan(tmp_path: Path) -> None:
    """The canonical plan is the program's, not the solver's path: CBC (another solver, whole
    model per level) returns HiGHS's plan byte for byte (before the tie-break they differed)."""
    inst = load_instance(SANMING)
    highs = solve(inst, Mode.county_pool)
    cbc = solve(inst, Mode.county_pool, "cbc")
    assert cbc.levels == pytest.approx(highs.levels, abs=1e-6)
    assert _assignments(cbc, tmp_path / "cbc") == _assignments(highs, tmp_path / "highs")


@pytest.mark.parametrize("mode", ["county_pool", "unified"])
def test_a_time_limit_that_never_binds_changes_no_plan(mode: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """With a limit the driver takes another path (no deferred levels); on this county that
    path ended on another plan before the tie-break."""
    folder = tmp_path_factory.getbasetemp() / "county-1400"
    inst = load_instance(folder if folder.exists() else generate(1, seed=0, scale=1.36, out_dir=folder))
    free, limited = solve(inst, mode), solve(inst, mode, time_limit=600)
    assert limited.levels == free.levels and limited.plan == free.plan


def _csv(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- load, workers, Dask


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["OPENBLAS_NUM_THREADS"] = "1"
    return env


def _solve_cli(inst: Path, out: Path, *extra: str) -> None:
    p = subprocess.run([sys.executable, "-m", "staffpool.cli", "solve", str(inst), "--out", str(out), "--force",
                        *extra], capture_output=True, text=True, env=_env(), timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in ("timings_s", "build_s", "solve_s")}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def _files(out: Path) -> dict[str, Any]:
    got: dict[str, Any] = {}
    for f in sorted(out.iterdir()):
        if f.name == "summary.json":
            got[f.name] = _without_timings(json.loads(f.read_text(encoding="utf-8")))
        else:
            got[f.name] = f.read_bytes()
    return got


class Burners:
    """A CPU-burning process per core for the duration (ended by their own ids)."""

    def __enter__(self) -> Burners:
        n = os.cpu_count() or 1
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
        return self

    def __exit__(self, *exc: object) -> None:
        for p in self.procs:
            p.kill()
            p.wait(timeout=10)


def test_a_county_is_the_same_idle_loaded_and_on_dask(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    inst = generate(3, seed=5, scale=0.25, out_dir=tmp_path / "county")
    _solve_cli(inst, tmp_path / "idle", "--workers", "1")
    with Burners():
        _solve_cli(inst, tmp_path / "busy", "--workers", "2")
    _solve_cli(inst, tmp_path / "dask", "--scheduler", "dask", "--workers", "2")
    idle = _files(tmp_path / "idle")
    assert {"assignments.csv", "summary.json"} <= set(idle)
    assert _files(tmp_path / "busy") == idle
    assert _files(tmp_path / "dask") == idle


# ---------------------------------------------------------------- the weights


def _plan_values(cm: Any, plan: Plan) -> dict[int, int]:
    """A plan as the program's integer columns: people per (cohort, option) and new posts per
    (group, pool, title), read off the plan itself (not a solver's values)."""
    cols: dict[int, int] = {}
    for k, cohort in enumerate(cm.cohorts):
        for o, opt in enumerate(cm.options[k]):
            n = sum(1 for sid in cohort.members if plan[sid].to_institution == opt.institution)
            if n:
                cols[cm.cols[k][o]] = n
    title_of = {s.id: s.title.value for s in cm.instance.staff}
    for posts, source in ((cm.reg, "regularised"), (cm.hire, "hired")):
        for (group, pid, title), col in posts.items():
            pool = cm.pools[pid]
            funding = "unified" if pool.funding is None else pool.funding.value
            n = sum(1 for a in plan.values() if a.post_source == source and a.post_funding == funding
                    and a.to_institution is not None and cm.post_group(a.to_institution) == group
                    and (pool.institution is None or pool.institution == a.to_institution)
                    and (not title or title_of[a.staff_id] == title))
            if n:
                cols[col] = n
    return cols


def test_weights_follow_a_column_s_meaning_not_its_index() -> None:
    """A 40 km scenario built cold and as a variant of the program built for 60 km: other
    columns at other indices, the same T for the same plan."""
    inst = load_instance(SANMING)
    com = inst.communities[0]
    mode = Mode.county_pool
    tight = Point(1, 40.0, tuple({"hiring_budget": com.hiring_budget}.items()))
    loose = Point(2, 60.0, tight.values)
    cold = build_community(point_instance(inst, com.id, mode, tight), com.id, mode)
    warm = _program(inst, Chain(com.id, mode, (tight, loose)), loose, ["hiring_budget"], load_profile("highs"))
    assert warm is not None and warm.cm.lp.num_cols > cold.lp.num_cols
    plan = solve_community(point_instance(inst, com.id, mode, tight), com.id, mode, load_profile("highs")).plan
    at_cold, at_warm = _plan_values(cold, plan), _plan_values(warm.cm, plan)
    assert sorted(at_cold.values()) == sorted(at_warm.values())
    assert set(at_cold) != set(at_warm)  # other indices: weights by index would differ
    t_cold = tie_break(cold)
    t_warm = tie_break(warm.cm)
    assert sum(t_cold.terms[c] * n for c, n in at_cold.items()) == sum(t_warm.terms[c] * n for c, n in at_warm.items())
    # The same meaning, the same weight, column by column.
    ids_cold, ids_warm = identities(cold), identities(warm.cm)
    w_warm = {ids_warm[c]: w for c, w in weights(warm.cm).items()}
    assert all(w_warm[ids_cold[c]] == w for c, w in weights(cold).items())
    # The warm variant, solved, reads back the cold plan.
    runner = warm.base.variant({}, warm.move_cols[warm.move_m > 40_000], WarmLP())
    from staffpool.solving.community import solve_levels

    out = solve_levels(point_instance(inst, com.id, mode, tight), com.id, mode, warm.cm, runner, load_profile("highs"))
    assert out.plan == plan


def test_every_column_that_decides_a_plan_has_its_own_identity() -> None:
    """Two columns with one identity would get one weight: a tie T could never break."""
    inst = load_instance(SANMING)
    for mode in Mode:
        cm = build_community(inst, inst.communities[0].id, mode)
        ids = identities(cm)
        n_x = cm.cols[-1].stop
        assert set(ids) == set(range(n_x)) | set(cm.reg.values()) | set(cm.hire.values())
        assert len(set(ids.values())) == len(ids), mode
    years = load_instance(ROOT / "instances" / "small-county-5y")
    hm = build_horizon_community(years, years.communities[0].id, Mode.county_pool)
    ids = identities(hm)
    assert set(ids) == {a.col for a in hm.arcs} and len(set(ids.values())) == len(ids)


def test_weights_are_the_same_in_every_process() -> None:
    """Hashed with blake2b, not Python's salted hash(): a worker, a Dask node and tomorrow's
    run weigh a column alike."""
    assert weight("x") == 1 + int.from_bytes(__import__("hashlib").blake2b(b"x", digest_size=8).digest(), "big") % 2**20
    code = "from staffpool.model.canonical import weight; print(weight('x\\x1fC000-T01\\x1fnew'))"
    got = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**_env(), "PYTHONHASHSEED": seed},
                          check=True).stdout.strip() for seed in ("1", "2")}
    assert got == {str(weight("x\x1fC000-T01\x1fnew"))}


def test_the_tie_break_over_years_keeps_every_level() -> None:
    """The program over years has its canonical plan too (arcs weighed by year, members and
    states): settled after the integrated levels, every level keeps its value. (`plan` does
    not settle: it alone makes a plan over years, whose path no load changes.)"""
    from staffpool.model.canonical import tie_break
    from staffpool.solving.lexicographic import decimal_gcd, hold_rhs
    from staffpool.solving.runners import HighsRunner

    inst = load_instance(ROOT / "instances" / "small-county-5y")
    hm = build_horizon_community(inst, inst.communities[0].id, Mode.separate)
    runner = HighsRunner(hm, load_profile("highs"))  # type: ignore[arg-type]
    values = {}
    for level in inst.policy.objective:
        expr = hm.levels[level]
        scale = decimal_gcd(set(expr.terms.values()))
        _term, value, _bound = runner.solve(expr, None, scale)
        assert value is not None
        values[level] = value
        runner.hold(expr, hold_rhs(value - expr.constant, scale) + expr.constant)
    before = canonical_value(hm, runner.values)
    assert runner.settle(partial(tie_break, hm), None)
    assert canonical_value(hm, runner.values) <= before
    for level, value in values.items():
        assert runner.level_value(hm.levels[level]) == pytest.approx(value, abs=1e-6)


def test_a_failed_tie_break_keeps_the_plan_at_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """CBC (through PuLP) keeps no earlier plan: when the tie-break's solve fails, the plan
    the levels found is put back, never a half-read one."""
    from staffpool.constants import TerminationCondition
    from staffpool.model.canonical import tie_break
    from staffpool.solving.runners import CbcRunner

    inst = load_instance(ROOT / "instances" / "tiny")
    cm = build_community(inst, inst.communities[0].id, Mode.county_pool)
    runner = CbcRunner(cm, load_profile("cbc"))
    runner.solve(cm.levels[inst.policy.objective[0]], None)
    before = runner.values_list()
    assert any(before)

    def fails(expr: Any, time_left: Any) -> tuple[TerminationCondition, None, None]:
        for col in runner.cols:
            col.varValue = None  # what a failed PuLP solve leaves
        return TerminationCondition.error, None, None

    monkeypatch.setattr(runner, "solve", fails)
    assert not runner.settle(partial(tie_break, cm), None)
    assert runner.values_list() == before


def test_a_tie_break_cut_short_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capfd: pytest.CaptureFixture[str]) -> None:
    """When the time limit ends the tie-break, the plan is kept (optimal at every level) and
    both summary.json and the terminal say it may not be the canonical one."""
    from staffpool.cli import main
    from staffpool.solving.runners import HighsRunner

    real = HighsRunner.settle

    def cut_short(self: HighsRunner, *args: Any, **kw: Any) -> bool | None:
        return None if real(self, *args, **kw) is None else False  # a plan, but not proven

    monkeypatch.setattr(HighsRunner, "settle", cut_short)
    out = tmp_path / "o"
    assert main(["solve", str(ROOT / "instances" / "tiny"), "--out", str(out), "--lang", "en"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal" and [c["canonical"] for c in summary["communities"]] == [False]
    assert "ended the last tie-break" in " ".join(capfd.readouterr().err.split())
