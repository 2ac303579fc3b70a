"""The preference level (wishes, preferences.csv): rank − 1 where listed, the number of rows
elsewhere, 0 without rows; after moves and before distance when the policy names no order."""

from staffpool.check import compute_levels, preference_counts
from staffpool.domain.instance import Community, Instance, Level, Preference
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import integrated, over_years, solved, stay


def _wish(sid: str, j: str, rank: int) -> Preference:
    return Preference(staff_id=sid, institution=j, rank=rank)


def _with(instance: Instance, *wishes: Preference) -> Instance:
    """`instance` with these preference rows, validated again (so the default order applies)."""
    return Instance(**{**{f: getattr(instance, f) for f in Instance.model_fields}, "preferences": wishes})


def _near_and_far(objective: list[str] | None = None, **extra):
    # T needs one attending. a0 works at H, 20 km away, and volunteers for T; a1 works at H2,
    # 5 km away, and asked to stay. Without wishes the shorter move (a1) wins.
    insts = [inst("H", "county", 2, 0, 0), inst("H2", "county", 2, 15, 0), inst("T", "township", 0, 20, 0)]
    staff = [person("a0", "on_staff", "attending", "gp", "H", "differential", "H"),
             person("a1", "on_staff", "attending", "gp", "H2", "differential", "H2")]
    policy: dict[str, object] = {"objective": objective} if objective else {}
    instance = make(insts, staff, [req("T", "gp", "attending", 1)], policy, **extra)
    return _with(instance, _wish("a0", "T", 1), _wish("a1", "H2", 1))


def test_wishes_come_before_kilometres() -> None:
    r = solved(_near_and_far())
    assert r.plan["a0"].to_institution == "T" and r.plan["a1"].to_institution == "H2"
    assert r.objective[Level.preference] == 0 and r.objective[Level.distance] == 20.0
    assert list(r.objective) == ["shortfall", "moves", "preference", "distance", "hiring_cost", "unregularised"]


def test_dropping_the_level_changes_the_optimum() -> None:
    r = solved(_near_and_far(["shortfall", "moves", "distance"]))
    assert r.plan["a1"].to_institution == "T" and r.objective[Level.distance] == 5.0
    assert compute_levels(r.instance, r.plan)[Level.preference] == 2  # a0 and a1 each where not listed


def test_volunteers_are_the_ones_who_move() -> None:
    # T needs three attendings, so three must move. H (10 km) has a0..a3 and an immobile c0,
    # H2 (30 km) has b0, b1. The three volunteers are a3, b0, b1: without wishes the three
    # shortest moves (from H) would go, so only the level sends the volunteers.
    insts = [inst("H", "county", 6, 0, 0), inst("H2", "county", 2, 40, 0), inst("T", "township", 0, 10, 0)]
    staff = [person(f"a{k}", "on_staff", "attending", "gp", "H", "differential", "H") for k in range(4)]
    staff += [person(f"b{k}", "on_staff", "attending", "gp", "H2", "differential", "H2") for k in range(2)]
    staff += [person("c0", "on_staff", "attending", "gp", "H", "differential", "H", mobile=False)]
    instance = make(insts, staff, [req("T", "gp", "attending", 3)])
    without = solved(instance)
    assert {s for s, a in without.plan.items() if a.to_institution == "T"} <= {"a0", "a1", "a2", "a3"}
    volunteers = {"a3", "b0", "b1"}
    r = solved(_with(instance, *(_wish(s, "T", 1) for s in sorted(volunteers))))
    assert {s for s, a in r.plan.items() if a.to_institution == "T"} == volunteers
    assert r.objective[Level.moves] == 3 and r.objective[Level.preference] == 0


