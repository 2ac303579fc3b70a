"""How large the integrated program over years is, without building it.

`model/years.py` builds the program arc by arc (docs/model.md, "The integrated plan"); a
county over five years can need millions of arcs, and building them in Python takes
minutes. This module describes the same arcs as arrays: per (class, year) the origins (the
class's cohorts in the first year, the states flow can reach after) and, per origin, the
target places of each target post. `count_columns` adds them up in about a second, so
`plan` can refuse a program above `--max-columns` at once, with its size (a test holds the
count equal to the builder's on instances of every mode).

A state of class k is (place j, post q) with j < n the institution index and q an index
into the class's posts; j == n is `out` (a candidate not hired). A post is `existing`,
`none` or a pool *kind* with the year of hiring (targeted graduates). In separate mode
the one pool kind means the institution's own pool, so the posts stay few.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from staffpool.domain.instance import Instance, Mode, StaffStatus, Tier, Title, year_requirements
from staffpool.model.years import HorizonCohort, horizon_cohorts, horizon_pools

EXIST_K, NONE_K = -2, -1  # post kinds besides the pool kinds 0, 1, …


@dataclass(frozen=True)
class Post:
    kind: int  # EXIST_K, NONE_K or a pool kind
    hired: int | None = None


@dataclass
class Klass:
    """A horizon class (cohorts that differ only in where they start) and its masks."""

    index: int
    cohorts: list[HorizonCohort]
    posts: list[Post]
    gone: int | None
    arrives: int | None
    fixed_always: bool  # never moves (immobile, or separate mode)
    allowed: list[Any] = field(default_factory=list)  # per year: bool (n, len(posts)), model/years.may_be_at
    out_ok: list[bool] = field(default_factory=list)  # per year: may stay `out` (not pinned `at`)
    stay_pin: list[bool] = field(default_factory=list)  # per year: pinned to stay
    reach: list[Any] = field(default_factory=list)  # per year: the states a member may be in after it

    @property
    def first(self) -> Any:
        return self.cohorts[0].first

    def present(self, year: int) -> bool:
        return self.gone is None or self.gone > year


@dataclass
class ArcSpace:
    years: list[int]
    n: int  # institutions of the community
    index: dict[str, int]
    near: Any  # (n, n) within the distance limit
    classes: list[Klass]
    shortfall_rows: int  # requirement rows of the community, summed over the years

    def states(self, k: Klass) -> int:
        return (self.n + 1) * max(1, len(k.posts))  # a candidate with no pool to join has only `out`

    def out_state(self, k: Klass) -> int:
        return self.n * max(1, len(k.posts))

    def start_state(self, c: HorizonCohort, k: Klass) -> int:
        s = c.first
        if s.status == StaffStatus.candidate:
            return self.out_state(k)
        assert s.posted_at is not None  # validated: on_staff and contract staff are posted
        return self.index[s.posted_at] * len(k.posts)  # posts[0]: existing (on_staff) or none (contract)

    def hire_posts(self, k: Klass, ti: int) -> list[int]:
        """The posts a candidate hired in year ti takes."""
        hired = self.years[ti] if k.first.grassroots_years > 0 else None
        return [q for q, p in enumerate(k.posts) if p.kind >= 0 and p.hired == hired]

    def arc_targets(self, k: Klass, ti: int, o: int) -> list[tuple[int, Any]]:
        """From origin state o in year ti, to a place: [(target post, target places)]."""
        allowed = k.allowed[ti]
        if o == self.out_state(k):
            if k.arrives is not None and k.arrives > self.years[ti]:
                return []
            return [(q, np.nonzero(allowed[:, q])[0]) for q in self.hire_posts(k, ti)]
        i, p = divmod(o, len(k.posts))
        if k.fixed_always or k.stay_pin[ti]:
            placemask = np.zeros(self.n, dtype=bool)
            placemask[i] = True
        else:
            placemask = self.near[i]
        qs = [p]
        if k.posts[p].kind == NONE_K:  # regularised this year, or not
            qs += [q for q, post in enumerate(k.posts) if post.kind >= 0 and post.hired is None]
        return [(q, np.nonzero(placemask & allowed[:, q])[0]) for q in qs]

    def out_allowed(self, k: Klass, ti: int, o: int) -> bool:
        """May a candidate stay `out` in year ti?"""
        if o != self.out_state(k):
            return False
        if k.arrives is not None and k.arrives > self.years[ti]:
            return True
        return k.out_ok[ti]


def build_arcspace(instance: Instance, community: str, mode: Mode) -> ArcSpace:
    policy = instance.policy
    years = instance.horizon.year_list
    insts = sorted((i for i in instance.institutions if i.community == community), key=lambda i: i.id)
    n = len(insts)
    index = {i.id: k for k, i in enumerate(insts)}
    xs = np.array([i.x_km for i in insts], dtype=float)
    ys = np.array([i.y_km for i in insts], dtype=float)
    # domain.distance_m for every pair at once (the same rounding: micrometres, then half a metre up)
    dist = np.floor(np.round(np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :]) * 1000.0, 6) + 0.5)
    np.fill_diagonal(dist, 0.0)
    limit = policy.max_distance_km
    near = np.ones((n, n), dtype=bool) if limit is None else dist <= limit * 1000.0 + 1e-6
    tier = [i.tier for i in insts]
    pools = horizon_pools(instance, community, mode)
    pool_ids = list(pools)
    if mode == Mode.separate:
        pool_at = np.array([[i.id in pools for i in insts]])
    else:
        def serves(pool: str, t: Tier) -> bool:
            funding = pools[pool].funding
            return mode != Mode.county_pool or funding is None or policy.post_use_allowed(funding, t)

        pool_at = np.array([[serves(p, t) for t in tier] for p in pool_ids], dtype=np.bool_).reshape(len(pool_ids), n)
    by_class: dict[int, list[HorizonCohort]] = {}
    for c in horizon_cohorts(instance, community, mode):
        by_class.setdefault(c.klass, []).append(c)
    is_village = np.array([t == Tier.village for t in tier])
    is_county = np.array([t == Tier.county for t in tier])
    start = years[0]
    classes: list[Klass] = []
    for kid in sorted(by_class):
        cs = by_class[kid]
        s = cs[0].first
        if s.status == StaffStatus.on_staff:
            posts = [Post(EXIST_K)]
        elif s.status == StaffStatus.contract:
            posts = [Post(NONE_K)] + [Post(q) for q in range(len(pool_at))]
        else:
            hires: list[int | None] = list(years) if s.grassroots_years > 0 else [None]
            posts = [Post(q, h) for q in range(len(pool_at)) for h in hires]
        k = Klass(len(classes), cs, posts, cs[0].gone, cs[0].arrives, not s.mobile or mode == Mode.separate)
        base = np.ones((n, len(posts)), dtype=bool)
        if s.title == Title.village_doctor:
            base &= is_village[:, None]
        for q, p in enumerate(posts):
            if p.kind == EXIST_K and mode == Mode.county_pool and s.post_funding is not None:
                base[:, q] &= np.array([policy.post_use_allowed(s.post_funding, t) for t in tier])
            if p.kind >= 0:
                base[:, q] &= pool_at[p.kind]
        for y in years:
            allowed = base.copy()
            pins = cs[0].pins.get(y, ())
            for kind, at in pins:
                if kind == "at":
                    allowed &= (np.arange(n) == index[at])[:, None]
                elif kind == "not_at":
                    allowed &= (np.arange(n) != index[at])[:, None]
            for q, p in enumerate(posts):
                owed = (p.hired is not None and y <= p.hired + s.grassroots_years - 1) or (
                    s.status != StaffStatus.candidate and y < start + s.grassroots_years)
                if owed:  # grassroots service owed: township or village only
                    allowed[:, q] &= ~is_county
            k.allowed.append(allowed)
            k.out_ok.append(not any(kind == "at" for kind, _ in pins))
            k.stay_pin.append(any(kind == "stay" for kind, _ in pins))
        classes.append(k)
    rows = sum(1 for y in years for r in year_requirements(instance.requirements, y) if r.institution in index)
    space = ArcSpace(years, n, index, near, classes, rows)
    _reachability(space)
    return space


def _origins(space: ArcSpace, k: Klass, ti: int) -> list[int]:
    """The origin states of class k's arcs in year ti (one per cohort in the first year)."""
    if ti == 0:
        first = space.years[0]
        return [space.start_state(c, k) for c in k.cohorts if c.gone is None or c.gone > first]
    return [int(s) for s in np.nonzero(k.reach[ti - 1])[0]]


