"""HiGHS in-process (highspy): the default runner of the lexicographic driver.

`HighsRunner` implements `lexicographic.Runner`; a level's search (`solve`) is a sequence of
named steps (docs/model.md, "Solving a level"). Imported only when a solve runs (highspy is
slow to import).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from staffpool.constants import SolverProfile, TerminationCondition
from staffpool.model.linear import Expr
from staffpool.solving.lexicographic import LevelResult, Program, hold_rhs

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


# MIP presolve rules left out: probing and enumeration. On some generated counties (the hiring
# level, 10,881 columns) they took 3.2 s of a 3.3 s MIP and 500 MB; without them a set of
# twelve communities solves in 5.7 s instead of 12.4 s, with the same optima. The bits are
# HiGHS 1.16's (its log lists them); other versions keep every rule.
_PROBING, _ENUMERATION = 1 << 15, 1 << 16
_RULES_OFF_VERSION = (1, 16)


def _mip_presolve_rules_off(h: Any) -> int:
    if (h.versionMajor(), h.versionMinor()) == _RULES_OFF_VERSION:
        return _PROBING | _ENUMERATION
    return 0


# The guess at a level's LP bound (HighsRunner.solve, step 3) may reach this many more
# free columns (a fraction of the guess model's, at least GUESS_MIN_EXTRA) to cover a few
# steps above the bound at once.
GUESS_WIDEN = 0.1
GUESS_MIN_EXTRA = 50
# The guess MIP (step 3) stops after this many branch-and-bound nodes (HiGHS's
# mip_max_nodes; it then reports kSolutionLimit, with its plan and bound so far): a work
# limit, not a wall clock, so that which plan comes back does not depend on the machine's
# load. On the county benchmark (1,400 staff) and benchmarks/run.py's twelve SPREAD
# counties, with hiring budgets at 0.5 and 0.8, a treasury budget and the integrated plans,
# every guess MIP ended by itself within 110 nodes and 0.25 s (the 5-second wall-clock cap
# this replaces never stopped one either): nothing changes there; a hopeless guess costs at
# most this many nodes before the level is searched another way.
GUESS_MAX_NODES = 1000
# After a deferred bound of the level was not met (lexicographic.py), the optimum is
# likely above the LP bound: the guess reaches further.
GUESS_WIDEN_MISSED = 0.3
# Step 3c: when step 3's guess missed and the whole MIP (step 4) is next, a guess far wider
# (this many times the columns of step 3's model). On the treasury benchmark the distance
# level's optimum lies 8 % above its LP bound: the wide guess finds and proves it with a
# third of the columns, where step 4 searched them all.
GUESS_WIDEN_FAR = 6.0
# A level's LP looks ahead to the next (`HighsRunner._look_ahead`) only with a weight ε at
# least this: below it the next level's costs sink under the LP's tolerances.
LOOK_AHEAD_MIN_EPS = 1e-5
# HiGHS's default dual feasibility tolerance: how far a reduced cost it reports may be off.
LP_DUAL_TOLERANCE = 1e-7


def _round_up(bound: float, scale: float | None) -> float:
    """A lower bound on a level whose optimum is a multiple of `scale` (or any value, for
    None), raised to that multiple (the 1e-6 relative slack absorbs rounding)."""
    if not scale or not math.isfinite(bound):
        return bound
    return scale * math.ceil((bound - 1e-6 * max(1.0, abs(bound))) / scale)


def _tol(v: float) -> float:
    """model.md's relative tolerance at v (1e-6, at least 1e-6 absolute)."""
    return 1e-6 * max(1.0, abs(v))


def _dot(a: Any, b: Any) -> float:
    """a·b without BLAS: numpy's `@` wakes OpenBLAS's thread pool, whose threads then spin
    (0.4 s of CPU in a county solve of 0.3 s), slowing HiGHS on a 2-core machine and
    oversubscribing it when communities are solved in parallel processes."""
    return float((a * b).sum())


@dataclass
class _Search:
    """One level's search in `HighsRunner.solve`: its costs and what the steps learn."""

    costs: Any  # the level's cost per column (numpy)
    const: float  # the level's constant, added back to every value and bound returned
    scale: float | None  # the level's optimum is a multiple of it (None: unknown)
    time_left: float | None  # the user's (or profile's) seconds left; None: no limit
    t0: float
    lp: tuple[float, Any, Any] | None = None  # the LP certificate (bound, reduced costs, point)
    lp_bound: float = -math.inf  # proven: the LP bound rounded up to a step, raised by 3b and 4b
    z_inc: float | None = None  # the incumbent's value
    upto: float = -math.inf  # every plan at or below it was in the guess model (step 3)

    def left(self) -> float | None:
        return None if self.time_left is None else max(0.0, self.time_left - (time.perf_counter() - self.t0))

    def val(self, values: Any) -> float:
        return _dot(self.costs, values)

    def found(self, value: float, bound: float) -> LevelResult:
        """The level decided: optimal at `value`, proven from `bound` (without the constant)."""
        return TerminationCondition.optimal, value + self.const, bound + self.const


# T's LP value is known to about the LP's tolerances times the plan's size (1e-7 × a few
# thousand people): the tie-break's bound is rounded up only past this.
_LP_SLACK = 1e-3


