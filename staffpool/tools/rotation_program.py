"""The rotation's graph and the integer program over its arcs (docs/rotation.md).

    source → rotator → home(h, s, w) → host(j, s, w) → gap(j, r, w) → sink
                                                     └──────────────→ sink (fills nothing)

A rotator of home h and specialty s has an arc to home(h, s, w) for each window w they may
serve in; home(h, s, w) → host(j, s, w) costs the trip's metres; host(j, s, w) → gap(j, r, w)
exists when s fits row r of host j, and gap(j, r, w) → sink carries at most the row's gap.
Rotators of one home and specialty are interchangeable beyond their arcs to windows, so
the program has one integer column per arc, not per person and place. Two caps join arcs
of several specialties (the away cap per home and window, the host capacity per host and
window), which is why it is an integer program and not a pure flow. The longest trip of a
community is a staircase of binaries over its distinct trip lengths.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from staffpool.domain.instance import ANY_SPECIALTY, Instance, RotationLevel, Tier, Title, within_km
from staffpool.domain.plan import Plan
from staffpool.model.linear import Expr, LinearProgram, Sense


@dataclass(frozen=True)
class Rotator:
    id: str
    home: str
    specialty: str
    title: Title
    windows: tuple[int, ...]  # allowed windows, from 0


@dataclass(frozen=True)
class GapRow:
    """A requirement row of a host with min_title ≥ attending and unmet need after the allocation."""

    host: str
    index: int  # the row's place among the host's senior rows
    specialty: str
    min_title: Title
    gap: int

    @property
    def label(self) -> str:
        return f"{self.specialty}/{self.min_title.value}"


def fits(specialty: str, title: Title, row: GapRow) -> bool:
    """people.md: the specialty is the row's (or the row's is `*`) and the title ranks at least min_title."""
    return row.specialty in (ANY_SPECIALTY, specialty) and title.rank >= row.min_title.rank


@dataclass
class RotationNet:
    """What the rotation is made from, after the allocation."""

    instance: Instance
    rotators: list[Rotator]
    hosts_of: dict[str, list[tuple[str, int]]]  # home → (host, metres), in host order
    away_cap: dict[str, int]
    rows: dict[str, list[GapRow]]  # host → its senior rows (gap 0 included), in input order
    windows: int
    host_capacity: int


def rotation_net(instance: Instance, plan: Plan) -> RotationNet:
    pol = instance.policy.rotation
    limit = pol.max_distance_km if pol.max_distance_km is not None else instance.policy.max_distance_km
    staff_at = staff_posted(plan)
    rotators = due_rotators(instance, plan)
    hosts_of = _hosts_of(instance, rotators, limit)
    away_cap = {home: int(Fraction(str(pol.max_away_fraction)) * staff_at.get(home, 0)) for home in hosts_of}
    return RotationNet(instance, rotators, hosts_of, away_cap, gap_rows(instance, plan), pol.windows, pol.host_capacity)


def staff_posted(plan: Plan) -> dict[str, int]:
    """Staff posted per institution after the allocation, the base of each home's away cap."""
    staff_at: dict[str, int] = {}
    for a in plan.values():
        if a.to_institution:
            staff_at[a.to_institution] = staff_at.get(a.to_institution, 0) + 1
    return staff_at


def due_rotators(instance: Instance, plan: Plan) -> list[Rotator]:
    """Every attending posted at county tier by the allocation who owes grassroots service, by id."""
    inst = instance.institution_by_id
    windows = instance.policy.rotation.windows
    out = []
    for s in instance.staff:
        a = plan.get(s.id)
        # A hired candidate is posted by the allocation as anyone else (model.md): due as well.
        if (s.title == Title.attending and s.grassroots_due and a is not None
                and a.to_institution and inst[a.to_institution].tier == Tier.county):
            allowed = tuple(range(windows)) if not s.rotation_windows else \
                tuple(sorted({w - 1 for w in s.rotation_windows if 1 <= w <= windows}))
            out.append(Rotator(s.id, a.to_institution, s.specialty, s.title, allowed))
    return sorted(out, key=lambda r: r.id)


def _hosts_of(instance: Instance, rotators: list[Rotator], limit: float | None) -> dict[str, list[tuple[str, int]]]:
    """Per rotators' home, the (host, metres) a rotator may go to: same community, a host tier, within the limit."""
    pol = instance.policy.rotation
    inst = instance.institution_by_id
    hosts_of: dict[str, list[tuple[str, int]]] = {}
    for r in rotators:
        if r.home in hosts_of:
            continue
        h = inst[r.home]
        hosts_of[r.home] = sorted(
            (j.id, instance.distance_m(r.home, j.id)) for j in instance.institutions
            if j.community == h.community and j.tier in pol.host_tiers and j.id != r.home
            and within_km(instance.distance_m(r.home, j.id), limit)
        )
    return hosts_of


