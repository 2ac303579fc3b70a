"""The optimizer against hand-solved levels, brute force and a second solver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffpool import solve
from staffpool.check import check_plan
from staffpool.constants import Status, TerminationCondition
from staffpool.domain.instance import Community, Level, Mode
from staffpool.inputs.validate import load_instance

from .helpers import brute_force, inst, make, person, req

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"

# Derived by hand in instances/tiny/README.md.
TINY_LEVELS = {
    "separate": {"shortfall": 5, "moves": 0, "distance": 0.0, "hiring_cost": 150000, "unregularised": 2},
    "county_pool": {"shortfall": 2, "moves": 1, "distance": 10.0, "hiring_cost": 0, "unregularised": 1},
    "unified": {"shortfall": 0, "moves": 1, "distance": 10.0, "hiring_cost": 200000, "unregularised": 2},
}


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("mode", list(TINY_LEVELS))
def test_tiny_matches_hand_solution(mode: str, solver: str) -> None:
    instance = load_instance(TINY)
    result = solve(instance, mode=mode, solver=solver)
    assert result.status == Status.optimal
    got = result.objective
    assert got == pytest.approx(TINY_LEVELS[mode])
    assert check_plan(instance, result.plan, Mode(mode)).ok


def test_tiny_county_pool_plan_is_the_one_the_readme_describes() -> None:
    result = solve(load_instance(TINY), mode="county_pool")
    a = result.assignments.set_index("staff_id")
    assert a.loc["s1", "change"] == "move" and a.loc["s1", "to_institution"] == "T"
    assert a.loc["s7", "change"] == "not_hired"  # no differential vacancy, full posts may not serve at county tier
    assert set(a.loc[a["change"].str.startswith("regularise")].index) <= {"s5", "s6"}


# ---------------------------------------------------------------- brute force


@st.composite
def tiny_instances(draw: st.DrawFn) -> object:
    n_inst = draw(st.integers(2, 4))
    tiers = ["county", "township", "village"]
    insts = []
    for k in range(n_inst):
        tier = draw(st.sampled_from(tiers))
        posts = 0 if tier == "village" else draw(st.integers(0, 3))
        cap = draw(st.one_of(st.none(), st.integers(0, 4)))
        insts.append(inst(f"I{k}", tier, posts, x=draw(st.integers(0, 30)), y=draw(st.integers(0, 30)), cap=cap))
    funded = [i for i in insts if i.funding.value != "none"]
    n_staff = draw(st.integers(1, 5))
    staff = []
    titles = ["village_doctor", "resident", "attending", "chief"]
    for k in range(n_staff):
        status = draw(st.sampled_from(["on_staff", "contract", "candidate"] if funded else ["contract", "candidate"]))
        title = draw(st.sampled_from(titles))
        spec = draw(st.sampled_from(["gp", "surgery"]))
        mobile = draw(st.booleans())
        if status == "candidate":
            staff.append(person(f"s{k}", "candidate", title, spec))
            continue
        at = draw(st.sampled_from(insts))
        if title == "village_doctor" and at.tier.value != "village":
            villages = [i for i in insts if i.tier.value == "village"]
            if not villages:
                title = "resident"
            else:
                at = draw(st.sampled_from(villages))
        if status == "on_staff":
            holder = draw(st.sampled_from(funded))
            staff.append(person(f"s{k}", "on_staff", title, spec, at.id, holder.funding.value, holder.id, mobile))
        else:
            staff.append(person(f"s{k}", "contract", title, spec, at.id, mobile=mobile))
    reqs = []
    for _ in range(draw(st.integers(0, 4))):
        reqs.append(req(draw(st.sampled_from(insts)).id, draw(st.sampled_from(["gp", "surgery", "*"])),
                        draw(st.sampled_from(titles)), draw(st.integers(0, 3)), draw(st.sampled_from([1, 2, 3, 0.5]))))
    policy = {
        "mode": draw(st.sampled_from(["separate", "county_pool", "unified"])),
        "max_distance_km": draw(st.sampled_from([None, 10, 25])),
        "county_managed_township_used": draw(st.booleans()),
        "county_managed_village_used": draw(st.booleans()),
        "township_used_at_county": draw(st.booleans()),
        "township_recruited_village_used": draw(st.booleans()),
    }
    if draw(st.booleans()):
        policy["objective"] = draw(st.permutations([lvl.value for lvl in Level]))
    if draw(st.booleans()):
        # Odd salaries and shares: the treasury's prices have fen decimals.
        policy["salary"] = {"chief": 300001, "attending": 199999, "resident": 150003}
        policy["treasury_share"] = draw(st.sampled_from([{}, {"differential": 0.35, "unified": 0.45}, {"full": 0.9}]))
    budget = draw(st.sampled_from([None, 0, 150000, 350000]))
    max_moves = draw(st.sampled_from([None, 0, 1, 2]))
    treasury = draw(st.sampled_from([None, None, 0, 45000, 100000, 160000, 250000]))
    comm = Community(id="C1", name="C1", hiring_budget=budget, max_moves=max_moves, treasury_budget=treasury)
    return make(insts, staff, reqs, policy, [comm])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_levels_equal_brute_force(instance: object) -> None:
    from staffpool.domain.instance import Instance

    assert isinstance(instance, Instance)
    expected = brute_force(instance)
    result = solve(instance)
    if expected is None:
        assert result.status == Status.infeasible
        return
    assert result.status == Status.optimal, result.reasons
    assert check_plan(instance, result.plan).ok
    got = tuple(result.objective[lvl] for lvl in instance.policy.objective)
    assert got == pytest.approx(expected, abs=1e-6)


def test_brute_force_sees_distance_limit() -> None:
    # A hand case: moving 12 km is forbidden at 10 km, so the need stays short.
    insts = [inst("A", "county", 1, 0, 0), inst("B", "township", 1, 12, 0)]
    staff = [person("p", "on_staff", "attending", "gp", "A", "differential", "A")]
    reqs = [req("B", "gp", "attending", 1)]
    near = make(insts, staff, reqs, {"max_distance_km": 10})
    far = make(insts, staff, reqs, {"max_distance_km": 15})
    assert brute_force(near) == (1.0, 0.0, 0.0, 0.0, 0.0)
    assert solve(near).objective[Level.shortfall] == 1
    assert solve(far).objective[Level.distance] == 12.0


def test_communities_are_independent_and_levels_add_up() -> None:
    a = [inst("A1", "county", 2, 0, 0, community="A"), inst("A2", "township", 1, 5, 0, community="A")]
    b = [inst("B1", "county", 1, 0, 0, community="B"), inst("B2", "township", 1, 7, 0, community="B")]
    staff = [
        person("a1", "on_staff", "attending", "gp", "A1", "differential", "A1", community="A"),
        person("b1", "on_staff", "attending", "gp", "B1", "differential", "B1", community="B"),
        person("b2", "contract", "resident", "gp", "B2", community="B"),
    ]
    reqs = [req("A2", "gp", "attending", 1), req("B2", "gp", "resident", 2)]
    both = make(a + b, staff, reqs)
    whole = solve(both)
    only_a = solve(make(a, staff[:1], reqs[:1]))
    only_b = solve(make(b, staff[1:], reqs[1:]))
    for lvl in whole.objective:
        assert whole.objective[lvl] == pytest.approx(only_a.objective[lvl] + only_b.objective[lvl])


# ---------------------------------------------------------------- deferred levels


def test_a_deferred_level_whose_bound_no_plan_meets_is_solved_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """One and a half chiefs may be hired in the LP (budget 450,000, salaries 300,000, and
    150,000 for the resident; two hires fit, so the count of hires does not cut it): the
    shortfall LP bound is 2·4 − 1.5·4 + 1 = 3, but every plan has 4 (a chief and the
    resident, or one chief). The shortfall and moves levels are deferred at their bounds;
    the next level finds no plan under those holds, so they are solved again in full from
    the first (one rollback), and the levels are the brute force's."""
    from staffpool.solving.runners import HighsRunner

    instance = _chiefs_and_a_resident(4)
    restores: list[object] = []
    real = HighsRunner.restore
    monkeypatch.setattr(HighsRunner, "restore", lambda self, state: restores.append(state) or real(self, state))
    result = solve(instance)
    assert len(restores) == 1
    assert result.status == Status.optimal
    assert tuple(result.objective.values()) == brute_force(instance) == (4.0, 0.0, 0.0, 450000.0, 0.0)
    assert [g.bound for g in result.outcomes[0].levels] == [4.0, 0.0, 0.0, 450000.0, 0.0]


