"""The driver's last, internal level: the canonical tie-break (model/canonical.py), exact.

After the user's levels are solved and held, `settle` minimises T over the plans they keep
and leaves that plan in the runner. It is no level of the user's: it is not logged, held
or reported, and it changes no level's value (the holds keep every one).

HiGHS: T is minimised only over the columns still free. Every fixing the runner made is
proven for the whole optimal face (its reduced cost exceeds the level's proven gap), so on
that face the fixed columns add a constant to T and the argmin is the same as over every
column, whichever columns a path fixed. Then, as a level (docs/model.md, "Solving a level")
but with absolute tests: T's LP; an integral LP point, or the plan at hand at the LP bound
rounded up, is the optimum; else the guess (step 3, with 3b's bound), else the columns no
plan at or below the incumbent can move are fixed and the MIP left is solved with the
profile's gap (0 for an exact profile). Not through `HighsRunner.solve`: its tests are
relative (1e-6·|value|, model.md's tolerance for a level), and T, of order 10^9 on a
county, needs every unit.
"""

from __future__ import annotations

import math
import time
from typing import Any

from staffpool.constants import TerminationCondition
from staffpool.model.canonical import tie_break
from staffpool.solving.runners import CbcRunner, HighsRunner

# T's LP value is known to about the LP's tolerances times the plan's size (1e-7 × a few
# thousand people): its bound is rounded up only past this.
_LP_SLACK = 1e-3


def settle(program: Any, runner: HighsRunner | CbcRunner, time_left: float | None = None) -> bool:
    """Make the runner's plan the canonical one among those its holds keep. True when it
    is proven; False when the time ran out first (the plan found before is kept: it is as
    good at every level, though perhaps not the canonical one)."""
    if isinstance(runner, HighsRunner):
        return _settle_highs(program, runner, time_left)
    if time_left is not None:
        return False  # under a limit CBC may stop without a plan: the one at hand stays
    before = runner.values_list()
    term, value, _bound = runner.solve(tie_break(program), None)
    if term == TerminationCondition.optimal and value is not None:
        return True
    for col, v in zip(runner.cols, before, strict=True):  # PuLP keeps no earlier plan: put it back
        col.varValue = v
    return False


def _settle_highs(program: Any, runner: HighsRunner, time_left: float | None) -> bool:
    np = runner.np
    t0 = time.perf_counter()

    def left() -> float | None:
        return None if time_left is None else max(0.0, time_left - (time.perf_counter() - t0))

    if runner.values is None:
        return False
    free = np.nonzero(runner.is_int & ~runner.fixed)[0]
    expr = tie_break(program, free.tolist())
    if not expr.terms:
        return True  # the levels leave one plan
    costs = np.zeros(runner.n)
    costs[np.fromiter(expr.terms, dtype=np.int64)] = np.fromiter(expr.terms.values(), dtype=float)
    ints = runner.is_int
    z_inc = float((costs * np.where(ints, np.round(runner.values), runner.values)).sum())
    lp, _infeasible = runner._lp_bound(costs, left())
    if lp is not None:
        x = lp[2]
        if bool(np.all(np.abs(x[ints] - np.round(x[ints])) <= 1e-7)):
            runner.values = np.where(ints, np.round(x), x)  # an integral LP optimum: T's optimum
            return True
        target = math.ceil(lp[0] - _LP_SLACK)
        if z_inc <= target + 0.5:
            return True  # the plan at hand meets T's bound
        # The guess of `HighsRunner.solve` (step 3): fix what no plan at or below `upto` can
        # move; the small MIP left holds every such plan, so its optimum, if at or below
        # `upto`, is T's. At most the incumbent: then it holds the optimum.
        upto = min(runner._guess_limit(lp, target, 1.0, 0.0), z_inc)
        ids = runner._fix(lp, upto)
        term, values, _bound = runner._run_mip(costs, left())
        z_try = None if values is None else float((costs * np.where(ints, np.round(values), values)).sum())
        # A plan lies in that model (T at least its optimum) or moves a column it fixed (T
        # at least `outside`): its optimum, if at most the latter, is T's (the runner's 3b).
        outside = runner._outside(lp, ids)  # +inf when it fixed nothing
        if term == TerminationCondition.optimal and z_try is not None and \
                z_try <= max(upto, outside - _LP_SLACK) + 0.5:
            runner.values = values
            return True
        runner._unfix(ids)
        if z_try is not None and z_try < z_inc:
            runner.values, z_inc = values, z_try  # a better plan all the same
        runner._fix(lp, z_inc)  # keeps every plan at or below z_inc: the optimum among them
    if left() == 0.0:
        return False
    term, values, _bound = runner._run_mip(costs, left())
    if term != TerminationCondition.optimal or values is None:
        return False
    runner.values = values
    return True
