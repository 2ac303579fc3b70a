"""The lexicographic driver: the one place where levels are solved in order, held at their
optima, proven, given their time and status (docs/model.md, "Solving a level").

Every solve goes through `solve_lexicographic`: a year's community (`community.solve_levels`,
and through it a sweep's chains), a community's program over years (`horizon.plan_integrated`)
and explain's elastic model. The solvers behind it implement `Runner` (solving/runners/: HiGHS
and CBC); the driver never asks which one it has.

Time: `time_limit` (else the profile's) is the seconds of one call, i.e. of one community's
program, whatever the command. No other clock decides anything: a plan cut short by the
limit has status `time_limit`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from staffpool.constants import SolverProfile, Status, TerminationCondition, level_tolerance
from staffpool.model.linear import Expr, LinearProgram

K = TypeVar("K", bound=Hashable)  # a level's key: a `Level`, or explain's own names

# (termination, the level's value in the plan found, a proven lower bound or None)
LevelResult = tuple[TerminationCondition, float | None, float | None]


class Program(Protocol):
    """What a runner is made from: a year's `CommunityModel`, a community's program over
    years, explain's elastic model. The runners read the program's arrays only."""

    @property
    def lp(self) -> LinearProgram: ...


class Runner(Protocol):
    """A solver holding one program, solved one level at a time (runners/highs.py,
    runners/cbc.py). A runner may ignore what it cannot use (CBC: `hint`, `defer`,
    `give_up`, `missed`, `then`)."""

    deferred: bool  # the last level solved was deferred at its bound (no plan kept)

    def solve(self, expr: Expr, time_left: float | None, scale: float | None = None, hint: float | None = None,
              defer: bool = False, give_up: bool = False, missed: bool = False,
              then: tuple[Expr, float | None] | None = None) -> LevelResult:
        """The level `expr` minimised under the holds so far. `scale`: the level's optimum
        is a multiple of it (None: unknown). `hint`: a guess of the optimum (without the
        constant). `defer`: the LP bound rounded up may be returned without a plan
        (`deferred`). `give_up`: under deferred holds, no plan in the guess model ends the
        level with no_solution. `missed`: the level is solved again after a missed
        deferral. `then`: the next level and its step, for a look-ahead."""
        ...

    def hold(self, expr: Expr, rhs: float) -> None:
        """Add the row expr ≤ rhs (`hold_rhs`)."""
        ...

    def snapshot(self) -> Any: ...

    def restore(self, state: Any) -> None: ...

    def value(self, col: int) -> float: ...

    def values_list(self) -> list[float]: ...

    def feasible(self, time_left: float | None = None) -> bool | None: ...

    def level_value(self, expr: Expr) -> float: ...

    def settle(self, tie_break: Callable[[list[int] | None], Expr], time_left: float | None = None,
               give_up: bool = False) -> bool | None:
        """The canonical plan among those the holds keep: the tie-break T (over the given
        columns, None: all) minimised exactly. False when the time ran out first. `give_up`:
        the holds include deferred bounds that may admit no plan (there may be no plan at
        hand); None when no plan was found in the model searched (as `solve`'s `give_up`)."""
        ...


# ---------------------------------------------------------------- steps and holds


def decimal_gcd(coefs: set[float], digits: int = 6) -> float | None:
    """The largest g with every coefficient an integer multiple of g, for coefficients of
    at most `digits` decimals; 1.0 for none or zeros; None otherwise.

    The x are integers, and a shortfall variable is max(0, need − covered), an integer, at
    the optimum; so when every coefficient of a level is a multiple of g, so is its optimum
    (weights 0.5, 1.25 and 0.1 give 0.05)."""
    ints = [c for c in coefs if type(c) is int]
    if len(ints) == len(coefs):  # whole numbers (metres, counts): no scaling to try
        g = math.gcd(*ints)
        return float(g) if g else 1.0
    for k in range(digits + 1):
        scaled = [c * 10**k for c in coefs]
        if all(abs(v - round(v)) <= 1e-9 * max(1.0, abs(v)) for v in scaled):
            g = math.gcd(*(round(v) for v in scaled))  # non-negative; 0 for none or zeros
            return g / 10**k if g else 1.0
    return None


def level_step(expr: Expr) -> tuple[set[float], float | None]:
    """The level's distinct coefficients and its step (`decimal_gcd`)."""
    coefs = set(expr.terms.values())  # few distinct values
    return coefs, decimal_gcd(coefs)


def hold_rhs(value: float, scale: float | None) -> float:
    """The right-hand side that holds a level (its variable part) at `value`, its optimum:
    model.md's tolerance (1e-6 relative and absolute). Every hold row is made with it: the
    driver's after each level, and HiGHS's cutoff row below an incumbent (`_close`).

    A level whose optimum is a multiple of `scale` is held at that multiple plus the same
    tolerance, capped below half a step (no other multiple fits). Not half a step flat: the
    LP relaxation of the next level would spend it (on one generated county, the distance
    level's LP bound fell 1.25 % below the optimum with +0.5 and met it without: 13,739
    nodes → 1)."""
    if scale:
        opt = scale * round(value / scale)
        return opt + min(0.5 * min(1.0, scale), max(1e-6, 1e-6 * abs(opt)))
    return value + max(1e-6, 1e-6 * abs(value))


# A level is deferred only when its step is coarse: every coefficient at most this many
# steps. Its LP bound, rounded up to a step, is then nearly always reached (shortfall,
# moves, hiring cost, unregularised on generated counties); the distance level (metres,
# step 1 m) often lies a few metres above it and is solved at once.
COARSE_STEPS = 10


def _coarse(coefs: set[float], scale: float | None) -> bool:
    return bool(scale) and max((abs(c) for c in coefs), default=0.0) <= COARSE_STEPS * (scale or 0.0)


# Confirming an infeasibility: HiGHS, exact, on the first (feasibility) problem only, with
# this much time: the user's limit is about finding a good plan, not about proving none.
CONFIRM_MIN_S = 60.0
CONFIRM_FACTOR = 4.0


def confirm_limit(limit: float | None) -> float | None:
    return None if limit is None else max(CONFIRM_MIN_S, CONFIRM_FACTOR * limit)


def effective_limit(time_limit: float | None, profile: SolverProfile) -> float | None:
    """The seconds one program gets: the user's, else the profile's (None: no limit)."""
    return time_limit if time_limit is not None else profile.time_limit


# ---------------------------------------------------------------- the driver


@dataclass
class LevelLog(Generic[K]):
    level: K
    value: float | None
    termination: TerminationCondition
    seconds: float
    bound: float | None = None  # proven lower bound, given the earlier levels' holds; None: unknown

    @property
    def proven(self) -> bool:
        """The value is the level's optimum at model.md's tolerance (given the holds)."""
        return (self.value is not None and self.bound is not None
                and self.value - self.bound <= level_tolerance(self.value))


# Why the driver stopped without a plan: "infeasible" (proven: exact HiGHS without a limit,
# or confirmed), "unconfirmed" (the solver said infeasible, nothing proves it), "no_plan"
# (the solver stopped without a plan, e.g. at the time limit).
StopKind = Literal["infeasible", "unconfirmed", "no_plan"]


@dataclass
class Stop(Generic[K]):
    kind: StopKind
    level: K
    termination: TerminationCondition
    had_plan: bool  # a plan obeyed the earlier levels (so "infeasible" is the solver's failure)


@dataclass
class Lexicographic(Generic[K]):
    """What the driver gives: the status, a log per level, and why it stopped if there is
    no plan (`stop`). With a plan, it is the runner's (`Runner.values_list`)."""

    status: Status
    levels: list[LevelLog[K]]
    limit: float | None  # the seconds it had (`effective_limit`)
    seconds: float
    stop: Stop[K] | None = None
    # False: the time limit ended the tie-break; the plan is optimal at every level but
    # perhaps not the canonical one another run returns.
    canonical: bool = True


@dataclass
class _Pending:
    """A level deferred at its bound: where to come back to if no plan meets it."""

    index: int
    state: Any  # the runner's snapshot before the level
    kept: int  # logs kept
    have_plan: bool


@dataclass
class _Drive(Generic[K]):
    runner: Runner
    levels: Sequence[tuple[K, Expr]]
    profile: SolverProfile
    limit: float | None
    hints: dict[K, float] | None
    steps: dict[K, tuple[set[float], float | None]]
    confirm: Callable[[float | None], bool | None] | None
    t0: float
    tie_break: Callable[[list[int] | None], Expr] | None = None
    logs: list[LevelLog[K]] = field(default_factory=list)
    status: Status = Status.optimal
    have_plan: bool = False
    # Deferred levels (docs/model.md, "Deferring the plan"): an exact solve without a time
    # limit holds a level at its LP bound rounded up and looks for a plan only at the last
    # level (or the tie-break); if none exists there, the first deferred level is solved
    # again in full. Also under a sweep's hints (guesses from a neighbouring scenario), which
    # serve the levels not deferred: on the 51-point budget curve the coarse levels' optima
    # were their bounds where the neighbour's lay a step off (85 MIPs → 62, docs/solving.md).
    pending: list[_Pending] = field(default_factory=list)
    eager: set[int] = field(default_factory=set)  # levels solved in full after a missed deferral
    deferred: set[int] = field(default_factory=set)  # indices in `logs` of levels whose value awaits the plan

    @property
    def lazy(self) -> bool:
        return self.profile.exact and self.profile.reduced_cost_fixing and self.limit is None

    def step_of(self, i: int) -> tuple[set[float], float | None]:
        key, expr = self.levels[i]
        if key not in self.steps:
            self.steps[key] = level_step(expr)
        return self.steps[key]

    def left(self) -> float | None:
        return None if self.limit is None else max(0.0, self.limit - (time.perf_counter() - self.t0))

    @property
    def settles(self) -> bool:
        """An optimal plan ends on the canonical tie-break (`Runner.settle`)."""
        return self.tie_break is not None and self.profile.exact

    def run(self, on_level: Callable[[K], None] | None) -> Lexicographic[K]:
        n = len(self.levels)
        i = -1
        while True:
            while i + 1 < n:
                i += 1
                key, expr = self.levels[i]
                if on_level is not None:
                    on_level(key)
                if len(expr) == 0 and self.have_plan and not (self.pending and i + 1 == n and not self.settles):
                    # (With levels deferred, the last one is solved all the same: it finds the
                    # plan, unless the tie-break does.)
                    c = float(expr.constant)
                    self.logs.append(LevelLog(key, c, TerminationCondition.optimal, 0.0, c))
                    continue
                left = self.left()
                if left is not None and left <= 0 and self.have_plan:
                    self.status = Status.time_limit
                    self.logs.append(LevelLog(key, None, TerminationCondition.time_limit, 0.0))
                    continue
                ts = time.perf_counter()
                got = self.solve_level(i, left)
                if got is None:  # a deferred bound missed: back to the first deferred level
                    i = self.roll_back() - 1
                    continue
                term, value, bound = got
                self.logs.append(LevelLog(key, value, term, time.perf_counter() - ts, bound))
                stop = self.judge(key, term, value)
                if stop is not None:
                    return self.outcome(stop)
                if value is not None:
                    _coefs, scale = self.step_of(i)
                    # The multiple of `scale` is the variable part's; the constant (unregularised) is set aside.
                    c = float(expr.constant)
                    self.runner.hold(expr, hold_rhs(value - c, scale) + c)
            canonical = True
            if self.tie_break is not None and self.settles and (self.status == Status.optimal or self.pending):
                # One scenario, one plan: the canonical one of the optimal plans (model/canonical.py).
                # Under deferred bounds it also finds the plan, or finds there is none.
                settled = self.runner.settle(self.tie_break, self.left(), give_up=bool(self.pending))
                if settled is None:
                    # No plan under the deferred bounds: the first deferred level in full, as
                    # after a level's missed deferral.
                    i = self.roll_back() - 1
                    continue
                canonical = settled
            self.pending.clear()
            for d in self.deferred:  # the plan's value, within the hold of the bound (the checker agrees)
                self.logs[d].value = self.runner.level_value(dict(self.levels)[self.logs[d].level])
            return self.outcome(None, canonical=canonical)

    def may_defer(self, i: int, coefs: set[float], scale: float | None) -> bool:
        """Whether level i may be held at its LP bound rounded up, its plan left to a later
        level (docs/solving.md, "Deferring the plan"): in a lazy solve, a coarse level not
        solved again after a missed deferral; the last one only when the tie-break follows
        and finds the plan."""
        if not self.lazy or i in self.eager or not _coarse(coefs, scale):
            return False
        return i + 1 < len(self.levels) or self.settles

    def solve_level(self, i: int, left: float | None) -> LevelResult | None:
        """The runner's result at level i; None when a deferred bound above is missed."""
        key, expr = self.levels[i]
        coefs, scale = self.step_of(i)
        # The runner's LP may look ahead to the next level (HighsRunner._look_ahead).
        then = (self.levels[i + 1][1], self.step_of(i + 1)[1]) if i + 1 < len(self.levels) else None
        hint = self.hints.get(key) if self.hints else None
        hint = None if hint is None else hint - expr.constant
        if not self.lazy:
            return self.runner.solve(expr, left, scale, hint, then=then)
        defer = self.may_defer(i, coefs, scale)
        state = self.runner.snapshot() if defer else None
        term, value, bound = self.runner.solve(expr, left, scale, hint, defer=defer, give_up=bool(self.pending),
                                               missed=i in self.eager, then=then)
        if self.pending and (term != TerminationCondition.optimal or value is None):
            return None
        if self.runner.deferred:
            self.pending.append(_Pending(i, state, len(self.logs), self.have_plan))
            self.deferred.add(len(self.logs))
        else:
            self.pending.clear()  # the plan found obeys every hold: each deferred bound is met
        return term, value, bound

    def roll_back(self) -> int:
        """No plan meets every deferred level's bound: solve the first one in full (its plan
        then proves or corrects it, and later levels may be deferred again). Returns its index."""
        first = self.pending[0]
        self.pending.clear()
        self.runner.restore(first.state)
        del self.logs[first.kept:]
        self.deferred = {d for d in self.deferred if d < first.kept}
        self.have_plan = first.have_plan
        self.eager.add(first.index)
        return first.index

    def judge(self, key: K, term: TerminationCondition, value: float | None) -> Stop[K] | None:
        """The status after a level; a `Stop` when there is no plan to go on with."""
        if term == TerminationCondition.infeasible:
            # A plan obeyed every earlier level, so "infeasible" now is the solver's failure.
            # CBC's "infeasible" (and any under a time limit) is not a proof: ask exact HiGHS.
            confirmed = not self.have_plan and (
                (self.profile.backend == "highs" and self.limit is None)
                or (self.confirm is not None and bool(self.confirm(confirm_limit(self.limit)))))
            return Stop("infeasible" if confirmed else "unconfirmed", key, term, self.have_plan)
        if value is None:
            if not self.have_plan:
                return Stop("no_plan", key, term, False)
            self.status = Status.time_limit
            return None
        self.have_plan = True
        if term != TerminationCondition.optimal:
            self.status = Status.time_limit
        elif self.status == Status.optimal and not self.logs[-1].proven:
            self.status = Status.feasible  # the profile's gap: a plan, this level not proven
        return None

    def outcome(self, stop: Stop[K] | None, canonical: bool = True) -> Lexicographic[K]:
        status = self.status if stop is None else Status.infeasible if stop.kind == "infeasible" else Status.time_limit
        return Lexicographic(status, self.logs, self.limit, time.perf_counter() - self.t0, stop, canonical)


def solve_lexicographic(
    runner: Runner,
    levels: Sequence[tuple[K, Expr]],
    profile: SolverProfile,
    time_limit: float | None = None,
    *,
    on_level: Callable[[K], None] | None = None,
    hints: dict[K, float] | None = None,
    steps: dict[K, tuple[set[float], float | None]] | None = None,
    confirm: Callable[[float | None], bool | None] | None = None,
    tie_break: Callable[[list[int] | None], Expr] | None = None,
) -> Lexicographic[K]:
    """Minimise `levels` in order on `runner`'s program: each level solved under the holds
    of those before it, then held at its optimum (`hold_rhs`).

    `time_limit`: seconds for this program (default: the profile's). `hints`: guesses of
    the levels' optima (a neighbouring scenario's), which only speed the search up.
    `steps`: a cache of each level's coefficients and step, kept by a caller that solves one
    program again and again. `confirm(seconds)`: does exact HiGHS prove the program
    infeasible (True), find a plan (False) or not tell (None)? Asked when a solver that is
    no proof says "infeasible" at the first level. `tie_break(columns)`: the canonical
    tie-break over those columns (None: all); given, an optimal plan is settled on the
    canonical one of the plans the levels keep (`Runner.settle`), not logged or held."""
    drive = _Drive(runner, levels, profile, effective_limit(time_limit, profile), hints,
                   {} if steps is None else steps, confirm, time.perf_counter(), tie_break)
    return drive.run(on_level)
