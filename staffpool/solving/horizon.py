"""Plans that live: the year planned, the world after a plan, and plans over years.

`year_view` is the one-year instance a solve sees (who is present, that year's
requirements, budgets and pins); `advance` is the world after a plan of that year, as an
instance starting the next year. Planning over years is `advance` between years.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from staffpool.check import check_plan
from staffpool.constants import Status as SolveStatus
from staffpool.domain.demand import derive_requirements
from staffpool.domain.instance import (
    Instance,
    Level,
    Mode,
    StaffMember,
    StaffStatus,
)
from staffpool.domain.plan import Assignment, Plan, PostSource
from staffpool.domain.years import advance, year_view
from staffpool.errors import UsageError
from staffpool.i18n import _
from staffpool.model.arcspace import program_columns
from staffpool.model.years import TooLarge, build_horizon_community
from staffpool.solving.community import confirm_infeasible
from staffpool.solving.instance import Solution, solve_instance
from staffpool.solving.lexicographic import Stop, solve_lexicographic
from staffpool.solving.profiles import load_profile
from staffpool.solving.runners import make_runner


def year_of(instance: Instance) -> int | None:
    return instance.horizon.start






# ---------------------------------------------------------------- the world after a plan








# ---------------------------------------------------------------- reading a plan folder














# ---------------------------------------------------------------- a plan over years


@dataclass
class YearPlan:
    year: int
    result: Solution  # that year's instance solved (a `Result` once handed out)


@dataclass
class HorizonPlan:
    instance: Instance
    kind: str  # "rolling"
    years: list[YearPlan]
    complete: bool  # every year has a plan
    reasons: list[str]
    rolling: HorizonPlan | None = None  # the rolling plan beside an integrated one
    stopped: SolveStatus | None = None  # an integrated plan that stopped: proven infeasible, or not

    @property
    def status(self) -> SolveStatus:
        return plan_status((y.result.status for y in self.years), self.complete, self.stopped)

    def totals(self) -> dict[str, float]:
        """Each level summed over the years (distance in km)."""
        return level_totals(y.result for y in self.years)


def plan_status(statuses: Iterable[SolveStatus], complete: bool, stopped: SolveStatus | None = None) -> SolveStatus:
    """A plan over years: `optimal` when every year is; `time_limit` or `feasible` after the
    worst year; without a plan for every year, `infeasible` when a year (or, `stopped`, the
    program over years) is proven so, else `time_limit`."""
    states = set(statuses)
    if not complete:
        if stopped is not None:
            states.add(stopped)
        return SolveStatus.infeasible if SolveStatus.infeasible in states else SolveStatus.time_limit
    if states <= {SolveStatus.optimal}:
        return SolveStatus.optimal
    return SolveStatus.time_limit if SolveStatus.time_limit in states else SolveStatus.feasible


def level_totals(solutions: Iterable[Solution]) -> dict[str, float]:
    """Each level summed over the years' solutions (distance in km), unrounded."""
    out: dict[str, float] = {}
    for solution in solutions:
        for lvl, v in solution.levels.items():
            out[lvl.value] = out.get(lvl.value, 0.0) + v
    return out


def plan_rolling(instance: Instance, mode: Mode | str | None = None, solver: str = "highs",
                 time_limit: float | None = None, workers: int = 1,
                 on_year: Any = None, progress: Any = None) -> HorizonPlan:
    """Year by year, each year the lexicographic optimum given the years before: solve the
    year, `advance`, solve the next. Stops at a year with no plan (its reasons kept)."""

    if instance.horizon.start is None:

        raise UsageError(_("{instance}: planning over years needs horizon.start in instance.yaml").format(instance=instance.name))
    current = instance
    years: list[YearPlan] = []
    for year in instance.horizon.year_list:
        if on_year is not None:
            on_year(year)
        result = solve_instance(current, mode=mode, solver=solver, time_limit=time_limit, workers=workers, progress=progress)
        years.append(YearPlan(year, result))
        if not result.has_plan or result.status.value == "infeasible":
            return HorizonPlan(instance, "rolling", years, False, [f"{year}: {r}" for r in result.reasons])
        current = advance(current, result.plan)
    return HorizonPlan(instance, "rolling", years, True, [])






