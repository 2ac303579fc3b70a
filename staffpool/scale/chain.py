"""One community's scenarios of one mode, solved as a chain with warm starts.

Scenarios of a chain differ only in limits: `max_distance_km` and the community's numeric
limits. The program is built once, for the loosest of them, and each scenario gets a
runner over the same arrays (`HighsRunner.variant`):
- a limit row (`hiring_budget[C]`, `max_moves[C]`, …) gets the scenario's value as its
  upper bound (+inf for no limit): the row is the rule's own, so the bound is the rule;
- an option farther than the scenario's distance limit is fixed at 0, which is the same
  as leaving it out.
Scenarios are taken loosest first. A scenario whose limits are all at most those of one
already solved to optimality, where that plan obeys every rule of the tighter scenario
(the checker says so), takes that plan: it is optimal for the looser scenario, whose plans
include every plan of the tighter one, so no plan of the tighter one is better at any
level. Anything else (another solver backend, a limit the program does not hold as one
row) is solved cold, scenario by scenario.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from staffpool.check import check_plan
from staffpool.constants import SolverProfile
from staffpool.domain.instance import Instance, Mode, within_km
from staffpool.domain.plan import Plan, PostSource
from staffpool.model.build import build_community
from staffpool.model.rules.budget import affordable_hires, hireable_salaries
from staffpool.outputs.payroll import payroll
from staffpool.scale.grid import community_limit_fields
from staffpool.solving.community import CommunityOutcome, solve_community, solve_levels
from staffpool.solving.lexicographic import effective_limit
from staffpool.solving.runners import HighsRunner, WarmLP

# Community limits that the program holds as one row of the rule of the same name, whose
# upper bound is the limit (checked on the built program: `_limit_rows`).
ROW_LIMITS = ("hiring_budget", "max_moves", "treasury_budget")
DISTANCE = "max_distance_km"


@dataclass(frozen=True)
class Point:
    """One scenario applied to one community: the limits in force (None: no limit)."""

    scenario: int
    max_distance_km: float | None
    values: tuple[tuple[str, Any], ...]

    def value(self, key: str) -> Any:
        return dict(self.values).get(key)


@dataclass(frozen=True)
class Chain:
    community: str
    mode: Mode
    points: tuple[Point, ...]
    time_limit: float | None = None
    # Every point of the chain this block was cut from (empty: `points`). The program is built
    # for their loosest limits, so every block builds the same program, and a process that
    # runs several blocks builds it once (`_PROGRAMS`).
    whole: tuple[Point, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.community}/{self.mode.value}"


@dataclass
class PointResult:
    scenario: int
    community: str
    status: str
    levels: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    payroll: dict[str, float] = field(default_factory=dict)
    how: str = "solved"  # solved (warm program), reused (a looser scenario's plan), cold
    seconds: float = 0.0


def point_instance(sub: Instance, community: str, mode: Mode, point: Point) -> Instance:
    """The community's instance with the point's limits and the chain's mode."""
    comms = tuple(c.model_copy(update=dict(point.values)) if c.id == community else c for c in sub.communities)
    policy = sub.policy.model_copy(update={"mode": mode, "max_distance_km": point.max_distance_km})
    return sub.model_copy(update={"communities": comms, "policy": policy})


def _loose(v: Any) -> float:
    return math.inf if v is None else float(v)


def _dominates(a: Point, b: Point, keys: list[str]) -> bool:
    """Every plan of b is a plan of a: each limit of b at most a's."""
    if _loose(b.max_distance_km) > _loose(a.max_distance_km):
        return False
    return all(_loose(b.value(k)) <= _loose(a.value(k)) for k in keys)


def sort_loosest(points: list[Point]) -> list[Point]:
    """Loosest limits first (distance, then the row limits), ties in scenario order."""
    keys = [k for k in ROW_LIMITS if k in community_limit_fields()]
    return sorted(points, key=lambda p: tuple(-_loose(v) for v in (p.max_distance_km, *map(p.value, keys))))


