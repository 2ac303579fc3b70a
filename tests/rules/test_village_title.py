"""Rule 3: a village doctor only at village tier."""

from staffpool.domain.instance import Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import integrated, over_years, solved, stay, violations, where, years_optimum


def _instance():
    insts = [inst("V", "village", 0), inst("T", "township", 2, 3, 0)]
    staff = [person("v", "contract", "village_doctor", "gp", "V")]
    return make(insts, staff, [req("T", "*", "village_doctor", 1, 5)])


def test_village_doctor_is_not_sent_to_township_even_where_needed() -> None:
    result = solved(_instance())
    assert result.plan["v"].to_institution == "V"


def test_checker_catches_village_doctor_at_township() -> None:
    instance = _instance()
    plan = stay(instance)
    plan["v"] = Assignment("v", "T", None, None)
    assert violations(instance, plan, "village_title")


# ---------------------------------------------------------------- over years


def _village_doctor_over_years():
    # The township needs a village_doctor-ranked person every year; the only one is a village doctor.
    insts = [inst("V", "village", 0), inst("T", "township", 0, 3, 0)]
    staff = [person("v", "contract", "village_doctor", "gp", "V")]
    return over_years(make(insts, staff, [req("T", "gp", "village_doctor", 1)], {"mode": "unified"}))


def test_village_title_over_years_binds() -> None:
    plan = integrated(_village_doctor_over_years())
    assert where(plan, "v") == ["V", "V"] and plan.totals()["shortfall"] == 2


def test_village_title_over_years_dropped_changes_the_optimum() -> None:
    instance = _village_doctor_over_years()
    assert years_optimum(instance, Level.shortfall) == 2
    assert years_optimum(instance, Level.shortfall, frozenset({"village_title"})) == 0
