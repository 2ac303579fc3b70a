"""One community's program as data: options, pools, columns, distances (the rules read and extend it)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain, compress
from operator import attrgetter
from typing import Any

from staffpool.domain.instance import (
    Community,
    Funding,
    Instance,
    Institution,
    Level,
    Mode,
    Requirement,
    StaffStatus,
    distance_m,
    within_km,
)
from staffpool.model.cohorts import Cohort
from staffpool.model.linear import Expr, LinearProgram, Sense

_INSTITUTION = attrgetter("institution")



class PostKind(StrEnum):
    existing = "existing"  # an on_staff member keeps their post
    none = "none"  # a contract member: whether they are regularised is decided per tier (`r`)
    new = "new"  # a hired candidate: which pool's post they take is decided per tier (`h`)


@dataclass(frozen=True)
class Option:
    """Where a cohort may be posted. Posts of contract and hired people are not part of the
    option: who is regularised or hired into which pool never changes coverage, moves,
    distance, capacity or cost, only which tier they serve at (post-use) and the pools'
    vacancies, so it is decided in aggregate per (tier, pool) by `define_vacancies`."""

    institution: str
    kind: PostKind


@dataclass
class Pool:
    """Where vacancies are counted: an institution (separate), a (community, funding)
    (county_pool) or a community (unified)."""

    id: str
    funding: Funding | None  # None: unified
    institution: str | None  # set in separate mode
    vacancies: int


@dataclass
class CommunityModel:
    instance: Instance
    community: Community
    mode: Mode
    institutions: list[Institution]
    cohorts: list[Cohort]
    pools: dict[str, Pool]
    dist: dict[tuple[str, str], int]
    options: list[list[Option]] = field(default_factory=list)
    lp: LinearProgram = field(default_factory=LinearProgram)
    # The columns of `lp` per cohort: cols[k][o] people of cohort k posted at option o (a
    # cohort's columns are consecutive, the cohorts' follow each other from column 0).
    cols: list[range] = field(default_factory=list)
    short: dict[int, int] = field(default_factory=dict)
    requirements: list[tuple[int, Requirement]] = field(default_factory=list)
    levels: dict[Level, Expr] = field(default_factory=dict)
    families: dict[str, list[str]] = field(default_factory=dict)
    # New posts per (group, pool): group is a tier (county_pool), an institution (separate)
    # or the community (unified); `reg` regularises contract staff, `hire` holds hires' posts.
    # Keys (group, pool, title): title is "" unless `by_title` (the treasury prices posts by title).
    reg: dict[tuple[str, str, str], int] = field(default_factory=dict)
    hire: dict[tuple[str, str, str], int] = field(default_factory=dict)
    by_title: bool = False
    # Elastic build (`staffpool explain`): constraint families whose ≤ rows get a slack.
    elastic: frozenset[str] = frozenset()
    slack: dict[str, int] = field(default_factory=dict)
    # Values worked out from the options once, for the rules (`x_arrays`, `moved_columns`, …).
    derived: dict[str, Any] = field(default_factory=dict, repr=False)
    _pools_for: dict[str, list[Pool]] = field(default_factory=dict, repr=False)
    _all_options: dict[PostKind, list[Option]] = field(default_factory=dict, repr=False)
    _within: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _ids_in: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _x: XColumns | None = field(default=None, repr=False)
    _by_inst: tuple[Any, Any] | None = field(default=None, repr=False)

    @property
    def x(self) -> XColumns:
        """The columns by (cohort, option): x[(k, o)] == cols[k][o] (a view of `cols`)."""
        if self._x is None:
            self._x = XColumns(self.cols)
        return self._x

    def x_arrays(self) -> tuple[Any, Any]:
        """Per column of the cohorts (0 to len(x) - 1): the position of its option's
        institution in `institutions`, and its cohort (numpy int arrays). The constraint
        rules work on these instead of looping over every option in Python."""
        if "x" not in self.derived:
            import numpy as np

            pos = {j.id: n for n, j in enumerate(self.institutions)}
            inst = np.fromiter(map(pos.__getitem__, map(_INSTITUTION, chain.from_iterable(self.options))),
                               dtype=np.int64, count=sum(map(len, self.options)))
            cohort = np.repeat(np.arange(len(self.cohorts), dtype=np.int64), [len(c) for c in self.cols])
            self.derived["x"] = (inst, cohort)
        return self.derived["x"]

    def by_institution(self) -> tuple[Any, Any]:
        """The cohorts' columns grouped by institution: (columns, starts) such that
        columns[starts[n]:starts[n + 1]] are those at `institutions[n]`, in column order."""
        if self._by_inst is None:
            import numpy as np

            inst, _cohort = self.x_arrays()
            order = np.argsort(inst, kind="stable")
            starts = np.searchsorted(inst[order], np.arange(len(self.institutions) + 1))
            self._by_inst = (order, starts)
        return self._by_inst

    def moved_columns(self) -> tuple[Any, Any]:
        """The columns that move someone (not a candidate, another institution than
        posted_at; `moved`), in column order, and the position of each one's posted_at."""
        if "moved" not in self.derived:
            import numpy as np

            inst, cohort = self.x_arrays()
            pos = {j.id: n for n, j in enumerate(self.institutions)}
            # -1: a candidate, never moved; -2: posted elsewhere, moved wherever posted
            home = np.array([-1 if c.status == StaffStatus.candidate else pos.get(c.posted_at or "", -2)
                             for c in self.cohorts], dtype=np.int64)[cohort]
            cols = np.nonzero((home != -1) & (inst != home))[0]
            self.derived["moved"] = (cols, home[cols])
        return self.derived["moved"]

    def ids_in(self, community: str) -> frozenset[str]:
        """The ids of the instance's institutions in `community`."""
        if community not in self._ids_in:
            self._ids_in[community] = frozenset(i.id for i in self.instance.institutions if i.community == community)
        return self._ids_in[community]

    def within_limit(self, home: str) -> frozenset[str]:
        """Institutions a move from `home` may reach under the policy's max_distance_km."""
        if home not in self._within:
            limit = self.instance.policy.max_distance_km
            dist = self.dist
            if isinstance(dist, _Distances):  # the whole row at once (within_km on arrays)
                self._within[home] = dist.within(home, limit)
            else:
                self._within[home] = frozenset(j.id for j in self.institutions
                                               if within_km(dist[(home, j.id)], limit))
        return self._within[home]

    def dist_from(self, home: str) -> dict[str, int]:
        """Metres from `home` to each institution of the community."""
        dist = self.dist
        if isinstance(dist, _Distances):
            return dist.row(home)
        return {j.id: dist[(home, j.id)] for j in self.institutions}

    def metres_row(self, home: str) -> Any:
        """Metres from `home` to each institution of the community, as a numpy array in
        the order of `institutions`."""
        dist = self.dist
        if isinstance(dist, _Distances):
            return dist._metres_from(home)
        import numpy as np

        return np.array([dist[(home, j.id)] for j in self.institutions], dtype=np.int64)

    @property
    def inst(self) -> dict[str, Institution]:
        return self.instance.institution_by_id

    def add(self, family: str, name: str, terms: dict[int, float], sense: Sense, rhs: float) -> None:
        """Add Σ terms (sense) rhs under a name built from the data, e.g. `capacity[C000-T04]`."""
        if family in self.elastic and sense == Sense.le:
            e = self.lp.var(f"slack_{len(self.slack):05d}", integer=True)
            self.slack[name] = e
            terms = {**terms, e: -1}
        self.lp.row(name, terms, sense, rhs)
        self.families.setdefault(family, []).append(name)

    def post_group(self, institution: str) -> str:
        """The group whose new posts a person posted at `institution` may take."""
        if self.mode == Mode.separate:
            return institution
        if self.mode == Mode.county_pool:
            return self.inst[institution].tier.value
        return self.community.id

    def pools_for(self, institution: str) -> list[Pool]:
        """Pools with vacancies whose new posts may serve at `institution` (post-use rules)."""
        if institution not in self._pools_for:
            self._pools_for[institution] = self._find_pools(institution)
        return self._pools_for[institution]

    def _find_pools(self, institution: str) -> list[Pool]:
        out = []
        for p in self.pools.values():
            if p.vacancies <= 0:
                continue
            if p.institution is not None and p.institution != institution:
                continue
            if self.mode == Mode.county_pool and p.funding is not None and not self.instance.policy.post_use_allowed(
                p.funding, self.inst[institution].tier
            ):
                continue
            out.append(p)
        return out

    def moved(self, cohort: Cohort, option: Option) -> bool:
        return cohort.status != StaffStatus.candidate and option.institution != cohort.posted_at


