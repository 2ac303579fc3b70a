"""Rule 2: same community only; immobile staff (and everyone in separate mode) stay."""

from staffpool.domain.instance import Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import solved, stay, violations


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
