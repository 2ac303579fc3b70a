"""Rule 7: Σ salary of hired candidates ≤ the community's hiring budget."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffpool.domain.instance import Community, Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import integrated, over_years, solved, stay, violations, where, years_optimum


def _instance(budget: float | None):
    insts = [inst("T", "township", 3)]
    staff = [person("c1", "candidate", "attending", "gp"), person("c2", "candidate", "resident", "gp"),
             person("c3", "candidate", "resident", "gp")]
    return make(insts, staff, [req("T", "gp", "resident", 3)], {},
                [Community(id="C1", name="C1", hiring_budget=budget)])


def test_budget_limits_hires_and_picks_the_cheaper() -> None:
    r = solved(_instance(300000))
    assert r.objective[Level.shortfall] == 1 and r.objective[Level.hiring_cost] == 300000
    assert r.plan["c1"].to_institution is None  # the attending costs more than a resident
    assert solved(_instance(None)).objective[Level.shortfall] == 0


def test_checker_catches_overspending() -> None:
    instance = _instance(150000)
    plan = stay(instance)
    plan["c1"] = Assignment("c1", "T", "full", "hired")
    assert violations(instance, plan, "hiring_budget")


# ---------------------------------------------------------------- the count of hires (a valid inequality)


def _shortfall_lp_bound(instance: object, elastic: frozenset[str] = frozenset()) -> tuple[float, list[str]]:
    """The shortfall level's LP relaxation bound on the program as built, and its row names."""
    import numpy as np

    from staffpool.model.build import build_community
    from staffpool.solving.profiles import load_profile
    from staffpool.solving.runners import HighsRunner

    cm = build_community(instance, "C1", elastic=elastic)  # type: ignore[arg-type]
    runner = HighsRunner(cm, load_profile("highs"))
    expr = cm.levels[Level.shortfall]
    costs = np.zeros(runner.n)
    costs[list(expr.terms)] = list(expr.terms.values())
    lp, infeasible = runner._lp_bound(costs, None)
    assert lp is not None and not infeasible
    return lp[0] + expr.constant, cm.lp.row_names


def test_count_of_hires_lifts_the_lp_bound_to_the_optimum() -> None:
    """Two attendings (200,000 each) for a budget of 300,000: the budget row alone lets the
    LP hire one and a half, shortfall 0.5 against the optimum 1. One hire fits, so the row
    `hiring_count[C1]` (Σ hires ≤ 1) closes the gap; none is needed when both fit."""
    from staffpool.outputs.results import solve

    from ..helpers import brute_force

    def two_attendings(budget: float) -> object:
        staff = [person("a1", "candidate", "attending", "gp"), person("a2", "candidate", "attending", "gp")]
        return make([inst("T", "township", 3)], staff, [req("T", "gp", "attending", 2)], {},
                    [Community(id="C1", name="C1", hiring_budget=budget)])

    tight = two_attendings(300000)
    bound, rows = _shortfall_lp_bound(tight)
    assert bound == pytest.approx(1.0) == brute_force(tight)[0]  # type: ignore[index]
    assert "hiring_count[C1]" in rows
    assert solved(tight).objective[Level.shortfall] == 1  # type: ignore[arg-type]
    # An elastic build that relaxes the budget may hire past the count: the row is left out.
    assert "hiring_count[C1]" not in _shortfall_lp_bound(tight, frozenset({"hiring_budget"}))[1]
    roomy = two_attendings(400000)
    assert "hiring_count[C1]" not in _shortfall_lp_bound(roomy)[1]
    assert solve(roomy).objective[Level.shortfall] == 0  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0, 100000, 150000, 150003, 200000, 250000, 300000]), max_size=7),
       st.integers(0, 1200000))
def test_affordable_hires_is_the_largest_set_within_the_budget(salaries: list[int], budget: int) -> None:
    """Against every subset: the largest number of people whose salaries fit the budget."""
    from itertools import combinations

    from staffpool.model.rules.budget import affordable_hires

    best = max(m for m in range(len(salaries) + 1)
               if m == 0 or any(sum(c) <= budget for c in combinations(salaries, m)))
    assert affordable_hires(salaries, budget) == best


# ---------------------------------------------------------------- over years


def _one_hire_a_year():
    # 150,000 a year, residents at 150,000: one hire in 2027, the other in 2028 (a hire's
    # salary counts in its year only).
    staff = [person(f"c{k}", "candidate", "resident") for k in range(2)]
    return over_years(make([inst("T", "township", 2)], staff, [req("T", "gp", "resident", 2)], {"mode": "unified"},
                           [Community(id="C1", name="C1", hiring_budget=150000)]))


def test_hiring_budget_over_years_holds_in_each_year() -> None:
    plan = integrated(_one_hire_a_year())
    assert sorted([where(plan, "c0"), where(plan, "c1")], key=str) == [["T", "T"], [None, "T"]]
    assert plan.totals()["shortfall"] == 1 and plan.totals()["hiring_cost"] == 300000


def test_hiring_budget_over_years_dropped_changes_the_optimum() -> None:
    instance = _one_hire_a_year()
    assert years_optimum(instance, Level.shortfall) == 1
    assert years_optimum(instance, Level.shortfall, frozenset({"hiring_budget"})) == 0