def vacancy_pools(instance: Instance, community: str, mode: Mode) -> dict[str, Pool]:
    """model.md vacancies: max(0, approved posts − on_staff holding posts of the pool)."""
    insts = [i for i in instance.institutions if i.community == community]
    on_staff = [s for s in instance.staff if s.community == community and s.status == StaffStatus.on_staff]
    pools: dict[str, Pool] = {}
    if mode == Mode.separate:
        held_at: dict[str | None, int] = {}
        for s in on_staff:
            held_at[s.quota_holder] = held_at.get(s.quota_holder, 0) + 1
        for i in insts:
            pools[i.id] = Pool(i.id, i.funding, i.id, max(0, i.approved_posts - held_at.get(i.id, 0)))
    elif mode == Mode.county_pool:
        for f in (Funding.differential, Funding.full):
            approved = sum(i.approved_posts for i in insts if i.funding == f)
            held = sum(1 for s in on_staff if s.post_funding == f)
            pid = f"{community},{f.value}"
            pools[pid] = Pool(pid, f, None, max(0, approved - held))
    else:
        approved = sum(i.approved_posts for i in insts)
        pools[community] = Pool(community, None, None, max(0, approved - len(on_staff)))
    return pools


_KIND = {StaffStatus.on_staff: PostKind.existing, StaffStatus.contract: PostKind.none, StaffStatus.candidate: PostKind.new}


