"""staffpool: where a county's doctors work.

    >>> import staffpool
    >>> result = staffpool.solve("instances/tiny", mode="county_pool")
    >>> result.objective                       # level name → value, in solve order
    >>> result.assignments.head()              # pandas: who goes where
    >>> staffpool.check_plan("instances/tiny", result).ok

Every function takes an instance as a path (a folder, .json or .xlsx; str or Path) or as
an `Instance` already loaded with `load_instance`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from staffpool.check import CheckReport
from staffpool.check import check_plan as _check
from staffpool.constants import Status, TerminationCondition
from staffpool.domain.instance import Instance, Level, Mode, Policy
from staffpool.domain.plan import Plan
from staffpool.errors import InfeasibleError, InputError, Problem, StaffpoolError, UsageError
from staffpool.inputs.validate import load_instance
from staffpool.outputs.plans import read_plan
from staffpool.outputs.results import Result
from staffpool.outputs.results import solve as _solve

# The submodule first: importing it later would rebind `staffpool.explain` to the module,
# over the function below (as `.solve` is imported here before `solve` is defined).
from staffpool.tools import explain as _explain_module
from staffpool.tools.explain import Explanation
from staffpool.tools.rotation import RotationResult
from staffpool.tools.rotation import rotate as _rotate

__version__ = "0.1.0"

__all__ = [
    "InfeasibleError",
    "InputError",
    "Instance",
    "Level",
    "Mode",
    "Policy",
    "Problem",
    "Result",
    "StaffpoolError",
    "Status",
    "TerminationCondition",
    "UsageError",
    "__version__",
    "check_plan",
    "explain",
    "load_instance",
    "rotate",
    "solve",
]

InstanceLike = Instance | str | Path


def _instance(instance: InstanceLike) -> Instance:
    if isinstance(instance, Instance):
        return instance
    if isinstance(instance, str | Path):
        return load_instance(instance)
    raise TypeError(f"expected an Instance or the path of one, not {type(instance).__name__}")


def _plan(instance: Instance, plan: Plan | Result | str | Path) -> Plan:
    if isinstance(plan, Result):
        return plan.plan
    if isinstance(plan, str | Path):

        return read_plan(Path(plan), instance)
    return plan


def solve(
    instance: InstanceLike,
    mode: Mode | str | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    workers: int = 1,
    **kwargs: Any,
) -> Result:
    """Solve every community of `instance` to the lexicographic optimum (docs/model.md).

    `instance` is an `Instance` or the path of one (folder, .json, .xlsx); `mode` overrides
    the policy's (`separate`, `county_pool`, `unified`); `solver` names a profile
    (`highs`, `cbc`, …); `time_limit` is seconds per community; `workers` solves communities
    in parallel. Infeasibility raises nothing: `result.status` says it, with
    `result.reasons`. Bad input raises `InputError` with every problem. The result holds
    `objective`, `plan`, the tables `assignments`, `requirements`, `institutions` (pandas)
    and `summary` (pydantic), and `write(folder)` writes the result files.
    """

    return _solve(_instance(instance), mode=mode, solver=solver, time_limit=time_limit, workers=workers, **kwargs)


def check_plan(instance: InstanceLike, plan: Plan | Result | str | Path, mode: Mode | str | None = None) -> CheckReport:
    """Check a plan against every hard rule without a solver, and recompute every level.

    `plan` is a `Result`, a plan (staff id → Assignment), or a folder written by
    `solve --out` (or an `assignments.csv`). The report has `ok`, `violations` and
    `levels`."""

    inst = _instance(instance)
    return _check(inst, _plan(inst, plan), Mode(mode) if mode is not None else None)


def rotate(instance: InstanceLike, result: Plan | Result | str | Path) -> RotationResult:
    """Place the attendings due for grassroots service on rotation (a min-cost flow) after
    the allocation `result` (a `Result`, a plan or a result folder). The rotation result has
    `status`, `table` (pandas, rotation.csv), `covered_slots`, `distance_km` and
    `write(folder)`."""

    inst = _instance(instance)
    return _rotate(inst, _plan(inst, result))


def explain(instance: InstanceLike, mode: Mode | str | None = None, solver: str = "highs",
            workers: int = 1) -> Explanation:
    """Why `instance` is infeasible (the smallest set of rules to relax, per community), or,
    when it is feasible, what one more unit of each limit buys (`marginals`)."""
    return _explain_module.explain(_instance(instance), mode, solver=solver, workers=workers)