def run_chain(sub: Instance, chain: Chain, profile: SolverProfile) -> list[PointResult]:
    """Every point of the chain, in the chain's order. The entry point of a sweep task."""
    results: dict[int, PointResult] = {}
    # Points that differ in a limit the program does not hold as a row share no program.
    groups: dict[tuple[Any, ...], list[Point]] = {}
    for p in chain.points:
        groups.setdefault(_program_key(p), []).append(p)
    for points in groups.values():
        for r in _run_group(sub, chain, points, profile):
            results[r.scenario] = r
    return [results[p.scenario] for p in chain.points]


def _program_key(p: Point) -> tuple[Any, ...]:
    """Points with the same key share one program: the limits it does not hold as a row,
    and whether a treasury budget exists (with one, new posts are counted per title: other
    columns, so another canonical plan; see model/canonical.py)."""
    others = [k for k in community_limit_fields() if k not in ROW_LIMITS]
    return (*(p.value(k) for k in others), p.value("treasury_budget") is None)


def _outcome_result(inst: Instance, chain: Chain, p: Point, out: CommunityOutcome, how: str, t0: float
                    ) -> tuple[PointResult, Plan | None]:

    if not out.plan and out.status.value != "optimal":
        return PointResult(p.scenario, chain.community, out.status.value, how=how,
                           seconds=time.perf_counter() - t0), None
    report = check_plan(inst, out.plan, chain.mode)
    if not report.ok:
        raise RuntimeError(f"internal error: the plan of scenario {p.scenario} ({chain.id}) breaks rules: "
                           + "; ".join(map(str, report.violations[:5])))
    res = PointResult(p.scenario, chain.community, out.status.value, how=how)
    _fill(res, inst, out.plan, report.levels)
    res.seconds = time.perf_counter() - t0
    return res, out.plan


def _fill(res: PointResult, inst: Instance, plan: Plan, levels: dict[Any, float]) -> None:
    res.levels = {lvl.value: levels[lvl] for lvl in inst.policy.objective}
    res.counts = plan_counts(inst, plan)
    res.payroll = plan_payroll(inst, plan, inst.policy.mode)


def plan_counts(inst: Instance, plan: Plan) -> dict[str, int]:

    hires = regularised = 0
    for a in plan.values():
        if a.post_source == PostSource.hired:
            hires += 1
        elif a.post_source == PostSource.regularised:
            regularised += 1
    return {"hires": hires, "regularised": regularised}


PAYROLL_KEYS = ("treasury_before", "treasury_after", "treasury_added", "institutions_before",
                "institutions_after", "salary_fund")


def plan_payroll(inst: Instance, plan: Plan, mode: Mode) -> dict[str, float]:
    """The plan's payroll (yuan a year) as `summary.json` reports it for the whole."""

    block = payroll(inst, plan, mode)["total"]
    return {k: block[k] for k in PAYROLL_KEYS}


def _run_group(sub: Instance, chain: Chain, points: list[Point], profile: SolverProfile) -> list[PointResult]:

    keys = [k for k in ROW_LIMITS if k in community_limit_fields()]
    order = sort_loosest(points)
    warm = None
    if profile.backend == "highs":
        group = [q for q in chain.whole if _program_key(q) == _program_key(points[0])] or order
        warm = _program(sub, chain, loosest(group, keys), keys, profile)
    solved: list[tuple[Point, Plan, dict[str, float] | None]] = []
    hints: dict[Any, float] = {}  # the levels of the scenario solved last

    warm_lp = WarmLP()  # this block's own: its results do not depend on the blocks run before
    out: list[PointResult] = []
    for p in order:
        t0 = time.perf_counter()
        inst = point_instance(sub, chain.community, chain.mode, p)
        reused = _reuse(inst, chain, p, solved, keys, t0)
        if reused is not None:
            out.append(reused)
            continue
        needs = None
        if warm is not None:
            outcome, needs = warm.solve(inst, p, chain.time_limit, hints, warm_lp)
            hints = {lg.level: lg.value for lg in outcome.levels if lg.value is not None
                     and lg.termination.value == "optimal"}
            how = "solved"
            if not outcome.plan and effective_limit(chain.time_limit, profile) is not None:
                # Under a time limit "infeasible" must be confirmed on the scenario's own program.
                outcome = solve_community(inst, chain.community, chain.mode, profile, chain.time_limit)
                needs, how = None, "cold"
        else:
            outcome = solve_community(inst, chain.community, chain.mode, profile, chain.time_limit)
            how = "cold"
        res, plan = _outcome_result(inst, chain, p, outcome, how, t0)
        out.append(res)
        if plan is not None and res.status == "optimal":
            solved.append((p, plan, needs))
    return out