# ---------------------------------------------------------------- the integrated plan


# Above this many columns in one community the integrated program is not attempted. The
# five-year bundled county: 2 years 169,000 columns, solved in 9 s; 3 years 341,000, 37 s;
# 5 years 712,000, 702 s (all on 2 shared cores): `plan --max-columns` allows it.
MAX_INTEGRATED_COLUMNS = 400_000


def plan_integrated(instance: Instance, mode: Mode | str | None = None, solver: str = "highs",
                    time_limit: float | None = None, on_level: Any = None,
                    max_columns: int | None = MAX_INTEGRATED_COLUMNS) -> HorizonPlan:
    """Every year at once: each level of the objective summed over the years, minimised
    lexicographically, per community (`model/years.py`). Read back year by year: each
    year's plan is checked by the checker against that year's instance (the world after
    the years before, by `advance`), and the levels it recomputes must add up to the
    program's."""
    if instance.horizon.start is None:
        raise UsageError(_("{instance}: planning over years needs horizon.start in instance.yaml").format(instance=instance.name))
    if instance.policy.requirements_from:

        instance, _derived = derive_requirements(instance)
    mode = Mode(mode) if mode is not None else instance.policy.mode
    profile = load_profile(solver)
    years = instance.horizon.year_list
    decisions: dict[int, dict[str, tuple[str | None, str]]] = {y: {} for y in years}
    pool_funding: dict[str, str] = {}
    totals: dict[Level, float] = {}
    unsolved: set[Level] = set()
    status = SolveStatus.optimal
    reasons: list[str] = []
    if max_columns is not None:
        # Every community's size first (model/arcspace.py counts the builder's columns in a
        # second or two): refuse before building or solving any of them.
        for com in instance.communities:
            columns = program_columns(instance, com.id, mode)
            if columns > max_columns:
                raise UsageError(_("{instance}: the integrated plan of {community} needs {columns} integer columns, "
                                   "more than --max-columns {limit}; plan it year by year with --rolling, or allow "
                                   "a larger program with --max-columns (it may take long)").format(
                    instance=instance.name, community=com.id, columns=f"{columns:,}", limit=f"{max_columns:,}"))
    for com in instance.communities:
        try:
            hm = build_horizon_community(instance, com.id, mode, max_columns)
        except TooLarge as exc:  # the count above says the same; kept as the builder's own guard
            raise RuntimeError(f"internal error: {exc}") from None
        for pid, pool in hm.pools.items():
            pool_funding[pid] = "unified" if pool.funding is None else pool.funding.value
        runner = make_runner(hm, profile)
        # `time_limit` (else the profile's) is this community's, as in a one-year solve.
        run = solve_lexicographic(
            runner, [(lvl, hm.levels[lvl]) for lvl in instance.policy.objective], profile, time_limit,
            on_level=None if on_level is None else partial(on_level, com.id), confirm=partial(confirm_infeasible, hm))
        if run.stop is not None:
            return HorizonPlan(instance, "integrated", [], False, [_integrated_stop(run.stop, com.id, profile.name)],
                               stopped=SolveStatus.infeasible if run.stop.kind == "infeasible" else SolveStatus.time_limit)
        status = max(status, run.status, key=_SEVERITY.index)
        for log in run.levels:
            if log.value is None:  # cut short by the time limit: no sum to check
                unsolved.add(log.level)
            else:
                totals[log.level] = totals.get(log.level, 0.0) + log.value
        _read_paths(hm, runner, decisions)
    # Year by year: the plan of each year against the world the years before left.
    current = instance
    out: list[YearPlan] = []
    sums: dict[Level, float] = {}
    for year in years:
        view = year_view(current)
        plan: Plan = {}
        for s in view.staff:
            where, post = decisions[year][s.id]
            plan[s.id] = _assignment(s, where, post, pool_funding)
        report = check_plan(view, plan, mode)
        if not report.ok:
            raise RuntimeError(f"internal error: the integrated plan breaks rules in {year}: "
                               + "; ".join(map(str, report.violations[:5])))
        objective = {lvl: report.levels[lvl] for lvl in instance.policy.objective}
        for lvl, v in objective.items():
            sums[lvl] = sums.get(lvl, 0.0) + (v * 1000.0 if lvl == Level.distance else v)
        out.append(YearPlan(year, Solution(instance=view, mode=mode, solver=profile.name, status=status, levels=objective, plan=plan)))
        current = advance(current, plan)
    for lvl, v in totals.items():
        if lvl not in unsolved and abs(sums.get(lvl, 0.0) - v) > 1e-6 * max(1.0, abs(v)):
            raise RuntimeError(f"internal error: the integrated {lvl.value} is {v} in the program, {sums.get(lvl)} by the checker")
    return HorizonPlan(instance, "integrated", out, True, reasons)


