"""The naive model a user would write first: one binary per person and option, level by level.

Written straight from model.md, sharing no model code with staffpool (only the domain
types; its distance rounding, title ranks, requirement matching and post-use table are
its own), so it doubles as an independent reference in the tests.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pulp

from staffpool.domain.instance import (
    Funding,
    Instance,
    Institution,
    Level,
    Mode,
    Policy,
    Requirement,
    StaffMember,
    StaffStatus,
    Title,
)

pulp.set_v4_migration_warnings(False)

RANK = {"village_doctor": 0, "resident": 1, "attending": 2, "deputy_chief": 3, "chief": 4}
POST_USE = {  # model.md's table: True, False, or the policy key that decides
    "differential": {"county": True, "township": "county_managed_township_used", "village": "county_managed_village_used"},
    "full": {"county": "township_used_at_county", "township": True, "village": "township_recruited_village_used"},
}


def metres(a: Institution, b: Institution) -> int:
    """km between two institutions, to 3 decimals (half up), as whole metres."""
    km = Decimal(repr(math.dist((a.x_km, a.y_km), (b.x_km, b.y_km))))
    return int((km * 1000).quantize(Decimal("0.000001")).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def within(m: int, limit_km: float | None) -> bool:
    return limit_km is None or Decimal(m) <= Decimal(repr(limit_km)) * 1000


def matches(r: Requirement, s: StaffMember) -> bool:
    return (r.specialty == "*" or r.specialty == s.specialty) and RANK[s.title.value] >= RANK[r.min_title.value]


def post_use(p: Policy, funding: str, tier: str) -> bool:
    rule = POST_USE[funding][tier]
    return rule if isinstance(rule, bool) else bool(getattr(p, rule))


@dataclass(frozen=True)
class Opt:
    institution: str
    post: str | None  # None: no post; "existing"; or the pool of a new post
    funding: str | None


def pinned_here(instance: Instance, sid: str, j: str) -> bool:
    """Do the pins of `sid` in the year planned allow institution `j`? (pins.csv, read afresh)"""
    s = instance.staff_by_id[sid]
    for pin in instance.pins:
        if pin.staff_id != sid or (pin.year is not None and pin.year != instance.horizon.start):
            continue
        if pin.at is not None and j != pin.at:
            return False
        if pin.stay and j != s.posted_at:
            return False
        if pin.not_at is not None and j == pin.not_at:
            return False
    return True


def must_be_hired(instance: Instance, sid: str) -> bool:
    """A candidate pinned at an institution this year."""
    return any(pin.staff_id == sid and pin.at is not None and (pin.year is None or pin.year == instance.horizon.start)
               for pin in instance.pins)


def person_options(instance: Instance, mode: Mode, sid: str) -> list[Opt]:
    s = instance.staff_by_id[sid]
    p = instance.policy
    out: list[Opt] = []
    for j in instance.institutions:
        if j.community != s.community:
            continue
        if not pinned_here(instance, sid, j.id):
            continue
        if s.grassroots_years > 0 and j.tier.value == "county":  # targeted graduates serve below county
            continue
        if s.title.value == "village_doctor" and j.tier.value != "village":
            continue
        if s.status != StaffStatus.candidate:
            assert s.posted_at is not None
            if j.id != s.posted_at:
                if not s.mobile or mode == Mode.separate:
                    continue
                if not within(metres(instance.institution_by_id[s.posted_at], j), p.max_distance_km):
                    continue
        if s.status == StaffStatus.on_staff:
            assert s.post_funding is not None
            if mode == Mode.county_pool and not post_use(p, s.post_funding.value, j.tier.value):
                continue
            out.append(Opt(j.id, "existing", s.post_funding.value))
            continue
        if s.status == StaffStatus.contract:
            out.append(Opt(j.id, None, None))
        if mode == Mode.separate:
            if j.funding != Funding.none:
                out.append(Opt(j.id, j.id, j.funding.value))
        elif mode == Mode.county_pool:
            for f in (Funding.full, Funding.differential):
                if post_use(p, f.value, j.tier.value):
                    out.append(Opt(j.id, f"{s.community},{f.value}", f.value))
        else:
            out.append(Opt(j.id, s.community, "unified"))
    return out


def vacancies(instance: Instance, mode: Mode) -> dict[str, int]:
    on_staff = [s for s in instance.staff if s.status == StaffStatus.on_staff]
    vac: dict[str, int] = {}
    for c in instance.communities:
        insts = [i for i in instance.institutions if i.community == c.id]
        if mode == Mode.separate:
            for i in insts:
                vac[i.id] = max(0, i.approved_posts - sum(1 for s in on_staff if s.quota_holder == i.id))
        elif mode == Mode.county_pool:
            for f in (Funding.full, Funding.differential):
                approved = sum(i.approved_posts for i in insts if i.funding == f)
                held = sum(1 for s in on_staff if s.community == c.id and s.post_funding == f)
                vac[f"{c.id},{f.value}"] = max(0, approved - held)
        else:
            vac[c.id] = max(0, sum(i.approved_posts for i in insts) - sum(1 for s in on_staff if s.community == c.id))
    return vac


def post_cost(instance: Instance, title: Title, funding: str) -> float:
    """Yuan a year the treasury pays for a new post: salary × share of the post's funding,
    to the fen (the share table keys are full, differential, unified)."""
    share = {"full": instance.policy.treasury_share.full, "differential": instance.policy.treasury_share.differential,
             "unified": instance.policy.treasury_share.unified}[funding]
    fen = instance.salary(title) * 100 * Fraction(str(share))
    return math.floor(fen + Fraction(1, 2)) / 100


@dataclass
class NaiveResult:
    status: str
    levels: dict[Level, float]
    variables: int
    seconds: float


def wish_cost(rows: dict[str, int], institution: str) -> int:
    """docs/model.md's wishes: rank − 1 at a listed institution, the number of rows elsewhere."""
    return rows[institution] - 1 if institution in rows else len(rows)


