"""The library's tools on top of a solve: rotate, explain, compare, report, demand."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from staffpool.api.core import Done, InstanceLike, PlanLike, Progress, _instance
from staffpool.api.options import LIBRARY, check_mode, check_options
from staffpool.check import check_rotation
from staffpool.domain.instance import (
    Instance,
    Mode,
)
from staffpool.domain.years import year_view
from staffpool.errors import InfeasibleError, UsageError
from staffpool.i18n import _, ngettext
from staffpool.outputs.plans import (
    plan_years,
    read_plan,
    read_plan_result,
    read_rotation,
)
from staffpool.outputs.report import ReportRotation, build_horizon_report, build_report, read_sweep
from staffpool.outputs.results import Result, require_plan
from staffpool.outputs.results import solve as _solve
from staffpool.outputs.years import HorizonResult, read_horizon_plan
from staffpool.tools.compare import Comparison
from staffpool.tools.compare import compare as _compare
from staffpool.tools.demand import Demand
from staffpool.tools.demand import demand as _demand
from staffpool.tools.explain import Explanation
from staffpool.tools.explain import explain as _explain
from staffpool.tools.rotation import RotationResult, rotation_coverage
from staffpool.tools.rotation import rotate as _rotate


def rotate(instance: InstanceLike, allocation: PlanLike | None = None, *, mode: Mode | str | None = None,
           solver: str = "highs", workers: int = 1, progress: Progress | None = None,
           on_community_done: Done | None = None) -> RotationResult:
    """Place the attendings due for grassroots service on rotation (by specialty, in the
    windows they may serve, the longest trip short: docs/rotation.md) after an allocation
    of the year planned (the first of a horizon):
    `allocation` is a `Result`, a plan dict or a folder written by `solve` (only its
    assignments are read), or None to solve first (in `mode`, with `solver`, which solves
    the rotation too). The same as
    `staffpool rotate`. Never raises for infeasibility: `status` says it, with `reasons`.

        >>> r = staffpool.rotate("instances/sanming-county")
        >>> r.status, r.covered_slots, r.table.head()
        >>> r.write("out/rotation")            # rotation.csv, rotation_summary.json
    """

    mode = check_options(mode=mode, solver=solver, workers=workers)
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
    return _rotate(view, chosen, solver)


def explain(instance: InstanceLike, mode: Mode | str | None = None, *, solver: str = "highs",
            time_limit: float | None = None, workers: int = 1) -> Explanation:
    """Why `instance` is infeasible (the smallest set of rules to relax, per community:
    `relaxations`, `alternatives`), or, when it is feasible, what one more unit of each
    limit buys (`marginals`). Raises `InfeasibleError` when no plan was found within the
    time limit and infeasibility is not proven (nothing to explain).

        >>> exp = staffpool.explain("instances/tiny")
        >>> exp.feasible, exp.summary["marginals"][0]["message"]
    """
    mode = check_options(mode=mode, solver=solver, time_limit=time_limit, workers=workers)
    return _explain(_instance(instance), mode, solver=solver, workers=workers, time_limit=time_limit)


def compare(instance: InstanceLike, modes: Sequence[Mode | str] | None = None, *, solver: str = "highs",
            time_limit: float | None = None, workers: int = 1, progress: Progress | None = None,
            on_community_done: Done | None = None) -> Comparison:
    """The reform stages side by side: `instance` solved in each of `modes` (default all
    three), as `staffpool compare`: `results` (a `Result` per mode), `rows`, `summary`.

        >>> c = staffpool.compare("instances/tiny", ["separate", "unified"])
        >>> [(r["mode"], r["objective"]["shortfall"]) for r in c.rows]
    """
    check_options(modes=modes, solver=solver, time_limit=time_limit, workers=workers)
    modes = [Mode(str(check_mode(m, LIBRARY, "modes"))) for m in modes] if modes is not None else None
    return _compare(_instance(instance), modes, solver=solver, time_limit=time_limit, workers=workers,
                    progress=progress, on_community_done=on_community_done)


def report(instance: InstanceLike, plan: PlanLike | HorizonResult | None = None, *, mode: Mode | str | None = None,
           solver: str = "highs", workers: int = 1, modes: bool = True, sweep: str | Path | None = None,
           rotation: str | Path | None = None, progress: Progress | None = None,
           on_community_done: Done | None = None) -> str:
    """One self-contained HTML page (docs/cli.md, `report`), as a string. `plan` is a
    `Result`, a folder written by `solve` (read in `mode`, else its summary.json's), a
    folder written by `plan` or a `HorizonResult` (the page of a plan over years), or None
    to solve first (in `mode`, with `solver`). `modes` adds the reform stages compared (each
    mode solved); `sweep` a finished sweep folder's curves. A plan that breaks a rule raises
    `InfeasibleError`.

        >>> html = staffpool.report("instances/tiny", modes=False)
        >>> Path("tiny.html").write_text(html, encoding="utf-8")
    """

    mode = check_options(mode=mode, solver=solver, workers=workers)  # before anything is solved
    swept = read_sweep(Path(sweep)) if sweep is not None else None
    rotated = read_rotation(Path(rotation)) if rotation is not None else None
    inst = _instance(instance)
    levels = [lvl.value for lvl in inst.policy.objective]
    if isinstance(plan, str | Path) and plan_years(Path(plan)):
        plan = read_horizon_plan(inst, Path(plan), mode)
    if isinstance(plan, HorizonResult):
        if rotated is not None:
            raise UsageError(_("a rotation follows the plan of one year, not a plan over years"))
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
    shown = _checked_rotation(inst, result, rotated) if rotated is not None else None
    rows = compare(inst, solver=solver, workers=workers, progress=progress,
                   on_community_done=on_community_done).rows if modes else None
    return build_report(inst, result, rows, swept, shown)


def _checked_rotation(instance: Instance, result: Result, rows: list[dict[str, str]]) -> ReportRotation:
    """rotation.csv's `rows` after `result`'s plan, passed by the solver-free checker (as
    `check --rotation`); a rotation that breaks a rule raises InfeasibleError naming each break."""
    report = check_rotation(instance, result.plan, rows)
    if not report.ok:
        n = len(report.violations)
        raise InfeasibleError(ngettext("{instance}: the rotation breaks {n} rule", "{instance}: the rotation breaks {n} rules",
                                       n).format(instance=instance.name, n=n), [str(v) for v in report.violations])
    return ReportRotation(rows, rotation_coverage(instance, result.plan, rows), report.levels)


def demand(instance: InstanceLike) -> Demand:
    """Staffing need from workload (WHO WISN, docs/demand.md): the table per cadre and the
    requirement rows it derives, as `staffpool demand`.

        >>> d = staffpool.demand("instances/hiv-clinic-wisn")
        >>> d.table.head(), d.write("out/demand")
    """
    return _demand(_instance(instance))

