"""Rule 8: moved people ≤ the community's max_moves."""

from staffpool.domain.instance import Community, Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import solved, stay, violations


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