def test_cost_of_an_unlisted_institution_is_the_number_of_rows() -> None:
    insts = [inst("H", "county", 2, 0, 0), inst("T", "township", 0, 5, 0), inst("U", "township", 0, 9, 0)]
    staff = [person("a", "on_staff", "attending", "gp", "H", "differential", "H")]
    instance = make(insts, staff, [req("H", "gp", "attending", 1)])
    instance = _with(instance, _wish("a", "T", 1), _wish("a", "U", 3))
    r = solved(instance)  # shortfall keeps a at H, listed nowhere: 2 rows
    assert r.plan["a"].to_institution == "H" and r.objective[Level.preference] == 2
    plan = stay(instance)
    plan["a"] = Assignment("a", "U", "differential", "existing")
    assert compute_levels(instance, plan)[Level.preference] == 2  # rank 3 − 1
    assert preference_counts(instance, plan) == {"people": 1, "first_choice": 0, "listed": 1, "unlisted": 0}


def test_a_candidate_not_hired_costs_nothing() -> None:
    # The candidate wants only T; there is no post, so they are not hired: 0.
    insts = [inst("H", "county", 0, 0, 0), inst("T", "township", 0, 5, 0)]
    staff = [person("c", "candidate", "attending", "gp")]
    instance = make(insts, staff, [req("H", "gp", "attending", 1)])
    instance = _with(instance, _wish("c", "T", 1), _wish("c", "H", 2))
    r = solved(instance)
    assert r.plan.get("c") is None or r.plan["c"].to_institution is None
    assert r.objective[Level.preference] == 0
    assert preference_counts(instance, r.plan) == {"people": 1, "first_choice": 0, "listed": 0, "unlisted": 0}


def test_a_hired_candidate_goes_where_wished() -> None:
    # Two townships need an attending; one post; the candidate wants U (second by id).
    insts = [inst("H", "county", 0, 0, 0), inst("T", "township", 1, 5, 0), inst("U", "township", 0, 9, 0)]
    staff = [person("c", "candidate", "attending", "gp")]
    instance = make(insts, staff, [req("T", "gp", "attending", 1), req("U", "gp", "attending", 1)], {"mode": "unified"})
    instance = _with(instance, _wish("c", "U", 1))
    r = solved(instance)
    assert r.plan["c"].to_institution == "U" and r.objective[Level.preference] == 0


# ---------------------------------------------------------------- over years


def test_preference_over_years_is_summed_over_the_years() -> None:
    # max_moves 1 a year: the volunteer a0 goes first; over two years the level is a1's
    # cost (1, posted at T, unlisted) in year 2 only.
    insts = [inst("H", "county", 2, 0, 0), inst("T", "township", 0, 20, 0)]
    staff = [person("a0", "on_staff", "attending", "gp", "H", "differential", "H"),
             person("a1", "on_staff", "attending", "gp", "H", "differential", "H")]
    instance = make(insts, staff, [req("T", "gp", "attending", 2)], {"mode": "unified"},
                    [Community(id="C1", name="C1", max_moves=1)])
    instance = over_years(_with(instance, _wish("a0", "T", 1), _wish("a1", "H", 1)))
    plan = integrated(instance)
    assert [y.result.plan["a0"].to_institution for y in plan.years] == ["T", "T"]
    assert [y.result.plan["a1"].to_institution for y in plan.years] == ["H", "T"]
    assert plan.totals()["preference"] == 1


def test_preference_over_years_dropped_changes_the_optimum() -> None:
    # Without the level the integrated plan may send the one who asked to stay first.
    insts = [inst("H", "county", 1, 0, 0), inst("H2", "county", 1, 15, 0), inst("T", "township", 0, 20, 0)]
    staff = [person("a0", "on_staff", "attending", "gp", "H", "differential", "H"),
             person("a1", "on_staff", "attending", "gp", "H2", "differential", "H2")]
    base = make(insts, staff, [req("T", "gp", "attending", 1)], {"mode": "unified"})
    wishes = (_wish("a0", "T", 1), _wish("a1", "H2", 1))
    with_level = integrated(over_years(_with(base, *wishes)))
    assert with_level.totals()["preference"] == 0 and with_level.totals()["distance"] == 20.0
    no_level = over_years(_with(base.with_policy(objective=["shortfall", "moves", "distance"]), *wishes))
    plan = integrated(no_level)
    assert plan.totals()["distance"] == 5.0  # a1 goes: a0 and a1 each count 1 in each year
    assert sum(compute_levels(y.result.instance, y.result.plan)[Level.preference] for y in plan.years) == 4
