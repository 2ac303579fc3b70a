"""staffpool: where a county's doctors work.

    >>> import staffpool
    >>> result = staffpool.solve("instances/tiny", mode="county_pool")
    >>> result.objective                       # level name → value, in solve order
    >>> result.assignments.head()              # pandas: who goes where
    >>> staffpool.check_plan("instances/tiny", result).ok

Every function takes an instance as a path (a folder, .json or .xlsx; str or Path) or as
an `Instance` already loaded with `load_instance`, and a plan as a `Result`, a plan dict
(staff id → `Assignment`) or a folder written by `solve --out` / `Result.write`.

The result objects share one shape: `status` (a `Status`), `summary` (a dict: what the
command's summary file or `--json` holds) and `write(folder, force=False)` returning the
paths written: `Result`, `RotationResult`, `Explanation`, `HorizonResult`. `Demand` (no
solve, so no status) has `summary` and `write`; `Comparison` (a `Result` per mode) `summary`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from staffpool.check import CheckReport, Violation
from staffpool.check import check_plan as _check
from staffpool.constants import SolverProfile, Status, TerminationCondition
from staffpool.domain.instance import (
    Budget,
    Community,
    Instance,
    Institution,
    Level,
    Mode,
    Pin,
    Policy,
    Requirement,
    StaffMember,
)
from staffpool.domain.plan import Assignment, Plan, PostSource
from staffpool.domain.years import advance as _advance
from staffpool.domain.years import year_view
from staffpool.errors import InfeasibleError, InputError, Problem, StaffpoolError, UsageError
from staffpool.inputs.validate import load_instance as _load
from staffpool.outputs.plans import (
    advance_from,
    fit_problems,
    plan_years,
    read_horizon_plan,
    read_plan,
    read_plan_folder,
    read_plan_result,
)
from staffpool.outputs.report import build_horizon_report, build_report, read_sweep
from staffpool.outputs.results import Result, require_plan
from staffpool.outputs.results import solve as _solve
from staffpool.outputs.years import HorizonResult, YearResult, plan_horizon
from staffpool.solving.community import CommunityOutcome
from staffpool.solving.horizon import MAX_INTEGRATED_COLUMNS
from staffpool.solving.instance import Solution
from staffpool.solving.profiles import load_profile
from staffpool.tools.compare import Comparison
from staffpool.tools.compare import compare as _compare
from staffpool.tools.demand import Demand
from staffpool.tools.demand import demand as _demand
from staffpool.tools.explain import Explanation, Marginal, Relaxation
from staffpool.tools.explain import explain as _explain
from staffpool.tools.rotation import RotationResult
from staffpool.tools.rotation import rotate as _rotate

__version__ = "0.1.0"

__all__ = [
    "Assignment",
    "Budget",
    "CheckReport",
    "Community",
    "Comparison",
    "Demand",
    "Explanation",
    "HorizonResult",
    "InfeasibleError",
    "InputError",
    "Instance",
    "Institution",
    "Level",
    "Marginal",
    "Mode",
    "Pin",
    "Plan",
    "Policy",
    "PostSource",
    "Problem",
    "Relaxation",
    "Requirement",
    "Result",
    "RotationResult",
    "Solution",
    "SolverProfile",
    "StaffMember",
    "StaffpoolError",
    "Status",
    "TerminationCondition",
    "UsageError",
    "Violation",
    "YearResult",
    "__version__",
    "advance",
    "check_plan",
    "compare",
    "demand",
    "explain",
    "load_instance",
    "plan",
    "report",
    "rotate",
    "solve",
]

InstanceLike = Instance | str | Path
PlanLike = Result | Plan | str | Path
Progress = Callable[[str, Level], None]
Done = Callable[[CommunityOutcome], None]


def _instance(instance: InstanceLike) -> Instance:
    if isinstance(instance, Instance):
        return instance
    if isinstance(instance, str | Path):
        return _load(instance)
    raise TypeError(f"expected an Instance or the path of one, not {type(instance).__name__}")


def _mode(mode: Mode | str | None) -> Mode | None:
    return Mode(mode) if mode is not None else None


def load_instance(path: str | Path, strict: bool = False) -> Instance:
    """Read and validate an instance (a folder with instance.yaml, a .json file or a .xlsx
    workbook; docs/input.md). Raises `InputError` with every problem; with `strict`,
    unknown columns, sheets and files are problems too.

        >>> inst = staffpool.load_instance("instances/tiny")
        >>> len(inst.staff), inst.policy.mode
    """
    return _load(path, strict)


def solve(
    instance: InstanceLike,
    mode: Mode | str | None = None,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    from_plan: PlanLike | HorizonResult | None = None,
    progress: Progress | None = None,
    on_community_done: Done | None = None,
    load_s: float = 0.0,
) -> Result:
    """Solve every community of `instance` to the lexicographic optimum (docs/model.md).

    `mode` overrides the policy's (`separate`, `county_pool`, `unified`); `solver` names a
    profile (`highs`, `cbc`, `highs-quick`, …); `time_limit` is seconds per community;
    `workers` solves communities in parallel, `scheduler` on Dask (`tcp://HOST:PORT` or
    `dask`). `from_plan` solves the world after that plan (as `advance` then `solve`).
    `progress(community, level)` and `on_community_done(outcome)` report as it goes;
    `load_s` is the seconds you spent loading `instance` (summary.json's timings).
    Infeasibility raises nothing: `result.status` says it, with `result.reasons`. Bad
    input raises `InputError` with every problem.

        >>> result = staffpool.solve("instances/tiny", mode="unified")
        >>> result.status, result.objective["shortfall"]
        >>> result.write("out/tiny")            # the four result files; returns their paths
    """

    inst = _instance(instance)
    if from_plan is not None:
        inst = advance(inst, from_plan, mode=mode)
    return _solve(inst, mode=mode, solver=solver, time_limit=time_limit, workers=workers, progress=progress,
                  on_community_done=on_community_done, load_s=load_s, scheduler=scheduler)


def check_plan(instance: InstanceLike, plan: PlanLike, mode: Mode | str | None = None) -> CheckReport:
    """Check a plan against every hard rule without a solver, and recompute every level.

    `plan` is a `Result` (checked in its own mode unless `mode` is given), a plan dict (in
    `mode`, else the policy's), or a folder written by `solve --out` or an assignments.csv
    (in `mode`, else the one its summary.json records: `InputError` when it has none). The
    report has `ok`, `violations`, `levels` and the `mode` it checked.

        >>> report = staffpool.check_plan("instances/tiny", "out/tiny")
        >>> report.ok, [str(v) for v in report.violations]
    """

    inst = _instance(instance)
    if isinstance(plan, str | Path):
        folder = read_plan_folder(Path(plan), inst, mode)
        return _check(inst, folder.plan, folder.mode)
    if isinstance(plan, Result):
        return _check(inst, plan.plan, _mode(mode) or plan.mode)
    return _check(inst, plan, _mode(mode))


def rotate(instance: InstanceLike, allocation: PlanLike | None = None, *, mode: Mode | str | None = None,
           solver: str = "highs", workers: int = 1, progress: Progress | None = None,
           on_community_done: Done | None = None) -> RotationResult:
    """Place the attendings due for grassroots service on rotation (a min-cost flow,
    docs/rotation.md) after an allocation of the year planned (the first of a horizon):
    `allocation` is a `Result`, a plan dict or a folder written by `solve` (only its
    assignments are read), or None to solve first (in `mode`, with `solver`). The same as
    `staffpool rotate`. Never raises for infeasibility: `status` says it, with `reasons`.

        >>> r = staffpool.rotate("instances/sanming-county")
        >>> r.status, r.covered_slots, r.table.head()
        >>> r.write("out/rotation")            # rotation.csv, rotation_summary.json
    """

    view = year_view(_instance(instance))
    if allocation is None:
        chosen = require_plan(_solve(view, mode=mode, solver=solver, workers=workers, progress=progress,
                                     on_community_done=on_community_done)).plan
    elif isinstance(allocation, str | Path):
        chosen = read_plan(Path(allocation), view)
    elif isinstance(allocation, Result):
        chosen = allocation.plan
    else:
        chosen = allocation
    return _rotate(view, chosen)


def explain(instance: InstanceLike, mode: Mode | str | None = None, *, solver: str = "highs",
            time_limit: float | None = None, workers: int = 1) -> Explanation:
    """Why `instance` is infeasible (the smallest set of rules to relax, per community:
    `relaxations`, `alternatives`), or, when it is feasible, what one more unit of each
    limit buys (`marginals`). Raises `InfeasibleError` when no plan was found within the
    time limit and infeasibility is not proven (nothing to explain).

        >>> exp = staffpool.explain("instances/tiny")
        >>> exp.feasible, exp.summary["marginals"][0]["message"]
    """
    return _explain(_instance(instance), mode, solver=solver, workers=workers, time_limit=time_limit)


def compare(instance: InstanceLike, modes: Sequence[Mode | str] | None = None, *, solver: str = "highs",
            time_limit: float | None = None, workers: int = 1, progress: Progress | None = None,
            on_community_done: Done | None = None) -> Comparison:
    """The reform stages side by side: `instance` solved in each of `modes` (default all
    three), as `staffpool compare`: `results` (a `Result` per mode), `rows`, `summary`.

        >>> c = staffpool.compare("instances/tiny", ["separate", "unified"])
        >>> [(r["mode"], r["objective"]["shortfall"]) for r in c.rows]
    """
    return _compare(_instance(instance), modes, solver=solver, time_limit=time_limit, workers=workers,
                    progress=progress, on_community_done=on_community_done)


def plan(
    instance: InstanceLike,
    rolling: bool = False,
    *,
    mode: Mode | str | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    workers: int = 1,
    max_columns: int | None = MAX_INTEGRATED_COLUMNS,
    compare_rolling: bool = True,
    on_year: Callable[[int], None] | None = None,
    progress: Progress | None = None,
) -> HorizonResult:
    """Plan every year of the horizon (instance.yaml `horizon: {start, years}`): integrated
    (each level summed over the years, minimised together; refused above `max_columns`
    integer columns in a community), or year by year with `rolling`. Beside a complete
    integrated plan the rolling plan is solved too unless `compare_rolling=False`: its
    totals (`rolling`, summary.json `rolling_totals`) are what looking ahead is worth.
    `workers` applies to the rolling plan's years.

        >>> hr = staffpool.plan("instances/small-county-5y", rolling=True)
        >>> hr.status, [(y.year, y.result.objective["shortfall"]) for y in hr.years]
        >>> hr.write("out/plan")               # DIR/<year>/ and DIR/summary.json
    """
    return plan_horizon(_instance(instance), rolling, mode=mode, solver=solver, time_limit=time_limit,
                        workers=workers, max_columns=max_columns, compare_rolling=compare_rolling,
                        on_year=on_year, progress=progress)


def advance(instance: InstanceLike, plan_or_folder: PlanLike | HorizonResult, *,
            mode: Mode | str | None = None) -> Instance:
    """The world after a plan, as an instance starting the next year (docs/cli.md,
    "Plans that live"). `plan_or_folder` is a folder written by `solve` or `plan` (each
    year read in `mode`, else the one its summary.json records), a `Result` (in its own
    mode), a plan dict (in `mode`, else the policy's) or a `HorizonResult` (every year in
    turn). The plan must fit: a row for everyone present and every hard rule holding, else
    `InputError`.

        >>> after = staffpool.advance("instances/sanming-county-5y", "out/2027")
        >>> after.horizon.start, staffpool.solve(after).objective
    """

    inst = _instance(instance)
    if isinstance(plan_or_folder, str | Path):
        return advance_from(inst, Path(plan_or_folder), mode)
    if isinstance(plan_or_folder, HorizonResult):
        for y in plan_or_folder.years:
            inst = _advance_by(inst, y.result.plan, _mode(mode) or y.result.mode)
        return inst
    if isinstance(plan_or_folder, Result):
        return _advance_by(inst, plan_or_folder.plan, _mode(mode) or plan_or_folder.mode)
    return _advance_by(inst, plan_or_folder, _mode(mode) or inst.policy.mode)


def _advance_by(instance: Instance, plan: Plan, mode: Mode) -> Instance:
    problems = fit_problems(year_view(instance), plan, mode, label="plan")
    if problems:
        raise InputError(problems)
    return _advance(instance, plan)


def report(instance: InstanceLike, plan: PlanLike | HorizonResult | None = None, *, mode: Mode | str | None = None,
           solver: str = "highs", workers: int = 1, modes: bool = True, sweep: str | Path | None = None,
           progress: Progress | None = None, on_community_done: Done | None = None) -> str:
    """One self-contained HTML page (docs/cli.md, `report`), as a string. `plan` is a
    `Result`, a folder written by `solve` (read in `mode`, else its summary.json's), a
    folder written by `plan` or a `HorizonResult` (the page of a plan over years), or None
    to solve first (in `mode`, with `solver`). `modes` adds the reform stages compared (each
    mode solved); `sweep` a finished sweep folder's curves. A plan that breaks a rule raises
    `InfeasibleError`.

        >>> html = staffpool.report("instances/tiny", modes=False)
        >>> Path("tiny.html").write_text(html, encoding="utf-8")
    """

    load_profile(solver)  # an unknown profile stops here, before anything is solved
    swept = read_sweep(Path(sweep)) if sweep is not None else None
    inst = _instance(instance)
    levels = [lvl.value for lvl in inst.policy.objective]
    if isinstance(plan, str | Path) and plan_years(Path(plan)):
        plan = read_horizon_plan(inst, Path(plan), mode)
    if isinstance(plan, HorizonResult):
        return build_horizon_report(plan.summary, levels)
    if isinstance(plan, str | Path):
        result = read_plan_result(Path(plan), inst, mode)
    elif isinstance(plan, Result):
        result = plan
    elif plan is None:
        result = require_plan(_solve(inst, mode=mode, solver=solver, workers=workers, progress=progress,
                                     on_community_done=on_community_done))
    else:
        raise TypeError(f"expected a Result, a HorizonResult or the folder of one, not {type(plan).__name__}")
    rows = compare(inst, solver=solver, workers=workers, progress=progress,
                   on_community_done=on_community_done).rows if modes else None
    return build_report(inst, result, rows, swept)


def demand(instance: InstanceLike) -> Demand:
    """Staffing need from workload (WHO WISN, docs/demand.md): the table per cadre and the
    requirement rows it derives, as `staffpool demand`.

        >>> d = staffpool.demand("instances/hiv-clinic-wisn")
        >>> d.table.head(), d.write("out/demand")
    """
    return _demand(_instance(instance))
