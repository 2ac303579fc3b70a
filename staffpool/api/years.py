"""The library over years: plan every year of a horizon, and the world after a plan."""

from __future__ import annotations

from collections.abc import Callable

from staffpool.api.core import InstanceLike, PlanLike, Progress, _advance_by, _after, _instance, _mode
from staffpool.api.options import check_options
from staffpool.domain.instance import (
    Instance,
    Mode,
)
from staffpool.errors import UsageError
from staffpool.i18n import _
from staffpool.outputs.years import HorizonResult, plan_horizon
from staffpool.solving.horizon import MAX_INTEGRATED_COLUMNS


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
    mode = check_options(mode=mode, solver=solver, time_limit=time_limit, workers=workers)
    if max_columns is not None and (isinstance(max_columns, bool) or not isinstance(max_columns, int) or max_columns < 1):
        raise UsageError(_("{option} must be a whole number, 1 or more, or None (no limit), not {value}").format(
            option="max_columns", value=max_columns))
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

    mode = _mode(mode)
    inst = _instance(instance)
    if isinstance(plan_or_folder, HorizonResult):
        for y in plan_or_folder.years:
            inst = _advance_by(inst, y.result.plan, _mode(mode) or y.result.mode)
        return inst
    return _after(inst, plan_or_folder, mode)
