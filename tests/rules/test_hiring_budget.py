"""Rule 7: Σ salary of hired candidates ≤ the community's hiring budget."""

from staffpool.check import Assignment
from staffpool.domain import Community, Level

from ..helpers import inst, make, person, req
from .conftest import solved, stay, violations


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
