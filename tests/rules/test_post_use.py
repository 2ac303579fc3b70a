"""Post-use rules (county_pool): which tiers a post of each funding may serve."""

import pytest

from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import solved, stay, violations


def _instance(**switches: bool):
    insts = [inst("H", "county", 1), inst("T", "township", 1, 5, 0), inst("V", "village", 0, 6, 0)]
    staff = [person("d", "on_staff", "attending", "gp", "H", "differential", "H"),
             person("f", "on_staff", "attending", "gp", "T", "full", "T")]
    reqs = [req("V", "gp", "attending", 1, 3), req("H", "gp", "attending", 2, 2)]
    return make(insts, staff, reqs, {"mode": "county_pool", **switches})


def test_defaults_full_post_serves_the_village_differential_may_not() -> None:
    r = solved(_instance())
    assert r.plan["f"].to_institution == "V" and r.plan["d"].to_institution == "H"


@pytest.mark.parametrize("switch", ["county_managed_village_used"])
def test_switch_lets_the_differential_post_serve_the_village(switch: str) -> None:
    r = solved(_instance(**{switch: True, "township_recruited_village_used": False}))
    assert r.plan["d"].to_institution == "V"


def test_township_used_at_county_lets_a_full_post_serve_at_county() -> None:
    r = solved(_instance(township_used_at_county=True, township_recruited_village_used=False))
    assert r.plan["f"].to_institution == "H"


def test_unified_mode_ignores_post_use_rules() -> None:
    r = solved(_instance(township_recruited_village_used=False), mode="unified")
    assert "V" in {r.plan["d"].to_institution, r.plan["f"].to_institution}


def test_checker_catches_a_differential_post_at_a_village() -> None:
    instance = _instance()
    plan = stay(instance)
    plan["d"] = Assignment("d", "V", "differential", "existing")
    assert any("post-use" in m for m in violations(instance, plan, "post_use"))
