"""Pins: a pinned person is posted where the pin says (or not where it forbids), in its year."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.naive import solve_naive
from staffpool import solve
from staffpool.check import check_plan
from staffpool.constants import Status
from staffpool.domain.instance import Horizon, Instance, Level, Pin
from staffpool.domain.plan import Assignment
from staffpool.model.build import build_community
from staffpool.tools.explain import explain_infeasible

from ..helpers import brute_force, inst, make, person, req
from ..test_solve import tiny_instances
from .conftest import integrated, over_years, solved, stay, violations, where, years_optimum


def _instance(*pins: Pin, start: int | None = None) -> Instance:
    # Two attendings at the county hospital; the township needs one. Without pins a0 (lowest id) goes.
    insts = [inst("H", "county", 2), inst("T", "township", 1, 5, 0), inst("U", "township", 1, 9, 0)]
    staff = [person(f"a{k}", "on_staff", "attending", "gp", "H", "differential", "H") for k in range(2)]
    staff.append(person("c", "candidate", "resident", "gp"))
    i = make(insts, staff, [req("T", "gp", "attending", 1)])
    return i.model_copy(update={"pins": pins, "horizon": Horizon(start=start)})


def test_at_pin_binds() -> None:
    r = solved(_instance(Pin(staff_id="a0", at="U")))
    assert r.plan["a0"].to_institution == "U" and r.plan["a1"].to_institution == "T"
    assert r.levels[Level.moves] == 2 and r.levels[Level.shortfall] == 0


def test_stay_pin_costs_shortfall() -> None:
    r = solved(_instance(Pin(staff_id="a0", stay=True), Pin(staff_id="a1", stay=True)))
    assert r.levels[Level.shortfall] == 1 and r.levels[Level.moves] == 0


def test_not_at_pin_binds() -> None:
    r = solved(_instance(Pin(staff_id="a0", not_at="T")))
    assert r.plan["a0"].to_institution != "T" and r.plan["a1"].to_institution == "T"


def test_candidate_at_pin_is_hired() -> None:
    r = solved(_instance(Pin(staff_id="c", at="U")))
    assert r.plan["c"].to_institution == "U" and r.plan["c"].post_source == "hired"


def test_pin_of_another_year_does_not_apply() -> None:
    r = solved(_instance(Pin(staff_id="a0", year=2028, stay=True), Pin(staff_id="a1", year=2028, stay=True), start=2027))
    assert r.levels[Level.shortfall] == 0
    r = solved(_instance(Pin(staff_id="a0", year=2027, stay=True), Pin(staff_id="a1", stay=True), start=2027))
    assert r.levels[Level.shortfall] == 1


def test_pinned_people_get_cohorts_of_their_own() -> None:
    cm = build_community(_instance(Pin(staff_id="a1", not_at="T")), "C1", None)
    members = sorted(c.members for c in cm.cohorts if c.status.value == "on_staff")
    assert members == [("a0",), ("a1",)]


def test_checker_catches_broken_pins() -> None:
    instance = _instance(Pin(staff_id="a0", at="U"), Pin(staff_id="a1", not_at="H"), Pin(staff_id="c", at="T"))
    plan = stay(instance)
    found = violations(instance, plan, "pins")
    assert any("a0" in m or "pinned at U" in m for m in found)
    assert any("pinned not at H" in m for m in found)
    assert any("pinned at T, but not posted" in m for m in found)
    plan["a0"] = Assignment("a0", "U", "differential", "existing")
    plan["a1"] = Assignment("a1", "T", "differential", "existing")
    plan["c"] = Assignment("c", "T", "full", "hired")
    assert violations(instance, plan, "pins") == []


def test_explain_names_the_pin() -> None:
    # A village doctor pinned at the township: the pin or the village-title rule must give;
    # a pin is one rule like any other, and it is named.
    insts = [inst("T", "township", 1), inst("V", "village", 0, 3, 0)]
    i = make(insts, [person("v", "contract", "village_doctor", at="V")], [req("V", "*", "village_doctor", 1)])
    i = i.model_copy(update={"pins": (Pin(staff_id="v", at="T"),)})
    assert solve(i).status == Status.infeasible
    best, alts = explain_infeasible(i, "C1", i.policy.mode)
    named = {(r.rule, r.where) for r in best} | {(r.rule, r.where) for alt in alts for r in alt}
    assert ("pins", "v") in named
    assert any("pin of v (at T)" in r.message for r in [*best, *(r for a in alts for r in a)])


def test_explain_names_a_candidate_pin_without_vacancy() -> None:
    i = make([inst("T", "township", 0)], [person("c", "candidate", "resident")])
    i = i.model_copy(update={"pins": (Pin(staff_id="c", at="T"),)})
    assert solve(i).status == Status.infeasible
    best, _ = explain_infeasible(i, "C1", i.policy.mode)
    assert [(r.rule, r.where) for r in best] == [("pins", "c")]


@st.composite
def pinned_instances(draw: st.DrawFn) -> Instance:
    base = draw(tiny_instances())
    assert isinstance(base, Instance)
    pins = []
    for s in base.staff:
        kind = draw(st.sampled_from([None, None, "at", "stay", "not_at"]))
        if kind is None or (kind == "stay" and s.status.value == "candidate"):
            continue
        j = draw(st.sampled_from(base.institutions)).id
        pins.append(Pin(staff_id=s.id, at=j if kind == "at" else None, stay=kind == "stay",
                        not_at=j if kind == "not_at" else None))
    return base.model_copy(update={"pins": tuple(pins)})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pinned_instances())
def test_pinned_levels_equal_brute_force_and_naive(instance: Instance) -> None:
    expected = brute_force(instance)
    result = solve(instance)
    naive = solve_naive(instance)
    if expected is None:
        assert result.status == Status.infeasible and naive.status == "infeasible"
        return
    assert result.status == Status.optimal, result.reasons
    assert check_plan(instance, result.plan).ok
    got = tuple(result.levels[lvl] for lvl in instance.policy.objective)
    assert got == pytest.approx(expected, abs=1e-6)
    assert tuple(naive.levels[lvl] for lvl in instance.policy.objective) == pytest.approx(expected, abs=1e-6)


# ---------------------------------------------------------------- over years


def _pinned_over_years() -> Instance:
    # a1 stays in 2027; a0 is at U in 2028; the candidate is hired at T by 2028.
    return over_years(_instance(Pin(staff_id="a1", year=2027, stay=True), Pin(staff_id="a0", year=2028, at="U"),
                                Pin(staff_id="c", year=2028, at="T")))


def test_pins_over_years_hold_in_their_year() -> None:
    plan = integrated(_pinned_over_years())
    assert where(plan, "a0") == ["T", "U"] and where(plan, "a1") == ["H", "T"]
    assert where(plan, "c")[1] == "T" and plan.totals()["shortfall"] == 0


def test_pins_over_years_dropped_changes_the_optimum() -> None:
    instance = _pinned_over_years()
    assert years_optimum(instance, Level.moves) == 1  # a0 to U by 2028
    assert years_optimum(instance, Level.hiring_cost) == 150000  # c hired (there, by 2028)
    assert years_optimum(instance, Level.moves, frozenset({"pins"})) == 0
    assert years_optimum(instance, Level.hiring_cost, frozenset({"pins"})) == 0
