"""A whole instance: every community solved (here, in parallel or on Dask), the plan checked, the levels summed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from staffpool.check import check_plan
from staffpool.constants import SolverProfile, Status, level_tolerance
from staffpool.domain.demand import derive_requirements
from staffpool.domain.instance import Instance, Level, Mode
from staffpool.domain.plan import Plan
from staffpool.domain.years import year_view
from staffpool.solving.community import CommunityOutcome
from staffpool.solving.engines import make_engine, solve_on
from staffpool.solving.profiles import load_profile


@dataclass(kw_only=True)
class Solution:
    """What solving an instance gives: the status, the levels (checker's, distance in km),
    the plan, each community's outcome and the timings. `staffpool.Result` adds the tables,
    the summary and the files (outputs/results.py)."""

    instance: Instance
    mode: Mode
    solver: str
    status: Status
    levels: dict[Level, float]  # the levels as computed, in solve order (see `Result.objective`)
    plan: Plan
    outcomes: list[CommunityOutcome] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    derived: list[dict[str, Any]] = field(default_factory=list)  # requirement rows from workload/norms
    # Proven lower bound per level (distance in km), summed over communities; None: unknown.
    bounds: dict[Level, float | None] = field(default_factory=dict)

    @property
    def has_plan(self) -> bool:
        """A plan exists (an instance with no staff has the empty plan)."""
        return bool(self.plan) or not self.instance.staff


def solve_instance(
    instance: Instance,
    mode: Mode | str | None = None,
    solver: str | SolverProfile = "highs",
    time_limit: float | None = None,
    workers: int = 1,
    progress: Callable[[str, Level], None] | None = None,
    on_community_done: Callable[[CommunityOutcome], None] | None = None,
    load_s: float = 0.0,
    scheduler: str | None = None,
) -> Solution:
    """Solve every community of `instance` to the lexicographic optimum of model.md.

    Communities are independent, so each is solved alone (in parallel with `workers` > 1,
    or on a Dask cluster with `scheduler`: `tcp://HOST:PORT` or `dask` for a local one) and
    the levels add up to the whole's. Raises nothing for infeasibility: the result's status
    says it, with reasons.
    """
    t0 = time.perf_counter()
    if instance.horizon.start is not None:  # no year given: the instance as it is

        instance = year_view(instance)  # the first year of a horizon; itself for one year
    mode = Mode(mode) if mode is not None else instance.policy.mode
    derived: list[dict[str, Any]] = []
    if instance.policy.requirements_from:

        instance, derived = derive_requirements(instance)
    profile = solver if isinstance(solver, SolverProfile) else load_profile(solver)
    cids = [c.id for c in instance.communities]
    engine = make_engine(scheduler, workers)
    outcomes = solve_on(engine, instance, cids, mode, profile, time_limit, on_community_done, progress)
    build_s = sum(o.build_s for o in outcomes)
    solve_s = sum(o.solve_s for o in outcomes)
    statuses = {o.status for o in outcomes}
    if Status.infeasible in statuses or any(not o.plan and o.status != Status.optimal for o in outcomes):
        status = Status.infeasible if Status.infeasible in statuses else Status.time_limit
    elif Status.time_limit in statuses:
        status = Status.time_limit
    elif Status.feasible in statuses:
        status = Status.feasible
    else:
        status = Status.optimal
    plan: Plan = {}
    reasons: list[str] = []
    for o in outcomes:
        plan.update(o.plan)
        if o.reason:
            name = instance.community_by_id[o.community].name or o.community
            reasons.append(f"{o.community} ({name}): {o.reason}")
            reasons.extend(f"  {r}" for r in o.reasons)
    feasible = all(o.plan or not _community_staff(instance, o.community) for o in outcomes)
    objective: dict[Level, float] = {}
    if feasible:
        report = check_plan(instance, plan, mode)
        if not report.ok:
            # A solver plan that breaks a rule is our bug, never the user's.
            raise RuntimeError("internal error: the plan breaks rules: " + "; ".join(map(str, report.violations[:5])))
        objective = {lvl: report.levels[lvl] for lvl in instance.policy.objective}
        check_levels(instance, outcomes, objective)
    else:
        plan = {}
    timings = {
        "load": round(load_s, 4),
        "build": round(build_s, 4),
        "solve": round(solve_s, 4),
        "total": round(load_s + time.perf_counter() - t0, 4),
    }
    bounds = level_bounds(instance, outcomes) if objective else {}
    return Solution(instance=instance, mode=mode, solver=profile.name, status=status, levels=objective, plan=plan,
                    outcomes=outcomes, timings=timings, reasons=reasons, derived=derived, bounds=bounds)


def _in_km(level: Level, value: float) -> float:
    """The model counts distance in whole metres; results, like the checker, in km."""
    return value / 1000.0 if level == Level.distance else value


def _level_sums(instance: Instance, outcomes: list[CommunityOutcome], attr: str) -> dict[Level, float | None]:
    """Per level, the communities' `value` or `bound` added up (in km for distance); None
    when some community has none."""
    out: dict[Level, float | None] = {}
    for lvl in instance.policy.objective:
        total: float | None = 0.0
        for o in outcomes:
            log = next((g for g in o.levels if g.level == lvl), None)
            v = getattr(log, attr) if log is not None else None
            total = None if v is None or total is None else total + _in_km(lvl, v)
        out[lvl] = total
    return out


def level_bounds(instance: Instance, outcomes: list[CommunityOutcome]) -> dict[Level, float | None]:
    """Each level's proven lower bound, summed over communities (km for distance)."""
    return _level_sums(instance, outcomes, "bound")


def check_levels(instance: Instance, outcomes: list[CommunityOutcome], checked: dict[Level, float]) -> None:
    """The solver's level values against the checker's, recomputed from the plan.

    The plan read back must not be worse than a level's value (it was held there) and, where
    the level was proven, not better either. Anything else is a bug in the read-back or the
    model, never a plan to hand out: RuntimeError (exit 3)."""
    solved = _level_sums(instance, outcomes, "value")
    proven = {lvl: all(next((g.proven for g in o.levels if g.level == lvl), True) for o in outcomes)
              for lvl in instance.policy.objective}
    bad = []
    for lvl, value in solved.items():
        if value is None:
            continue
        # One tolerance per community (each level is held per community), in the level's units.
        tol = sum(_in_km(lvl, level_tolerance(g.value or 0.0)) for o in outcomes for g in o.levels if g.level == lvl)
        tol = max(tol, level_tolerance(value)) + 1e-9
        if checked[lvl] > value + tol or (proven[lvl] and checked[lvl] < value - tol):
            bad.append(f"{lvl.value}: solver {value:g}, checker {checked[lvl]:g}")
    if bad:
        raise RuntimeError("internal error: the solver's levels differ from the plan's: " + "; ".join(bad))


def _community_staff(instance: Instance, cid: str) -> bool:
    return any(s.community == cid for s in instance.staff)


