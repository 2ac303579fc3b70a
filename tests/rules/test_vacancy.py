"""Vacancy limits in every mode: new posts taken never exceed vacancies."""

from staffpool.domain.instance import Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person
from .conftest import integrated, leaving, over_years, solved, stay, violations, years_optimum


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
    # Two immobile contract staff at H; one differential and one full vacancy. A full post may
    # serve at county tier only with township_used_at_county: the switch decides the plan.
    insts = [inst("H", "county", 2), inst("T", "township", 2, 5, 0)]
    staff = [person("o1", "on_staff", "resident", "gp", "H", "differential", "H"),
             person("o2", "on_staff", "resident", "gp", "T", "full", "T"),
             person("c1", "contract", "resident", "gp", "H", mobile=False),
             person("c2", "contract", "resident", "gp", "H", mobile=False)]
    instance = make(insts, staff, [])
    off = solved(instance, "county_pool")
    assert off.objective[Level.unregularised] == 1
    assert [a.post_funding for a in off.plan.values() if a.post_source == "regularised"] == ["differential"]
    on = solved(instance.with_policy(township_used_at_county=True), "county_pool")
    assert on.objective[Level.unregularised] == 0
    assert sorted(a.post_funding for a in on.plan.values() if a.post_source == "regularised") == ["differential", "full"]
    assert all(on.plan[c].to_institution == "H" for c in ("c1", "c2"))


def test_checker_catches_too_many_regularisations() -> None:
    instance = _instance()
    plan = stay(instance)
    for sid in ("c1", "c2"):
        plan[sid] = Assignment(sid, "H", "differential", "regularised")
    assert violations(instance, plan, "vacancy", "county_pool")
    assert violations(instance, plan, "vacancy", "separate")


# ---------------------------------------------------------------- over years


def _a_post_freed_in_2028():
    # T's one post is held until its holder leaves at the end of 2027: of two contract
    # residents one can be regularised in 2028, none in 2027.
    staff = [leaving(person("old", "on_staff", "resident", "gp", "T", "full", "T"), 2028),
             person("k0", "contract", "resident", "gp", "T"), person("k1", "contract", "resident", "gp", "T")]
    return over_years(make([inst("T", "township", 1)], staff, [], {"mode": "separate"}))


def test_vacancy_over_years_counts_the_room_of_each_year() -> None:
    plan = integrated(_a_post_freed_in_2028())
    sources = [[y.result.plan[k].post_source for k in ("k0", "k1")] for y in plan.years]
    assert sources[0] == [None, None] and sorted(map(str, sources[1])) == ["None", "regularised"]
    assert plan.totals()["unregularised"] == 3


def test_vacancy_over_years_dropped_changes_the_optimum() -> None:
    instance = _a_post_freed_in_2028()
    assert years_optimum(instance, Level.unregularised) == 3
    assert years_optimum(instance, Level.unregularised, frozenset({"vacancy"})) == 0
