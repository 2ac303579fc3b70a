"""staffpool: where a county's doctors work.

    >>> import staffpool
    >>> inst = staffpool.load_instance("instances/tiny")
    >>> result = staffpool.solve(inst, mode="county_pool")
    >>> result.objective, result.assignments.head()
"""

from __future__ import annotations

from typing import Any

from .constants import Status, TerminationCondition
from .domain import Instance, Level, Mode, Policy
from .errors import InfeasibleError, InputError, Problem, StaffpoolError, UsageError
from .solve import Result
from .solve import solve as solve  # binds the function over the submodule's name
from .validate import load_instance

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


def check_plan(instance: Instance, plan: Any, mode: Mode | None = None) -> Any:
    """Check a plan against every hard rule; see `staffpool.check.check_plan`."""
    from .check import check_plan as _check

    return _check(instance, plan, mode)


def rotate(instance: Instance, result: Any, **kwargs: Any) -> Any:
    """Place due attendings on grassroots rotation; see `staffpool.rotation.rotate`."""
    from .rotation import rotate as _rotate

    return _rotate(instance, result, **kwargs)


def explain(instance: Instance, mode: Mode | str | None = None, **kwargs: Any) -> Any:
    """The smallest relaxation of an infeasible instance, or the marginal value of each
    limit of a feasible one; see `staffpool.explain.explain`."""
    from .explain import explain as _explain

    return _explain(instance, mode, **kwargs)