def _chiefs_and_a_resident(weight: float) -> object:
    """Two chief candidates (surgery) and a resident (gp), budget 450,000, two vacancies at
    A: A asks for two surgery chiefs at `weight` and a gp resident at 1."""
    staff = [person("c1", "candidate", "chief", "surgery"), person("c2", "candidate", "chief", "surgery"),
             person("r", "candidate", "resident", "gp")]
    reqs = [req("A", "surgery", "chief", 2, weight), req("A", "gp", "resident", 1, 1)]
    return make([inst("A", "county", 2)], staff, reqs, {}, [Community(id="C1", name="C1", hiring_budget=450000)])


def test_deferred_levels_are_proven_by_the_plan_found_at_the_last(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shortfall LP hires one and a half chiefs (as above, weight 3): bound 2.5,
    rounded up 3, which the plan hiring a chief and the resident meets. The level is
    deferred (no MIP) and a later plan, found under the hold at 3, proves it (the last
    level's or, that one deferred too, the tie-break's)."""
    from staffpool.solving.runners import HighsRunner

    instance = _chiefs_and_a_resident(3)
    deferred: list[bool] = []
    real = HighsRunner.solve

    def spy(self: HighsRunner, *args: Any, **kw: Any) -> Any:
        out = real(self, *args, **kw)
        deferred.append(self.deferred)
        return out

    monkeypatch.setattr(HighsRunner, "solve", spy)
    result = solve(instance)
    assert result.status == Status.optimal
    assert tuple(result.objective.values()) == brute_force(instance) == (3.0, 0.0, 0.0, 450000.0, 0.0)
    assert deferred[0] is True
    log = result.outcomes[0].levels
    assert all(g.proven for g in log) and log[0].value == log[0].bound == 3.0


def _cover_levels(n: int, weights: list[int]) -> tuple[Any, Any, Any]:
    """Kn's cover as one level, its tie-break T = Σ w_i·x_i, and a spy on the runner's
    restores (a missed deferral rolls back)."""
    from staffpool.model.linear import Expr

    runner, expr = _vertex_cover_runner(n)
    restores: list[object] = []
    real = runner.restore
    runner.restore = lambda state: restores.append(state) or real(state)  # type: ignore[method-assign]

    def tie_break(cols: list[int] | None) -> Expr:
        return Expr({c: float(weights[c]) for c in (range(n) if cols is None else cols) if c < n})

    return runner, expr, (tie_break, restores)


@pytest.mark.parametrize(("n", "weights", "plan", "rolled_back"), [
    # K3: LP bound 1.5, rounded up 2 = the optimum; the last level is deferred and T's plan proves it.
    (3, [5, 7, 3], [1.0, 0.0, 1.0], 0),
    # K4: LP bound 2, optimum 3; under the deferred hold T finds no plan: the level is solved in full.
    (4, [5, 7, 3, 2], [1.0, 0.0, 1.0, 1.0], 1),
])
def test_the_last_level_deferred_to_the_tie_break(n: int, weights: list[int], plan: list[float], rolled_back: int
                                                  ) -> None:
    """With the canonical tie-break to follow, the last level too is held at its LP bound
    rounded up without a plan of its own: T's plan under that hold proves it, and when no
    plan meets it the driver solves the level in full. Either way the plan is the cover of
    n − 1 nodes that leaves out the heaviest (by hand), and the level its optimum."""
    from staffpool.solving.lexicographic import solve_lexicographic
    from staffpool.solving.profiles import load_profile

    runner, expr, (tie_break, restores) = _cover_levels(n, weights)
    run = solve_lexicographic(runner, [(Level.shortfall, expr)], load_profile("highs"), tie_break=tie_break)
    assert run.status == Status.optimal and run.canonical
    assert [(g.value, g.bound) for g in run.levels] == [(n - 1.0, n - 1.0)]
    assert runner.values_list() == plan
    assert len(restores) == rolled_back


# ---------------------------------------------------------------- the guess at the LP bound


def _vertex_cover_runner(n: int, spare: int = 0, padding: int = 0) -> tuple[Any, Any]:
    """HiGHS runner on min Σ x_i + Σ y_k, binaries, x_i + x_j ≥ 1 for every pair of n nodes:
    the LP optimum is n/2 (every x = 1/2), the integer optimum n − 1, several steps above.
    The `spare` y (in no row) cost 1: their reduced cost fixes them in a guess at the LP
    bound, not in one a step or more above it. `padding` continuous columns (in no row, cost
    0) make the guess model larger."""
    from types import SimpleNamespace

    from staffpool.model.linear import Expr, LinearProgram, Sense
    from staffpool.solving.profiles import load_profile
    from staffpool.solving.runners import HighsRunner

    lp = LinearProgram("cover")
    x = [lp.var(f"x{i}", 0.0, 1.0, True) for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            lp.row(f"edge{i}_{j}", {x[i]: 1, x[j]: 1}, Sense.ge, 1)
    x += [lp.var(f"y{k}", 0.0, 1.0, True) for k in range(spare)]
    for k in range(padding):
        lp.var(f"z{k}", 0.0, 1.0)
    runner = HighsRunner(SimpleNamespace(lp=lp), load_profile("highs"))  # type: ignore[arg-type]
    return runner, Expr(dict.fromkeys(x, 1.0))


def test_the_guess_covers_a_few_steps_above_the_lp_bound_in_one_mip(monkeypatch: pytest.MonkeyPatch) -> None:
    """K6's cover: LP bound 3, optimum 5. A guess at 3 alone fixes the spare columns, finds
    5 and proves only 4, so a second MIP (spare columns free) would be needed. The guess
    reaches the steps above the bound while it frees few more columns (here all of them),
    so one MIP finds 5 and proves it."""
    from staffpool.solving.runners import HighsRunner

    runner, expr = _vertex_cover_runner(6, spare=3)
    mips: list[int] = []
    real = HighsRunner._run_mip
    monkeypatch.setattr(HighsRunner, "_run_mip", lambda self, *a: mips.append(1) or real(self, *a))
    term, value, bound = runner.solve(expr, None, 1.0)
    assert (term.value, value, bound) == ("optimal", 5.0, 5.0)
    assert len(mips) == 1


def test_under_deferred_bounds_a_guess_model_without_plan_gives_up_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """K4's cover deferred at its LP bound 2 (optimum 3): under that hold the next level's
    guess model has no plan, and with give_up the runner says so (no_solution) without
    proving the whole level infeasible, so the driver re-solves the deferred level now."""
    from staffpool.model.linear import Expr
    from staffpool.solving.runners import HighsRunner

    runner, expr = _vertex_cover_runner(4)
    assert runner.solve(expr, None, 1.0, defer=True)[1] == 2.0 and runner.deferred
    runner.hold(expr, 2.0 + 1e-6)
    mips: list[int] = []
    real = HighsRunner._run_mip
    monkeypatch.setattr(HighsRunner, "_run_mip", lambda self, *a: mips.append(1) or real(self, *a))
    second = Expr({0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0})
    assert runner.solve(second, None, 1.0, give_up=True) == (TerminationCondition.no_solution, None, None)
    assert len(mips) == 1
    assert runner.solve(second, None, 1.0)[0] == TerminationCondition.infeasible  # without: the proof


def test_a_level_solved_again_after_a_missed_deferral_guesses_further(monkeypatch: pytest.MonkeyPatch) -> None:
    """K6's cover with 200 spare columns in a guess model of 1,006: the usual guess (10 %
    more columns) stays at the LP bound 3 and needs a second MIP for the optimum 5; a level
    solved again after its deferred bound was missed reaches 30 % further: one MIP."""
    from staffpool.solving.runners import HighsRunner

    for missed, mips_wanted in ((False, 2), (True, 1)):
        runner, expr = _vertex_cover_runner(6, spare=200, padding=1000)
        mips: list[int] = []
        real = HighsRunner._run_mip
        monkeypatch.setattr(HighsRunner, "_run_mip", lambda self, *a, mips=mips, real=real: mips.append(1) or real(self, *a))
        assert runner.solve(expr, None, 1.0, missed=missed) == (TerminationCondition.optimal, 5.0, 5.0)
        assert len(mips) == mips_wanted


def test_mips_run_without_primal_heuristic_sub_mips() -> None:
    """A level's MIP is given to HiGHS without the RINS, RENS and feasibility-jump
    heuristics (they only look for plans; the bounds that prove a level do not use them),
    and the levels stay the brute force's (the property test above)."""
    import numpy as np

    runner, _expr = _vertex_cover_runner(4)
    h, *_rest = runner._model(np.ones(runner.n), True, None)
    for heuristic in ("rins", "rens", "feasibility_jump"):
        value = h.getOptionValue(f"mip_heuristic_run_{heuristic}")
        assert (value[1] if isinstance(value, tuple) else value) is False  # highspy: (status, value)


