"""Rule 1: everyone posted once; candidates at most once, posted ⇔ hired."""

from staffpool.domain.instance import Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import solved, stay, violations


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
