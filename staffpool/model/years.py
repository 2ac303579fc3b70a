"""The integrated plan over years: one program per community, every year at once.

Each person's years are a path through states: (institution, post) per year, where the
post is `existing` (on_staff), `none` (a contract member not regularised), a pool whose
post they took (regularised or hired, kept ever after), and, for a candidate, `out` (not
hired yet). People interchangeable in every year (a horizon cohort: the one-year cohort
key plus their pins of every year, the year they leave, arrive, and the grassroots years
owed) share integer flows on the arcs year → year; an integer flow splits into paths, one
per member, so nothing is lost by aggregating. Every one-year rule is a restriction on the
arcs into a year (where a state may be, which moves) or a row over the arcs of that year;
the levels are the one-year levels summed over the years. docs/model.md has the argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from staffpool.domain.instance import (
    Funding,
    Instance,
    Level,
    Mode,
    StaffMember,
    StaffStatus,
    Tier,
    Title,
    present,
    within_km,
    year_communities,
    year_requirements,
)
from staffpool.model.linear import Expr, LinearProgram, Sense
from staffpool.model.rules.treasury import post_price

OUT = "out"  # a candidate not hired (yet)
EXISTING = "existing"
NONE = "none"


@dataclass(frozen=True)
class State:
    institution: str | None  # None: a candidate not hired
    post: str  # EXISTING, NONE, OUT or a pool id
    hired: int | None = None  # the year a graduate owing grassroots service was hired


@dataclass
class HorizonCohort:
    index: int
    first: StaffMember  # every member's attributes but the id
    members: tuple[str, ...]
    pins: dict[int, tuple[tuple[str, str], ...]]  # year -> (("at" | "not_at" | "stay", institution))
    gone: int | None  # first year no longer present
    arrives: int | None
    # Cohorts that differ only in where they start form one class: after the first year
    # only the state tells them apart, so from then on they share the class's arcs.
    klass: int = 0

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class HorizonPool:
    id: str
    funding: Funding | None  # None: unified
    institution: str | None  # separate mode
    room: dict[int, int]  # year -> max(0, approved − original on_staff of the pool present)


@dataclass
class Arc:
    cohort: int  # the cohort (first year) or the class (later years) whose members use it
    year: int
    origin: State
    target: State
    col: int


@dataclass
class HorizonModel:
    instance: Instance
    community: str
    mode: Mode
    years: list[int]
    cohorts: list[HorizonCohort]
    pools: dict[str, HorizonPool]
    lp: LinearProgram
    arcs: list[Arc] = field(default_factory=list)
    levels: dict[Level, Expr] = field(default_factory=dict)


def _pin_key(instance: Instance, s: StaffMember, year: int) -> tuple[tuple[str, str], ...]:
    out = set()
    for p in instance.pins:
        if p.staff_id != s.id or not p.applies(year):
            continue
        if p.at is not None:
            out.add(("at", p.at))
        elif p.stay:
            out.add(("stay", ""))
        elif p.not_at is not None:
            out.add(("not_at", p.not_at))
    return tuple(sorted(out))


def horizon_cohorts(instance: Instance, community: str, mode: Mode) -> list[HorizonCohort]:
    years = instance.horizon.year_list
    groups: dict[tuple[Any, ...], list[StaffMember]] = {}
    for s in instance.staff:
        if s.community != community:
            continue
        mobile = True if mode == Mode.separate and s.status != StaffStatus.candidate else s.mobile
        pins = tuple(_pin_key(instance, s, y) for y in years)
        # Leaving after the horizon, or arriving by its start, is as good as never.
        gone = s.leaves_in(instance.policy)
        gone = gone if gone is not None and gone <= years[-1] else None
        arrives = s.arrives if s.status == StaffStatus.candidate and s.arrives is not None and s.arrives > years[0] else None
        key = (s.status, s.title, s.specialty, s.posted_at or "", mobile, s.post_funding, pins, gone, arrives,
               s.grassroots_years)
        groups.setdefault(key, []).append(s)
    out: list[HorizonCohort] = []
    classes: dict[tuple[Any, ...], int] = {}
    for key in sorted(groups, key=lambda k: tuple(str(v) for v in k)):
        people = groups[key]
        klass = classes.setdefault(key[:3] + key[4:], len(classes))  # all but posted_at
        out.append(HorizonCohort(
            index=len(out), first=people[0], members=tuple(sorted(p.id for p in people)),
            pins=dict(zip(years, key[6], strict=True)), gone=key[7], arrives=key[8], klass=klass,
        ))
    return out


def horizon_pools(instance: Instance, community: str, mode: Mode) -> dict[str, HorizonPool]:
    """The pools of model.md and, per year, the posts the plan may hold in them: approved
    posts less the original on_staff of the pool still present that year (never below 0)."""
    years = instance.horizon.year_list
    insts = [i for i in instance.institutions if i.community == community]
    on_staff = [s for s in instance.staff if s.community == community and s.status == StaffStatus.on_staff]

    def room(approved: int, holders: list[StaffMember]) -> dict[int, int]:
        return {y: max(0, approved - sum(1 for s in holders if present(instance, s, y))) for y in years}

    pools: dict[str, HorizonPool] = {}
    if mode == Mode.separate:
        for i in insts:
            pools[i.id] = HorizonPool(i.id, i.funding, i.id, room(i.approved_posts, [s for s in on_staff if s.quota_holder == i.id]))
    elif mode == Mode.county_pool:
        for f in (Funding.differential, Funding.full):
            pid = f"{community},{f.value}"
            pools[pid] = HorizonPool(pid, f, None, room(sum(i.approved_posts for i in insts if i.funding == f),
                                                        [s for s in on_staff if s.post_funding == f]))
    else:
        pools[community] = HorizonPool(community, None, None, room(sum(i.approved_posts for i in insts), on_staff))
    return {k: p for k, p in pools.items() if any(p.room.values())}


class TooLarge(Exception):
    """The program would have more columns than the caller allows."""

    def __init__(self, community: str, columns: int):
        self.community, self.columns = community, columns
        super().__init__(f"{community}: the integrated program passes {columns:,} columns")


def build_horizon_community(instance: Instance, community: str, mode: Mode, max_columns: int | None = None) -> HorizonModel:
    """Every year of one community in one program (see the module docstring). Raises
    TooLarge as soon as the program passes `max_columns` columns."""
    years = instance.horizon.year_list
    policy = instance.policy
    insts = sorted((i for i in instance.institutions if i.community == community), key=lambda i: i.id)
    by_id = {i.id: i for i in insts}
    hm = HorizonModel(instance, community, mode, years, horizon_cohorts(instance, community, mode),
                      horizon_pools(instance, community, mode), LinearProgram(f"staffpool_years_{community}"))
    lp = hm.lp
    start = years[0]

    def pool_serves(pool: HorizonPool, j: str) -> bool:
        if pool.institution is not None:
            return pool.institution == j
        if mode == Mode.county_pool and pool.funding is not None:
            return policy.post_use_allowed(pool.funding, by_id[j].tier)
        return True

    def post_funding(c: HorizonCohort, post: str) -> Funding | None:
        if post == EXISTING:
            return c.first.post_funding
        if post in hm.pools:
            return hm.pools[post].funding
        return None

    def may_be_at(c: HorizonCohort, state: State, year: int) -> bool:
        """The rules about where a person may be, in `year`, in `state`."""
        j = state.institution
        assert j is not None
        tier = by_id[j].tier
        s = c.first
        if s.title == Title.village_doctor and tier != Tier.village:
            return False
        if mode == Mode.county_pool:
            f = post_funding(c, state.post)
            if f is not None and state.post == EXISTING and not policy.post_use_allowed(f, tier):
                return False
        if state.post in hm.pools and not pool_serves(hm.pools[state.post], j):
            return False
        for kind, at in c.pins.get(year, ()):
            if (kind == "at" and j != at) or (kind == "not_at" and j == at):
                return False
        owed = (state.hired is not None and year <= state.hired + s.grassroots_years - 1) or (
            s.status != StaffStatus.candidate and year < start + s.grassroots_years)
        return not (owed and tier == Tier.county)

    allowed: dict[tuple[int, State, int], bool] = {}

    def ok(c: HorizonCohort, state: State, year: int) -> bool:
        key = (c.klass, state, year)
        if key not in allowed:
            allowed[key] = may_be_at(c, state, year)
        return allowed[key]

    def targets(c: HorizonCohort, origin: State, year: int) -> list[State]:
        s = c.first
        if origin.institution is None:  # a candidate not hired
            out = [] if any(kind == "at" for kind, _ in c.pins.get(year, ())) else [origin]
            if c.arrives is not None and c.arrives > year:
                return [origin]
            hired = year if s.grassroots_years > 0 else None
            for j in insts:
                for pid in hm.pools:
                    st = State(j.id, pid, hired)
                    if ok(c, st, year):
                        out.append(st)
            return out
        here = origin.institution
        stay = any(kind == "stay" for kind, _ in c.pins.get(year, ()))
        fixed = stay or not s.mobile or mode == Mode.separate
        places = [here] if fixed else [j.id for j in insts
                                       if within_km(instance.distance_m(here, j.id), policy.max_distance_km)]
        posts = [origin.post] + (list(hm.pools) if origin.post == NONE else [])
        return [st for j in places for p in posts if ok(c, st := State(j, p, origin.hired), year)]

    moves: dict[int, dict[int, float]] = {y: {} for y in years}
    metres: dict[int, dict[int, float]] = {y: {} for y in years}
    cost: dict[int, dict[int, float]] = {y: {} for y in years}
    unreg: dict[int, dict[int, float]] = {y: {} for y in years}
    treasury: dict[int, dict[int, float]] = {y: {} for y in years}
    at: dict[int, dict[str, list[tuple[int, HorizonCohort]]]] = {y: {} for y in years}
    holds: dict[int, dict[str, dict[int, float]]] = {y: {} for y in years}
    def arcs_from(c: HorizonCohort, owner: int, ub: float, origin: State, year: int,
                  nxt: dict[tuple[int, State], dict[int, float]]) -> dict[int, float]:
        """The arcs of year `year` out of `origin` (used by cohort or class `owner`)."""
        s = c.first
        out_terms: dict[int, float] = {}
        for target in targets(c, origin, year):
            col = lp.var("", 0.0, ub, True)
            if max_columns is not None and col >= max_columns:
                raise TooLarge(community, col)
            hm.arcs.append(Arc(owner, year, origin, target, col))
            out_terms[col] = 1
            nxt.setdefault((c.klass, target), {})[col] = 1
            if target.institution is None:
                continue
            at[year].setdefault(target.institution, []).append((col, c))
            if origin.institution is not None and target.institution != origin.institution:
                moves[year][col] = 1
                d = instance.distance_m(origin.institution, target.institution)
                if d:
                    metres[year][col] = d
            if origin.institution is None:
                cost[year][col] = instance.salary(s.title)
            if target.post == NONE:
                unreg[year][col] = 1
            if target.post in hm.pools:
                holds[year].setdefault(target.post, {})[col] = 1
                if origin.post in (OUT, NONE):  # a post taken this year: what it adds to the treasury
                    pool = hm.pools[target.post]
                    share = policy.treasury_share.of("unified" if pool.funding is None else pool.funding.value)
                    price = post_price(instance.salary(s.title), share)
                    if price:
                        treasury[year][col] = price
        return out_terms

    # The first year: each cohort from where the input has them, into its class's states.
    layer: dict[tuple[int, State], dict[int, float]] = {}
    rep: dict[int, HorizonCohort] = {}
    class_size: dict[int, int] = {}
    for c in hm.cohorts:
        rep.setdefault(c.klass, c)
        class_size[c.klass] = class_size.get(c.klass, 0) + c.size
    for c in hm.cohorts:
        if c.gone is not None and c.gone <= years[0]:
            continue
        s = c.first
        first = State(None, OUT) if s.status == StaffStatus.candidate else State(
            s.posted_at, EXISTING if s.status == StaffStatus.on_staff else NONE)
        out_terms = arcs_from(c, c.index, float(c.size), first, years[0], layer)
        lp.row(f"flow[{c.index},{years[0]},{lp.num_rows}]", out_terms, Sense.eq, c.size)
    # Later years: a class's members in one state go on together.
    for year in years[1:]:
        nxt: dict[tuple[int, State], dict[int, float]] = {}
        for (k, origin), inflow in layer.items():
            c = rep[k]
            if c.gone is not None and c.gone <= year:
                continue
            out_terms = arcs_from(c, k, float(class_size[k]), origin, year, nxt)
            terms = {**out_terms, **{col: -1.0 for col in inflow}}
            lp.row(f"flow[{k},{year},{lp.num_rows}]", terms, Sense.eq, 0)
        layer = nxt
    comms = {y: {x.id: x for x in year_communities(instance, y)}[community] for y in years}
    short: dict[int, float] = {}
    for year in years:
        com = comms[year]
        for j in insts:
            if j.capacity is not None:
                lp.row(f"capacity[{j.id},{year}]", {col: 1 for col, _c in at[year].get(j.id, [])}, Sense.le, j.capacity)
        for pid, pool in hm.pools.items():
            lp.row(f"vacancy[{pid},{year}]", holds[year].get(pid, {}), Sense.le, pool.room[year])
        if com.hiring_budget is not None:
            lp.row(f"hiring_budget[{community},{year}]", cost[year], Sense.le, com.hiring_budget)
        if com.max_moves is not None:
            lp.row(f"max_moves[{community},{year}]", moves[year], Sense.le, com.max_moves)
        if com.treasury_budget is not None:
            lp.row(f"treasury_budget[{community},{year}]", treasury[year], Sense.le, com.treasury_budget)
        for n, r in enumerate(year_requirements(instance.requirements, year)):
            if r.institution not in by_id:
                continue
            sv = lp.var(f"s_{year}_{n}")
            cover: dict[int, float] = {sv: 1}
            for col, c in at[year].get(r.institution, []):
                if r.matches(c.first.specialty, c.first.title):
                    cover[col] = 1
            lp.row(f"shortfall[{r.institution},{year},#{n}]", cover, Sense.ge, r.need)
            if r.weight:
                short[sv] = r.weight
    hm.levels[Level.shortfall] = Expr(short)
    hm.levels[Level.moves] = Expr({k: v for y in years for k, v in moves[y].items()})
    hm.levels[Level.distance] = Expr({k: v for y in years for k, v in metres[y].items()})
    hm.levels[Level.hiring_cost] = Expr({k: v for y in years for k, v in cost[y].items()})
    hm.levels[Level.unregularised] = Expr({k: v for y in years for k, v in unreg[y].items()})
    hm.levels[Level.treasury_cost] = Expr({k: v for y in years for k, v in treasury[y].items()})
    return hm
