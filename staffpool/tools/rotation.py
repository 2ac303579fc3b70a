"""Grassroots rotation (model.md, "Rotation"; by specialty, windows and the longest trip):
the graph and its integer program (tools/rotation_program.py), solved level by level by
the lexicographic driver (solving/lexicographic.py), read back into people and checked
by the solver-free checker (check.check_rotation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from staffpool.check import check_rotation
from staffpool.constants import SolverProfile, Status
from staffpool.domain.instance import Instance, RotationLevel
from staffpool.domain.plan import Plan
from staffpool.domain.years import year_view
from staffpool.i18n import _
from staffpool.inputs import labels
from staffpool.outputs.files import csv_text, refuse_existing, write_files_atomic, write_json_atomic, write_text_atomic
from staffpool.solving.lexicographic import solve_lexicographic
from staffpool.solving.profiles import load_profile
from staffpool.solving.runners import make_runner
from staffpool.tools.rotation_program import (
    GapRow,
    RotationNet,
    RotationProgram,
    Rotator,
    gap_rows,
    rotation_graph,
    rotation_net,
    rotation_program,
)

if TYPE_CHECKING:
    import pandas as pd

# The names, then the specialty and the row filled: a column's place never changes for
# readers of earlier files.
COLUMNS = ["staff_id", "home", "host", "window", "first_period", "last_period", "distance_km", "name", "host_name",
           "specialty", "fills"]
HOST_COLUMNS = ["host", "window", "rotators", "senior_gap", "covered"]
COVERAGE_COLUMNS = ["host", "row", "window", "gap", "filled"]
ROTATION_FILES = ("rotation.csv", "rotation_summary.json")


@dataclass(kw_only=True)
class RotationResult:
    """The rotation after an allocation: `status` (`optimal`, or `infeasible` with `reasons`),
    `table` (pandas, rotation.csv: who goes where in which window, the row they fill),
    `hosts` (per host and window: rotators, senior gap, covered), `coverage` (per host, senior
    row and window: gap and filled), `covered_slots`, `longest_trip_km`, `distance_km`,
    `summary` (rotation_summary.json as a dict), `graph` (the network) and `write(folder)`.

        >>> r = staffpool.rotate("instances/sanming-county")
        >>> r.status, r.covered_slots, r.longest_trip_km, r.summary["rotators"]
    """

    status: Status
    table: pd.DataFrame
    covered_slots: int
    distance_km: float
    hosts: pd.DataFrame
    reasons: list[str] = field(default_factory=list)
    graph: Any = None
    longest_trip_km: float = 0.0
    coverage: pd.DataFrame | None = None

    @property
    def summary(self) -> dict[str, Any]:
        """rotation_summary.json: covered_slots, distance_km, status, rotators, reasons, longest_trip_km."""
        return {"covered_slots": self.covered_slots, "distance_km": round(self.distance_km, 3),
                "status": self.status.value, "rotators": len(self.table), "reasons": self.reasons,
                "longest_trip_km": round(self.longest_trip_km, 3)}

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
    return {host: sum(r.gap for r in rows) for host, rows in gap_rows(instance, plan).items()}


def rotate(instance: Instance, plan: Plan, solver: str = "highs") -> RotationResult:
    """The rotation of the year planned (the first of a horizon: `year_view`) after the
    allocation `plan`: every due attending placed, in order of `rotation.objective` the most
    senior-gap slots covered by a rotator who fits the row, the shortest longest trip per
    community, the fewest km; checked by `check.check_rotation`."""
    import pandas as pd  # heavy: imported when used, not at start-up (docs/architecture.md)

    instance = year_view(instance)
    net = rotation_net(instance, plan)
    # Each community's graph on its own (a subgraph view of the whole would iterate a set of
    # node names, in hash order); the whole one, for --graph, built again (cheaper than joining).
    parts = [(people, rotation_graph(replace(net, rotators=people))) for people in _communities(net)]
    graph = rotation_graph(net)
    empty = RotationResult(status=Status.optimal, table=pd.DataFrame(columns=COLUMNS), covered_slots=0,
                           distance_km=0.0, hosts=pd.DataFrame(columns=HOST_COLUMNS),
                           coverage=pd.DataFrame(columns=COVERAGE_COLUMNS), graph=graph)
    if not net.rotators:
        return empty
    reasons = rotation_reasons(net)
    if reasons:
        return _infeasible(empty, reasons)
    profile = load_profile(solver)
    status, rows = Status.optimal, []
    solved: dict[RotationLevel, int | None] = dict.fromkeys(instance.policy.rotation.objective, 0)
    for people, part in parts:  # communities share nothing: each solved alone, the levels add up
        got = _solve_part(net, part, people, profile)
        if isinstance(got, Status):  # no plan: infeasible, or none found within a time limit
            why = _("the caps together leave too few places") if got == Status.infeasible else \
                _("no rotation found within the solver's time limit")
            return _infeasible(empty, [why], got)
        run_status, levels, table_rows = got
        status = status if run_status == Status.optimal else run_status
        solved = {lvl: None if v is None or lvl not in levels else v + levels[lvl] for lvl, v in solved.items()}
        rows += table_rows
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values("staff_id").reset_index(drop=True)
    _check(instance, plan, table, solved)
    hosts, coverage = _host_tables(net.rows, table)
    return RotationResult(status=status, table=table, covered_slots=int(table["fills"].astype(bool).sum()),
                          distance_km=round(float(table["distance_km"].sum()), 3), hosts=hosts, coverage=coverage,
                          graph=graph, longest_trip_km=_longest(instance, table) / 1000.0)


def _infeasible(empty: RotationResult, reasons: list[str], status: Status = Status.infeasible) -> RotationResult:
    empty.status, empty.reasons = status, reasons
    return empty


def _communities(net: RotationNet) -> list[list[Rotator]]:
    """The rotators of each community, in the communities' id order."""
    inst = net.instance.institution_by_id
    by_comm: dict[str, list[Rotator]] = {}
    for r in net.rotators:
        by_comm.setdefault(inst[r.home].community, []).append(r)
    return [people for _comm, people in sorted(by_comm.items())]


