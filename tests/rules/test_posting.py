"""Rule 1: everyone posted once; candidates at most once, posted ⇔ hired."""

from staffpool.domain.instance import Budget, Community, Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import integrated, over_years, solved, stay, violations, where, years_optimum


def _instance():
    insts = [inst("H", "county", 2), inst("T", "township", 1, 5, 0)]
    staff = [person("a", "on_staff", "attending", "gp", "H", "differential", "H"),
             person("c", "candidate", "resident", "gp")]
    return make(insts, staff, [req("T", "gp", "resident", 2)])


def test_holds_each_person_posted_once_candidate_hired_into_a_post() -> None:
    instance = _instance()
    result = solved(instance)
    assert set(result.plan) == {"a", "c"}
    c = result.plan["c"]
    assert c.to_institution == "T" and c.post_source == "hired" and c.post_funding in ("full", "differential")
    assert result.objective[Level.shortfall] == 0


def test_checker_catches_unposted_member_and_candidate_without_post() -> None:
    instance = _instance()
    plan = stay(instance)
    plan["a"] = Assignment("a", None)
    plan["c"] = Assignment("c", "T", None, None)
    found = violations(instance, plan, "posting")
    assert any("exactly one institution" in m for m in found)
    assert any("hired into a post" in m for m in found)


# ---------------------------------------------------------------- over years


def test_posting_over_years_keeps_a_hire_posted() -> None:
    # The one hire the budget allows is made in 2027 (none in 2028) and is still posted at T
    # in 2028: a path per member, year to year.
    instance = over_years(make([inst("T", "township", 1)], [person("c", "candidate", "resident")],
                               [req("T", "gp", "resident", 1)], {"mode": "unified"},
                               [Community(id="C1", name="C1", hiring_budget=150000)]),
                          budgets=(Budget(community="C1", year=2028, hiring_budget=0),))
    plan = integrated(instance)
    assert where(plan, "c") == ["T", "T"] and plan.totals()["shortfall"] == 0
    assert [y.result.plan["c"].post_source for y in plan.years] == ["hired", "existing"]


def test_posting_over_years_dropped_changes_the_optimum() -> None:
    # Two contract residents and no post free: each is unregularised in each year (4). Without
    # the flow rows nobody need be anywhere.
    staff = [person(f"k{n}", "contract", "resident", "gp", "T") for n in range(2)]
    instance = over_years(make([inst("T", "township", 0)], staff, [], {"mode": "unified"}))
    assert years_optimum(instance, Level.unregularised) == 4
    assert years_optimum(instance, Level.unregularised, frozenset({"posting"})) == 0
