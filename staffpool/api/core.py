"""The library's core: load an instance, solve it, check a plan, plan over years, advance.

Each function takes an instance as a path or an `Instance`, and a plan as a `Result`, a plan
dict or a folder written by `solve --out` (see `staffpool`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from staffpool.api.options import check_mode, check_options
from staffpool.check import CheckReport, check_recorded_preferences
from staffpool.check import check_plan as _check
from staffpool.domain.instance import (
    Instance,
    Level,
    Mode,
)
from staffpool.domain.plan import Plan
from staffpool.domain.years import advance as _advance
from staffpool.domain.years import year_view
from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance as _load
from staffpool.outputs.plans import (
    advance_from,
    fit_problems,
    read_plan_folder,
)
from staffpool.outputs.results import Result
from staffpool.outputs.results import solve as _solve
from staffpool.solving.community import CommunityOutcome

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
    return check_mode(mode)


def load_instance(path: str | Path, strict: bool = False) -> Instance:
    """Read and validate an instance (a folder with instance.yaml, a .json file or a .xlsx
    workbook; docs/input.md). Raises `InputError` with every problem; with `strict`,
    the warnings (unknown columns, sheets and files, a requirement row given twice, a
    table without rows) are problems too.

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
    from_plan: PlanLike | None = None,
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

    mode = check_options(mode=mode, solver=solver, time_limit=time_limit, workers=workers)
    inst = _instance(instance)
    if from_plan is not None:
        inst = _after(inst, from_plan, mode)
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

    mode = _mode(mode)
    inst = _instance(instance)
    if isinstance(plan, str | Path):
        folder = read_plan_folder(Path(plan), inst, mode)
        report = _check(inst, folder.plan, folder.mode)
        report.violations.extend(check_recorded_preferences(year_view(inst), folder.plan, folder.ranks,
                                                            folder.recorded.get("preferences")))
        return report
    if isinstance(plan, Result):
        return _check(inst, plan.plan, _mode(mode) or plan.mode)
    return _check(inst, plan, _mode(mode))









def _after(instance: Instance, plan: PlanLike, mode: Mode | str | None) -> Instance:
    """The world after `plan`: a folder written by `solve` or `plan`, a `Result` or a plan dict."""
    if isinstance(plan, str | Path):
        return advance_from(instance, Path(plan), mode)
    if isinstance(plan, Result):
        return _advance_by(instance, plan.plan, _mode(mode) or plan.mode)
    return _advance_by(instance, plan, _mode(mode) or instance.policy.mode)


def _advance_by(instance: Instance, plan: Plan, mode: Mode) -> Instance:
    problems = fit_problems(year_view(instance), plan, mode, label="plan")
    if problems:
        raise InputError(problems)
    return _advance(instance, plan)