def _solve_part(net: RotationNet, graph: Any, rotators: list[Rotator], profile: SolverProfile,
                ) -> tuple[Status, dict[RotationLevel, int], list[dict[str, Any]]] | Status:
    """One community's program solved level by level: its status, levels and rows; the
    status alone when it has no plan."""
    program = rotation_program(net, graph)
    runner = make_runner(program, profile)
    run = solve_lexicographic(runner, [(lvl, program.levels[lvl]) for lvl in net.instance.policy.rotation.objective],
                              profile)
    if run.stop is not None:
        return run.status
    levels = {log.level: round(log.value) for log in run.levels if log.value is not None}  # None: the time ran out
    return run.status, levels, _placements(net, graph, rotators, program, runner.values_list())


def _check(instance: Instance, plan: Plan, table: pd.DataFrame, solved: dict[RotationLevel, int | None]) -> None:
    """The checker's reading of the rotation: every rule holds and each level solved equals its own."""
    report = check_rotation(instance, plan, table.to_dict(orient="records"))
    sign = {RotationLevel.covered: -1}  # covered is minimised as its negative
    wrong = [f"{lvl.value}: {v} ≠ {report.levels[lvl.value]}" for lvl, v in solved.items()
             if v is not None and sign.get(lvl, 1) * v != report.levels[lvl.value]]
    if report.violations or wrong:
        # A solver rotation that breaks a rule or disagrees with the checker is our bug, never the user's.
        raise RuntimeError("internal error: the rotation fails its check: "
                           + "; ".join([*map(str, report.violations[:5]), *wrong]))