# ---------------------------------------------------------------- proofs after a failed guess


def _budget_county(tmp_path: Path, seed: int, factor: float) -> Any:
    from staffpool.tools.generate import generate

    instance = load_instance(generate(1, seed=seed, scale=0.3, out_dir=tmp_path / f"s{seed}"))
    c = instance.communities[0]
    assert c.hiring_budget
    budget = round(c.hiring_budget * factor, -4)
    return instance.model_copy(update={"communities": (c.model_copy(update={"hiring_budget": budget}),)})


def _naive_levels(instance: Any) -> tuple[float, ...]:
    import sys

    sys.path.insert(0, str(ROOT))
    from benchmarks.naive import solve_naive

    naive = solve_naive(instance, instance.policy.mode)
    assert naive.status == "optimal"
    return tuple(naive.levels[lvl] for lvl in instance.policy.objective)


def test_a_failed_guess_proves_the_incumbent_without_the_whole_mip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    """Step 3b (docs/model.md): a plan lies in the guess's small model (at least that
    model's optimum) or moves a column the guess fixed (at least z_LP + that column's reduced
    cost). On this county (310 staff, budget 0.8 of the generator's) that bound proves the
    guess's plan optimal at a level, saving step 4's MIP; the levels are the independent
    per-person model's, and with 3b switched off the same levels take one MIP more."""
    from staffpool.solving.runners import HighsRunner

    # The guess exactly at the LP bound (not widened, step 3), so that it fails here and 3b is
    # what proves the level; widened, the guess itself proves the optimum on this county.
    monkeypatch.setattr(HighsRunner, "_guess_limit", lambda self, lp, target, scale, widen: target)
    from staffpool.solving.lexicographic import _Drive

    monkeypatch.setattr(_Drive, "settles", property(lambda self: False))  # the levels' MIPs alone
    instance = _budget_county(tmp_path, 36, 0.8)
    mips: list[int] = []
    real = HighsRunner._run_mip
    monkeypatch.setattr(HighsRunner, "_run_mip", lambda self, *a: mips.append(1) or real(self, *a))
    with_3b = solve(instance)
    n_with = len(mips)
    mips.clear()
    monkeypatch.setattr(HighsRunner, "_outside", lambda self, lp, ids: -float("inf"))
    without = solve(instance)
    assert with_3b.status == without.status == Status.optimal
    assert len(mips) == n_with + 1
    assert tuple(with_3b.objective.values()) == tuple(without.objective.values()) == pytest.approx(
        _naive_levels(instance), abs=1e-6)


