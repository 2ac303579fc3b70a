"""Shared: solve a small instance and check the plan; build a violating plan by hand; plan
over years, and the optimum of the program over years with a rule left out."""

from __future__ import annotations

from staffpool.check import check_plan
from staffpool.constants import Status
from staffpool.domain.instance import Budget, Horizon, Instance, Level, Mode, Requirement, StaffMember
from staffpool.domain.plan import Assignment
from staffpool.model.years import build_horizon_community
from staffpool.outputs.results import Result, solve
from staffpool.solving.horizon import HorizonPlan, plan_integrated


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


# ---------------------------------------------------------------- the rules' forms over years


def over_years(instance: Instance, years: int = 2, budgets: tuple[Budget, ...] = ()) -> Instance:
    """The instance planned over `years` years from 2027 (budgets.csv rows `budgets`)."""
    return instance.model_copy(update={"horizon": Horizon(start=2027, years=years), "budgets": budgets})


def integrated(instance: Instance, mode: str | None = None) -> HorizonPlan:
    """The integrated plan, which checks each year's plan with the checker against that
    year's world itself (and its levels against the program's)."""
    plan = plan_integrated(instance, mode=mode)
    assert plan.complete and plan.status == "optimal", plan.reasons
    return plan


def where(plan: HorizonPlan, staff_id: str) -> list[str | None]:
    """Where `staff_id` is posted, year by year."""
    return [y.result.plan[staff_id].to_institution for y in plan.years]


def years_optimum(instance: Instance, level: Level, skip: frozenset[str] = frozenset(),
                  mode: str | None = None) -> float | None:
    """The least value of one level over the program over years that `build_horizon_community`
    builds, with the rules `skip` left out, by HiGHS directly (None: no plan)."""
    import highspy
    import numpy as np

    hm = build_horizon_community(instance, "C1", Mode(mode or instance.policy.mode), skip=skip)
    lp = hm.lp
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(lp.num_cols, np.array(lp.lb), np.array([min(u, highspy.kHighsInf) for u in lp.ub]))
    h.changeColsIntegrality(lp.num_cols, np.arange(lp.num_cols, dtype=np.int32),
                            np.array([1 if i else 0 for i in lp.integer], dtype=np.uint8))
    expr = hm.levels[level]
    cols = np.array(list(expr.terms), dtype=np.int32)
    h.changeColsCost(len(cols), cols, np.array(list(expr.terms.values()), dtype=float))
    inf = highspy.kHighsInf
    h.addRows(lp.num_rows, np.array([max(v, -inf) for v in lp.row_lo]), np.array([min(v, inf) for v in lp.row_hi]),
              len(lp.index), np.array(lp.starts, dtype=np.int32), np.array(lp.index, dtype=np.int32),
              np.array(lp.value, dtype=float))
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        return None
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal, h.getModelStatus()
    return float(h.getInfo().objective_function_value) + expr.constant


def in_year(row: Requirement, year: int) -> Requirement:
    """A requirement row of that year only."""
    return row.model_copy(update={"year": year})


def leaving(s: StaffMember, year: int) -> StaffMember:
    """`s`, gone from `year` on."""
    return s.model_copy(update={"leaves": year})
