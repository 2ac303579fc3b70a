"""Grassroots service: a targeted graduate, once hired, serves at township or village tier."""

from __future__ import annotations

from staffpool.domain.instance import Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import integrated, over_years, solved, stay, violations, where, years_optimum


def _instance(owed: int):
    insts = [inst("H", "county", 2), inst("T", "township", 1, 8, 0)]
    grad = person("g", "candidate", "resident", "gp").model_copy(update={"grassroots_years": owed})
    # The county needs a resident more (weight 2) than the township (weight 1).
    return make(insts, [grad], [req("H", "gp", "resident", 1, 2), req("T", "gp", "resident", 1, 1)])


def test_graduate_goes_below_county() -> None:
    free = solved(_instance(0))
    assert free.plan["g"].to_institution == "H" and free.levels[Level.shortfall] == 1
    bound = solved(_instance(6))
    assert bound.plan["g"].to_institution == "T" and bound.levels[Level.shortfall] == 2


def test_checker_catches_a_graduate_at_county() -> None:
    instance = _instance(6)
    plan = stay(instance)
    plan["g"] = Assignment("g", "H", "differential", "hired")
    assert any("grassroots service" in m for m in violations(instance, plan, "grassroots"))


# ---------------------------------------------------------------- over years


def test_grassroots_over_years_binds_while_owed() -> None:
    # One year owed: hired in 2027 at the township, at the county hospital (weight 2) in 2028.
    plan = integrated(over_years(_instance(1)))
    assert where(plan, "g") == ["T", "H"] and plan.totals()["shortfall"] == 2 + 1


def test_grassroots_over_years_dropped_changes_the_optimum() -> None:
    instance = over_years(_instance(1))
    assert years_optimum(instance, Level.shortfall) == 3
    assert years_optimum(instance, Level.shortfall, frozenset({"grassroots"})) == 2  # at H both years