class HighsRunner:
    """HiGHS in-process. The runner keeps the program as arrays, which columns are fixed
    and the hold rows of the levels solved; each LP and MIP is a fresh HiGHS model of the
    columns still free (`_model`), so a level costs what is left of it, not the county.

    Per level (`solve`; see docs/model.md, "Solving a level"):
    1. solve the LP relaxation: a bound z_LP and reduced costs d (`_level_lp`);
    2. if the LP optimum is integral, it is the level's optimum (`_integral`); if the
       level's optimum is a multiple of g (the gcd of coefficients with at most 6 decimals)
       and the incumbent plan already reaches g·ceil(z_LP/g), that is optimal: no branch
       and bound either way (`_near_bound`);
    3. if the optimum is a multiple of g, first guess it is g·ceil(z_LP/g): fix what no plan
       at that value can move and solve the small MIP left; a plan found there is optimal;
       if that MIP proves none reaches it, the optimum is at least one step up (`_guess`);
    4. otherwise fix every integer variable whose reduced cost exceeds the gap
       (z_incumbent − z_LP) at its bound: no plan at least as good can move it, so the
       whole optimal face is kept, then solve the MIP (the incumbent serves the fixing
       only: it is not passed as a MIP start, see `_whole`);
    4b. given a guess of the optimum (`hint`: a sweep passes a neighbouring scenario's),
       the test of step 3 at the guess before the whole MIP (`_at_hint`); 4c. with the
       incumbent a step or two above the bound, a model below it (`_close`);
    5. after the MIP, fix again with the proven gap (z_opt − z_LP), which holds for every
       later level too, since later levels only look inside this level's optimal face.
    """

    def __init__(self, cm: Program, profile: SolverProfile):
        import highspy
        import numpy as np

        _silence_highs_banner()
        self.np = np
        self.highspy = highspy
        self.profile = profile
        # HiGHS keeps one thread scheduler per process: another Highs object (another
        # library in the same process) may have started it with other settings.
        highspy.Highs.resetGlobalScheduler(True)
        lp = cm.lp
        self.n = lp.num_cols
        # A year's program has the cohorts' columns first, cohort after cohort; a cohort of
        # n people puts at most n in its columns (`_level_range`). (Not the years' program.)
        blocks = getattr(cm, "cols", None)
        self.cohort_cols = np.array([len(c) for c in blocks] if blocks is not None else [], dtype=np.int64)
        sizes = [c.size for c in getattr(cm, "cohorts", [])] if blocks is not None else []
        self.cohort_size = np.array(sizes, dtype=float)
        # A program over years (it has `.years`) is searched without deferral or look-ahead
        # (`solve`, `_look_ahead`): on small-county-5y a missed deferral cost a roll-back and
        # three more LPs of the whole program (0.35 s each), no gain over the MIPs it spared,
        # and the look-ahead breaks ties among equal optima otherwise than the integrated
        # plan always has (sanming-county-5y over 3 years).
        self.year_program = not hasattr(cm, "years")
        self.values: Any = None  # the incumbent plan: a float array by column, or None
        self.warm_lp: WarmLP | None = None  # the LP kept between a sweep's scenarios (`variant`)
        self.deferred = False  # the last level solved was deferred (`solve`)
        # The next level's LP certificate, when this level's LP looked ahead (`_look_ahead`):
        # (rows it holds for, the next level's costs, (bound, reduced costs, point)).
        self.ahead: tuple[int, Any, tuple[float, Any, Any]] | None = None
        self.lb = np.array(lp.lb, dtype=float)
        self.ub = np.array(lp.ub, dtype=float)
        self.is_int = np.array(lp.integer, dtype=bool)
        self.fixed = np.zeros(self.n, dtype=bool)
        self.fix_val = np.zeros(self.n)
        # The rows as coordinates (row, column, value), sorted by row; hold rows are appended.
        counts = np.diff(np.append(np.array(lp.starts, dtype=np.int64), len(lp.index)))
        self.a_row = np.repeat(np.arange(lp.num_rows, dtype=np.int64), counts)
        self.a_col = np.fromiter(lp.index, dtype=np.int64, count=len(lp.index))
        self.a_val = np.fromiter(lp.value, dtype=float, count=len(lp.value))
        self.row_lo = np.array(lp.row_lo, dtype=float)
        self.row_hi = np.array(lp.row_hi, dtype=float)
        self._expr_arrays: dict[int, tuple[Expr, Any, Any]] = {}
        # The program's rows (not the hold rows) again by column, for `_model`: a model of
        # the free columns takes their entries alone, not a pass over every entry.
        self.base_rows, self.base_nnz = len(self.row_lo), len(self.a_col)
        order = np.argsort(self.a_col, kind="stable")  # each column's entries by row
        self.c_row = self.a_row[order].astype(np.int32)
        self.c_val = self.a_val[order]
        self.c_count = np.bincount(self.a_col, minlength=self.n)
        self.c_start = np.concatenate(([0], np.cumsum(self.c_count)))

    def _arrays(self, expr: Expr) -> tuple[Any, Any]:
        """The expression's columns and coefficients as numpy arrays, made once per
        expression (a level's are asked for by `solve`, `hold` and `level_value`; a
        distance level has thousands of terms). Expressions are never changed once made."""
        got = self._expr_arrays.get(id(expr))
        if got is None or got[0] is not expr:  # the expression is kept: its id stays its own
            np, n = self.np, len(expr.terms)
            got = (expr, np.fromiter(expr.terms, dtype=np.int64, count=n),
                   np.fromiter(expr.terms.values(), dtype=float, count=n))
            self._expr_arrays[id(expr)] = got
        return got[1], got[2]

    def _model(self, costs: Any, integer: bool, time_left: float | None, max_nodes: int | None = None
               ) -> tuple[Any, Any, Any, Any]:
        """A HiGHS model of the columns not fixed: the fixed columns' share moves into the
        row bounds and the objective offset. The same problem as the full model with those
        bounds, but HiGHS's work scales with every column it is given (a county level after
        fixing: MIP 0.085 s on all 33,000 columns, 0.015 s on the 900 left). The free
        columns go in with their entries of the program's rows (`c_row`), the hold rows
        after them with their entries on the free columns.
        `max_nodes`: HiGHS's mip_max_nodes (None: no limit).
        Returns (model, its columns, the fixed part of the point, (row lower, row upper))."""
        np, highspy = self.np, self.highspy
        inf = highspy.kHighsInf
        free = ~self.fixed
        cols = np.nonzero(free)[0]
        fixed_x = np.where(free, 0.0, self.fix_val)
        # The fixed columns' share of each row: only those fixed at a non-zero value add.
        nz = np.nonzero(fixed_x)[0]
        at = self._entries(nz)
        hold = slice(self.base_nnz, None)
        share = (np.bincount(self.c_row[at], weights=self.c_val[at] * np.repeat(fixed_x[nz], self.c_count[nz]),
                             minlength=len(self.row_lo))
                 + np.bincount(self.a_row[hold], weights=self.a_val[hold] * fixed_x[self.a_col[hold]],
                               minlength=len(self.row_lo)))  # (an empty bincount is of integers)
        lo = np.where(np.isfinite(self.row_lo), self.row_lo - share, -inf)
        hi = np.where(np.isfinite(self.row_hi), self.row_hi - share, inf)
        h = highspy.Highs()
        for key, val in (("output_flag", False), ("threads", self.profile.threads),
                         ("mip_rel_gap", self.profile.mip_rel_gap), ("mip_abs_gap", self.profile.mip_abs_gap),
                         ("time_limit", float(time_left) if time_left is not None else inf)):
            h.setOptionValue(key, val)
        h.changeObjectiveOffset(_dot(costs, fixed_x))  # the same objective, for bounds and gaps
        if integer and max_nodes is not None:
            h.setOptionValue("mip_max_nodes", max_nodes)
        if integer and (rules_off := _mip_presolve_rules_off(h)):
            h.setOptionValue("presolve_rule_off", rules_off)
        if integer:
            # Primal heuristics only (no bound depends on them): the MIPs left after fixing
            # solve at the root or in a few dozen nodes. Feasibility jump took a quarter of
            # their time; the RINS and RENS sub-MIPs up to three quarters of some (a distance
            # MIP of 727 columns 0.081 → 0.019 s, one of 5,585 0.54 → 0.34 s; none slower).
            for heuristic in ("feasibility_jump", "rins", "rens"):
                h.setOptionValue(f"mip_heuristic_run_{heuristic}", False)
        if len(cols):
            base = self.base_rows
            counts = self.c_count[cols]
            at = self._entries(cols)
            h.addRows(base, lo[:base], hi[:base], 0, np.zeros(base, dtype=np.int32), np.zeros(0, dtype=np.int32),
                      np.zeros(0))
            h.addCols(len(cols), costs[cols], self.lb[cols], np.where(np.isfinite(self.ub[cols]), self.ub[cols], inf),
                      len(at), (np.cumsum(counts) - counts).astype(np.int32), self.c_row[at], self.c_val[at])
            ints = np.nonzero(self.is_int[cols])[0].astype(np.int32)
            if integer and len(ints):
                h.changeColsIntegrality(len(ints), ints, np.ones(len(ints), dtype=np.uint8))
            if len(lo) > base:  # the hold rows, on the free columns
                new = np.full(self.n, -1, dtype=np.int64)
                new[cols] = np.arange(len(cols))
                keep = free[self.a_col[hold]]
                rows = self.a_row[hold][keep] - base
                h.addRows(len(lo) - base, lo[base:], hi[base:], int(keep.sum()),
                          np.searchsorted(rows, np.arange(len(lo) - base), side="left").astype(np.int32),
                          new[self.a_col[hold][keep]].astype(np.int32), self.a_val[hold][keep])
        return h, cols, fixed_x, (lo, hi)

    def _entries(self, cols: Any) -> Any:
        """Positions in `c_row`/`c_val` of the entries of `cols`, column after column."""
        np = self.np
        counts = self.c_count[cols]
        return np.repeat(self.c_start[cols] - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))

    def _lp_bound(self, costs: Any, time_left: float | None) -> tuple[tuple[float, Any, Any] | None, bool]:
        """The LP relaxation's optimum, reduced costs and point (None if not proven), and
        whether the LP was proven infeasible."""
        np = self.np
        if self.warm_lp is not None and len(self.row_lo) == self.warm_lp.rows:
            return self._lp_warm(costs, time_left)
        h, cols, fixed_x, _bounds = self._model(costs, False, time_left)
        # LP presolve costs more than it saves here: the model holds only the columns left
        # (a county's second LP, 9,000 columns: 0.052 s with it, 0.017 s without). Scaling
        # too (first LP: 0.12 s with it, 0.045 s without; its coefficients are ones but for
        # salaries in the budget row; a later LP of 28,897 columns with the hold rows' metres
        # and salaries: 0.18 s with it, 0.07 s without).
        h.setOptionValue("presolve", "off")
        h.setOptionValue("simplex_scale_strategy", 0)
        h.run()
        M = self.highspy.HighsModelStatus
        ms = h.getModelStatus()
        if ms != M.kOptimal or h.getInfo().dual_solution_status != 2:
            return None, ms in (M.kInfeasible, M.kUnboundedOrInfeasible)
        sol = h.getSolution()
        d = np.zeros(self.n)
        x = fixed_x.copy()
        d[cols] = np.asarray(sol.col_dual)
        x[cols] = np.asarray(sol.col_value)
        return (h.getInfo().objective_function_value, d, x), False

    def _lp_warm(self, costs: Any, time_left: float | None) -> tuple[tuple[float, Any, Any] | None, bool]:
        """`_lp_bound` on the kept LP of every column (`WarmLP`): fixed columns get the bounds
        [v, v] (the same LP as leaving them out), and HiGHS starts from the basis the last
        scenario's LP ended with. Only the limits' rows, the columns beyond a distance limit
        and the costs change between scenarios, so a few dual simplex steps do."""
        np, highspy = self.np, self.highspy
        w = self.warm_lp
        assert w is not None
        inf = highspy.kHighsInf
        clb = np.where(self.fixed, self.fix_val, self.lb)
        cub = np.where(self.fixed, self.fix_val, np.where(np.isfinite(self.ub), self.ub, inf))
        rlo = np.where(np.isfinite(self.row_lo), self.row_lo, -inf)
        rhi = np.where(np.isfinite(self.row_hi), self.row_hi, inf)
        if w.h is None:
            h = w.h = highspy.Highs()
            for key, val in (("output_flag", False), ("threads", self.profile.threads), ("presolve", "off"),
                             ("simplex_scale_strategy", 0)):
                h.setOptionValue(key, val)
            h.addVars(self.n, clb, cub)
            h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), costs)
            starts = np.searchsorted(self.a_row, np.arange(len(rlo)), side="left").astype(np.int32)
            h.addRows(len(rlo), rlo, rhi, len(self.a_col), starts, self.a_col.astype(np.int32), self.a_val)
        else:
            h = w.h
            for changed, setter, args in (
                    (np.nonzero((clb != w.clb) | (cub != w.cub))[0], h.changeColsBounds, (clb, cub)),
                    (np.nonzero((rlo != w.rlo) | (rhi != w.rhi))[0], h.changeRowsBounds, (rlo, rhi)),
                    (np.nonzero(costs != w.costs)[0], h.changeColsCost, (costs,))):
                if len(changed):
                    setter(len(changed), changed.astype(np.int32), *(a[changed] for a in args))
        w.clb, w.cub, w.rlo, w.rhi, w.costs = clb, cub, rlo, rhi, costs.copy()
        h.setOptionValue("time_limit", float(time_left) if time_left is not None else inf)
        h.run()
        M = highspy.HighsModelStatus
        ms = h.getModelStatus()
        if ms != M.kOptimal or h.getInfo().dual_solution_status != 2:
            w.h = None  # start the next one afresh
            return None, ms in (M.kInfeasible, M.kUnboundedOrInfeasible)
        sol = h.getSolution()
        d = np.asarray(sol.col_dual, dtype=float).copy()
        x = np.asarray(sol.col_value, dtype=float).copy()
        d[self.fixed] = 0.0
        x[self.fixed] = self.fix_val[self.fixed]
        return (h.getInfo().objective_function_value, d, x), False

    def _look_ahead(self, costs: Any, scale: float | None, then: tuple[Expr, float | None] | None
                    ) -> tuple[float, Any, float, float] | None:
        """Whether this level's LP may also minimise the next level: (ε, the next level's
        costs, U, its step), or None, where the next level T lies in [L, U] over the
        columns' bounds.

        The LP minimises C = S + ε·T (S this level, T the next). For every plan,
        S = C − ε·T ≥ C* + Σ d_j·(x_j − x̂_j) − ε·U, so (C* − ε·U, d, x̂) is a certificate
        for this level like an LP of S alone, and ε·(U − L) < step/2 keeps its rounding up
        to S's step at S(x̂) when x̂ is integral and S's optimum. Then for every plan held at
        S ≤ S(x̂): ε·T ≥ C* − S(x̂) + Σ d_j·(x_j − x̂_j), a certificate for T (`_keep_ahead`)
        whose bound is T(x̂): the next level needs no LP of its own. Only when both levels
        have steps and T is bounded; ε small enough keeps C's minimiser among S's.

        Not on a program over years (`year_program`)."""
        if then is None or not scale or not self.year_program:
            return None
        expr2, scale2 = then
        if not scale2:
            return None
        lower, upper = self._level_range(expr2)
        spread = upper - lower
        if not math.isfinite(spread) or spread <= 0:
            return None
        eps = scale / (4.0 * spread)
        if eps < LOOK_AHEAD_MIN_EPS:  # below the LP's tolerances: T would be noise
            return None
        costs2 = self.np.zeros(self.n)
        idx, vals = self._arrays(expr2)
        costs2[idx] = vals
        return eps, costs2, upper, scale2

    def _level_range(self, expr: Expr) -> tuple[float, float]:
        """[L, U] holding the expression's variable part in every plan: a cohort of n
        people adds n × its least and greatest coefficient (or 0, which a candidate not
        hired adds); every other column its bounds' products (a fixed column its value)."""
        np = self.np
        c = np.zeros(self.n)
        idx, vals = self._arrays(expr)
        c[idx] = vals
        k = int(self.cohort_cols.sum())
        has = self.cohort_cols > 0
        starts = (np.cumsum(self.cohort_cols) - self.cohort_cols)[has]
        cx = c[:k]
        upper = float((self.cohort_size[has] * np.maximum(np.maximum.reduceat(cx, starts), 0.0)).sum()) if k else 0.0
        lower = float((self.cohort_size[has] * np.minimum(np.minimum.reduceat(cx, starts), 0.0)).sum()) if k else 0.0
        rest = np.nonzero(c[k:])[0] + k
        lo = np.where(self.fixed[rest], self.fix_val[rest], self.lb[rest])
        hi = np.where(self.fixed[rest], self.fix_val[rest], self.ub[rest])
        a, b = c[rest] * lo, c[rest] * hi  # (inf × 0 never occurs: only non-zero costs)
        return lower + float(np.minimum(a, b).sum()), upper + float(np.maximum(a, b).sum())

    def _keep_ahead(self, looked: tuple[float, Any, float, float], lp: tuple[float, Any, Any], value: float) -> None:
        """After a level whose look-ahead LP point x̂ was integral and optimal (S(x̂) =
        `value`): the next level's certificate (C* − value)/ε, d/ε at x̂, kept for the next
        `solve` if its bound rounds up to T(x̂), else that level solves its own LP. Holds
        for integer plans under this level's hold (S ≤ value: no other multiple of the step
        fits in the hold's tolerance)."""
        np = self.np
        eps, costs2, c_star, step2 = looked
        _z, d, x = lp
        bound = (c_star - value) / eps
        t_hat = _dot(costs2, self.values)
        if _round_up(bound, step2) >= t_hat - 1e-6 * max(1.0, abs(t_hat)):
            # d is known to the LP's dual tolerance, d/ε to that over ε: shrink each reduced
            # cost by it first, so a zero one that came out a hair positive fixes nothing.
            d2 = np.sign(d) * np.maximum(np.abs(d) - LP_DUAL_TOLERANCE, 0.0) / eps
            self.ahead = (len(self.row_lo) + 1, costs2, (min(bound, t_hat), d2, x))

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
            ids = np.nonzero(mask)[0]
            if len(ids):
                self.fixed[ids] = True
                self.fix_val[ids] = bound[ids]
                done.append(ids)
        return np.concatenate(done) if done else np.zeros(0, dtype=np.int64)

    def _guess_limit(self, lp: tuple[float, Any, Any], target: float, scale: float, widen: float) -> float:
        """The largest target + m·scale (m ≥ 0) whose reduced-cost fixing (`_fix`) leaves
        free at most `widen` more columns than the target's (and GUESS_MIN_EXTRA). A
        guess just above the LP bound often misses the optimum by a few steps and then
        costs a second MIP on nearly the same columns; HiGHS's time follows the columns,
        not the steps."""
        np = self.np
        z_lp, d, x = lp
        free = self.is_int & ~self.fixed
        at_lb = free & (np.abs(x - self.lb) <= 1e-9)
        at_ub = free & np.isfinite(self.ub) & (np.abs(x - self.ub) <= 1e-9)
        excess = np.sort(np.concatenate((d[at_lb], -d[at_ub])))  # what one unit off its bound costs
        gap0 = target - z_lp + 1e-6 * max(1.0, abs(target))
        kept = int(np.searchsorted(excess, gap0, side="right"))  # columns the target's fixing leaves free
        base = int((~self.fixed).sum()) - len(excess) + kept
        allowed = kept + max(GUESS_MIN_EXTRA, int(widen * base))
        if not len(excess):
            return target
        if allowed >= len(excess):  # every column free: up to where the last one is
            return target + max(0, math.ceil((float(excess[-1]) - gap0) / scale - 1e-9)) * scale
        # the column `allowed` (in the order above) stays fixed
        return target + max(0, math.floor((float(excess[allowed]) - gap0) / scale - 1e-9)) * scale

    def _outside(self, lp: tuple[float, Any, Any], ids: Any) -> float:
        """A lower bound on every plan that moves a column of `ids` (fixed by `_fix`) off
        its bound: z_LP + the least |reduced cost| among them (the argument of `_fix`);
        +inf for none."""
        if not len(ids):
            return math.inf
        return lp[0] + float(self.np.abs(lp[1][ids]).min())

    def _unfix(self, ids: Any) -> None:
        self.fixed[ids] = False

    def _run_mip(self, costs: Any, time_left: float | None, max_nodes: int | None = None
                 ) -> tuple[TerminationCondition, Any, float]:
        """The MIP over the columns not fixed (`_model`): its status, plan, and the bound it
        proves (no plan in the model is below it; -inf when it proves nothing). Stopped by
        the time or node limit (HiGHS: kTimeLimit, kSolutionLimit): time_limit with its
        plan, or no_solution."""
        np = self.np
        h, cols, fixed_x, (lo, hi) = self._model(costs, True, time_left, max_nodes)
        values = fixed_x.copy()
        if not len(cols):  # everything fixed: the fixed plan either obeys every row or nothing does
            if np.all(lo <= 1e-6) and np.all(hi >= -1e-6):
                return TerminationCondition.optimal, values, _dot(costs, values)
            return TerminationCondition.infeasible, None, math.inf
        h.run()
        M = self.highspy.HighsModelStatus
        ms = h.getModelStatus()
        has_sol = h.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
        bound = -math.inf
        if ms in (M.kOptimal, M.kTimeLimit, M.kInterrupt, M.kIterationLimit, M.kSolutionLimit):
            dual = float(h.getInfo().mip_dual_bound)
            bound = dual if math.isfinite(dual) else -math.inf
        if ms == M.kOptimal:
            term = TerminationCondition.optimal
        elif ms in (M.kInfeasible, M.kUnboundedOrInfeasible):
            return TerminationCondition.infeasible, None, math.inf if ms == M.kInfeasible else -math.inf
        elif ms in (M.kTimeLimit, M.kInterrupt, M.kIterationLimit, M.kSolutionLimit):
            term = TerminationCondition.time_limit if has_sol else TerminationCondition.no_solution
        else:
            return TerminationCondition.error, None, bound
        if not has_sol:
            return term, None, bound
        values[cols] = np.asarray(h.getSolution().col_value)
        return term, values, bound

    def snapshot(self) -> tuple[Any, ...]:
        """The state a level starts from (fixings, hold rows, incumbent), for `restore`."""
        return self.fixed.copy(), self.fix_val.copy(), len(self.row_lo), len(self.a_row), self.values

    def restore(self, state: tuple[Any, ...]) -> None:
        """Back to a `snapshot`: later fixings and holds undone."""
        fixed, fix_val, rows, nnz, values = state
        self.fixed, self.fix_val, self.values = fixed.copy(), fix_val.copy(), values
        self.ahead = None
        self.row_lo, self.row_hi = self.row_lo[:rows], self.row_hi[:rows]
        self.a_row, self.a_col, self.a_val = self.a_row[:nnz], self.a_col[:nnz], self.a_val[:nnz]

    def level_value(self, expr: Expr) -> float:
        """The level's value in the current plan."""
        assert self.values is not None
        idx, vals = self._arrays(expr)
        return _dot(vals, self.values[idx]) + float(expr.constant)

    def solve(self, expr: Expr, time_left: float | None, scale: float | None = None, hint: float | None = None,
              defer: bool = False, give_up: bool = False, missed: bool = False,
              then: tuple[Expr, float | None] | None = None) -> LevelResult:
        """(termination, the level's value in the plan found, a proven lower bound on the
        level given the earlier levels' holds). The bound is what "optimal" rests on: a
        profile with a gap may stop with the value above it. `hint`: a guess of the level's
        optimum (without the constant), e.g. a neighbouring scenario's in a sweep; any value
        keeps the result exact (step 4b).

        `defer`: when the level's optimum is a multiple of `scale` and no plan at hand
        reaches the LP bound rounded up to it (t), return t as the value without looking
        for a plan (`self.deferred`; no incumbent is kept). t is a lower bound; a plan found
        later under the hold at t proves it is the optimum, and the driver re-solves the
        level in full if no such plan exists (lexicographic.py).

        `give_up`: the earlier levels' holds include deferred bounds that may admit no plan;
        if the guess model (step 3) has no plan at all, return no_solution at once instead
        of proving the whole level infeasible: the driver then solves the first deferred
        level in full, which it would do after that proof anyway. `missed`: that level,
        solved again (its guess reaches further). `then`: the next level and its step; the
        LP may look ahead to it (`_look_ahead`), which can spare the next level its LP.
        (Neither `defer` nor `then` on a program over years: `year_program`.)"""
        self.deferred = False
        defer = defer and self.year_program
        s = _Search(self._costs(expr), float(expr.constant), scale, time_left, time.perf_counter())
        looked, infeasible = self._level_lp(s, then)  # step 1
        if infeasible:
            return TerminationCondition.infeasible, None, None
        if s.lp is not None:
            s.lp_bound = _round_up(s.lp[0], scale)
            if (done := self._integral(s, looked)) is not None:  # step 2
                return done
        s.z_inc = s.val(self.values) if self.values is not None else None
        if s.lp is not None and scale and (done := self._near_bound(s, defer, give_up, missed)) is not None:
            return done  # steps 2b, 3, 3b
        if s.z_inc is not None and s.lp is not None:
            self._fix(s.lp, s.z_inc)
        if s.lp is not None and hint is not None and (done := self._at_hint(s, hint)) is not None:
            return done  # step 4b
        if s.lp is not None and scale and s.z_inc is not None and math.isfinite(s.lp_bound):
            found = self._close(expr, s.costs, s.lp, s.lp_bound, s.z_inc, scale, s.left)  # step 4c
            if found is not None:
                return s.found(found[0], found[1])
        if s.lp is not None and scale and self.year_program and (done := self._far(s)) is not None:
            return done  # step 3c
        return self._whole(s)  # step 4

    def _costs(self, expr: Expr) -> Any:
        costs = self.np.zeros(self.n)
        idx, vals = self._arrays(expr)
        costs[idx] = vals
        return costs

    def _level_lp(self, s: _Search, then: tuple[Expr, float | None] | None
                  ) -> tuple[tuple[float, Any, float, float] | None, bool]:
        """Step 1: the LP relaxation's certificate into `s.lp` (the last level's if it looked
        ahead to this one). Returns (the look-ahead made: ε, next costs, C*, its step; or
        None) and whether the LP is infeasible."""
        ahead, self.ahead = self.ahead, None
        if not (self.n and self.profile.reduced_cost_fixing):
            return None, False
        if ahead is not None and ahead[0] == len(self.row_lo) and self.np.array_equal(ahead[1], s.costs):
            s.lp = ahead[2]  # the last level's LP looked ahead to this one
            return None, False
        looked = self._look_ahead(s.costs, s.scale, then)
        if looked is None:
            s.lp, infeasible = self._lp_bound(s.costs, s.time_left)
            return None, infeasible
        eps, costs2, upper, step2 = looked
        lp, infeasible = self._lp_bound(s.costs + eps * costs2, s.time_left)
        if lp is not None:  # a bound on this level alone (see `_look_ahead`)
            looked = (eps, costs2, lp[0], step2)
            s.lp = (lp[0] - eps * upper, lp[1], lp[2])
        return looked, infeasible

    def _integral(self, s: _Search, looked: tuple[float, Any, float, float] | None) -> LevelResult | None:
        """Step 2: an integral LP optimum is a feasible plan whose value meets the bound:
        optimal. (A bound from a look-ahead is a little below the LP's: optimal once rounded up.)"""
        np = self.np
        assert s.lp is not None
        x = s.lp[2]
        if not bool(np.all(np.abs(x[self.is_int] - np.round(x[self.is_int])) <= 1e-7)):
            return None
        self.values = np.where(self.is_int, np.round(x), x)
        value = s.val(self.values)
        bound = s.lp[0] if not s.scale else max(s.lp[0], _round_up(s.lp[0], s.scale))
        if value > bound + _tol(value):
            return None
        self._fix(s.lp, value)
        if looked is not None:
            self._keep_ahead(looked, s.lp, value)
        return s.found(value, min(value, bound))

    def _near_bound(self, s: _Search, defer: bool, give_up: bool, missed: bool) -> LevelResult | None:
        """The level's optimum is a multiple of `scale` and at least the LP bound rounded up
        (t). Step 2b: an incumbent at t is optimal. Else, deferring, t itself (`defer` in
        `solve`). Else step 3, the guess near t."""
        assert s.lp is not None and s.scale
        target = _round_up(s.lp[0], s.scale)
        if s.z_inc is not None and s.z_inc <= target + 1e-6:
            self._fix(s.lp, s.z_inc)  # step 5
            return s.found(s.z_inc, target)  # the bound proves the incumbent
        if defer:
            # Every plan at or below t keeps what this fixing fixes: the hold at t keeps it.
            self._fix(s.lp, target)
            self.values, self.deferred = None, True
            return s.found(target, target)
        return self._guess(s, target, give_up, missed)

    def _far(self, s: _Search) -> LevelResult | None:
        """3c. Step 3's guess missed and no plan at hand is near the bound, so step 4 would
        search every column still free. Guess again, GUESS_WIDEN_FAR times wider, bounded by
        nodes like step 3: its optimum is proven as step 3's is, or its plan becomes the
        incumbent, whose fixing (step 5) leaves step 4 fewer columns. Only where the canonical
        tie-break settles the plan (one-year programs): the path chosen here cannot change it."""
        assert s.lp is not None and s.scale
        found = self._guess(s, _round_up(s.lp[0], s.scale), False, False, widen=GUESS_WIDEN_FAR)
        if found is None and s.z_inc is not None:
            self._fix(s.lp, s.z_inc)
        return found

    def _guess(self, s: _Search, target: float, give_up: bool, missed: bool,
               widen: float | None = None) -> LevelResult | None:
        """Step 3. Guess that the optimum is near the bound: fix what no plan at or below
        `upto` (the target, or a few steps above it while that frees few more columns) can
        move and solve that small MIP, to the proof or GUESS_MAX_NODES nodes (never a wall
        clock: which plan comes back must not depend on the machine's load). Every plan at
        or below `upto` lies in it, so its optimum, if at or below `upto`, is the level's;
        otherwise undo the fixings and learn a bound (3b). None: the level is not decided."""
        assert s.lp is not None and s.scale
        lp, scale = s.lp, s.scale
        if widen is None:
            widen = GUESS_WIDEN_MISSED if missed else GUESS_WIDEN
        s.upto = upto = self._guess_limit(lp, target, scale, widen)
        ids = self._fix(lp, upto)
        term_g, values, bound = self._run_mip(s.costs, s.left(), GUESS_MAX_NODES)
        z_try = s.val(values) if values is not None else None
        if z_try is not None and z_try <= target + 1e-6:
            self.values = values
            self._fix(lp, z_try)
            return s.found(z_try, target)
        if z_try is not None and z_try <= upto + _tol(upto) and term_g == TerminationCondition.optimal:
            # No plan in the model below its bound, none outside it below `upto`.
            self.values = values
            self._fix(lp, z_try)
            proven = max(target, _round_up(min(bound, z_try), scale))
            return s.found(z_try, min(proven, z_try))
        if give_up and values is None and term_g == TerminationCondition.infeasible:
            self._unfix(ids)
            return TerminationCondition.no_solution, None, None
        outside = self._outside(lp, ids)
        self._unfix(ids)
        if z_try is not None and (s.z_inc is None or z_try < s.z_inc):
            self.values, s.z_inc = values, z_try  # a better incumbent all the same
        if bound > upto + _tol(upto):
            # Every plan at or below `upto` lies in the model just solved, and it has none:
            # the optimum is at least one step up.
            s.lp_bound = max(s.lp_bound, upto + scale)
        # 3b. A plan lies in that model (at least its bound) or moves a column it fixed (at
        # least `outside`); when the incumbent meets the lesser, it is optimal.
        s.lp_bound = max(s.lp_bound, _round_up(min(bound, outside), scale))
        if s.z_inc is not None and s.z_inc <= s.lp_bound + _tol(s.lp_bound):
            self._fix(lp, s.z_inc)  # step 5: z_inc is proven optimal
            return s.found(s.z_inc, s.lp_bound)
        return None

    def _at_hint(self, s: _Search, hint: float) -> LevelResult | None:
        """4b. The guess of step 3 at `hint` (above what step 3 tried, below the incumbent):
        the fixing keeps every plan at or below it, so the small MIP's optimum, if at or
        below it, is the level's optimum."""
        assert s.lp is not None
        lp = s.lp
        if not (hint > s.upto + _tol(hint) and (s.z_inc is None or hint < s.z_inc - _tol(hint))):
            return None
        ids = self._fix(lp, hint)
        term_h, values, bound_h = self._run_mip(s.costs, s.left())
        z_try = s.val(values) if values is not None else None
        if term_h == TerminationCondition.optimal and z_try is not None and z_try <= hint + _tol(hint):
            self.values = values
            self._fix(lp, z_try)
            return s.found(z_try, z_try)
        outside = self._outside(lp, ids)
        self._unfix(ids)
        if z_try is not None and (s.z_inc is None or z_try < s.z_inc):
            self.values, s.z_inc = values, z_try  # a better incumbent: more fixing below
            self._fix(lp, s.z_inc)
        # As 3b; a plan moving a column fixed before the guess is above z_inc.
        s.lp_bound = max(s.lp_bound, _round_up(min(bound_h, outside), s.scale))
        if s.z_inc is not None and s.z_inc <= s.lp_bound + _tol(s.lp_bound):
            return s.found(s.z_inc, min(s.lp_bound, s.z_inc))
        return None

    def _whole(self, s: _Search) -> LevelResult:
        """Step 4: the MIP of every column still free. No MIP start: on a generated county
        HiGHS 1.16 took the previous level's plan as start and then reported a plan 600,000
        yuan above the optimum as optimal (without the start it finds the optimum); the
        incumbent still serves the fixing."""
        term, values, mip_bound = self._run_mip(s.costs, s.left())
        # The fixings keep every plan at or below z_inc: the MIP's bound holds below z_inc.
        if s.z_inc is not None:
            mip_bound = min(mip_bound, s.z_inc)
        if s.scale and math.isfinite(mip_bound):
            mip_bound = _round_up(mip_bound, s.scale)
        bound = max(s.lp_bound, mip_bound)
        if values is None:
            return term, None, (bound + s.const if math.isfinite(bound) else None)
        self.values = values
        value = s.val(values)
        if term == TerminationCondition.optimal and s.lp is not None:
            self._fix(s.lp, value)  # step 5
        return term, value + s.const, (min(bound, value) + s.const if math.isfinite(bound) else None)

    # 4c is tried when the incumbent is at most this many steps above the proven bound.
    CLOSE_STEPS = 2

    def _close(self, expr: Expr, costs: Any, lp: tuple[float, Any, Any], floor: float, z_inc: float,
               scale: float, left: Callable[[], float | None]) -> tuple[float, float] | None:
        """4c. The optimum is a multiple of `scale` in [floor, z_inc], a step or two apart:
        search only below the incumbent, c = z_inc − scale. Every plan at or below c keeps
        what the fixing with gap c − z_LP fixes and obeys the cutoff row `level ≤ c` (held
        as the driver holds a level, `hold_rhs`), so that model holds them all: if HiGHS proves it infeasible, z_inc is optimal; otherwise its
        optimum is the level's. Smaller than step 4's MIP, and the cutoff lets the root prove
        it. Returns (value, proven bound), or None (a time limit: step 4 decides). The
        fixings with the gap of the value returned are made (step 5)."""
        if not z_inc - floor <= self.CLOSE_STEPS * scale + 1e-6 * max(1.0, abs(floor)):
            return None
        c = z_inc - scale
        state = self.snapshot()
        self.hold(expr, hold_rhs(c, scale) + float(expr.constant))
        self._fix(lp, c)
        term, values, bound = self._run_mip(costs, left())
        self.restore(state)
        if term == TerminationCondition.infeasible and bound == math.inf:
            return z_inc, z_inc  # no plan at or below c (z_inc's fixings were made before)
        z_try = _dot(costs, values) if values is not None else None
        if term != TerminationCondition.optimal or z_try is None or z_try > c + 1e-6 * max(1.0, abs(c)):
            return None
        self.values = values
        self._fix(lp, z_try)
        return z_try, min(z_try, max(floor, _round_up(bound, scale)))

    def feasible(self, time_left: float | None = None) -> bool | None:
        """Does any plan obey every row? None when HiGHS could not tell (an error, or the
        time limit)."""
        term, values, _bound = self._run_mip(self.np.zeros(self.n), time_left)
        if values is not None:
            return True
        return False if term == TerminationCondition.infeasible else None

    def hold(self, expr: Expr, rhs: float) -> None:
        np = self.np
        idx, vals = self._arrays(expr)
        bound = rhs - float(expr.constant)
        self.a_row = np.append(self.a_row, np.full(len(idx), len(self.row_lo), dtype=np.int64))
        self.a_col = np.append(self.a_col, idx)
        self.a_val = np.append(self.a_val, vals)
        self.row_lo = np.append(self.row_lo, -np.inf)
        self.row_hi = np.append(self.row_hi, bound)

    def value(self, col: int) -> float:
        assert self.values is not None
        return float(self.values[col])

    def values_list(self) -> list[float]:
        """Every column's value in the plan."""
        assert self.values is not None
        return self.values.astype(float, copy=False).tolist()

    def variant(self, row_hi: dict[int, float], zero_cols: Any, warm_lp: WarmLP | None = None) -> HighsRunner:
        """A fresh runner over the same program with some rows' upper bounds changed and the
        columns `zero_cols` fixed at 0: a sweep's scenario (another budget, a shorter
        distance limit) without building the program again. Exact: a column fixed at 0 is
        a column left out, and the arrays shared with this runner are never written
        (`hold` appends to copies; `_fix` writes `fixed`, copied here). `warm_lp`: an LP
        kept from variant to variant for the LPs solved before any level is held."""
        import copy

        np = self.np
        new = copy.copy(self)
        new.values = None
        new.ahead = None
        new.warm_lp = warm_lp
        if warm_lp is not None:
            warm_lp.rows = len(self.row_lo)
        new.fixed = self.fixed.copy()
        new.fix_val = self.fix_val.copy()
        new.fixed[zero_cols] = True
        new.fix_val[zero_cols] = 0.0
        if row_hi:
            new.row_hi = self.row_hi.copy()
            rows = np.fromiter(row_hi, dtype=np.int64, count=len(row_hi))
            new.row_hi[rows] = np.fromiter(row_hi.values(), dtype=float, count=len(row_hi))
        return new

    def settle(self, tie_break: Callable[[list[int] | None], Expr], time_left: float | None = None,
               give_up: bool = False) -> bool | None:
        """The driver's last, internal level: make the plan at hand the canonical one among
        those the holds keep, minimising the tie-break T (model/canonical.py) exactly. True
        when proven; False when the time ran out first (the plan at hand is kept: as good at
        every level, perhaps not the canonical one). `give_up`: the holds include deferred
        bounds (the last level's among them: then there is no plan at hand); None when the
        model searched has no plan, and the driver solves the first deferred level in full.

        T is minimised only over the columns still free. Every fixing made is proven for the
        whole optimal face (a reduced cost above the level's proven gap), so on that face the
        fixed columns add a constant to T and its argmin is the same whichever columns a path
        fixed. As a level, but with absolute tests: `solve`'s are relative (1e-6·|value|,
        model.md's tolerance) and T, of order 10^9 on a county, needs every unit: T's LP; an
        integral LP point, or the plan at hand at the LP bound rounded up, is the optimum;
        else the guess (step 3, with 3b's bound); else the columns no plan at or below the
        incumbent can move are fixed and the MIP left is solved."""
        np = self.np
        t0 = time.perf_counter()

        def left() -> float | None:
            return None if time_left is None else max(0.0, time_left - (time.perf_counter() - t0))

        if self.values is None and not give_up:
            return False  # (never: only a deferred level leaves no plan)
        free = np.nonzero(self.is_int & ~self.fixed)[0]
        expr = tie_break(free.tolist())
        costs = np.zeros(self.n)
        if expr.terms:
            costs[np.fromiter(expr.terms, dtype=np.int64)] = np.fromiter(expr.terms.values(), dtype=float)
        elif self.values is not None:
            return True  # the levels leave one plan
        ints = self.is_int
        z_inc = math.inf if self.values is None else \
            float((costs * np.where(ints, np.round(self.values), self.values)).sum())
        lp, infeasible = self._lp_bound(costs, left()) if expr.terms else (None, False)
        if infeasible:
            return None if give_up else False
        if lp is not None:
            x = lp[2]
            if bool(np.all(np.abs(x[ints] - np.round(x[ints])) <= 1e-7)):
                self.values = np.where(ints, np.round(x), x)  # an integral LP optimum: T's optimum
                return True
            target = math.ceil(lp[0] - _LP_SLACK)
            if z_inc <= target + 0.5:
                return True  # the plan at hand meets T's bound
            # The guess of `HighsRunner.solve` (step 3): fix what no plan at or below `upto` can
            # move; the small MIP left holds every such plan, so its optimum, if at or below
            # `upto`, is T's. At most the incumbent: then it holds the optimum.
            upto = min(self._guess_limit(lp, target, 1.0, 0.0), z_inc)
            ids = self._fix(lp, upto)
            term, values, _bound = self._run_mip(costs, left())
            z_try = None if values is None else float((costs * np.where(ints, np.round(values), values)).sum())
            # A plan lies in that model (T at least its optimum) or moves a column it fixed (T
            # at least `outside`): its optimum, if at most the latter, is T's (the runner's 3b).
            outside = self._outside(lp, ids)  # +inf when it fixed nothing
            if term == TerminationCondition.optimal and z_try is not None and \
                    z_try <= max(upto, outside - _LP_SLACK) + 0.5:
                self.values = values
                return True
            self._unfix(ids)
            if give_up and values is None and term == TerminationCondition.infeasible:
                return None  # as a level's guess under deferred bounds (`solve`'s give_up)
            if z_try is not None and z_try < z_inc:
                self.values, z_inc = values, z_try  # a better plan all the same
            if math.isfinite(z_inc):
                self._fix(lp, z_inc)  # keeps every plan at or below z_inc: the optimum among them
        if left() == 0.0:
            return None if self.values is None else False
        term, values, _bound = self._run_mip(costs, left())
        if term != TerminationCondition.optimal or values is None:
            return None if self.values is None else False  # (no plan at hand: give_up)
        self.values = values
        return True


class WarmLP:
    """The LP relaxation of a program's every column, kept by a sweep between scenarios of
    one program so that each starts from the last one's basis (`HighsRunner._lp_warm`).
    The basis changes the path to the LP optimum, not the optimum."""

    def __init__(self) -> None:
        self.h: Any = None
        self.rows = 0  # rows of the program (no level held)
        self.clb: Any = None
        self.cub: Any = None
        self.rlo: Any = None
        self.rhi: Any = None
        self.costs: Any = None