def test_one_step_between_bound_and_incumbent_is_closed_by_a_cutoff_model(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Step 4c: with the incumbent a step or two above the proven bound, the model of the
    plans at or below incumbent − step (their fixing and a cutoff row) replaces step 4's
    MIP. Here (budget 0.8 of the generator's) it decides a level; the levels are the
    per-person model's, and the same as with 4c switched off. (The county of seed 36 at 0.5
    served until the count of hires, docs/model.md "Valid inequalities", closed the gap
    there: the LP bound now meets the optimum.)"""
    from staffpool.solving.runners import HighsRunner

    instance = _budget_county(tmp_path, 31, 0.8)
    closed: list[object] = []
    real = HighsRunner._close
    monkeypatch.setattr(HighsRunner, "_close", lambda self, *a: closed.append(out := real(self, *a)) or out)
    result = solve(instance)
    assert result.status == Status.optimal and any(c is not None for c in closed)
    monkeypatch.setattr(HighsRunner, "CLOSE_STEPS", -1)
    closed.clear()
    without = solve(instance)
    assert not any(c is not None for c in closed)
    assert tuple(result.objective.values()) == tuple(without.objective.values()) == pytest.approx(
        _naive_levels(instance), abs=1e-6)
    assert all(g.proven for g in result.outcomes[0].levels)
