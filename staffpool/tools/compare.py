"""The reform stages side by side: the instance solved in each mode alone (`staffpool compare`,
the modes chart of `report`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from staffpool.domain.instance import Instance, Level, Mode
from staffpool.outputs.results import Result, solve
from staffpool.solving.community import CommunityOutcome

ALL_MODES = tuple(Mode)


def compare_row(result: Result) -> dict[str, Any]:
    """One mode's row as `staffpool compare --json` prints it."""
    tiers: dict[str, int] = {}
    if result.has_plan:
        for row in result.rows("institutions"):
            tiers[row["tier"]] = tiers.get(row["tier"], 0) + int(row["staff_after"])
    return {"mode": result.mode.value, "status": result.status.value,
            "objective": result.objective,
            "counts": result.summary["counts"], "staff_by_tier": dict(sorted(tiers.items())),
            "treasury_added": result.payroll["total"]["treasury_added"] if result.has_plan else None,
            "preferences": result.summary["preferences"]}


@dataclass
class Comparison:
    """Each mode solved alone: `results` (a `Result` per mode, in the order asked), `rows`
    (one dict per mode: status, objective, counts, staff by tier, treasury added) and
    `summary` (what `compare --json` prints).

        >>> c = staffpool.compare("instances/tiny")
        >>> {r["mode"]: r["objective"]["shortfall"] for r in c.rows}
    """

    instance: Instance
    results: list[Result]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [compare_row(r) for r in self.results]

    @property
    def summary(self) -> dict[str, Any]:
        return {"instance": self.instance.name, "modes": self.rows}


def compare(instance: Instance, modes: Sequence[Mode | str] | None = None, *, solver: str = "highs",
            time_limit: float | None = None, workers: int = 1,
            progress: Callable[[str, Level], None] | None = None,
            on_community_done: Callable[[CommunityOutcome], None] | None = None) -> Comparison:
    """Solve `instance` in each of `modes` (default: separate, county_pool, unified)."""
    chosen = [Mode(m) for m in (modes if modes is not None else ALL_MODES)]
    return Comparison(instance, [solve(instance, mode=m, solver=solver, time_limit=time_limit, workers=workers,
                                       progress=progress, on_community_done=on_community_done) for m in chosen])
