"""CBC through PuLP's command-line interface: the second runner of the lexicographic driver.

`CbcRunner` implements `lexicographic.Runner`; it has no LP certificate, so it ignores what
only HiGHS's search uses (`hint`, `defer`, `give_up`, `missed`, `then`) and never defers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from staffpool.constants import SolverProfile, TerminationCondition
from staffpool.model.linear import Expr, import_pulp, pulp_expr
from staffpool.solving.lexicographic import LevelResult, Program


class CbcRunner:
    """CBC through PuLP; the model is re-sent at each level."""

    def __init__(self, cm: Program, profile: SolverProfile):
        self.profile = profile
        self.has_values = False
        self.deferred = False  # CBC never defers a level
        self.prob, self.cols = cm.lp.to_pulp()

    def solve(self, expr: Expr, time_left: float | None, scale: float | None = None, hint: float | None = None,
              defer: bool = False, give_up: bool = False, missed: bool = False,
              then: tuple[Expr, float | None] | None = None) -> LevelResult:
        """As HighsRunner.solve, without its search: `scale`, `hint`, `defer`, `give_up`,
        `missed` and `then` are unused. CBC through PuLP reports no bound: a level it calls
        optimal is proven only when the profile's gaps are within model.md's tolerance. Its
        "infeasible" is not a proof under a time limit (its preprocessing may stop early and
        say so): the driver has it confirmed before a user hears it."""
        pulp = import_pulp()
        prob = self.prob
        obj = pulp_expr(expr, self.cols)
        prob.setObjective(obj if len(obj) else pulp.LpAffineExpression(constant=0))
        solver = pulp.PULP_CBC_CMD(
            msg=False, gapRel=self.profile.mip_rel_gap, gapAbs=self.profile.mip_abs_gap,
            threads=self.profile.threads, timeLimit=None if time_left is None else max(1, math.ceil(time_left)),
            warmStart=self.has_values,
        )
        prob.solve(solver)
        if prob.status == pulp.LpStatusInfeasible:
            return TerminationCondition.infeasible, None, None
        if prob.sol_status == pulp.LpSolutionOptimal:
            term = TerminationCondition.optimal
        elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
            term = TerminationCondition.time_limit
        elif prob.status == pulp.LpStatusNotSolved:
            return TerminationCondition.no_solution, None, None
        else:
            return TerminationCondition.error, None, None
        self.has_values = True
        value = float(pulp.value(obj) or 0.0) if len(obj) else float(expr.constant)
        proven = term == TerminationCondition.optimal and self.profile.exact
        return term, value, (value if proven else None)

    def feasible(self, time_left: float | None = None) -> bool | None:
        """Does any plan obey every row? None when CBC could not tell within the limit."""
        pulp = import_pulp()
        self.prob.setObjective(pulp.LpAffineExpression(constant=0))
        solver = pulp.PULP_CBC_CMD(msg=False, threads=self.profile.threads,
                                   timeLimit=None if time_left is None else max(1, math.ceil(time_left)))
        self.prob.solve(solver)
        if self.prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            return True
        return None  # CBC's "infeasible" is not trusted (see solve)

    def hold(self, expr: Expr, rhs: float) -> None:
        pulp = import_pulp()
        n = len(self.prob.constraints)
        self.prob.addConstraint(pulp.LpConstraint(pulp_expr(expr, self.cols), pulp.LpConstraintLE, rhs=rhs), f"hold_{n}")

    def snapshot(self) -> tuple[Any, ...]:
        """The rows and the plan so far, for `restore`."""
        return list(self.prob.constraints), self.has_values, [c.varValue for c in self.cols]

    def restore(self, state: tuple[Any, ...]) -> None:
        """Back to a `snapshot`: later holds removed, its plan again."""
        names, has_values, values = state
        for name in list(self.prob.constraints)[len(names):]:
            del self.prob.constraints[name]
        self.has_values = has_values
        for col, v in zip(self.cols, values, strict=True):
            col.varValue = v

    def value(self, col: int) -> float:
        return float(self.cols[col].varValue or 0.0)

    def values_list(self) -> list[float]:
        return [float(c.varValue or 0.0) for c in self.cols]

    def level_value(self, expr: Expr) -> float:
        """The level's value in the current plan."""
        return sum(coef * self.value(col) for col, coef in expr.terms.items()) + float(expr.constant)

    def settle(self, tie_break: Callable[[list[int] | None], Expr], time_left: float | None = None,
               give_up: bool = False) -> bool | None:
        """The canonical plan among those the holds keep (`HighsRunner.settle`): T minimised
        with no gap. Not under a time limit (CBC may stop without a plan there); a failed
        solve puts the plan at hand back (PuLP keeps no earlier plan)."""
        if time_left is not None:
            return False
        before = self.values_list()
        term, value, _bound = self.solve(tie_break(None), None)
        if term == TerminationCondition.optimal and value is not None:
            return True
        for col, v in zip(self.cols, before, strict=True):
            col.varValue = v
        return False
