"""Post-use rules (county_pool): which tiers a post of each funding may serve."""

import pytest

from staffpool.domain.instance import Budget, Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import in_year, integrated, over_years, solved, stay, violations, where, years_optimum


def _instance(**switches: bool):
    insts = [inst("H", "county", 1), inst("T", "township", 1, 5, 0), inst("V", "village", 0, 6, 0)]
    staff = [person("d", "on_staff", "attending", "gp", "H", "differential", "H"),
             person("f", "on_staff", "attending", "gp", "T", "full", "T")]
    reqs = [req("V", "gp", "attending", 1, 3), req("H", "gp", "attending", 2, 2)]
    return make(insts, staff, reqs, {"mode": "county_pool", **switches})


def test_defaults_full_post_serves_the_village_differential_may_not() -> None:
    r = solved(_instance())
    assert r.plan["f"].to_institution == "V" and r.plan["d"].to_institution == "H"


@pytest.mark.parametrize("switch", ["county_managed_village_used"])
def test_switch_lets_the_differential_post_serve_the_village(switch: str) -> None:
    r = solved(_instance(**{switch: True, "township_recruited_village_used": False}))
    assert r.plan["d"].to_institution == "V"


def test_township_used_at_county_lets_a_full_post_serve_at_county() -> None:
    r = solved(_instance(township_used_at_county=True, township_recruited_village_used=False))
    assert r.plan["f"].to_institution == "H"


def test_unified_mode_ignores_post_use_rules() -> None:
    r = solved(_instance(township_recruited_village_used=False), mode="unified")
    assert "V" in {r.plan["d"].to_institution, r.plan["f"].to_institution}


def test_checker_catches_a_differential_post_at_a_village() -> None:
    instance = _instance()
    plan = stay(instance)
    plan["d"] = Assignment("d", "V", "differential", "existing")
    assert any("post-use" in m for m in violations(instance, plan, "post_use"))


# ---------------------------------------------------------------- over years


def _full_post_then_county():
    # county_pool: the only post free is the township's (`full`). The one hire (none in 2028)
    # serves T in 2027 and keeps that post; H (county) needs a resident in 2028, where a
    # `full` post may not be used.
    staff = [person("c", "candidate", "resident")]
    reqs = [in_year(req("T", "gp", "resident", 1), 2027), in_year(req("H", "gp", "resident", 1), 2028)]
    return over_years(make([inst("H", "county", 0), inst("T", "township", 1, 5, 0)], staff, reqs, {"mode": "county_pool"}),
                      budgets=(Budget(community="C1", year=2028, hiring_budget=0),))


def test_post_use_over_years_follows_the_post_taken() -> None:
    plan = integrated(_full_post_then_county())
    assert where(plan, "c") == ["T", "T"] and plan.years[0].result.plan["c"].post_funding == "full"
    assert plan.totals()["shortfall"] == 1


def test_post_use_over_years_dropped_changes_the_optimum() -> None:
    instance = _full_post_then_county()
    assert years_optimum(instance, Level.shortfall) == 1
    assert years_optimum(instance, Level.shortfall, frozenset({"post_use"})) == 0
