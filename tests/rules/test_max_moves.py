"""Rule 8: moved people ≤ the community's max_moves."""

from staffpool.domain.instance import Community, Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import integrated, over_years, solved, stay, violations, where, years_optimum


def _instance(limit: int | None):
    insts = [inst("H", "county", 3), inst("T", "township", 0, 5, 0)]
    staff = [person(f"a{k}", "on_staff", "attending", "gp", "H", "differential", "H") for k in range(3)]
    return make(insts, staff, [req("T", "gp", "attending", 3)], {}, [Community(id="C1", name="C1", max_moves=limit)])


def test_max_moves_binds() -> None:
    r = solved(_instance(1))
    assert r.objective[Level.moves] == 1 and r.objective[Level.shortfall] == 2
    assert solved(_instance(None)).objective[Level.moves] == 3


def test_checker_catches_too_many_moves() -> None:
    instance = _instance(1)
    plan = stay(instance)
    for sid in ("a0", "a1"):
        plan[sid] = Assignment(sid, "T", "differential", "existing")
    assert violations(instance, plan, "max_moves")


# ---------------------------------------------------------------- over years


def _one_move_a_year():
    # One move a year: the two attendings of H go to T one a year.
    insts = [inst("H", "county", 2), inst("T", "township", 0, 5, 0)]
    staff = [person(f"a{k}", "on_staff", "attending", "gp", "H", "differential", "H") for k in range(2)]
    return over_years(make(insts, staff, [req("T", "gp", "attending", 2)], {"mode": "unified"},
                           [Community(id="C1", name="C1", max_moves=1)]))


def test_max_moves_over_years_holds_in_each_year() -> None:
    plan = integrated(_one_move_a_year())
    assert sorted([where(plan, "a0"), where(plan, "a1")]) == [["H", "T"], ["T", "T"]]
    assert plan.totals()["shortfall"] == 1 and plan.totals()["moves"] == 2


def test_max_moves_over_years_dropped_changes_the_optimum() -> None:
    instance = _one_move_a_year()
    assert years_optimum(instance, Level.shortfall) == 1
    assert years_optimum(instance, Level.shortfall, frozenset({"max_moves"})) == 0
