"""Vacancy limits in every mode: new posts taken never exceed vacancies."""

from staffpool.check import Assignment
from staffpool.domain import Level

from ..helpers import inst, make, person
from .conftest import solved, stay, violations


def _instance():
    insts = [inst("H", "county", 2), inst("T", "township", 2, 5, 0)]
    staff = [person("o1", "on_staff", "resident", "gp", "H", "differential", "H"),
             person("o2", "on_staff", "resident", "gp", "T", "full", "T"),
             person("c1", "contract", "resident", "gp", "H"),
             person("c2", "contract", "resident", "gp", "H"),
             person("c3", "contract", "resident", "gp", "T")]
    return make(insts, staff, [])


def test_each_mode_regularises_up_to_its_vacancies() -> None:
    # separate: H has 1 vacancy, T has 1 → 2 regularised; county_pool: differential 1 + full 1 → 2;
    # unified: 4 − 2 = 2 → 2. Three contract staff, so one stays unregularised in each mode.
    for mode in ("separate", "county_pool", "unified"):
        r = solved(_instance(), mode)
        assert r.objective[Level.unregularised] == 1, mode


def test_county_pool_uses_the_pool_across_institutions() -> None:
    instance = _instance().with_policy(township_used_at_county=True)
    # full vacancy of T may now regularise someone at H (full post used at county)
    r = solved(instance, "county_pool")
    assert r.objective[Level.unregularised] == 1
    assert sum(1 for a in r.plan.values() if a.post_source == "regularised") == 2


def test_checker_catches_too_many_regularisations() -> None:
    instance = _instance()
    plan = stay(instance)
    for sid in ("c1", "c2"):
        plan[sid] = Assignment(sid, "H", "differential", "regularised")
    assert violations(instance, plan, "vacancy", "county_pool")
    assert violations(instance, plan, "vacancy", "separate")
