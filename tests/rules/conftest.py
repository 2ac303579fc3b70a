"""Shared: solve a small instance and check the plan; build a violating plan by hand."""

from __future__ import annotations

from staffpool.check import check_plan
from staffpool.constants import Status
from staffpool.domain.instance import Instance, Mode
from staffpool.domain.plan import Assignment
from staffpool.outputs.results import Result, solve


def solved(instance: Instance, mode: str | None = None) -> Result:
    result = solve(instance, mode=mode)
    assert result.status == Status.optimal, result.reasons
    assert check_plan(instance, result.plan, result.mode).ok
    return result


def violations(instance: Instance, plan: dict[str, Assignment], rule: str, mode: str | None = None) -> list[str]:
    report = check_plan(instance, plan, Mode(mode) if mode else None)
    return [v.message for v in report.violations if v.rule == rule]


def stay(instance: Instance) -> dict[str, Assignment]:
    """Everyone where they are, keeping their post; candidates not hired."""
    plan = {}
    for s in instance.staff:
        if s.status.value == "on_staff":
            plan[s.id] = Assignment(s.id, s.posted_at, s.post_funding.value if s.post_funding else None, "existing")
        else:
            plan[s.id] = Assignment(s.id, s.posted_at, None, None)
    return plan