def _longest(instance: Instance, table: pd.DataFrame) -> int:
    """Σ over communities of the longest trip of their rotators, whole metres."""
    inst = instance.institution_by_id
    longest: dict[str, int] = {}
    for home, host in zip(table["home"], table["host"], strict=True):
        comm = inst[str(home)].community
        longest[comm] = max(longest.get(comm, 0), instance.distance_m(str(home), str(host)))
    return sum(longest.values())


def _placements(net: RotationNet, graph: Any, rotators: list[Rotator], program: RotationProgram, values: list[float],
                ) -> list[dict[str, Any]]:
    """rotation.csv read off the arcs: each rotator's window from its own arc; within a home,
    specialty and window, rotators by id onto the hosts in host order; at a host, specialty
    and window, rotators by id onto the rows filled in row order."""
    pol = net.instance.policy.rotation
    staff, inst = net.instance.staff_by_id, net.instance.institution_by_id
    flow = {arc: round(v) for arc, v in zip(program.arcs, values, strict=False) if round(v) > 0}
    group: dict[str, list[Rotator]] = {}
    for r in rotators:
        for v in graph.successors(f"r|{r.id}"):
            if flow.get((f"r|{r.id}", v)):
                group.setdefault(v, []).append(r)
    at_host: dict[str, list[Rotator]] = {}
    for home_node, people in sorted(group.items()):
        queue = sorted(people, key=lambda r: r.id)
        for v in graph.successors(home_node):
            at_host.setdefault(v, []).extend(queue.pop(0) for _k in range(flow.get((home_node, v), 0)))
    rows = []
    for host_node, people in sorted(at_host.items()):
        d = graph.nodes[host_node]
        fills = [graph.nodes[v]["row"] for v in graph.successors(host_node) for _k in range(flow.get((host_node, v), 0))]
        for k, r in enumerate(sorted(people, key=lambda p: p.id)):
            host, w = d["at"], d["window"]
            rows.append({"staff_id": r.id, "home": r.home, "host": host, "window": w + 1,
                         "first_period": w * pol.window + 1, "last_period": (w + 1) * pol.window,
                         "distance_km": net.instance.distance_m(r.home, host) / 1000.0, "name": staff[r.id].name,
                         "host_name": inst[host].name, "specialty": r.specialty, "fills": fills[k] if k < len(fills) else ""})
    return rows


def rotation_coverage(instance: Instance, plan: Plan, rows: Sequence[Mapping[str, Any]]) -> list[dict[Any, Any]]:
    """A rotation read back (rotation.csv's rows: `host`, `window`, `fills`) after the
    allocation `plan`: per host, senior row and window, the row's gap and how many fill it,
    as `RotationResult.coverage`'s records."""
    import pandas as pd  # heavy: imported when used, not at start-up (docs/architecture.md)

    table = pd.DataFrame({"host": [str(r["host"]) for r in rows], "window": [int(r["window"]) for r in rows],
                          "fills": [str(r.get("fills") or "") for r in rows]})
    return _host_tables(gap_rows(year_view(instance), plan), table)[1].to_dict(orient="records")


