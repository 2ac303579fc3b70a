"""Rule 6: staff posted at an institution ≤ capacity."""

from staffpool.domain.instance import Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import integrated, leaving, over_years, solved, stay, violations, where, years_optimum


def _instance(cap: int):
    insts = [inst("H", "county", 3), inst("T", "township", 0, 5, 0, cap=cap)]
    staff = [person(f"a{k}", "on_staff", "attending", "gp", "H", "differential", "H") for k in range(3)]
    return make(insts, staff, [req("T", "gp", "attending", 3)])


def test_capacity_caps_the_moves() -> None:
    r = solved(_instance(2))
    assert r.objective[Level.shortfall] == 1 and r.objective[Level.moves] == 2


def test_checker_catches_over_capacity() -> None:
    instance = _instance(1)
    plan = stay(instance)
    for sid in ("a0", "a1"):
        plan[sid] = Assignment(sid, "T", "differential", "existing")
    assert any("capacity 1" in m for m in violations(instance, plan, "capacity"))


# ---------------------------------------------------------------- over years


def _full_until_2028():
    # T holds one person: its own attending until the end of 2027, then one from H.
    insts = [inst("H", "county", 2), inst("T", "township", 1, 5, 0, cap=1)]
    staff = [leaving(person("t", "on_staff", "attending", "gp", "T", "full", "T"), 2028)]
    staff += [person(f"a{k}", "on_staff", "attending", "gp", "H", "differential", "H") for k in range(2)]
    return over_years(make(insts, staff, [req("T", "gp", "attending", 2)], {"mode": "unified"}))


def test_capacity_over_years_holds_in_each_year() -> None:
    plan = integrated(_full_until_2028())
    assert sorted([where(plan, "a0"), where(plan, "a1")]) == [["H", "H"], ["H", "T"]]
    assert plan.totals()["shortfall"] == 2


def test_capacity_over_years_dropped_changes_the_optimum() -> None:
    instance = _full_until_2028()
    assert years_optimum(instance, Level.shortfall) == 2
    assert years_optimum(instance, Level.shortfall, frozenset({"capacity"})) == 0