def candidate_options(cm: CommunityModel, cohort: Cohort) -> list[Option]:
    """Every (institution, post) before the option rules prune: model.md rule 1."""
    kind = _KIND[cohort.status]
    if kind not in cm._all_options:  # options are values: one list per kind serves every cohort
        cm._all_options[kind] = [Option(j.id, kind) for j in cm.institutions]
    return cm._all_options[kind]


class XColumns(Mapping[tuple[int, int], int]):
    """x[(k, o)]: the column of cohort k's option o, read off the cohorts' column ranges
    (no dict of a tuple per column: a county has 33,000)."""

    def __init__(self, cols: list[range]):
        self._cols = cols

    def __getitem__(self, key: tuple[int, int]) -> int:
        k, o = key
        if not (0 <= k < len(self._cols) and 0 <= o < len(self._cols[k])):
            raise KeyError(key)
        return self._cols[k][o]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return ((k, o) for k, r in enumerate(self._cols) for o in range(len(r)))

    def __len__(self) -> int:
        return sum(map(len, self._cols))


class _Distances(dict[tuple[str, str], int]):
    """domain.distance_m by (from, to) id. The metres from one institution to every other of
    the community are computed at once with numpy when first asked for (a county: 151 per
    home in microseconds instead of 10,000 calls of distance_m, 0.03 s); a pair whose
    metres lie within a millimetre of a half metre goes through distance_m itself, so every
    value is distance_m's: elsewhere numpy's hypot (within an ulp of math.hypot's) and the
    rounding to micrometres cannot change the whole metres. Rows, not the whole table: a
    community where few people may move (separate mode) needs few of them."""

    def __init__(self, insts: list[Institution]):
        super().__init__()
        self._insts = insts
        self._pos = {i.id: k for k, i in enumerate(insts)}
        self._xy: Any = None
        self._arrays: dict[str, Any] = {}
        self._rows: dict[str, dict[str, int]] = {}

    def _metres_from(self, home: str) -> Any:
        if home not in self._arrays:
            import numpy as np

            if self._xy is None:
                self._xy = (np.array([i.x_km for i in self._insts], dtype=float),
                            np.array([i.y_km for i in self._insts], dtype=float))
            x, y = self._xy
            k = self._pos[home]
            mm = np.hypot(x - x[k], y - y[k]) * 1000.0
            m = np.floor(mm + 0.5).astype(np.int64)
            for b in np.nonzero(np.abs(mm - np.floor(mm) - 0.5) < 1e-3)[0].tolist():
                m[b] = distance_m(self._insts[k], self._insts[b])
            m[k] = 0
            self._arrays[home] = m
        return self._arrays[home]

    def __missing__(self, key: tuple[str, str]) -> int:
        a, b = key
        self[key] = metres = int(self._metres_from(a)[self._pos[b]])
        return metres

    def row(self, home: str) -> dict[str, int]:
        if home not in self._rows:
            self._rows[home] = dict(zip(self._pos, self._metres_from(home).tolist(), strict=True))
        return self._rows[home]

    def matrix(self) -> Any:
        """Metres between every two institutions (numpy ints, rows and columns in order)."""
        import numpy as np

        return np.array([self._metres_from(i.id) for i in self._insts], dtype=np.int64).reshape(len(self._insts), -1)

    def within(self, home: str, limit_km: float | None) -> frozenset[str]:
        """The institutions within_km(limit_km) of `home` (the same comparison, on the row)."""
        if limit_km is None:
            return frozenset(self._pos)
        ok = self._metres_from(home) <= limit_km * 1000.0 + 1e-6
        return frozenset(compress(self._pos, ok.tolist()))


def _distances(insts: list[Institution]) -> dict[tuple[str, str], int]:
    return _Distances(insts)



