"""Rule 3: a village doctor only at village tier."""

from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import solved, stay, violations


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