# A plan's status from its communities': the worst of them.
_SEVERITY = (SolveStatus.optimal, SolveStatus.feasible, SolveStatus.time_limit)


def _integrated_stop(stop: Stop[Level], community: str, solver: str) -> str:
    """Why a community's program over years has no plan."""
    if stop.kind == "infeasible":
        return _("{community}: no plan over the years obeys every hard rule in every year").format(community=community)
    if stop.kind == "unconfirmed":
        return _("{community}: {solver} found no plan over the years (not proven infeasible)").format(
            community=community, solver=solver)
    return _("{community}: no plan over the years was found within the time limit").format(community=community)


def _assignment(s: StaffMember, where: str | None, post: str, pool_funding: dict[str, str]) -> Any:
    """One year's decision for `s` as that year's world has them: a post taken before is
    `existing` (they are on_staff now); a pool post of a contract member or candidate is
    taken this year."""

    if where is None:
        return Assignment(s.id, None)
    if s.status == StaffStatus.on_staff:
        return Assignment(s.id, where, s.post_funding.value if s.post_funding else None, PostSource.existing)
    if post in pool_funding:
        return Assignment(s.id, where, pool_funding[post],
                          PostSource.hired if s.status == StaffStatus.candidate else PostSource.regularised)
    return Assignment(s.id, where, None, None)


def _read_paths(hm: Any, runner: Any, decisions: dict[int, dict[str, tuple[str | None, str]]]) -> None:
    """Flows -> one path per member. In the first year each cohort's members (sorted by id)
    follow its arcs in order; then the members of a class in one state (sorted by id)
    follow that state's arcs in order."""
    first = hm.years[0]
    where: dict[tuple[int, Any], list[str]] = {}

    def follow(arcs: list[Any], queues: dict[Any, list[str]], klass: int, year: int) -> None:
        for a in arcs:
            queue = queues.get(a.origin, [])
            take = round(runner.value(a.col))
            moved, queues[a.origin] = queue[:take], queue[take:]
            where.setdefault((klass, a.target), []).extend(moved)
            for sid in moved:
                decisions[year][sid] = (a.target.institution, a.target.post)

    by_owner: dict[tuple[int, int], list[Any]] = {}
    for arc in hm.arcs:
        by_owner.setdefault((arc.year, arc.cohort), []).append(arc)
    for c in hm.cohorts:
        arcs = by_owner.get((first, c.index), [])
        if arcs:
            follow(arcs, {arcs[0].origin: list(c.members)}, c.klass, first)
    for year in hm.years[1:]:
        before, where = where, {}
        classes = sorted({k for k, _st in before})
        for k in classes:
            queues = {st: sorted(ids) for (kk, st), ids in before.items() if kk == k}
            follow(by_owner.get((year, k), []), queues, k, year)


