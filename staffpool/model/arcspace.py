"""Where each class may be and go, year by year: the arcs of the program over years, and their count.

`build_arcspace` makes the horizon cohorts and classes, each class's posts (what it holds:
`existing`, `none`, a pool's post and the year of hiring), and asks every option rule of
the registry, in registry order, to narrow each class's options of each year (the rules'
`allow_*_years`, as `build_community` asks their `allow_*` for one year). The builder
(`model/years.py`) lays its arcs from the result (`ArcSpace.targets`), and
`count_columns` counts the same arcs without building them, in about a second for a
county that needs millions, so `plan` can refuse a program above `--max-columns` at once,
with its size (a test holds the count equal to the builder's on instances of every mode).
"""

from __future__ import annotations

import numpy as np

from staffpool.domain.instance import Instance, Mode, StaffStatus
from staffpool.model.community import _distances
from staffpool.model.horizon import (
    EXIST_K,
    NONE_K,
    ArcSpace,
    HorizonCohort,
    Klass,
    Post,
    YearOptions,
    horizon_cohorts,
    horizon_pools,
)
from staffpool.model.rules import RULES
from staffpool.model.rules.shortfall import year_requirement_rows


def build_arcspace(instance: Instance, community: str, mode: Mode, skip: frozenset[str] = frozenset()) -> ArcSpace:
    """The classes and, per class and year, the options every option rule leaves (`skip`
    names rules left out), and the states each class may reach."""
    insts = sorted((i for i in instance.institutions if i.community == community), key=lambda i: i.id)
    space = ArcSpace(instance, community, mode, instance.horizon.year_list, insts,
                     horizon_cohorts(instance, community, mode), horizon_pools(instance, community, mode),
                     dist=_distances(insts))
    by_class: dict[int, list[HorizonCohort]] = {}
    for c in space.cohorts:
        by_class.setdefault(c.klass, []).append(c)
    allows = [r.allow_years for r in RULES if r.allow_years is not None and r.name not in skip]
    for kid in sorted(by_class):
        cs = by_class[kid]
        k = Klass(len(space.classes), cs, _posts(space, cs[0]), cs[0].gone, cs[0].arrives)
        start = YearOptions(_existing(space, k), space.everywhere, True)
        for year in space.years:
            opts = start
            for allow in allows:
                opts = allow(space, k, year, opts)
            k.options.append(opts)
        space.classes.append(k)
    _reachability(space)
    return space


def _posts(space: ArcSpace, c: HorizonCohort) -> list[Post]:
    """What a member of the class may hold: an on_staff member their post; a contract
    member none, or a pool's post once regularised; a candidate a pool's post, with the
    year of hiring when they owe grassroots service (it says until when)."""
    s = c.first
    kinds = range(space.pool_kinds)
    if s.status == StaffStatus.on_staff:
        return [Post(EXIST_K)]
    if s.status == StaffStatus.contract:
        return [Post(NONE_K)] + [Post(q) for q in kinds]
    hires: list[int | None] = list(space.years) if s.grassroots_years > 0 else [None]
    return [Post(q, h) for q in kinds for h in hires]


def _existing(space: ArcSpace, k: Klass) -> np.ndarray:
    """The states there are: every (institution, post) but, in separate mode, a pool's post
    at an institution whose own pool has no room in any year."""
    at = np.ones((space.n, len(k.posts)), dtype=bool)
    for q, p in enumerate(k.posts):
        if p.kind >= 0:
            at[:, q] = [space.pool_of(p.kind, j) is not None for j in range(space.n)]
    return at


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
        for ti, year in enumerate(space.years):
            nxt = np.zeros(space.states(k), dtype=bool)
            if k.present(year):
                for o in set(_origins(space, k, ti)):
                    nxt[space.targets(k, ti, o)] = True
                    if space.out_allowed(k, ti, o):
                        nxt[space.out_state(k)] = True
            k.reach.append(nxt)


def count_columns(space: ArcSpace) -> int:
    """The integrated program's columns: an integer arc per (cohort or class, year, origin,
    target), and a shortfall variable per requirement row and year."""
    total = sum(len(year_requirement_rows(space.instance, year, space.institutions)) for year in space.years)
    for k in space.classes:
        for ti, year in enumerate(space.years):
            if not k.present(year):
                continue
            for o in _origins(space, k, ti):
                total += len(space.targets(k, ti, o)) + int(space.out_allowed(k, ti, o))
    return total


def program_columns(instance: Instance, community: str, mode: Mode, skip: frozenset[str] = frozenset()) -> int:
    return count_columns(build_arcspace(instance, community, mode, skip))


__all__ = ["ArcSpace", "Klass", "Post", "build_arcspace", "count_columns", "program_columns"]
