"""Rule 6: staff posted at an institution ≤ capacity."""

from staffpool.domain.instance import Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import solved, stay, violations


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