def solve_naive(instance: Instance, mode: Mode | None = None, solver: str = "highs",
                time_limit: float | None = None) -> NaiveResult:
    t0 = time.perf_counter()
    mode = mode or instance.policy.mode
    prob = pulp.LpProblem("naive", pulp.LpMinimize)
    y: dict[tuple[str, Opt], pulp.LpVariable] = {}
    n = 0
    for s in instance.staff:
        for o in person_options(instance, mode, s.id):
            y[(s.id, o)] = pulp.LpVariable(f"y{n}", cat=pulp.LpBinary)
            n += 1
    by_person: dict[str, list[pulp.LpVariable]] = {}
    by_inst: dict[str, list[tuple[str, pulp.LpVariable]]] = {}
    by_pool: dict[str, list[pulp.LpVariable]] = {}
    for (sid, o), v in y.items():
        by_person.setdefault(sid, []).append(v)
        by_inst.setdefault(o.institution, []).append((sid, v))
        if o.post not in (None, "existing"):
            by_pool.setdefault(str(o.post), []).append(v)
    for s in instance.staff:
        vs = by_person.get(s.id, [])
        if s.status == StaffStatus.candidate:
            if must_be_hired(instance, s.id):
                if not vs:  # pinned where no rule lets them be hired
                    return NaiveResult("infeasible", {}, n, time.perf_counter() - t0)
                prob += pulp.lpSum(vs) == 1
            elif vs:
                prob += pulp.lpSum(vs) <= 1
        else:
            prob += pulp.lpSum(vs) == 1
    for pool, cap in vacancies(instance, mode).items():
        if by_pool.get(pool):
            prob += pulp.lpSum(by_pool[pool]) <= cap
    for i in instance.institutions:
        if i.capacity is not None and by_inst.get(i.id):
            prob += pulp.lpSum(v for _s, v in by_inst[i.id]) <= i.capacity
    staff = instance.staff_by_id
    moved = {k: v for k, v in y.items() if staff[k[0]].status != StaffStatus.candidate and k[1].institution != staff[k[0]].posted_at}
    treasury = {(sid, o): v for (sid, o), v in y.items()
                if staff[sid].status != StaffStatus.on_staff and o.post not in (None, "existing")}
    for c in instance.communities:
        if c.treasury_budget is not None:
            prob += pulp.lpSum(post_cost(instance, staff[sid].title, str(o.funding)) * v
                               for (sid, o), v in treasury.items() if staff[sid].community == c.id) <= c.treasury_budget
        if c.hiring_budget is not None:
            prob += pulp.lpSum(instance.salary(staff[sid].title) * v for (sid, _o), v in y.items()
                               if staff[sid].status == StaffStatus.candidate and staff[sid].community == c.id) <= c.hiring_budget
        if c.max_moves is not None:
            prob += pulp.lpSum(v for (sid, _o), v in moved.items() if staff[sid].community == c.id) <= c.max_moves
    short_terms = []
    for k, r in enumerate(instance.requirements):
        sv = pulp.LpVariable(f"short{k}", lowBound=0)
        cover = [v for sid, v in by_inst.get(r.institution, []) if matches(r, staff[sid])]
        prob += sv + pulp.lpSum(cover) >= r.need
        short_terms.append(r.weight * sv)
    inst = instance.institution_by_id
    wishes: dict[str, dict[str, int]] = {}
    for p in instance.preferences:
        wishes.setdefault(p.staff_id, {})[p.institution] = p.rank
    levels = {
        Level.shortfall: pulp.lpSum(short_terms),
        Level.moves: pulp.lpSum(moved.values()),
        Level.distance: pulp.lpSum(metres(inst[str(staff[sid].posted_at)], inst[o.institution]) * v
                                   for (sid, o), v in moved.items()),
        Level.hiring_cost: pulp.lpSum(instance.salary(staff[sid].title) * v for (sid, _o), v in y.items()
                                      if staff[sid].status == StaffStatus.candidate),
        Level.unregularised: pulp.lpSum(v for (sid, o), v in y.items()
                                        if staff[sid].status == StaffStatus.contract and o.post is None),
        Level.treasury_cost: pulp.lpSum(post_cost(instance, staff[sid].title, str(o.funding)) * v
                                        for (sid, o), v in treasury.items()),
        Level.preference: pulp.lpSum(wish_cost(wishes[sid], o.institution) * v for (sid, o), v in y.items()
                                     if sid in wishes),
    }
    values: dict[Level, float] = {}
    for lvl in instance.policy.objective:
        prob.setObjective(levels[lvl] + 0)
        if solver == "highs":
            s = pulp.HiGHS(msg=False, gapRel=0, timeLimit=time_limit)
        else:
            s = pulp.PULP_CBC_CMD(msg=False, gapRel=0, timeLimit=time_limit)
        prob.solve(s)
        if prob.status != pulp.LpStatusOptimal:
            return NaiveResult("infeasible", {}, n, time.perf_counter() - t0)
        v = float(pulp.value(levels[lvl]) or 0.0)
        values[lvl] = v / 1000.0 if lvl == Level.distance else v
        # model.md's tolerance, as a user would write it first (integral levels too: no
        # integer fits in 1e-6 relative below the next one at these magnitudes)
        prob += levels[lvl] <= v + max(1e-6, 1e-6 * abs(v))
    return NaiveResult("optimal", values, n, time.perf_counter() - t0)
