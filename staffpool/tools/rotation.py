"""Grassroots rotation (model.md, "Rotation") as a NetworkX min-cost flow.

    source → rotator → (home, window) → [away cap] → (host, window) → [host cap]
           → rewarded arc (cap = min(senior gap, host cap), cost −R) or plain arc → sink

Capacities are integers and trip costs are whole metres, so network simplex returns an
integral optimum; R exceeds the largest possible metre total, so covering one more slot
always beats any saving in km: the two levels stay lexicographic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from staffpool.constants import Status
from staffpool.domain.instance import Instance, StaffStatus, Tier, Title, within_km
from staffpool.domain.plan import Plan
from staffpool.domain.years import year_view
from staffpool.i18n import _
from staffpool.inputs import labels
from staffpool.outputs.files import csv_text, refuse_existing, write_files_atomic, write_json_atomic, write_text_atomic

if TYPE_CHECKING:
    import pandas as pd

# The names last, so the ids' columns keep their places for readers of earlier files.
COLUMNS = ["staff_id", "home", "host", "window", "first_period", "last_period", "distance_km", "name", "host_name"]
ROTATION_FILES = ("rotation.csv", "rotation_summary.json")


@dataclass(kw_only=True)
class RotationResult:
    """The rotation after an allocation: `status` (`optimal`, or `infeasible` with `reasons`),
    `table` (pandas, rotation.csv: who goes where in which window), `hosts` (per host and
    window: rotators, senior gap, covered), `covered_slots`, `distance_km`, `summary`
    (rotation_summary.json as a dict), `graph` (the flow network) and `write(folder)`.

        >>> r = staffpool.rotate("instances/sanming-county")
        >>> r.status, r.covered_slots, r.summary["rotators"]
    """

    status: Status
    table: pd.DataFrame
    covered_slots: int
    distance_km: float
    hosts: pd.DataFrame
    reasons: list[str] = field(default_factory=list)
    graph: Any = None

    @property
    def summary(self) -> dict[str, Any]:
        """rotation_summary.json: covered_slots, distance_km, status, rotators, reasons."""
        return {"covered_slots": self.covered_slots, "distance_km": round(self.distance_km, 3),
                "status": self.status.value, "rotators": len(self.table), "reasons": self.reasons}

    def write(self, out: str | Path, force: bool = False) -> list[Path]:
        """rotation.csv and rotation_summary.json into the folder `out` (existing ones only with
        `force`; other files there are left alone). Returns the paths written."""
        out = Path(out)
        refuse_existing([out / n for n in ROTATION_FILES], force)
        rows = ([f"{v:.3f}" if c == "distance_km" else v for c, v in zip(COLUMNS, r, strict=True)]
                for r in self.table[COLUMNS].itertuples(index=False, name=None))
        write_files_atomic(out, {"rotation.csv": csv_text(COLUMNS, rows)})
        write_json_atomic(out / "rotation_summary.json", self.summary)
        return [out / n for n in ROTATION_FILES]


def senior_gaps(instance: Instance, plan: Plan) -> dict[str, int]:
    """Unmet need, after the allocation, of rows with min_title ≥ attending, per institution."""
    posted: dict[str, list[Any]] = {}
    for s in instance.staff:
        a = plan.get(s.id)
        if a is not None and a.to_institution:
            posted.setdefault(a.to_institution, []).append(s)
    gaps: dict[str, int] = {}
    for r in instance.requirements:
        if r.min_title.rank >= Title.attending.rank:
            have = sum(1 for s in posted.get(r.institution, []) if r.matches(s.specialty, s.title))
            gaps[r.institution] = gaps.get(r.institution, 0) + max(0, r.need - have)
    return gaps


def rotate(instance: Instance, plan: Plan) -> RotationResult:
    """The rotation of the year planned (the first of a horizon: `year_view`) after the
    allocation `plan`: a min-cost flow placing every due attending, covering the most
    senior-gap slots, then the fewest km."""
    import networkx as nx  # heavy: imported when used, not at start-up (docs/architecture.md)
    import pandas as pd

    instance = year_view(instance)
    pol = instance.policy.rotation
    limit = pol.max_distance_km if pol.max_distance_km is not None else instance.policy.max_distance_km
    staff_at = _staff_at(plan)
    rotators = _rotators(instance, plan)
    gaps = senior_gaps(instance, plan)
    hosts_of = _hosts_of(instance, rotators, limit)
    away_cap = {home: int(Fraction(str(pol.max_away_fraction)) * staff_at.get(home, 0)) for home in hosts_of}
    reasons = _reasons(instance, rotators, hosts_of, away_cap, pol.windows, limit)
    g = _flow_graph(instance, rotators, hosts_of, away_cap, gaps)
    empty_hosts = pd.DataFrame(columns=["host", "window", "rotators", "senior_gap", "covered"])
    if not rotators:
        return RotationResult(status=Status.optimal, table=pd.DataFrame(columns=COLUMNS), covered_slots=0,
                              distance_km=0.0, hosts=empty_hosts, graph=g)
    try:
        _cost, flow = nx.network_simplex(g)
    except nx.NetworkXUnfeasible:
        return RotationResult(status=Status.infeasible, table=pd.DataFrame(columns=COLUMNS), covered_slots=0,
                              distance_km=0.0, hosts=empty_hosts,
                              reasons=reasons or [_("the caps together leave too few places")], graph=g)
    table = _placements(instance, flow, rotators, hosts_of)
    hosts, covered = _host_table(table, gaps)
    return RotationResult(status=Status.optimal, table=table, covered_slots=covered,
                          distance_km=round(float(table["distance_km"].sum()), 3), hosts=hosts, graph=g)


def _staff_at(plan: Plan) -> dict[str, int]:
    """Staff posted per institution after the allocation, the base of each home's away cap."""
    staff_at: dict[str, int] = {}
    for a in plan.values():
        if a.to_institution:
            staff_at[a.to_institution] = staff_at.get(a.to_institution, 0) + 1
    return staff_at


