"""Plans over years as the library hands them out: `HorizonResult` (each year's `Result`, the
totals, summary.json as a dict) and its files, DIR/<year>/ and DIR/summary.json."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from staffpool.constants import Status
from staffpool.domain.instance import Instance, Level, Mode, level_value
from staffpool.domain.years import advance, year_view
from staffpool.errors import InputError
from staffpool.outputs.files import ensure_not_input, refuse_existing, write_json_atomic
from staffpool.outputs.plans import _in_year, plan_years, read_fitting_plan, read_plan_summary, result_from_plan
from staffpool.outputs.results import Result, write_result
from staffpool.solving.horizon import (
    MAX_INTEGRATED_COLUMNS,
    HorizonPlan,
    level_totals,
    plan_integrated,
    plan_rolling,
    plan_status,
)


@dataclass
class YearResult:
    """One year of a plan over years: the year and that year's `Result`."""

    year: int
    result: Result


@dataclass(kw_only=True, repr=False)
class HorizonResult:
    """A plan over years, as `staffpool.plan` hands it out: `kind` (`integrated` or
    `rolling`), `years` (each a `YearResult`: the year and its `Result`), `status` (a
    `Status`), `totals()`, `summary` (the plan's summary.json as a dict), `rolling` (the
    rolling plan solved beside an integrated one, or None) and `write(folder)`.

        >>> hr = staffpool.plan("instances/small-county-5y", rolling=True)
        >>> [y.year for y in hr.years], hr.totals()["shortfall"]
    """

    instance: Instance
    kind: str  # "integrated", "rolling" ("plan" read back from a folder without a summary.json)
    years: list[YearResult]
    complete: bool  # every year has a plan
    reasons: list[str] = field(default_factory=list)
    rolling: HorizonResult | None = None  # the rolling plan beside an integrated one
    stopped: Status | None = None  # an integrated plan that stopped: proven infeasible, or not

    @classmethod
    def of(cls, hp: HorizonPlan) -> HorizonResult:
        """The plan over years of the solver's `HorizonPlan`, each year's solution as a `Result`."""
        return cls(instance=hp.instance, kind=hp.kind, years=[YearResult(y.year, Result.of(y.result)) for y in hp.years],
                   complete=hp.complete, reasons=list(hp.reasons),
                   rolling=cls.of(hp.rolling) if hp.rolling is not None else None, stopped=hp.stopped)

    @property
    def status(self) -> Status:
        """`optimal` when every year is; `time_limit` or `feasible` after the worst year;
        without a plan for every year, `infeasible` when a year (or the program over years) is
        proven so, else `time_limit`."""
        return plan_status((y.result.status for y in self.years), self.complete, self.stopped)

    def totals(self) -> dict[str, float]:
        """Each level summed over the years (distance in km), unrounded."""
        return level_totals(y.result for y in self.years)

    @property
    def summary(self) -> dict[str, Any]:
        """The plan's summary.json (docs/cli.md): each year's levels, counts and staff by tier,
        the totals, and `rolling_totals`/`rolling_status` when a rolling plan is beside it."""
        return horizon_summary(self)

    def write(self, out: str | Path, force: bool = False) -> list[Path]:
        """DIR/<year>/ (solve's four files for each year) and DIR/summary.json; an earlier
        run's files are replaced only with `force`. Returns the paths written."""
        return write_horizon_plan(self, Path(out), force=force)

    def __repr__(self) -> str:
        first, last = (self.years[0].year, self.years[-1].year) if self.years else (None, None)
        return (f"<HorizonResult {self.instance.name!r} kind={self.kind} years={first}–{last} "
                f"status={self.status.value} totals={ {k: level_value(Level(k), v) for k, v in self.totals().items()} }>")


