"""The program over years as data: horizon cohorts and classes, pools, states, arcs (the rules' year forms read and extend it).

Each person's years are a path through states: (institution, post) per year, where the
post is `existing` (on_staff), `none` (a contract member not regularised), a pool whose
post they took (regularised or hired, kept ever after), and, for a candidate, `out` (not
hired yet). People interchangeable in every year (a horizon cohort: the one-year cohort
key plus their pins of every year, the year they leave, arrive, and the grassroots years
owed) share integer flows on the arcs year → year; an integer flow splits into paths, one
per member, so nothing is lost by aggregating. Cohorts that differ only in where they
start form a class: after the first year only the state tells them apart.

`ArcSpace` is where a class may be and go in each year: the option rules' year forms
(`allow_*_years`) narrow a class's `YearOptions` of each year, and the arcs follow from
them (`ArcSpace.targets`). `HorizonModel` is the program built on those arcs; the
constraint and level rules' year forms (`define_*_years`) add a year's rows and level
terms to it, reading the arcs of the year as arrays (`HorizonModel.year_arcs`).
docs/model.md has the argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from staffpool.domain.instance import (
    Community,
    Funding,
    Instance,
    Institution,
    Level,
    Mode,
    StaffMember,
    StaffStatus,
    Title,
    present,
    year_communities,
)
from staffpool.model.linear import Expr, LinearProgram, Sense

OUT = "out"  # a candidate not hired (yet)
EXISTING = "existing"
NONE = "none"

# Post kinds of a class's states: besides these, a pool kind 0, 1, … (the pool of that index
# in `ArcSpace.pool_ids`; in separate mode the one kind 0 is the institution's own pool).
OUT_K, EXIST_K, NONE_K = -3, -2, -1


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
    wishes: tuple[tuple[str, int], ...] = ()  # (institution, rank) of each preference row

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
        key: tuple[Any, ...] = (s.status, s.title, s.specialty, s.posted_at or "", mobile, s.post_funding, pins, gone,
                                arrives, s.grassroots_years)
        if instance.wishes:  # without any row the keys, and so the cohorts' order, are as before
            key += (instance.wishes.get(s.id, ()),)
        groups.setdefault(key, []).append(s)
    out: list[HorizonCohort] = []
    classes: dict[tuple[Any, ...], int] = {}
    for key in sorted(groups, key=lambda k: tuple(str(v) for v in k)):
        people = groups[key]
        klass = classes.setdefault(key[:3] + key[4:], len(classes))  # all but posted_at
        out.append(HorizonCohort(
            index=len(out), first=people[0], members=tuple(sorted(p.id for p in people)),
            pins=dict(zip(years, key[6], strict=True)), gone=key[7], arrives=key[8], klass=klass,
            wishes=key[10] if len(key) > 10 else (),
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


# ---------------------------------------------------------------- where a class may be and go


@dataclass(frozen=True)
class Post:
    kind: int  # EXIST_K, NONE_K or a pool kind
    hired: int | None = None


@dataclass(frozen=True)
class YearOptions:
    """Where a member of a class may be in one year, as the option rules' year forms leave
    it (`allow_*_years` take one and return the one they leave, never writing into it)."""

    at: Any  # bool (n, posts): in post q at institution j
    move: Any  # bool (n, n): from institution i to j (shared arrays: `ArcSpace.meet`)
    out: bool  # a candidate not hired may stay so


@dataclass
class Klass:
    """A horizon class (cohorts that differ only in where they start) and its options."""

    index: int
    cohorts: list[HorizonCohort]
    posts: list[Post]
    gone: int | None
    arrives: int | None
    options: list[YearOptions] = field(default_factory=list)  # per year
    reach: list[Any] = field(default_factory=list)  # per year: the states a member may be in after it

    @property
    def first(self) -> StaffMember:
        return self.cohorts[0].first

    @property
    def pins(self) -> dict[int, tuple[tuple[str, str], ...]]:
        return self.cohorts[0].pins  # a class's cohorts share their pins

    @property
    def wishes(self) -> tuple[tuple[str, int], ...]:
        return self.cohorts[0].wishes  # and their wishes

    def present(self, year: int) -> bool:
        return self.gone is None or self.gone > year


@dataclass
class ArcSpace:
    """The states of each class (institution j < n and post q, or `out`) and the arcs
    between them year by year. A state is the integer j * len(posts) + q; `out` is
    `out_state(k)`."""

    instance: Instance
    community: str
    mode: Mode
    years: list[int]
    institutions: list[Institution]  # the community's, by id
    cohorts: list[HorizonCohort]
    pools: dict[str, HorizonPool]
    classes: list[Klass] = field(default_factory=list)
    n: int = field(init=False)  # institutions
    dist: Any = None  # community._Distances: whole metres, the one-year program's
    derived: dict[Any, Any] = field(default_factory=dict, repr=False)  # values the rules work out once
    _meets: dict[tuple[int, int], Any] = field(default_factory=dict, repr=False)
    _states: dict[tuple[int, int], State] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.n = len(self.institutions)

    @property
    def pool_ids(self) -> list[str]:
        return list(self.pools)

    @property
    def pool_kinds(self) -> int:
        """Pool kinds: one in separate mode (the institution's own pool), else one per pool."""
        return 1 if self.mode == Mode.separate else len(self.pools)

    def per_institution(self, values: list[Any]) -> Any:
        """One bool per institution as a column (n, 1), to `&` with a YearOptions.at."""
        import numpy as np  # heavy: only the program over years needs it

        return np.array(values, dtype=bool).reshape(self.n, 1)

    def per_post(self, values: list[Any]) -> Any:
        """One bool per post of a class as a row (1, posts), to `&` with a YearOptions.at."""
        import numpy as np  # heavy: only the program over years needs it

        return np.array(values, dtype=bool).reshape(1, len(values))

    @property
    def everywhere(self) -> Any:
        """The moves no rule has narrowed: from any institution to any."""
        if "everywhere" not in self.derived:
            import numpy as np  # heavy: only the program over years needs it

            self.derived["everywhere"] = np.ones((self.n, self.n), dtype=bool)
        return self.derived["everywhere"]

    @property
    def stay(self) -> Any:
        """No move: from each institution to itself only."""
        if "stay" not in self.derived:
            import numpy as np  # heavy: only the program over years needs it

            self.derived["stay"] = np.eye(self.n, dtype=bool)
        return self.derived["stay"]

    def meet(self, a: Any, b: Any) -> Any:
        """The moves both `a` and `b` allow, made once per pair of arrays (a county has a
        few distinct ones, shared by its classes and years)."""
        if a is b or b is self.everywhere:
            return a
        if a is self.everywhere:
            return b
        key = (id(a), id(b))
        if key not in self._meets:
            self._meets[key] = (a, b, a & b)  # a and b kept: their ids stay theirs
        return self._meets[key][2]

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

    @property
    def index(self) -> dict[str, int]:
        """Institution id -> its position in `institutions`."""
        if "index" not in self.derived:
            self.derived["index"] = {j.id: n for n, j in enumerate(self.institutions)}
        return self.derived["index"]

    def pool_of(self, kind: int, j: int) -> str | None:
        """The pool id of post kind `kind` (≥ 0) at institution j: None if there is none."""
        if self.mode == Mode.separate:
            here = self.institutions[j].id
            return here if here in self.pools else None
        return self.pool_ids[kind]

    def state(self, k: Klass, s: int) -> State:
        """State s of class k as the builder names it."""
        key = (k.index, s)
        if key not in self._states:
            if s == self.out_state(k):
                self._states[key] = State(None, OUT)
            else:
                j, q = divmod(s, len(k.posts))
                post = k.posts[q]
                name = EXISTING if post.kind == EXIST_K else NONE if post.kind == NONE_K else self.pool_of(post.kind, j)
                assert name is not None
                self._states[key] = State(self.institutions[j].id, name, post.hired)
        return self._states[key]

    def targets(self, k: Klass, ti: int, o: int) -> Any:
        """The states other than `out` an arc of class k in year ti leads to from state o,
        by institution then post (numpy ints): where the options allow, reached by a move
        they allow, in the post kept, or (contract) regularised into a pool this year, or
        (a candidate) hired this year, once arrived."""
        import numpy as np  # heavy: only the program over years needs it

        opts = k.options[ti]
        if o == self.out_state(k):
            year = self.years[ti]
            if k.arrives is not None and k.arrives > year:
                return np.zeros(0, dtype=np.int64)
            return np.flatnonzero(opts.at & self._next_posts(k, -1, year))
        i, p = divmod(o, len(k.posts))
        return np.flatnonzero(opts.move[i][:, None] & opts.at & self._next_posts(k, p, None))

    def _next_posts(self, k: Klass, p: int, year: int | None) -> Any:
        """The posts a member of class k in post p (-1: `out`) may hold next: their own; a
        pool's post (contract, regularised); a pool's post with this year of hiring (a
        candidate hired in `year`)."""
        key = ("next", k.index, p, year)
        if key not in self.derived:
            posts = k.posts
            if p < 0:
                hired = year if k.first.grassroots_years > 0 else None
                ok = [post.kind >= 0 and post.hired == hired for post in posts]
            else:
                ok = [q == p or (posts[p].kind == NONE_K and post.kind >= 0 and post.hired is None)
                      for q, post in enumerate(posts)]
            self.derived[key] = self.per_post(ok)
        return self.derived[key]

    def out_allowed(self, k: Klass, ti: int, o: int) -> bool:
        """May a candidate stay `out` in year ti? Always before arriving."""
        if o != self.out_state(k):
            return False
        if k.arrives is not None and k.arrives > self.years[ti]:
            return True
        return k.options[ti].out


# ---------------------------------------------------------------- the program over years


@dataclass
class Node:
    """One flow row: the members of `owner` (a cohort in the first year, a class after) in
    state `origin` at the start of `year` leave it by the arcs `out`; `into` are the arcs
    of the year before that end there."""

    owner: int
    klass: int
    year: int
    origin: int
    out: range
    into: list[int]
    size: int  # the cohort's members in the first year, 0 after (what came in goes on)


@dataclass
class YearArcs:
    """The arcs of one year as arrays (numpy), one entry per arc in column order: what the
    constraint rules' year forms read, as the one-year rules read `CommunityModel.x_arrays`."""

    col: Any
    klass: Any
    origin: Any  # institution index of the origin, -1: `out`
    target: Any  # institution index of the target, -1: `out`
    origin_kind: Any  # post kind of the origin (OUT_K, EXIST_K, NONE_K or a pool kind)
    target_kind: Any
    target_pool: Any  # index into `pools` of the target's post, -1: not a pool's post


@dataclass
class HorizonModel:
    instance: Instance
    community: str
    mode: Mode
    space: ArcSpace
    lp: LinearProgram
    arcs: list[Arc] = field(default_factory=list)
    levels: dict[Level, Expr] = field(default_factory=dict)
    nodes: dict[int, list[Node]] = field(default_factory=dict)  # year -> its flow rows
    families: dict[str, list[str]] = field(default_factory=dict)
    # The arcs of each year as the builder laid them: (first column, class, origin, targets) per node.
    laid: dict[int, list[tuple[int, int, int, Any]]] = field(default_factory=dict, repr=False)
    derived: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def years(self) -> list[int]:
        return self.space.years

    @property
    def cohorts(self) -> list[HorizonCohort]:
        return self.space.cohorts

    @property
    def pools(self) -> dict[str, HorizonPool]:
        return self.space.pools

    @property
    def institutions(self) -> list[Institution]:
        return self.space.institutions

    @property
    def classes(self) -> list[Klass]:
        return self.space.classes

    def community_in(self, year: int) -> Community:
        """The community with that year's budgets."""
        return {c.id: c for c in year_communities(self.instance, year)}[self.community]

    def add(self, family: str, name: str, terms: dict[int, float], sense: Sense, rhs: float) -> None:
        self.lp.row(name, terms, sense, rhs)
        self.families.setdefault(family, []).append(name)

    def year_arcs(self, year: int) -> YearArcs:
        if ("arcs", year) not in self.derived:
            self.derived[("arcs", year)] = self._year_arcs(year)
        return self.derived[("arcs", year)]

    def _year_arcs(self, year: int) -> YearArcs:
        import numpy as np  # heavy: only the program over years needs it

        laid = self.laid.get(year, [])
        none = np.zeros(0, dtype=np.int64)
        col = np.concatenate([np.arange(c0, c0 + len(t), dtype=np.int64) for c0, _k, _o, t in laid] or [none])
        klass = np.concatenate([np.full(len(t), k, dtype=np.int64) for _c0, k, _o, t in laid] or [none])
        origin = np.concatenate([np.full(len(t), o, dtype=np.int64) for _c0, _k, o, t in laid] or [none])
        target = np.concatenate([np.asarray(t, dtype=np.int64) for *_rest, t in laid] or [none])
        # A state s of class k is institution s // posts(k) and post s % posts(k), or `out`.
        nq = np.array([max(1, len(k.posts)) for k in self.classes] or [1], dtype=np.int64)
        kinds = np.zeros((max(1, len(self.classes)), int(nq.max())), dtype=np.int64)
        for k in self.classes:
            kinds[k.index, :len(k.posts)] = [p.kind for p in k.posts]
        q, out = nq[klass], self.space.n * nq[klass]

        def place_and_kind(s: Any) -> tuple[Any, Any]:
            is_out = s == out
            return np.where(is_out, -1, s // q), np.where(is_out, OUT_K, kinds[klass, s % q])

        o_place, o_kind = place_and_kind(origin)
        t_place, t_kind = place_and_kind(target)
        if self.mode == Mode.separate:  # the one pool kind: the target institution's own pool
            pos = {pid: n for n, pid in enumerate(self.pools)}
            own = np.array([pos.get(j.id, -1) for j in self.institutions] or [-1], dtype=np.int64)
            t_pool = np.where(t_kind >= 0, own[np.maximum(t_place, 0)], -1)
        else:
            t_pool = np.where(t_kind >= 0, t_kind, -1)
        return YearArcs(col, klass, o_place, t_place, o_kind, t_kind, t_pool)

    def at_institution(self, year: int) -> tuple[Any, Any]:
        """The year's arcs into each institution: (positions into `year_arcs(year)`, starts)
        such that positions[starts[j]:starts[j + 1]] end at `institutions[j]`, in column order."""
        key = ("at", year)
        if key not in self.derived:
            import numpy as np  # heavy: only the program over years needs it

            target = self.year_arcs(year).target
            order = np.argsort(target, kind="stable")
            starts = np.searchsorted(target[order], np.arange(-1, self.space.n + 1))[1:]  # `out` (-1) first: skipped
            self.derived[key] = (order, starts)
        return self.derived[key]

    def moved(self, year: int) -> Any:
        """Positions (into `year_arcs(year)`) of the arcs that move someone: from one
        institution to another."""
        a = self.year_arcs(year)
        return ((a.origin >= 0) & (a.target != a.origin)).nonzero()[0]

    def hired(self, year: int) -> Any:
        """Positions of the arcs that hire a candidate: from `out` to an institution."""
        a = self.year_arcs(year)
        return ((a.origin < 0) & (a.target >= 0)).nonzero()[0]

    def taken(self, year: int) -> Any:
        """Positions of the arcs that take a pool's post this year: a hire, or a contract
        member regularised."""
        a = self.year_arcs(year)
        return ((a.target_pool >= 0) & ((a.origin_kind == OUT_K) | (a.origin_kind == NONE_K))).nonzero()[0]

    def salaries(self) -> Any:
        """Per class, the salary of its title (numpy ints)."""
        if "salaries" not in self.derived:
            import numpy as np  # heavy: only the program over years needs it

            self.derived["salaries"] = np.array([self.instance.salary(k.first.title) for k in self.classes] or [0],
                                                dtype=np.int64)
        return self.derived["salaries"]

    def metres(self) -> Any:
        """Whole metres between every two institutions (the one-year program's distances)."""
        if "metres" not in self.derived:
            self.derived["metres"] = self.space.dist.matrix()
        return self.derived["metres"]

    def title_of(self, k: int) -> Title:
        return self.classes[k].first.title


__all__ = [
    "EXISTING", "EXIST_K", "NONE", "NONE_K", "OUT", "OUT_K", "Arc", "ArcSpace", "HorizonCohort", "HorizonModel",
    "HorizonPool", "Klass", "Node", "Post", "State", "YearArcs", "YearOptions", "horizon_cohorts", "horizon_pools",
]