def _host_tables(gaps: dict[str, list[GapRow]], table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per host and window: rotators, senior gap and slots covered; per host, senior row and
    window where someone rotates: the row's gap and how many fill it (`gaps`: each host's
    senior rows after the allocation)."""
    import pandas as pd  # heavy: imported when used, not at start-up (docs/architecture.md)

    at: dict[tuple[str, int], list[str]] = {}
    for host, w, fills in zip(table["host"], table["window"], table["fills"], strict=True):
        at.setdefault((str(host), int(w)), []).append(str(fills))
    hosts_rows, cover_rows = [], []
    for (host, win), fills in sorted(at.items()):
        rows = gaps.get(host, [])
        hosts_rows.append({"host": host, "window": win, "rotators": len(fills), "senior_gap": sum(r.gap for r in rows),
                           "covered": sum(1 for f in fills if f)})
        for label in dict.fromkeys(r.label for r in rows if r.gap):
            cover_rows.append({"host": host, "row": label, "window": win,
                               "gap": sum(r.gap for r in rows if r.label == label), "filled": fills.count(label)})
    return pd.DataFrame(hosts_rows, columns=HOST_COLUMNS), pd.DataFrame(cover_rows, columns=COVERAGE_COLUMNS)


# ---------------------------------------------------------------- why no rotation exists


def rotation_reasons(net: RotationNet) -> list[str]:
    """Why no rotation may exist: per home in id order (no host in reach, fewer places than
    attendings due), then the people whose windows leave them no place, by name."""
    instance, pol = net.instance, net.instance.policy.rotation
    limit = pol.max_distance_km if pol.max_distance_km is not None else instance.policy.max_distance_km
    out = []
    due: dict[str, list[Rotator]] = {}
    for r in net.rotators:
        due.setdefault(r.home, []).append(r)
    for home, people in sorted(due.items()):
        n = len(people)
        name = instance.institution_by_id[home].name or home
        hosts = net.hosts_of.get(home)
        if not hosts:
            lim = _("{km} km").format(km=f"{limit:g}") if limit is not None else _("any distance")
            tiers = "/".join(labels.value("tier", t.value) for t in pol.host_tiers)
            out.append(_("{name} ({id}): no {tiers} within {limit}").format(name=name, id=home, tiers=tiers, limit=lim))
        elif n > net.windows * net.away_cap[home]:
            out.append(_("{name} ({id}): {n} attendings due, {windows} windows × {cap} may leave = {places} places").format(
                name=name, id=home, n=n, windows=net.windows, cap=net.away_cap[home], places=net.windows * net.away_cap[home]))
        elif n > net.windows * pol.host_capacity * len(hosts):
            out.append(_("{name} ({id}): {n} attendings due, {hosts} hosts × {windows} windows × {cap} = {places} places")
                       .format(name=name, id=home, n=n, hosts=len(hosts), windows=net.windows,
                               cap=pol.host_capacity, places=net.windows * pol.host_capacity * len(hosts)))
        else:
            out += _window_reasons(net, home, people)
    return out


# Window sets tried for a home's people (every subset) up to this many windows.
MAX_WINDOW_SUBSETS = 10


def _window_reasons(net: RotationNet, home: str, people: list[Rotator]) -> list[str]:
    """The people of `home` who may serve in no window; else every smallest set of windows
    whose places are fewer than the people who may serve only in them (all named)."""
    instance = net.instance
    staff = instance.staff_by_id
    out = []
    for r in people:
        if not r.windows:
            given = ";".join(map(str, staff[r.id].rotation_windows))
            out.append(_("{name} ({id}): rotation_windows {given} leave no window of 1–{windows}").format(
                name=staff[r.id].name or r.id, id=r.id, given=given, windows=net.windows))
    if out or net.windows > MAX_WINDOW_SUBSETS:
        return out
    per_window = min(net.away_cap[home], net.host_capacity * len(net.hosts_of[home]))
    short: list[set[int]] = []  # the window sets named so far: a larger set holding one adds nothing
    for k in range(1, net.windows):
        for chosen in map(set, combinations(range(net.windows), k)):
            only = [r for r in people if set(r.windows) <= chosen]
            if len(only) > k * per_window and not any(seen <= chosen for seen in short):
                short.append(chosen)
                who = labels.joined([labels.named(r.id, staff[r.id].name) for r in only])
                out.append(_("{who} may serve only in window {windows}: {home} has {places} places then").format(
                    who=who, windows=", ".join(str(w + 1) for w in sorted(chosen)), home=labels.named(
                        home, instance.institution_by_id[home].name), places=k * per_window))
    return out


def export_graphml(graph: Any, path: Path, force: bool = False) -> None:
    """The flow network as GraphML, written atomically (an existing file only with `force`)."""
    import io

    import networkx as nx  # heavy: imported when used, not at start-up (docs/architecture.md)

    refuse_existing([path], force)
    buf = io.BytesIO()
    nx.write_graphml(graph, buf)
    write_text_atomic(path, buf.getvalue().decode("utf-8"))
