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

Names are loaded when first used (PEP 562), so that `staffpool solve` imports the solving
path and not the report, the sweep or the explanation (docs/architecture.md, "Start-up").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from staffpool.api.core import check_plan, load_instance, solve
    from staffpool.api.tools import compare, demand, explain, report, rotate
    from staffpool.api.years import advance, plan
    from staffpool.check import CheckReport, Violation
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
    from staffpool.errors import InfeasibleError, InputError, Problem, StaffpoolError, UsageError
    from staffpool.outputs.results import Result
    from staffpool.outputs.years import HorizonResult, YearResult
    from staffpool.solving.instance import Solution
    from staffpool.tools.compare import Comparison
    from staffpool.tools.demand import Demand
    from staffpool.tools.explain import Explanation, Marginal, Relaxation
    from staffpool.tools.rotation import RotationResult

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

# Every public name and the module that defines it.
_EXPORTS: dict[str, str] = {
    "Assignment": "staffpool.domain.plan",
    "Budget": "staffpool.domain.instance",
    "CheckReport": "staffpool.check",
    "Community": "staffpool.domain.instance",
    "Comparison": "staffpool.tools.compare",
    "Demand": "staffpool.tools.demand",
    "Explanation": "staffpool.tools.explain",
    "HorizonResult": "staffpool.outputs.years",
    "InfeasibleError": "staffpool.errors",
    "InputError": "staffpool.errors",
    "Instance": "staffpool.domain.instance",
    "Institution": "staffpool.domain.instance",
    "Level": "staffpool.domain.instance",
    "Marginal": "staffpool.tools.explain",
    "Mode": "staffpool.domain.instance",
    "Pin": "staffpool.domain.instance",
    "Plan": "staffpool.domain.plan",
    "Policy": "staffpool.domain.instance",
    "PostSource": "staffpool.domain.plan",
    "Problem": "staffpool.errors",
    "Relaxation": "staffpool.tools.explain",
    "Requirement": "staffpool.domain.instance",
    "Result": "staffpool.outputs.results",
    "RotationResult": "staffpool.tools.rotation",
    "Solution": "staffpool.solving.instance",
    "SolverProfile": "staffpool.constants",
    "StaffMember": "staffpool.domain.instance",
    "StaffpoolError": "staffpool.errors",
    "Status": "staffpool.constants",
    "TerminationCondition": "staffpool.constants",
    "UsageError": "staffpool.errors",
    "Violation": "staffpool.check",
    "YearResult": "staffpool.outputs.years",
    "advance": "staffpool.api.years",
    "check_plan": "staffpool.api.core",
    "compare": "staffpool.api.tools",
    "demand": "staffpool.api.tools",
    "explain": "staffpool.api.tools",
    "load_instance": "staffpool.api.core",
    "plan": "staffpool.api.years",
    "report": "staffpool.api.tools",
    "rotate": "staffpool.api.tools",
    "solve": "staffpool.api.core",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'staffpool' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next use is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