def _fits(needs: dict[str, float] | None, p: Point) -> bool:
    """Whether a plan that uses `needs` of each limit (the row's activity; the longest move
    in metres) may obey p's limits: a quick test before the checker's verdict."""
    if needs is None:
        return True
    for k, used in needs.items():
        if k == DISTANCE:
            if not within_km(int(used), p.max_distance_km):
                return False
        elif used > _loose(p.value(k)) + 1e-6 * max(1.0, abs(used)):
            return False
    return True


def _reuse(inst: Instance, chain: Chain, p: Point, solved: list[tuple[Point, Plan, dict[str, float] | None]],
           keys: list[str], t0: float) -> PointResult | None:

    tried = 0
    for q, plan, needs in reversed(solved):
        if not _dominates(q, p, keys) or not _fits(needs, p):
            continue
        report = check_plan(inst, plan, chain.mode)
        if report.ok:
            res = PointResult(p.scenario, chain.community, "optimal", how="reused")
            _fill(res, inst, plan, report.levels)
            res.seconds = time.perf_counter() - t0
            return res
        tried += 1
        if tried >= 2:  # the nearest looser plans; farther ones rarely fit where these do not
            return None
    return None


def loosest(points: list[Point], keys: list[str]) -> Point:
    """A point with the loosest distance and row limits of `points` (the others: the first's)."""
    dists = [p.max_distance_km for p in points]
    loosest_d = None if any(d is None for d in dists) else max(d for d in dists if d is not None)
    values: dict[str, Any] = {}
    for k in keys:
        given = [p.value(k) for p in points if p.value(k) is not None]
        values[k] = max(given) if given else None
    return Point(0, loosest_d, tuple((k, values.get(k, v)) for k, v in points[0].values))


# The programs this process built lately: a worker that runs several blocks of one chain
# builds its program once. Keyed by the community's instance object (kept, so its id stays
# unique), the chain and the limits built for; a program is only read once built.
_PROGRAMS: dict[tuple[Any, ...], tuple[Instance, _WarmProgram | None]] = {}
_PROGRAMS_KEPT = 2


def _program(sub: Instance, chain: Chain, loose: Point, keys: list[str], profile: SolverProfile
             ) -> _WarmProgram | None:
    import dataclasses

    key = (id(sub), chain.community, chain.mode, loose.max_distance_km, loose.values, tuple(keys),
           dataclasses.astuple(profile))
    hit = _PROGRAMS.get(key)
    if hit is not None and hit[0] is sub:
        return hit[1]
    warm = _WarmProgram.build(sub, chain, loose, keys, profile)
    while len(_PROGRAMS) >= _PROGRAMS_KEPT:
        del _PROGRAMS[next(iter(_PROGRAMS))]
    _PROGRAMS[key] = (sub, warm)
    return warm


