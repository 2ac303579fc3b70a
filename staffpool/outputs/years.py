"""A plan over years as files: summary.json with every year and the totals, and DIR/<year>/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from staffpool.domain.instance import (
    Level,
)
from staffpool.outputs.files import ensure_not_input, refuse_existing, write_json_atomic
from staffpool.outputs.results import Result, level_value, write_result
from staffpool.solving.horizon import HorizonPlan


def results_of(hp: HorizonPlan) -> HorizonPlan:
    """`hp` with each year's solution as a `Result` (its tables, summary and files), in place."""
    for y in hp.years:
        y.result = Result.of(y.result)
    if hp.rolling is not None:
        results_of(hp.rolling)
    return hp


def horizon_summary(hp: HorizonPlan) -> dict[str, Any]:
    """summary.json of a plan over years: each year's levels and counts, and the totals."""

    years: dict[str, Any] = {}
    for y in results_of(hp).years:
        result = Result.of(y.result)
        s = result.summary.model_dump(mode="json")
        tiers: dict[str, dict[str, int]] = {}
        for row in result.rows("institutions") if result.has_plan else []:
            t = tiers.setdefault(row["tier"], {"staff": 0, "short": 0})
            t["staff"] += row["staff_after"]
            t["short"] += row["short"]
        years[str(y.year)] = {"status": s["status"], "objective": s["objective"], "counts": s["counts"], "by_tier": tiers,
                              **({"payroll": s["payroll"]} if "payroll" in s else {})}
    totals = {k: level_value(Level(k), v) for k, v in hp.totals().items()}
    beside = {}
    if hp.rolling is not None:
        beside = {"rolling_totals": {k: level_value(Level(k), v) for k, v in hp.rolling.totals().items()},
                  "rolling_status": hp.rolling.status}
    return {
        "instance": hp.instance.name, "kind": hp.kind, "status": hp.status,
        "mode": hp.years[0].result.mode.value if hp.years else hp.instance.policy.mode.value,
        "horizon": {"start": hp.instance.horizon.start, "years": hp.instance.horizon.years},
        "years": years, "totals": totals, **beside, **({"reasons": hp.reasons} if hp.reasons else {}),
    }


def write_horizon_plan(hp: HorizonPlan, out: Path, input_files: list[Path] | None = None, force: bool = False) -> None:
    """DIR/<year>/ (solve's four files for each year) and DIR/summary.json; an earlier
    run's files are replaced only with `force`."""

    ensure_not_input(out, ["summary.json"], input_files or [])
    refuse_existing([out / "summary.json"], force)
    for y in results_of(hp).years:
        if y.result.has_plan:
            write_result(Result.of(y.result), out / str(y.year), input_files, force=force)
    write_json_atomic(out / "summary.json", horizon_summary(hp))