def _rotators(instance: Instance, plan: Plan) -> list[tuple[str, str | None]]:
    """(staff id, home) of every attending posted at county tier who owes grassroots service: who must rotate."""
    inst = instance.institution_by_id
    return sorted(
        (s.id, plan[s.id].to_institution) for s in instance.staff
        if s.title == Title.attending and s.grassroots_due and s.status != StaffStatus.candidate
        and s.id in plan and plan[s.id].to_institution and inst[str(plan[s.id].to_institution)].tier == Tier.county
    )


def _hosts_of(instance: Instance, rotators: list[tuple[str, str | None]], limit: float | None,
              ) -> dict[str, list[tuple[str, int]]]:
    """Per rotators' home, the (host, metres) a rotator may go to: same community, a host tier, within the limit."""
    pol = instance.policy.rotation
    inst = instance.institution_by_id
    hosts_of: dict[str, list[tuple[str, int]]] = {}
    for _sid, home in rotators:
        assert home is not None
        if home in hosts_of:
            continue
        h = inst[home]
        hosts_of[home] = sorted(
            (j.id, instance.distance_m(home, j.id)) for j in instance.institutions
            if j.community == h.community and j.tier in pol.host_tiers and j.id != home
            and within_km(instance.distance_m(home, j.id), limit)
        )
    return hosts_of


def _flow_graph(instance: Instance, rotators: list[tuple[str, str | None]], hosts_of: dict[str, list[tuple[str, int]]],
                away_cap: dict[str, int], gaps: dict[str, int]) -> Any:
    """The min-cost flow network of the module docstring: a senior-gap slot covered is worth more than all the km."""
    import networkx as nx  # heavy: imported when used, not at start-up (docs/architecture.md)

    pol = instance.policy.rotation
    windows = pol.windows
    g = nx.DiGraph()
    n = len(rotators)
    big = 1 + sum(max((d for _h, d in hosts_of[str(home)]), default=0) for _s, home in rotators)
    g.add_node("source", demand=-n)
    g.add_node("sink", demand=n)
    for sid, home in rotators:
        g.add_edge("source", f"r|{sid}", capacity=1, weight=0)
        for w in range(windows):
            g.add_edge(f"r|{sid}", f"home|{home}|{w}", capacity=1, weight=0)
    for home, hosts in hosts_of.items():
        for w in range(windows):
            g.add_edge(f"home|{home}|{w}", f"away|{home}|{w}", capacity=away_cap[home], weight=0)
            for host, metres in hosts:
                g.add_edge(f"away|{home}|{w}", f"host|{host}|{w}", capacity=n, weight=metres)
    for host in sorted({h for hs in hosts_of.values() for h, _d in hs}):
        for w in range(windows):
            g.add_edge(f"host|{host}|{w}", f"out|{host}|{w}", capacity=pol.host_capacity, weight=0)
            reward = min(gaps.get(host, 0), pol.host_capacity)
            if reward:
                g.add_edge(f"out|{host}|{w}", f"gap|{host}|{w}", capacity=reward, weight=-big)
                g.add_edge(f"gap|{host}|{w}", "sink", capacity=reward, weight=0)
            g.add_edge(f"out|{host}|{w}", "sink", capacity=pol.host_capacity, weight=0)
    return g


def _placements(instance: Instance, flow: dict[str, dict[str, int]], rotators: list[tuple[str, str | None]],
                hosts_of: dict[str, list[tuple[str, int]]]) -> pd.DataFrame:
    """The rotation table (rotation.csv) read off the flow: each home's rotators of a window, by id, onto its hosts."""
    import pandas as pd  # heavy: imported when used, not at start-up (docs/architecture.md)

    pol = instance.policy.rotation
    rows = []
    staff, inst = instance.staff_by_id, instance.institution_by_id
    per_home: dict[tuple[str, int], list[str]] = {}
    for sid, home in rotators:
        for w in range(pol.windows):
            if flow[f"r|{sid}"].get(f"home|{home}|{w}", 0):
                per_home.setdefault((str(home), w), []).append(sid)
    for (home, w), sids in sorted(per_home.items()):
        queue = sorted(sids)
        for host, metres in hosts_of[home]:
            for _k in range(flow[f"away|{home}|{w}"].get(f"host|{host}|{w}", 0)):
                sid = queue.pop(0)
                rows.append({"staff_id": sid, "home": home, "host": host, "window": w + 1,
                             "first_period": w * pol.window + 1, "last_period": (w + 1) * pol.window,
                             "distance_km": metres / 1000.0, "name": staff[sid].name, "host_name": inst[host].name})
    return pd.DataFrame(rows, columns=COLUMNS).sort_values("staff_id").reset_index(drop=True)


