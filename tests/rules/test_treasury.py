"""Rule 9 (money): the treasury's added payroll ≤ the community's treasury budget; the
optional level `treasury_cost`."""

import pytest

from staffpool.domain.instance import Budget, Community, Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import integrated, over_years, solved, stay, violations, years_optimum


def _instance(budget: float | None, objective: list[str] | None = None):
    # One county hospital (differential, share 0.3) and one township centre (full, share 1.0),
    # a free post in each; a contract resident at the township, a candidate attending.
    insts = [inst("H", "county", 1, 0, 0), inst("T", "township", 1, 10, 0)]
    staff = [person("k", "contract", "resident", "gp", "T"), person("c", "candidate", "attending", "gp")]
    policy: dict[str, object] = {"mode": "separate", "salary": {"resident": 150001, "attending": 199999}}
    if objective:
        policy["objective"] = objective
    return make(insts, staff, [req("H", "gp", "attending", 1)], policy,
                [Community(id="C1", name="C1", treasury_budget=budget)])


def test_budget_holds_and_prices_posts_by_funding() -> None:
    # Hiring the attending into the county hospital's differential post costs 0.3 × 199,999 =
    # 59,999.70; regularising the resident into the township's full post 150,001.
    free = solved(_instance(None))
    assert free.plan["c"].post_source == "hired" and free.plan["k"].post_source == "regularised"
    tight = solved(_instance(100000))
    assert tight.objective[Level.shortfall] == 0  # the hire fits
    assert tight.plan["k"].post_source is None  # the regularisation does not
    assert tight.objective[Level.unregularised] == 1
    none = solved(_instance(59999))
    assert none.objective[Level.shortfall] == 1 and none.plan["c"].to_institution is None


def test_treasury_cost_level_matches_hand_prices() -> None:
    r = solved(_instance(None, ["shortfall", "treasury_cost", "unregularised"]))
    assert r.objective[Level.treasury_cost] == pytest.approx(59999.70)
    assert r.objective[Level.unregularised] == 1  # regularising would cost 150,001 more
    r = solved(_instance(None, ["shortfall", "unregularised", "treasury_cost"]))
    assert r.objective[Level.treasury_cost] == pytest.approx(59999.70 + 150001)


def test_county_pool_picks_the_cheaper_pool() -> None:
    # In county_pool a township may use either pool's post: the differential one is cheaper.
    insts = [inst("H", "county", 1, 0, 0), inst("T", "township", 1, 10, 0)]
    staff = [person("c", "candidate", "resident", "gp")]
    instance = make(insts, staff, [req("T", "gp", "resident", 1)],
                    {"objective": ["shortfall", "treasury_cost"]}, [Community(id="C1", name="C1")])
    r = solved(instance, "county_pool")
    assert r.plan["c"].post_funding == "differential" and r.objective[Level.treasury_cost] == 45000


def test_checker_catches_a_plan_over_the_treasury_budget() -> None:
    instance = _instance(100000)
    plan = stay(instance)
    plan["k"] = Assignment("k", "T", "full", "regularised")
    found = violations(instance, plan, "treasury_budget")
    assert found and "150,001.00" in found[0]
    plan["k"] = Assignment("k", "T", None, None)
    plan["c"] = Assignment("c", "H", "differential", "hired")
    assert not violations(instance, plan, "treasury_budget")


def test_treasury_level_has_an_exact_step_with_fen_prices() -> None:
    # 0.3 × 199,999 = 59,999.70 (the hire at the county hospital), 1.0 × 199,999 and 1.0 ×
    # 150,001 (at the township): the prices have decimals, yet the level has a step (held at
    # a multiple of it, not at a tolerance).
    from staffpool.model.build import build_community
    from staffpool.solving.lexicographic import level_step

    cm = build_community(_instance(None, ["shortfall", "treasury_cost"]), "C1")
    prices = set(cm.levels[Level.treasury_cost].terms.values())
    assert prices == {59999.7, 150001.0, 199999.0}
    assert level_step(cm.levels[Level.treasury_cost])[1] == pytest.approx(0.1)


# ---------------------------------------------------------------- over years


def _treasury_over_years():
    # 100,000 in 2027 (the hire, 59,999.70, fits; the regularisation, 150,001, does not);
    # 200,000 in 2028, and the hire of 2027 adds nothing again.
    return over_years(_instance(None), budgets=(Budget(community="C1", year=2027, treasury_budget=100000),
                                                Budget(community="C1", year=2028, treasury_budget=200000)))


def test_treasury_budget_over_years_holds_in_each_year() -> None:
    plan = integrated(_treasury_over_years())
    assert [y.result.plan["k"].post_source for y in plan.years] == [None, "regularised"]
    assert plan.years[0].result.plan["c"].post_source == "hired" and plan.totals()["unregularised"] == 1


def test_treasury_budget_over_years_dropped_changes_the_optimum() -> None:
    instance = _treasury_over_years()
    assert years_optimum(instance, Level.unregularised) == 1
    assert years_optimum(instance, Level.unregularised, frozenset({"treasury_budget"})) == 0


def test_treasury_cost_over_years_counts_a_post_in_the_year_taken() -> None:
    plan = integrated(over_years(_instance(None, ["shortfall", "treasury_cost", "unregularised"])))
    assert plan.totals()["treasury_cost"] == pytest.approx(59999.70)  # once, not once a year
    assert years_optimum(over_years(_instance(None)), Level.treasury_cost) == 0
