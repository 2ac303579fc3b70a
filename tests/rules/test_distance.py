"""Rule 4: a move is at most max_distance_km (distances in whole metres)."""

from staffpool.check import Assignment
from staffpool.domain import Level

from ..helpers import inst, make, person, req
from .conftest import solved, stay, violations


def _instance(limit: float | None):
    # 3-4-5 triangle: exactly 5.000 km
    insts = [inst("H", "county", 1, 0, 0), inst("T", "township", 0, 3, 4)]
    staff = [person("a", "on_staff", "attending", "gp", "H", "differential", "H")]
    return make(insts, staff, [req("T", "gp", "attending", 1)], {"max_distance_km": limit})


def test_a_move_at_exactly_the_limit_is_allowed_and_just_over_is_not() -> None:
    assert solved(_instance(5)).objective[Level.distance] == 5.0
    r = solved(_instance(4.999))
    assert r.plan["a"].to_institution == "H" and r.objective[Level.shortfall] == 1


def test_checker_catches_a_move_over_the_limit() -> None:
    instance = _instance(4)
    plan = stay(instance)
    plan["a"] = Assignment("a", "T", "differential", "existing")
    assert any("over the 4 km limit" in m for m in violations(instance, plan, "distance"))