def _host_table(table: pd.DataFrame, gaps: dict[str, int]) -> tuple[pd.DataFrame, int]:
    """Per host and window: rotators, senior gap and slots covered; and the slots covered in all."""
    import pandas as pd  # heavy: imported when used, not at start-up (docs/architecture.md)

    hosts_rows = []
    covered = 0
    for key, grp in table.groupby(["host", "window"]):
        host_id, win = str(key[0]), int(str(key[1]))
        c = min(len(grp), gaps.get(host_id, 0))
        covered += c
        hosts_rows.append({"host": host_id, "window": win, "rotators": len(grp), "senior_gap": gaps.get(host_id, 0), "covered": c})
    return pd.DataFrame(hosts_rows), covered


def _reasons(instance: Instance, rotators: list[tuple[str, str | None]], hosts_of: dict[str, list[tuple[str, int]]],
             away_cap: dict[str, int], windows: int, limit: float | None) -> list[str]:
    """Why no rotation may exist, per home in id order: no host in reach, or fewer places than attendings due."""
    pol = instance.policy.rotation
    out = []
    due: dict[str, int] = {}
    for _sid, home in rotators:
        due[str(home)] = due.get(str(home), 0) + 1
    for home, n in sorted(due.items()):
        name = instance.institution_by_id[home].name or home
        if not hosts_of.get(home):
            lim = _("{km} km").format(km=f"{limit:g}") if limit is not None else _("any distance")
            tiers = "/".join(labels.value("tier", t.value) for t in pol.host_tiers)
            out.append(_("{name} ({id}): no {tiers} within {limit}").format(name=name, id=home, tiers=tiers, limit=lim))
        elif n > windows * away_cap[home]:
            out.append(_("{name} ({id}): {n} attendings due, {windows} windows × {cap} may leave = {places} places").format(
                name=name, id=home, n=n, windows=windows, cap=away_cap[home], places=windows * away_cap[home]))
        else:
            places = windows * pol.host_capacity * len(hosts_of[home])
            if n > places:
                out.append(_("{name} ({id}): {n} attendings due, {hosts} hosts × {windows} windows × {cap} = {places} places")
                           .format(name=name, id=home, n=n, hosts=len(hosts_of[home]), windows=windows,
                                   cap=pol.host_capacity, places=places))
    return out


def check_rotation(instance: Instance, plan: Plan, table: pd.DataFrame) -> list[str]:
    """Solver-free: every due attending at county tier placed once, caps and limits hold."""
    pol = instance.policy.rotation
    limit = pol.max_distance_km if pol.max_distance_km is not None else instance.policy.max_distance_km
    inst = instance.institution_by_id
    problems = []
    due = {s.id for s in instance.staff if s.title == Title.attending and s.grassroots_due and s.id in plan
           and plan[s.id].to_institution and inst[str(plan[s.id].to_institution)].tier == Tier.county}
    placed = list(table["staff_id"])
    if sorted(placed) != sorted(due):
        problems.append(_("placed {placed} but due {due}").format(placed=sorted(placed), due=sorted(due)))
    staff_at: dict[str, int] = {}
    for a in plan.values():
        if a.to_institution:
            staff_at[a.to_institution] = staff_at.get(a.to_institution, 0) + 1
    for r in table.itertuples():
        home, host = str(r.home), str(r.host)
        if inst[host].tier not in pol.host_tiers or inst[host].community != inst[home].community:
            problems.append(_("{staff}: host {host} not allowed").format(staff=r.staff_id, host=host))
        if not within_km(instance.distance_m(home, host), limit):
            problems.append(_("{staff}: trip {home}→{host} over the limit").format(staff=r.staff_id, home=home, host=host))
    for key, grp in table.groupby(["home", "window"]):
        home_id = str(key[0])
        cap = int(Fraction(str(pol.max_away_fraction)) * staff_at.get(home_id, 0))
        if len(grp) > cap:
            problems.append(_("{home}: {n} away in one window, cap {cap}").format(home=home_id, n=len(grp), cap=cap))
    for key, grp in table.groupby(["host", "window"]):
        if len(grp) > pol.host_capacity:
            problems.append(_("{host}: {n} rotators in one window, capacity {capacity}").format(
                host=key[0], n=len(grp), capacity=pol.host_capacity))
    return problems


def export_graphml(graph: Any, path: Path, force: bool = False) -> None:
    """The flow network as GraphML, written atomically (an existing file only with `force`)."""
    import io

    import networkx as nx  # heavy: imported when used, not at start-up (docs/architecture.md)

    refuse_existing([path], force)
    buf = io.BytesIO()
    nx.write_graphml(graph, buf)
    write_text_atomic(path, buf.getvalue().decode("utf-8"))