def gap_rows(instance: Instance, plan: Plan) -> dict[str, list[GapRow]]:
    """Per institution of a host tier, its rows with min_title ≥ attending and their gap after
    the allocation (a county hospital's rows, over its thousand staff, never host anyone)."""
    hosts = {i.id for i in instance.institutions if i.tier in instance.policy.rotation.host_tiers}
    posted: dict[str, list[Any]] = {}
    for s in instance.staff:
        a = plan.get(s.id)
        if a is not None and a.to_institution in hosts:
            posted.setdefault(a.to_institution, []).append(s)
    rows: dict[str, list[GapRow]] = {}
    for r in instance.requirements:
        if r.min_title.rank >= Title.attending.rank and r.institution in hosts:
            have = sum(1 for s in posted.get(r.institution, []) if r.matches(s.specialty, s.title))
            mine = rows.setdefault(r.institution, [])
            mine.append(GapRow(r.institution, len(mine), r.specialty, r.min_title, max(0, r.need - have)))
    return rows


# ---------------------------------------------------------------- the graph


def _node(*parts: object) -> str:
    return "|".join(str(p) for p in parts)


def rotation_graph(net: RotationNet) -> Any:
    """The NetworkX graph of the module docstring. Nodes carry `kind` (r, home, host, gap),
    `at` (the person, home, host) and `window` (from 0); arcs `kind` (window, trip, fill, and
    the fixed source, spare and covered arcs), `capacity` and `weight` (metres)."""
    import networkx as nx  # heavy: imported when used, not at start-up (docs/architecture.md)

    g = nx.DiGraph()
    g.add_node("source", kind="source")
    g.add_node("sink", kind="sink")
    for r in net.rotators:
        g.add_node(_node("r", r.id), kind="r", at=r.id)
        g.add_edge("source", _node("r", r.id), kind="source", capacity=1, weight=0)
        for w in r.windows:
            g.add_node(_node("home", r.home, r.specialty, w), kind="home", at=r.home, specialty=r.specialty, window=w)
            g.add_edge(_node("r", r.id), _node("home", r.home, r.specialty, w), kind="window", capacity=1, weight=0)
    groups = sorted({(r.home, r.specialty, w) for r in net.rotators for w in r.windows})
    size = _group_sizes(net.rotators)
    for home, spec, w in groups:
        for host, metres in net.hosts_of[home]:
            cap = min(net.host_capacity, net.away_cap[home], size[(home, spec)])
            g.add_node(_node("host", host, spec, w), kind="host", at=host, specialty=spec, window=w)
            g.add_edge(_node("home", home, spec, w), _node("host", host, spec, w), kind="trip", capacity=cap, weight=metres)
    for host, spec, w in sorted({(j, s, w) for (h, s, w) in groups for j, _m in net.hosts_of[h]}):
        here = _node("host", host, spec, w)
        for row in net.rows.get(host, []):
            # Every rotator is an attending (model.md): the title of the fit.
            if row.gap and fits(spec, Title.attending, row):
                gap = _node("gap", host, row.index, w)
                g.add_node(gap, kind="gap", at=host, row=row.label, window=w)
                g.add_edge(here, gap, kind="fill", capacity=min(row.gap, net.host_capacity), weight=0)
                g.add_edge(gap, "sink", kind="covered", capacity=row.gap, weight=0)
        g.add_edge(here, "sink", kind="spare", capacity=net.host_capacity, weight=0)
    return g


def _group_sizes(rotators: Iterable[Rotator]) -> dict[tuple[str, str], int]:
    size: dict[tuple[str, str], int] = {}
    for r in rotators:
        size[(r.home, r.specialty)] = size.get((r.home, r.specialty), 0) + 1
    return size


# ---------------------------------------------------------------- the program


@dataclass
class RotationProgram:
    """The integer program over the graph's window, trip and fill arcs, and its levels."""

    lp: LinearProgram
    levels: dict[RotationLevel, Expr]
    arcs: list[tuple[str, str]]  # the arc of each column (the staircase's columns come after)


def rotation_program(net: RotationNet, graph: Any) -> RotationProgram:
    """One integer column per window, trip and fill arc, in the graph's order."""
    lp = LinearProgram(name="rotation")
    arcs: list[tuple[str, str]] = []
    col: dict[tuple[str, str], int] = {}
    for u, v, d in graph.edges(data=True):
        if d["kind"] in ("window", "trip", "fill"):
            col[(u, v)] = lp.var(f"{d['kind']}[{u}>{v}]", 0.0, float(d["capacity"]), integer=True)
            arcs.append((u, v))
    _node_rows(lp, graph, col)
    _joint_caps(lp, net, graph, col)
    covered = Expr({c: -1 for (u, v), c in col.items() if graph.edges[u, v]["kind"] == "fill"})
    distance = Expr({c: int(graph.edges[u, v]["weight"]) for (u, v), c in col.items()
                     if graph.edges[u, v]["kind"] == "trip" and graph.edges[u, v]["weight"]})
    levels = {RotationLevel.covered: covered, RotationLevel.distance: distance}
    if RotationLevel.longest_trip in net.instance.policy.rotation.objective:
        levels[RotationLevel.longest_trip] = _staircase(lp, net, graph, col)
    return RotationProgram(lp, levels, arcs)