def _reachability(space: ArcSpace) -> None:
    """k.reach[ti]: the states a member of class k may be in after year ti, forward from
    where the cohorts start (the builder's layers)."""
    for k in space.classes:
        nq = len(k.posts)
        for ti, year in enumerate(space.years):
            nxt = np.zeros(space.states(k), dtype=bool)
            if k.present(year):
                for o in set(_origins(space, k, ti)):
                    for q, places in space.arc_targets(k, ti, o):
                        nxt[places * nq + q] = True
                    if space.out_allowed(k, ti, o):
                        nxt[space.out_state(k)] = True
            k.reach.append(nxt)


def count_columns(space: ArcSpace) -> int:
    """The integrated program's columns: an integer arc per (cohort or class, year, origin,
    target), and a shortfall variable per requirement row and year."""
    total = space.shortfall_rows
    for k in space.classes:
        for ti, year in enumerate(space.years):
            if not k.present(year):
                continue
            for o in _origins(space, k, ti):
                total += sum(len(places) for _q, places in space.arc_targets(k, ti, o))
                total += int(space.out_allowed(k, ti, o))
    return total


def program_columns(instance: Instance, community: str, mode: Mode) -> int:
    return count_columns(build_arcspace(instance, community, mode))


__all__ = ["ArcSpace", "Klass", "Post", "build_arcspace", "count_columns", "program_columns"]
