"""Result status, termination and solver profiles, as linopy's constants.py.

Imported by solve, backends, parallel, results and report alike; nothing here imports
back up (only the standard library), so none of them needs another for its types.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# model.md: a level is held, and proven, within 1e-6 relative and 1e-6 absolute.
LEVEL_ABS_TOL = 1e-6
LEVEL_REL_TOL = 1e-6


def level_tolerance(value: float) -> float:
    """How far a level may be from its optimum and still count as the optimum."""
    return max(LEVEL_ABS_TOL, LEVEL_REL_TOL * abs(value))


class Status(StrEnum):
    """What a solve delivers (summary.json `status`); docs/model.md, "Status"."""

    optimal = "optimal"  # a plan; every level proven at model.md's tolerance
    feasible = "feasible"  # a plan obeying every rule; some level not proven (a gap profile)
    time_limit = "time_limit"  # the time limit was hit: a plan not proven optimal, or no plan
    infeasible = "infeasible"  # proven: no plan obeys every hard rule


class TerminationCondition(StrEnum):
    """Why the solver stopped on one level."""

    optimal = "optimal"  # the solver's own criterion met (its gap); see LevelLog.bound for proof
    time_limit = "time_limit"
    infeasible = "infeasible"
    no_solution = "no_solution"  # time limit hit before any plan was found
    error = "error"


@dataclass(frozen=True)
class SolverProfile:
    """A named solver setting (solvers/*.yaml)."""

    name: str
    backend: str  # "highs" or "cbc"
    time_limit: float | None = None
    mip_rel_gap: float = 0.0
    mip_abs_gap: float = 1e-6
    threads: int = 1
    # HiGHS only: LP bound and reduced-cost fixing per level (exact; see docs/model.md).
    reduced_cost_fixing: bool = True

    @property
    def exact(self) -> bool:
        """Its gaps are within model.md's tolerance: a level it calls optimal is proven."""
        return self.mip_rel_gap <= LEVEL_REL_TOL and self.mip_abs_gap <= LEVEL_ABS_TOL
