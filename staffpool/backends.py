"""Solver backends for the lexicographic driver: HiGHS in-process (highspy) and CBC (PuLP).

Each runner solves one level at a time: `solve(expr, time_left, scale)`, `hold(expr, rhs)`,
`value(var)`. Imported only when a solve runs (pulp and highspy are slow to import).
"""

from __future__ import annotations

import math
import os
import time
from typing import TYPE_CHECKING, Any

import pulp

from .solve import SolverProfile, TerminationCondition

if TYPE_CHECKING:
    from .model.build import CommunityModel

pulp.set_v4_migration_warnings(False)  # PuLP 3.3 warns about its 4.x API on every call


_HIGHS_READY = False


def _silence_highs_banner() -> None:
    """highspy prints a banner to C-level stdout at its first `Highs()`; `--json` must stay
    clean, so the first one is made with file descriptor 1 pointed at /dev/null."""
    global _HIGHS_READY
    if _HIGHS_READY:
        return
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    _HIGHS_READY = True


class HighsRunner:
    """HiGHS in-process: the PuLP model is passed to highspy once; each level changes the
    objective and adds the hold row of the previous level.

    Per level (see docs/model.md, "Solving a level"):
    1. solve the LP relaxation: a bound z_LP and reduced costs d;
    2. if the LP optimum is integral, it is the level's optimum; if the level's optimum is
       a multiple of g (integer coefficients) and the incumbent plan already reaches
       g·ceil(z_LP/g), that is optimal: no branch and bound either way;
    3. if the optimum is a multiple of g, first guess it is g·ceil(z_LP/g): fix what no plan
       at that value can move and solve the small MIP left; a plan found there is optimal;
    4. otherwise fix every integer variable whose reduced cost exceeds the gap
       (z_incumbent − z_LP) at its bound: no plan at least as good can move it, so the
       whole optimal face is kept, then solve the MIP from the incumbent;
    5. after the MIP, fix again with the proven gap (z_opt − z_LP), which holds for every
       later level too, since later levels only look inside this level's optimal face.
    """

    def __init__(self, cm: CommunityModel, profile: SolverProfile):
        import highspy
        import numpy as np

        _silence_highs_banner()
        self.np = np
        self.highspy = highspy
        self.profile = profile
        # HiGHS keeps one thread scheduler per process: another Highs object (another
        # library in the same process) may have started it with other settings.
        highspy.Highs.resetGlobalScheduler(True)
        self.solver = pulp.HiGHS(
            msg=False, gapRel=profile.mip_rel_gap, gapAbs=profile.mip_abs_gap, threads=profile.threads,
        )
        self.cm = cm
        cm.prob.setObjective(pulp.LpAffineExpression(constant=0))
        self.solver.createAndConfigureSolver(cm.prob)  # a Highs object with the profile's options
        self.h = cm.prob.solverModel
        self.vars = cm.prob.variables()
        self.n = len(self.vars)
        self.values: list[float] | None = None
        self.lb = np.array([0.0 if v.lowBound is None else float(v.lowBound) for v in self.vars])
        self.ub = np.array([np.inf if v.upBound is None else float(v.upBound) for v in self.vars])
        self.is_int = np.array([v.cat == pulp.LpInteger for v in self.vars], dtype=bool)
        self._pass_model(cm.prob)
        self.int_cols = np.nonzero(self.is_int)[0].astype(np.int32)
        self.fixed = np.zeros(self.n, dtype=bool)
        self.stats: dict[str, int] = {"fixed": 0, "mip_skipped": 0}
        self._expr_arrays: dict[int, tuple[list[int], list[float]]] = {}

    def _pass_model(self, prob: pulp.LpProblem) -> None:
        """The PuLP model into HiGHS in three bulk calls (PuLP's own builder adds one column
        at a time: 0.2 s on a county of 33,000 variables)."""
        np, inf = self.np, self.highspy.kHighsInf
        for i, v in enumerate(self.vars):
            v.index = i
        self.h.addVars(self.n, np.where(np.isfinite(self.lb), self.lb, -inf), np.where(np.isfinite(self.ub), self.ub, inf))
        ints = np.nonzero(self.is_int)[0].astype(np.int32)
        if len(ints):
            self.h.changeColsIntegrality(len(ints), ints, np.ones(len(ints), dtype=np.uint8))
        lower: list[float] = []
        upper: list[float] = []
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        for c in prob.constraints.values():
            starts.append(len(index))
            for var, coef in c.items():
                if coef != 0:
                    index.append(var.index)
                    value.append(coef)
            lb, ub = c.getLb(), c.getUb()
            lower.append(-inf if lb is None else lb)
            upper.append(inf if ub is None else ub)
        if lower:
            self.h.addRows(len(lower), np.array(lower, dtype=float), np.array(upper, dtype=float), len(index),
                           np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32),
                           np.array(value, dtype=float))

    def _arrays(self, expr: pulp.LpAffineExpression) -> tuple[list[int], list[float]]:
        """Column indices and coefficients of a level (kept: `solve` and `hold` both need them)."""
        key = id(expr)
        if key not in self._expr_arrays:
            self._expr_arrays[key] = ([v.index for v in expr], [float(c) for c in expr.values()])
        return self._expr_arrays[key]

    def _set_integrality(self, integer: bool) -> None:
        np = self.np
        k = len(self.int_cols)
        if k:
            flag = 1 if integer else 0
            self.h.changeColsIntegrality(k, self.int_cols, np.full(k, flag, dtype=np.uint8))

    def _lp_bound(self, time_left: float | None) -> tuple[float, Any, Any] | None:
        """The LP relaxation's optimum, reduced costs and point (None if not proven)."""
        np = self.np
        self._set_integrality(False)
        # Before any fixing, LP presolve costs more than it saves (a county's first LP: 0.24 s
        # with it, 0.10 s without); once columns are fixed it pays, by removing them.
        if not self.fixed.any():
            self.h.setOptionValue("presolve", "off")
        try:
            self.h.setOptionValue("time_limit", float(time_left) if time_left is not None else self.highspy.kHighsInf)
            self.h.run()
            M = self.highspy.HighsModelStatus
            if self.h.getModelStatus() != M.kOptimal or self.h.getInfo().dual_solution_status != 2:
                return None
            sol = self.h.getSolution()
            return self.h.getInfo().objective_function_value, np.asarray(sol.col_dual), np.asarray(sol.col_value)
        finally:
            self.h.setOptionValue("presolve", "choose")
            self._set_integrality(True)

    def _fix(self, lp: tuple[float, Any, Any], z_inc: float) -> Any:
        """Fix at its bound every free integer column whose reduced cost exceeds the gap
        z_inc − z_LP: one unit off that bound costs more than z_inc. Returns their indices."""
        np = self.np
        z_lp, d, x = lp
        gap = z_inc - z_lp
        margin = 1e-6 * max(1.0, abs(z_inc))
        free = self.is_int & ~self.fixed
        at_lb = free & (np.abs(x - self.lb) <= 1e-9) & (d > gap + margin)
        at_ub = free & np.isfinite(self.ub) & (np.abs(x - self.ub) <= 1e-9) & (-d > gap + margin)
        done = []
        for mask, bound in ((at_lb, self.lb), (at_ub, self.ub)):
            ids = np.nonzero(mask)[0].astype(np.int32)
            if len(ids):
                self.h.changeColsBounds(len(ids), ids, bound[ids], bound[ids])
                self.fixed[ids] = True
                done.append(ids)
        ids = np.concatenate(done) if done else np.zeros(0, dtype=np.int32)
        self.stats["fixed"] += len(ids)
        return ids

    def _unfix(self, ids: Any) -> None:
        if len(ids):
            self.h.changeColsBounds(len(ids), ids, self.lb[ids], self.ub[ids])
            self.fixed[ids] = False
            self.stats["fixed"] -= len(ids)

    def _run_mip(self, time_left: float | None, start: list[float] | None) -> tuple[TerminationCondition, list[float] | None]:
        M = self.highspy.HighsModelStatus
        if start is not None:
            sol = self.highspy.HighsSolution()
            sol.col_value = list(start)
            sol.value_valid = True
            self.h.setSolution(sol)
        self.h.setOptionValue("time_limit", float(time_left) if time_left is not None else self.highspy.kHighsInf)
        self.h.run()
        ms = self.h.getModelStatus()
        has_sol = self.h.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
        if ms == M.kModelEmpty:  # nothing to decide (e.g. only candidates with no option)
            return TerminationCondition.optimal, [0.0] * self.n
        if ms == M.kOptimal:
            term = TerminationCondition.optimal
        elif ms in (M.kInfeasible, M.kUnboundedOrInfeasible):
            return TerminationCondition.infeasible, None
        elif ms in (M.kTimeLimit, M.kInterrupt, M.kIterationLimit, M.kSolutionLimit):
            term = TerminationCondition.time_limit if has_sol else TerminationCondition.no_solution
        else:
            return TerminationCondition.error, None
        return term, (list(self.h.getSolution().col_value) if has_sol else None)

    def solve(self, expr: pulp.LpAffineExpression, time_left: float | None, scale: float | None = None
              ) -> tuple[TerminationCondition, float | None]:
        np = self.np
        t0 = time.perf_counter()
        costs = np.zeros(self.n)
        idx, vals = self._arrays(expr)
        costs[idx] = vals
        self.h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), costs)
        M = self.highspy.HighsModelStatus
        const = float(expr.constant)

        def val(values: list[float]) -> float:
            return float(costs @ np.asarray(values))

        def left() -> float | None:
            return None if time_left is None else max(0.0, time_left - (time.perf_counter() - t0))

        lp = None
        if self.n and self.profile.reduced_cost_fixing:
            lp = self._lp_bound(time_left)
            if lp is None and self.h.getModelStatus() in (M.kInfeasible, M.kUnboundedOrInfeasible):
                return TerminationCondition.infeasible, None
        if lp is not None:
            x = lp[2]
            if bool(np.all(np.abs(x[self.is_int] - np.round(x[self.is_int])) <= 1e-7)):
                # An integral LP optimum is a feasible plan whose value meets the bound: optimal.
                self.values = [float(v) for v in np.where(self.is_int, np.round(x), x)]
                value = val(self.values)
                self.stats["mip_skipped"] += 1
                self._fix(lp, value)
                return TerminationCondition.optimal, value + const
        z_inc = val(self.values) if self.values is not None else None
        target = None
        if lp is not None and scale:
            # The level's optimum is a multiple of `scale` and at least the LP bound.
            target = scale * math.ceil((lp[0] - 1e-6 * max(1.0, abs(lp[0]))) / scale)
            if z_inc is not None and z_inc <= target + 1e-6:
                self.stats["mip_skipped"] += 1
                return TerminationCondition.optimal, z_inc + const  # the bound proves the incumbent
            # Guess that the optimum is the bound: fix what no plan at the target can move and
            # solve that small MIP. A plan found at the target is optimal and the fixings keep
            # every optimal plan; otherwise undo them and search the whole level.
            ids = self._fix(lp, target)
            budget = left()
            term, values = self._run_mip(min(budget, 5.0) if budget is not None else 5.0, None)
            z_try = val(values) if values is not None else None
            if values is not None and z_try is not None and z_try <= target + 1e-6:
                self.values = values
                self.stats["mip_skipped"] += 1
                return TerminationCondition.optimal, z_try + const
            self._unfix(ids)
            if values is not None and z_try is not None and (z_inc is None or z_try < z_inc):
                self.values, z_inc = values, z_try  # a better incumbent all the same
        if z_inc is not None and lp is not None:
            self._fix(lp, z_inc)
        # No MIP start: on a generated county HiGHS 1.16 took the previous level's plan as
        # start and then reported a plan 600,000 yuan above the optimum as optimal (without
        # the start it finds the optimum); the incumbent still serves the fixing above.
        term, values = self._run_mip(left(), None)
        if values is None:
            return term, None
        self.values = values
        value = val(values)
        if term == TerminationCondition.optimal and lp is not None:
            self._fix(lp, value)
        return term, value + const

    def hold(self, expr: pulp.LpAffineExpression, rhs: float) -> None:
        idx, vals = self._arrays(expr)
        self.h.addRow(-self.highspy.kHighsInf, rhs - float(expr.constant), len(idx), idx, vals)

    def value(self, var: pulp.LpVariable) -> float:
        assert self.values is not None
        return self.values[var.index]