def horizon_summary(hr: HorizonResult) -> dict[str, Any]:
    """summary.json of a plan over years: each year's levels and counts, and the totals."""

    years: dict[str, Any] = {}
    for y in hr.years:
        s = y.result.summary
        tiers: dict[str, dict[str, int]] = {}
        for row in y.result.rows("institutions") if y.result.has_plan else []:
            t = tiers.setdefault(row["tier"], {"staff": 0, "short": 0})
            t["staff"] += row["staff_after"]
            t["short"] += row["short"]
        years[str(y.year)] = {"status": s["status"], "objective": s["objective"], "counts": s["counts"], "by_tier": tiers,
                              **({"payroll": s["payroll"]} if "payroll" in s else {})}
    totals = {k: level_value(Level(k), v) for k, v in hr.totals().items()}
    beside: dict[str, Any] = {}
    if hr.rolling is not None:
        beside = {"rolling_totals": {k: level_value(Level(k), v) for k, v in hr.rolling.totals().items()},
                  "rolling_status": hr.rolling.status.value}
    return {
        "instance": hr.instance.name, "kind": hr.kind, "status": hr.status.value,
        "mode": hr.years[0].result.mode.value if hr.years else hr.instance.policy.mode.value,
        "horizon": {"start": hr.instance.horizon.start, "years": hr.instance.horizon.years},
        "years": years, "totals": totals, **beside, **({"reasons": hr.reasons} if hr.reasons else {}),
    }


def write_horizon_plan(hr: HorizonResult, out: Path, input_files: list[Path] | None = None,
                       force: bool = False) -> list[Path]:
    """DIR/<year>/ (solve's four files for each year) and DIR/summary.json; an earlier
    run's files are replaced only with `force`. Returns the paths written."""

    ensure_not_input(out, ["summary.json"], input_files or [])
    refuse_existing([out / "summary.json"], force)
    written: list[Path] = []
    for y in hr.years:
        if y.result.has_plan:
            written += write_result(y.result, out / str(y.year), input_files, force=force)
    write_json_atomic(out / "summary.json", horizon_summary(hr))
    return [*written, out / "summary.json"]


def plan_horizon(
    instance: Instance,
    rolling: bool = False,
    *,
    mode: Mode | str | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    workers: int = 1,
    max_columns: int | None = MAX_INTEGRATED_COLUMNS,
    compare_rolling: bool = True,
    on_year: Callable[[int], None] | None = None,
    progress: Callable[[str, Level], None] | None = None,
) -> HorizonResult:
    """Every year of the instance's horizon: integrated (each level summed over the years,
    minimised together), or `rolling` (year by year). Beside a complete integrated plan, the
    rolling plan too when `compare_rolling` (its totals say what looking ahead is worth:
    summary.json `rolling_totals`, `rolling_status`); `workers` applies to the rolling
    plan's years. `on_year(year)` is called as each rolling year starts, `progress(community,
    level)` as each level is solved."""

    if rolling:
        return HorizonResult.of(plan_rolling(instance, mode, solver, time_limit, workers, on_year=on_year, progress=progress))
    hr = HorizonResult.of(plan_integrated(instance, mode, solver, time_limit, on_level=progress, max_columns=max_columns))
    if compare_rolling and hr.complete:
        hr.rolling = HorizonResult.of(plan_rolling(instance, mode, solver, time_limit, workers, on_year=on_year,
                                                   progress=progress))
    return hr


def read_horizon_plan(instance: Instance, folder: Path, mode: Mode | str | None = None) -> HorizonResult:
    """A folder written by `plan`, read back year by year against the world the years
    before leave: each year must fit and obey every rule (InputError otherwise, naming the
    year), in `mode` or the one its summary.json records; the levels are the checker's and
    each year's status is kept as `result_from_plan` decides. The kind comes from
    DIR/summary.json (needed unless `mode` is given; "plan" when it does not say)."""

    top = read_plan_summary(folder, required=mode is None)
    kind = str(top.get("kind")) if top.get("kind") in ("integrated", "rolling") else "plan"
    current = instance
    years: list[YearResult] = []
    for sub in plan_years(folder):
        try:
            fitted = read_fitting_plan(sub, current, mode)
        except InputError as exc:
            raise _in_year(sub, exc) from None
        view = year_view(current)
        solver = str(fitted.recorded.get("solver") or "plan")
        years.append(YearResult(int(sub.name), result_from_plan(view, fitted.plan, fitted.mode, solver, fitted.recorded)))
        current = advance(current, fitted.plan)
    return HorizonResult(instance=instance, kind=kind, years=years, complete=True)

