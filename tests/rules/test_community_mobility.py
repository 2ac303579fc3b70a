"""Rule 2: same community only; immobile staff (and everyone in separate mode) stay."""

from staffpool.domain.instance import Budget, Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import in_year, integrated, over_years, solved, stay, violations, where, years_optimum


def _instance(mobile: bool):
    insts = [inst("H", "county", 1), inst("T", "township", 0, 5, 0), inst("X", "township", 0, 1, 0, community="C2")]
    staff = [person("a", "on_staff", "attending", "gp", "H", "differential", "H", mobile=mobile)]
    return make(insts, staff, [req("T", "gp", "attending", 1), req("X", "gp", "attending", 1, 5)])


def test_mobile_moves_within_community_only() -> None:
    result = solved(_instance(True))
    assert result.plan["a"].to_institution == "T"  # X is nearer and weighs more, but another community


def test_immobile_stays_and_separate_mode_moves_nobody() -> None:
    assert solved(_instance(False)).plan["a"].to_institution == "H"
    r = solved(_instance(True), mode="separate")
    assert r.plan["a"].to_institution == "H" and r.objective[Level.moves] == 0


def test_checker_catches_cross_community_and_immobile_moves() -> None:
    instance = _instance(False)
    plan = stay(instance)
    plan["a"] = Assignment("a", "X", "differential", "existing")
    found = violations(instance, plan, "community_mobility")
    assert any("community C2" in m for m in found) and any("mobile: false" in m for m in found)
    plan["a"] = Assignment("a", "T", "differential", "existing")
    assert any("separate" in m for m in violations(_instance(True), plan, "community_mobility", "separate"))


# ---------------------------------------------------------------- over years


def _hire_then_need_elsewhere(mobile: bool):
    # The one hire (none in 2028) serves T in 2027; H needs a resident in 2028.
    staff = [person("c", "candidate", "resident", mobile=mobile)]
    reqs = [in_year(req("T", "gp", "resident", 1), 2027), in_year(req("H", "gp", "resident", 1), 2028)]
    return over_years(make([inst("H", "county", 1), inst("T", "township", 1, 5, 0)], staff, reqs, {"mode": "unified"}),
                      budgets=(Budget(community="C1", year=2028, hiring_budget=0),))


def test_mobility_over_years_keeps_an_immobile_hire_where_hired() -> None:
    assert where(integrated(_hire_then_need_elsewhere(True)), "c") == ["T", "H"]
    plan = integrated(_hire_then_need_elsewhere(False))
    assert where(plan, "c") == ["T", "T"] and plan.totals()["shortfall"] == 1


def test_mobility_over_years_dropped_changes_the_optimum() -> None:
    instance = _hire_then_need_elsewhere(False)
    assert years_optimum(instance, Level.shortfall) == 1
    assert years_optimum(instance, Level.shortfall, frozenset({"community_mobility"})) == 0
