"""The preference level against a brute force, in each mode, with pins and money.

The brute force below enumerates every assignment of a small instance and judges it with
its own reading of the rules (model.md, and the wishes: rank − 1 where listed, the number
of one's rows elsewhere, 0 without rows or not posted); it imports nothing of staffpool
but the domain's data classes. The solver's levels must equal it, and the checker's must
equal the solver's (the solve raises otherwise; checked here again).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffpool import solve
from staffpool.check import check_plan, preference_counts
from staffpool.constants import Status
from staffpool.domain.instance import Community, Instance, Level, Pin, Preference
from staffpool.inputs.validate import load_instance

from .helpers import inst, make, person, req

_RANK = {"village_doctor": 0, "resident": 1, "attending": 2, "deputy_chief": 3, "chief": 4}
# The default post-use table (county_pool): (post funding, tier) -> allowed.
_USE = {("differential", "county"): True, ("differential", "township"): True, ("differential", "village"): False,
        ("full", "county"): False, ("full", "township"): True, ("full", "village"): True}
ORDER = ("shortfall", "moves", "preference", "distance", "hiring_cost", "unregularised")


def _m(a, b) -> int:
    return math.floor(round(math.hypot(a.x_km - b.x_km, a.y_km - b.y_km) * 1000.0, 6) + 0.5)


def _choices(instance: Instance, mode: str, s) -> list[tuple[str | None, str | None, str | None]]:
    """(institution, post taken: pool or None, source) for one person, within their pins."""
    limit = instance.policy.max_distance_km
    home = {i.id: i for i in instance.institutions}
    pins = [p for p in instance.pins if p.staff_id == s.id]
    pinned_at = {p.at for p in pins if p.at is not None}
    out: list[tuple[str | None, str | None, str | None]] = (
        [(None, None, None)] if s.status.value == "candidate" and not pinned_at else [])
    for j in instance.institutions:
        if (pinned_at and j.id not in pinned_at) or any(p.not_at == j.id for p in pins):
            continue
        if s.title.value == "village_doctor" and j.tier.value != "village":
            continue
        if s.status.value != "candidate" and j.id != s.posted_at:
            if mode == "separate" or not s.mobile:
                continue
            if limit is not None and _m(home[s.posted_at], j) > limit * 1000 + 1e-6:
                continue
        if s.status.value == "on_staff":
            if mode != "county_pool" or _USE[(s.post_funding.value, j.tier.value)]:
                out.append((j.id, None, "existing"))
            continue
        if s.status.value == "contract":
            out.append((j.id, None, None))
        src = "hired" if s.status.value == "candidate" else "regularised"
        if mode == "separate":
            if j.funding.value != "none":
                out.append((j.id, j.id, src))
        elif mode == "county_pool":
            out += [(j.id, f, src) for f in ("full", "differential") if _USE[(f, j.tier.value)]]
        else:
            out.append((j.id, "all", src))
    return out


def _vacancies(instance: Instance, mode: str) -> dict[str, int]:
    on = [s for s in instance.staff if s.status.value == "on_staff"]
    if mode == "separate":
        return {i.id: max(0, i.approved_posts - sum(s.quota_holder == i.id for s in on)) for i in instance.institutions}
    if mode == "county_pool":
        return {f: max(0, sum(i.approved_posts for i in instance.institutions if i.funding.value == f)
                       - sum(s.post_funding.value == f for s in on)) for f in ("full", "differential")}
    return {"all": max(0, sum(i.approved_posts for i in instance.institutions) - len(on))}


def _levels(instance: Instance, where: dict[str, tuple[str | None, str | None, str | None]]) -> dict[str, float]:
    home = {i.id: i for i in instance.institutions}
    wishes: dict[str, dict[str, int]] = {}
    for p in instance.preferences:
        wishes.setdefault(p.staff_id, {})[p.institution] = p.rank
    moved = [s for s in instance.staff if s.status.value != "candidate" and where[s.id][0] != s.posted_at]
    short = 0.0
    for r in instance.requirements:
        have = sum(1 for s in instance.staff if where[s.id][0] == r.institution
                   and r.specialty in ("*", s.specialty) and _RANK[s.title.value] >= _RANK[r.min_title.value])
        short += r.weight * max(0, r.need - have)
    wish = 0
    for sid, rows in wishes.items():
        to = where[sid][0]
        if to is not None:
            wish += rows[to] - 1 if to in rows else len(rows)
    return {
        "shortfall": short,
        "moves": float(len(moved)),
        "preference": float(wish),
        "distance": sum(_m(home[s.posted_at], home[where[s.id][0]]) for s in moved) / 1000,
        "hiring_cost": float(sum(instance.policy.salary[s.title] for s in instance.staff
                                 if s.status.value == "candidate" and where[s.id][0] is not None)),
        "unregularised": float(sum(1 for s in instance.staff if s.status.value == "contract"
                                   and where[s.id][2] != "regularised")),
    }


_SHARE = {"full": 1.0, "differential": 0.3, "all": 0.6}  # the default treasury shares; "all": unified


def _treasury(instance: Instance, mode: str, combo) -> float:
    """Σ salary × share of the post taken, over people regularised or hired (default
    salaries and shares: whole yuan, no rounding needed)."""
    home = {i.id: i for i in instance.institutions}
    total = 0.0
    for s, (j, pool, _src) in combo:
        if pool is not None:
            funding = home[j].funding.value if mode == "separate" else pool
            total += instance.policy.salary[s.title] * _SHARE[funding]
    return total


def brute(instance: Instance, mode: str) -> tuple[float, ...] | None:
    """The lexicographic optimum of ORDER over every assignment (None: none is feasible)."""
    vac = _vacancies(instance, mode)
    comm = instance.communities[0]
    max_moves = comm.max_moves
    best: tuple[float, ...] | None = None
    people = list(instance.staff)
    for combo in itertools.product(*(_choices(instance, mode, s) for s in people)):
        where = {s.id: c for s, c in zip(people, combo, strict=True)}
        taken = Counter(c[1] for c in combo if c[1] is not None)
        if any(n > vac.get(pool, 0) for pool, n in taken.items()):
            continue
        posted = Counter(c[0] for c in combo if c[0] is not None)
        if any(i.capacity is not None and posted[i.id] > i.capacity for i in instance.institutions):
            continue
        lv = _levels(instance, where)
        if max_moves is not None and lv["moves"] > max_moves:
            continue
        if comm.hiring_budget is not None and lv["hiring_cost"] > comm.hiring_budget:
            continue
        if comm.treasury_budget is not None and _treasury(instance, mode, zip(people, combo, strict=True)) > comm.treasury_budget:
            continue
        key = tuple(lv[k] for k in ORDER)
        if best is None or key < best:  # exact: every level here is a whole number (km: metres / 1000)
            best = key
    return best


@st.composite
def wished_instances(draw: st.DrawFn) -> Instance:
    """Up to four institutions and five people, some with wishes."""
    tiers = ["county", *draw(st.lists(st.sampled_from(["township", "village"]), min_size=1, max_size=3))]
    insts = []
    for k, tier in enumerate(tiers):
        posts = 0 if tier == "village" else draw(st.integers(0, 2))
        insts.append(inst(f"I{k}", tier, posts, x=draw(st.integers(0, 30)), y=draw(st.integers(0, 30)),
                          cap=draw(st.one_of(st.none(), st.integers(1, 4)))))
    funded = [i for i in insts if i.funding.value != "none"]
    staff = []
    for k in range(draw(st.integers(1, 5))):
        status = draw(st.sampled_from(["on_staff", "on_staff", "contract", "candidate"]))
        title = draw(st.sampled_from(["resident", "attending", "chief"]))
        spec = draw(st.sampled_from(["gp", "surgery"]))
        if status == "candidate":
            staff.append(person(f"s{k}", "candidate", title, spec))
            continue
        at = draw(st.sampled_from(insts))
        if status == "on_staff":
            holder = draw(st.sampled_from(funded))
            staff.append(person(f"s{k}", "on_staff", title, spec, at.id, holder.funding.value, holder.id,
                                draw(st.booleans())))
        else:
            staff.append(person(f"s{k}", "contract", title, spec, at.id, mobile=draw(st.booleans())))
    reqs = [req(draw(st.sampled_from(insts)).id, draw(st.sampled_from(["gp", "*"])),
                draw(st.sampled_from(["resident", "attending"])), draw(st.integers(0, 2)))
            for _ in range(draw(st.integers(0, 3)))]
    wishes = []
    for s in staff:
        if draw(st.booleans()):
            listed = draw(st.lists(st.sampled_from([i.id for i in insts]), min_size=1, max_size=3, unique=True))
            ranks = draw(st.permutations(range(1, len(listed) + 2)))  # distinct, gaps allowed
            wishes += [Preference(staff_id=s.id, institution=j, rank=r) for j, r in zip(listed, ranks, strict=False)]
    comm = Community(id="C1", name="C1", max_moves=draw(st.sampled_from([None, 0, 1, 2])),
                     hiring_budget=draw(st.sampled_from([None, None, 0, 150000, 350000])),
                     treasury_budget=draw(st.sampled_from([None, None, 0, 60000, 200000])))
    policy = {"max_distance_km": draw(st.sampled_from([None, 15, 30]))}
    pins = []
    if draw(st.booleans()):  # one decision already taken
        s = draw(st.sampled_from(staff))
        j = draw(st.sampled_from(insts)).id
        pins.append(Pin(staff_id=s.id, at=j) if draw(st.booleans()) else Pin(staff_id=s.id, not_at=j))
    base = make(insts, staff, reqs, policy, [comm])
    return Instance(**{**{f: getattr(base, f) for f in Instance.model_fields}, "preferences": tuple(wishes),
                       "pins": tuple(pins)})


@pytest.mark.parametrize("mode", ["separate", "county_pool", "unified"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=wished_instances())
def test_preference_level_equals_brute_force(mode: str, instance: Instance) -> None:
    if instance.preferences:
        assert tuple(lvl.value for lvl in instance.policy.objective) == ORDER
    instance = instance.with_policy(objective=list(ORDER))
    expected = brute(instance, mode)
    result = solve(instance, mode=mode)
    if expected is None:
        assert result.status == Status.infeasible
        return
    assert result.status == Status.optimal, result.reasons
    got = tuple(result.objective[lvl] for lvl in ORDER)
    assert got == pytest.approx(expected, abs=1e-9)
    report = check_plan(instance, result.plan, result.mode)
    assert report.ok
    assert {lvl: report.levels[Level(lvl)] for lvl in ORDER} == pytest.approx(dict(zip(ORDER, expected, strict=True)))
    counts = preference_counts(instance, result.plan)
    assert counts["people"] == len({p.staff_id for p in instance.preferences})
    posted = sum(1 for sid in {p.staff_id for p in instance.preferences}
                 if (a := result.plan.get(sid)) is not None and a.to_institution is not None)
    assert counts["listed"] + counts["unlisted"] == posted


def test_brute_force_sees_the_wishes() -> None:
    # A hand case: two attendings at I0, one must go to I1; s1 volunteers.
    insts = [inst("I0", "county", 2, 0, 0), inst("I1", "township", 0, 5, 0)]
    staff = [person(f"s{k}", "on_staff", "attending", "gp", "I0", "differential", "I0") for k in range(2)]
    base = make(insts, staff, [req("I1", "gp", "attending", 1)])
    wished = Instance(**{**{f: getattr(base, f) for f in Instance.model_fields},
                         "preferences": (Preference(staff_id="s1", institution="I1", rank=1),)})
    assert brute(wished, "county_pool") == (0.0, 1.0, 0.0, 5.0, 0.0, 0.0)
    staying = Instance(**{**{f: getattr(base, f) for f in Instance.model_fields},
                          "preferences": (Preference(staff_id="s1", institution="I0", rank=2),
                                          Preference(staff_id="s0", institution="I0", rank=1))})
    assert brute(staying, "county_pool") == (0.0, 1.0, 1.0, 5.0, 0.0, 0.0)  # s1 goes: 2 − 1


# ---------------------------------------------------------------- a county with wishes, per person


@pytest.fixture(scope="module")
def wished_county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated two-community instance where every fourth person lists three wishes
    (benchmarks/wishes.py, the benchmark's generator)."""
    import sys

    from staffpool.tools.generate import generate

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.wishes import add_wishes

    base = generate(2, seed=11, scale=0.25, out_dir=tmp_path_factory.mktemp("gen") / "two")
    out = base.parent / "wished"
    assert add_wishes(base, out) > 0
    return out


@pytest.mark.parametrize("mode", ["separate", "county_pool", "unified"])
def test_levels_equal_the_per_person_model_with_wishes(wished_county: Path, mode: str) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.naive import solve_naive

    instance = load_instance(wished_county)
    assert Level.preference in instance.policy.objective and instance.preferences
    result = solve(instance, mode=mode)
    assert result.status == Status.optimal
    assert check_plan(instance, result.plan, result.mode).ok
    naive = solve_naive(instance, result.mode)
    assert naive.status == "optimal"
    for lvl, value in result.objective.items():
        assert value == pytest.approx(naive.levels[Level(lvl)], abs=1e-6), lvl