class CbcRunner:
    """CBC through PuLP's command-line interface; the model is re-sent at each level."""

    def __init__(self, cm: CommunityModel, profile: SolverProfile):
        self.cm, self.profile = cm, profile
        self.has_values = False

    def solve(self, expr: pulp.LpAffineExpression, time_left: float | None, scale: float | None = None
              ) -> tuple[TerminationCondition, float | None]:
        prob = self.cm.prob
        prob.setObjective(expr if len(expr) else pulp.LpAffineExpression(constant=0))
        solver = pulp.PULP_CBC_CMD(
            msg=False, gapRel=self.profile.mip_rel_gap, gapAbs=self.profile.mip_abs_gap,
            threads=self.profile.threads, timeLimit=None if time_left is None else max(1, math.ceil(time_left)),
            warmStart=self.has_values,
        )
        prob.solve(solver)
        if prob.status == pulp.LpStatusInfeasible:
            return TerminationCondition.infeasible, None
        if prob.sol_status == pulp.LpSolutionOptimal:
            term = TerminationCondition.optimal
        elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
            term = TerminationCondition.time_limit
        elif prob.status == pulp.LpStatusNotSolved:
            return TerminationCondition.no_solution, None
        else:
            return TerminationCondition.error, None
        self.has_values = True
        return term, float(pulp.value(expr) or 0.0) if len(expr) else 0.0

    def hold(self, expr: pulp.LpAffineExpression, rhs: float) -> None:
        n = len(self.cm.prob.constraints)
        self.cm.prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=rhs), f"hold_{n}")

    def value(self, var: pulp.LpVariable) -> float:
        return float(var.varValue or 0.0)