def _node_rows(lp: LinearProgram, graph: Any, col: dict[tuple[str, str], int]) -> None:
    """Each rotator in one window; what enters home(h, s, w) leaves it; what fills rows at
    host(j, s, w) came there; a row's gap caps what fills it in a window."""
    for n, kind in graph.nodes(data="kind"):
        if kind == "r":
            lp.row(f"one_window[{n}]", {col[(n, v)]: 1 for v in graph.successors(n)}, Sense.eq, 1)
        elif kind == "home":
            terms: dict[int, float] = {col[(u, n)]: 1 for u in graph.predecessors(n)}
            terms.update({col[(n, v)]: -1 for v in graph.successors(n)})
            lp.row(f"through[{n}]", terms, Sense.eq, 0)
        elif kind == "host":
            terms = {col[(n, v)]: 1 for v in graph.successors(n) if (n, v) in col}
            if terms:  # a host where nobody fits a row has no row here
                terms.update({col[(u, n)]: -1 for u in graph.predecessors(n)})
                lp.row(f"fills[{n}]", terms, Sense.le, 0)
        elif kind == "gap":
            lp.row(f"gap[{n}]", {col[(u, n)]: 1 for u in graph.predecessors(n)}, Sense.le,
                   graph.edges[n, "sink"]["capacity"])


def _joint_caps(lp: LinearProgram, net: RotationNet, graph: Any, col: dict[tuple[str, str], int]) -> None:
    """The away cap per home and window, the host capacity per host and window: over every specialty."""
    away: dict[tuple[str, int], dict[int, float]] = {}
    hosted: dict[tuple[str, int], dict[int, float]] = {}
    for (u, v), c in col.items():
        kind = graph.edges[u, v]["kind"]
        at, w = graph.nodes[v].get("at"), graph.nodes[v].get("window")
        if kind == "window":
            away.setdefault((at, w), {})[c] = 1
        elif kind == "trip":
            hosted.setdefault((at, w), {})[c] = 1
    for (home, w), terms in away.items():
        lp.row(f"away[{home},{w}]", terms, Sense.le, net.away_cap[home])
    for (host, w), terms in hosted.items():
        lp.row(f"host_capacity[{host},{w}]", terms, Sense.le, net.host_capacity)


def _staircase(lp: LinearProgram, net: RotationNet, graph: Any, col: dict[tuple[str, str], int]) -> Expr:
    r"""The longest trip per community: for its distinct trip lengths d_1 < … < d_K a binary
    t_k ("some trip is d_k or longer"), t_k ≤ t_{k−1}, and the trips of each (home, host)
    at d_k in a window at most M·t_k, M the fewest of the home's rotators, the host's
    capacity and the home's away cap (the smaller M, the closer the LP to the optimum: about
    0.2 s less on twelve communities than one row per pair with every window's places).
    Level: Σ_c Σ_k (d_k − d_{k−1}) t_k, in metres."""
    inst = net.instance.institution_by_id
    trips: dict[tuple[str, str], dict[int, dict[int, float]]] = {}  # (home, host) → window → its trip columns
    for (u, v), c in col.items():
        if graph.edges[u, v]["kind"] == "trip":
            home, host = graph.nodes[u]["at"], graph.nodes[v]["at"]
            trips.setdefault((home, host), {}).setdefault(graph.nodes[v]["window"], {})[c] = 1.0
    lengths: dict[str, set[int]] = {}
    metres = {(h, j): m for h, hosts in net.hosts_of.items() for j, m in hosts}
    for pair in trips:
        if metres[pair]:
            lengths.setdefault(inst[pair[0]].community, set()).add(metres[pair])
    homes = Counter(r.home for r in net.rotators)
    level = Expr()
    step: dict[tuple[str, int], int] = {}
    for comm in sorted(lengths):
        last, prev = 0, None
        for d in sorted(lengths[comm]):
            t = lp.var(f"longest[{comm},{d}]", 0.0, 1.0, integer=True)
            step[(comm, d)] = t
            level.terms[t] = d - last
            if prev is not None:
                lp.row(f"staircase[{comm},{d}]", {t: 1.0, prev: -1.0}, Sense.le, 0)
            last, prev = d, t
    for pair, by_window in trips.items():
        if metres[pair]:
            t = step[(inst[pair[0]].community, metres[pair])]
            for w, terms in sorted(by_window.items()):
                # As small as is safe (a tighter LP): the home's rotators, the places of a window.
                big = min(homes[pair[0]], net.host_capacity, net.away_cap[pair[0]])
                lp.row(f"longest_link[{pair[0]},{pair[1]},{w}]", {**terms, t: -float(big)}, Sense.le, 0)
    return level