@dataclass
class _WarmProgram:
    """The chain's program, built once for its loosest limits, and how each limit maps onto it."""

    cm: Any
    base: HighsRunner  # never solved on
    profile: Any
    rows: dict[str, tuple[int, float]]  # limit -> (row, row bound − limit)
    # The count of hires implied by the budget (`hiring_count[C]`): its row and the hireable
    # candidates' salaries, for the scenario's own count (built for the loosest budget, the
    # row would let a scenario without a budget hire too few); None: no such row.
    count: tuple[int, list[int]] | None
    move_cols: Any  # columns of moves (numpy int array)
    move_m: Any  # their distance in metres
    build_s: float
    zeros: dict[float, Any] = field(default_factory=dict)  # distance limit -> the columns beyond it
    steps: dict[Any, Any] = field(default_factory=dict)  # each level's coefficients and step (solve_lexicographic)

    @classmethod
    def build(cls, sub: Instance, chain: Chain, loose: Point, keys: list[str], profile: SolverProfile
              ) -> _WarmProgram | None:
        import numpy as np


        t0 = time.perf_counter()
        inst = point_instance(sub, chain.community, chain.mode, loose)
        cm = build_community(inst, chain.community, chain.mode)
        rows: dict[str, tuple[int, float]] = {}
        for k in keys:
            if loose.value(k) is None:
                continue
            names = cm.families.get(k, [])
            if len(names) != 1:
                return None  # the limit is not one row: no shared program
            r = cm.lp.row_names.index(names[0])
            if cm.lp.row_lo[r] != -math.inf:
                return None
            rows[k] = (r, cm.lp.row_hi[r] - float(loose.value(k)))
        count = None
        if "hiring_budget" in rows and (names := cm.families.get("hiring_count", [])):
            count = (cm.lp.row_names.index(names[0]), hireable_salaries(cm))
        cols: list[int] = []
        metres: list[int] = []
        for (ki, oi), col in cm.x.items():
            cohort, opt = cm.cohorts[ki], cm.options[ki][oi]
            if cm.moved(cohort, opt) and cohort.posted_at is not None:
                cols.append(col)
                metres.append(cm.dist[(cohort.posted_at, opt.institution)])
        base = HighsRunner(cm, profile)
        return cls(cm, base, profile, rows, count, np.array(cols, dtype=np.int64), np.array(metres, dtype=np.int64),
                   time.perf_counter() - t0)

    def solve(self, inst: Instance, p: Point, time_limit: float | None, hints: dict[Any, float],
              warm_lp: Any = None) -> tuple[CommunityOutcome, dict[str, float] | None]:
        """The scenario's outcome, and what its plan uses of each limit (`_fits`)."""
        import numpy as np


        row_hi: dict[int, float] = {}
        for k, (r, offset) in self.rows.items():
            v = p.value(k)
            row_hi[r] = math.inf if v is None else float(v) + offset
        if self.count is not None:
            budget = p.value("hiring_budget")
            row_hi[self.count[0]] = math.inf if budget is None else float(affordable_hires(self.count[1], float(budget)))
        if p.max_distance_km is None:
            zero = np.zeros(0, dtype=np.int64)
        elif p.max_distance_km in self.zeros:
            zero = self.zeros[p.max_distance_km]
        else:
            far = np.array([not within_km(int(m), p.max_distance_km) for m in self.move_m], dtype=bool)
            zero = self.move_cols[far] if len(far) else np.zeros(0, dtype=np.int64)
            self.zeros[p.max_distance_km] = zero
        runner = self.base.variant(row_hi, zero, warm_lp)
        out = solve_levels(inst, self.cm.community.id, self.cm.mode, self.cm, runner, self.profile,
                           0.0, time_limit, None, diagnose=False, hints=hints, steps=self.steps)
        if not out.plan or runner.values is None:
            return out, None
        x = np.asarray(runner.values)
        needs: dict[str, float] = {}
        for k, (r, offset) in self.rows.items():
            on = runner.a_row == r
            needs[k] = float((runner.a_val[on] * x[runner.a_col[on]]).sum()) - offset
        moved = x[self.move_cols] > 0.5 if len(self.move_cols) else np.zeros(0, dtype=bool)
        needs[DISTANCE] = float(self.move_m[moved].max()) if moved.any() else 0.0
        return out, needs
