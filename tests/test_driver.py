"""The one lexicographic driver (solving/lexicographic.py): every solve goes through it, on
either runner, with one meaning of the time limit, and no wall clock decides the plan."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import pytest

from staffpool.constants import Status, TerminationCondition
from staffpool.domain.instance import Horizon, Instance, Level
from staffpool.inputs.validate import load_instance
from staffpool.model.build import build_community
from staffpool.outputs.results import solve
from staffpool.solving import lexicographic
from staffpool.solving.horizon import plan_integrated
from staffpool.solving.lexicographic import solve_lexicographic
from staffpool.solving.profiles import load_profile
from staffpool.solving.runners import CbcRunner, HighsRunner, make_runner
from staffpool.solving.runners import highs as highs_runner
from staffpool.tools.generate import generate

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "staffpool"
TINY = ROOT / "instances" / "tiny"


@pytest.fixture(scope="module")
def two_over_years(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    """Two small generated communities (about 100 staff each), planned over two years."""
    inst = load_instance(generate(2, seed=11, scale=0.1, out_dir=tmp_path_factory.mktemp("gen") / "two"))
    return inst.model_copy(update={"horizon": Horizon(start=2027, years=2)})


class _Clock:
    """The driver's clock, advanced by hand: each level a runner solves takes `step` seconds
    (`steps`: in the community named, instead)."""

    def __init__(self, step: float, steps: dict[str, float] | None = None) -> None:
        self.now, self.step, self.steps = 1000.0, step, steps or {}

    def perf_counter(self) -> float:
        return self.now


def _record_time_left(monkeypatch: pytest.MonkeyPatch, clock: _Clock, where: list[str]) -> list[tuple[str, Any]]:
    """(community, time_left) of every level a runner is asked to solve; the clock moves on."""
    seen: list[tuple[str, Any]] = []
    real = HighsRunner.solve

    def spy(self: HighsRunner, expr: Any, time_left: float | None, *args: Any, **kw: Any) -> Any:
        seen.append((where[-1], time_left))
        out = real(self, expr, time_left, *args, **kw)
        clock.now += clock.steps.get(where[-1], clock.step)
        return out

    monkeypatch.setattr(lexicographic, "time", clock)
    monkeypatch.setattr(HighsRunner, "solve", spy)
    return seen


def test_the_integrated_plan_gives_each_community_its_own_time_limit(two_over_years: Instance,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`--time-limit 25` is 25 s per community (as in a one-year solve). Each level takes
    10 s on the driver's clock: the first community runs out after three levels (a plan,
    status time_limit), and the second starts with its own 25 s. Timed over the whole plan,
    as before, the second would have started with 25 − 30 < 0 s: no plan at all."""
    clock = _Clock(10.0)
    where: list[str] = []
    seen = _record_time_left(monkeypatch, clock, where)
    hp = plan_integrated(two_over_years, time_limit=25, on_level=lambda cid, lvl: where.append(cid))
    firsts = {cid: next(t for c, t in seen if c == cid) for cid in ("C000", "C001")}
    assert firsts == {"C000": 25.0, "C001": 25.0}
    first_done = sum(1 for c, _t in seen if c == "C000") * clock.step
    assert first_done > 25  # a clock for the whole plan would leave C001 nothing
    assert [t for c, t in seen if c == "C000"] == [25.0, 15.0, 5.0]
    assert hp.complete and hp.status == "time_limit"


def test_the_profile_time_limit_applies_to_the_integrated_plan(two_over_years: Instance,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """highs-quick's 60 s (solvers/highs-quick.yaml) when no --time-limit is given."""
    assert load_profile("highs-quick").time_limit == 60
    clock = _Clock(1.0)
    where: list[str] = []
    seen = _record_time_left(monkeypatch, clock, where)
    hp = plan_integrated(two_over_years, solver="highs-quick", on_level=lambda cid, lvl: where.append(cid))
    assert hp.complete
    firsts = [next(t for c, t in seen if c == cid) for cid in ("C000", "C001")]
    assert firsts == [60.0, 60.0]
    assert all(t is not None for _c, t in seen)


def test_highs_and_cbc_give_the_same_levels_through_the_driver() -> None:
    """The driver does not ask which runner it has: tiny's levels are the same on both, and
    the same as a whole solve's."""
    instance = load_instance(TINY)
    cid = instance.communities[0].id
    got = {}
    for name, kind in (("highs", HighsRunner), ("cbc", CbcRunner)):
        profile = load_profile(name)
        cm = build_community(instance, cid, instance.policy.mode)
        runner = make_runner(cm, profile)
        assert isinstance(runner, kind)
        run = solve_lexicographic(runner, [(lvl, cm.levels[lvl]) for lvl in instance.policy.objective], profile)
        assert run.stop is None and run.status == Status.optimal and all(g.proven for g in run.levels)
        got[name] = [g.value for g in run.levels]
    assert got["highs"] == pytest.approx(got["cbc"])
    levels = solve(instance).objective
    assert got["highs"][:2] == pytest.approx([levels["shortfall"], levels["moves"]])


def _calls(path: Path, attr: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == attr]


def _calls_name(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in ast.walk(node))


def test_no_code_outside_the_driver_computes_a_hold() -> None:
    """Every hold row (`runner.hold(expr, rhs)`) outside lexicographic.py takes its rhs from
    `lexicographic.hold_rhs` (HiGHS's cutoff in `_close` is one), which is defined there
    alone; and only the driver asks a runner to solve a level."""
    driver = PACKAGE / "solving" / "lexicographic.py"
    bad: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if path == driver:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bad += [f"{rel}:{n.lineno}: defines {n.name}" for n in ast.walk(tree)
                if isinstance(n, ast.FunctionDef) and "hold" in n.name and n.name != "hold"]
        for call in _calls(path, "hold"):
            if len(call.args) != 2 or not _calls_name(call.args[1], "hold_rhs"):
                bad.append(f"{rel}:{call.lineno}: a hold whose rhs is not hold_rhs(...)")
        for call in _calls(path, "solve"):
            receiver = call.func.value  # type: ignore[attr-defined]
            if isinstance(receiver, ast.Name) and "runner" in receiver.id:
                bad.append(f"{rel}:{call.lineno}: a runner solved outside the driver")
    assert not bad, bad
    assert _calls(PACKAGE / "solving" / "runners" / "highs.py", "hold")  # the test sees the cutoff


def _highs_models(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, float, int]]:
    """(integer, time_limit, mip_max_nodes) of every model given to HiGHS."""
    seen: list[tuple[bool, float, int]] = []
    real = HighsRunner._model

    def spy(self: HighsRunner, costs: Any, integer: bool, *args: Any) -> Any:
        out = real(self, costs, integer, *args)
        h = out[0]
        value = [h.getOptionValue(k) for k in ("time_limit", "mip_max_nodes")]
        limit, nodes = (v[1] if isinstance(v, tuple) else v for v in value)  # highspy: (status, value)
        seen.append((integer, float(limit), int(nodes)))
        return out

    monkeypatch.setattr(HighsRunner, "_model", spy)
    return seen


@pytest.fixture(scope="module")
def small_county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """310 staff; its first guess MIP needs 3 nodes."""
    return generate(1, seed=3, scale=0.3, out_dir=tmp_path_factory.mktemp("gen") / "small")


def test_the_guess_mip_has_no_wall_clock_limit(small_county: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --time-limit no model HiGHS solves has a time limit: the guess MIP (step 3)
    stops at GUESS_MAX_NODES nodes instead (the 5-second cap it had let the machine's load
    decide which of several equal optima came back). With a limit, the guess gets what is
    left of it, no more."""
    seen = _highs_models(monkeypatch)
    assert solve(load_instance(small_county)).status == Status.optimal
    guesses = [s for s in seen if s[0] and s[2] == highs_runner.GUESS_MAX_NODES]
    assert guesses and all(limit == math.inf for _i, limit, _n in seen)
    seen.clear()
    assert solve(load_instance(small_county), time_limit=100).status == Status.optimal
    guesses = [s for s in seen if s[0] and s[2] == highs_runner.GUESS_MAX_NODES]
    assert guesses and all(0 < limit <= 100 for _i, limit, _n in seen)


def test_a_guess_stopped_by_its_node_limit_keeps_the_levels(small_county: Path, monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """At one node the county's first guess MIP stops unfinished (HiGHS: kSolutionLimit,
    here time_limit): the level is searched on, and every level is the same and proven."""
    instance = load_instance(small_county)
    before = solve(instance)
    stopped: list[TerminationCondition] = []
    real = HighsRunner._run_mip

    def spy(self: HighsRunner, costs: Any, time_left: float | None, max_nodes: int | None = None) -> Any:
        out = real(self, costs, time_left, max_nodes)
        if max_nodes is not None:
            stopped.append(out[0])
        return out

    monkeypatch.setattr(highs_runner, "GUESS_MAX_NODES", 1)
    monkeypatch.setattr(HighsRunner, "_run_mip", spy)
    after = solve(instance)
    assert TerminationCondition.time_limit in stopped
    assert after.status == before.status == Status.optimal
    assert after.objective == before.objective
    assert all(g.proven for g in after.outcomes[0].levels)


def test_a_time_limit_cutting_one_community_short_still_gives_the_plan(two_over_years: Instance,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A level that one community's program could not solve in its time has no sum over the
    communities: the integrated plan compares the checker's sums with the program's only on
    the levels every community solved (before, the comparison failed: an internal error).
    Here C000 solves three levels in its 25 s, C001 all five."""
    clock = _Clock(10.0, {"C001": 1.0})
    where: list[str] = []
    seen = _record_time_left(monkeypatch, clock, where)
    hp = plan_integrated(two_over_years, time_limit=25, on_level=lambda cid, lvl: where.append(cid))
    assert [sum(1 for c, _t in seen if c == cid) for cid in ("C000", "C001")] == [3, 5]
    assert hp.complete and hp.status == "time_limit"
    assert set(hp.totals()) == {lvl.value for lvl in two_over_years.policy.objective}


def test_the_runner_protocol_is_all_the_driver_needs() -> None:
    """A runner that is neither HiGHS nor CBC (a stub answering from a table) is driven the
    same way: levels in order, each held at its value with `hold_rhs`."""
    from staffpool.model.linear import Expr

    holds: list[tuple[Expr, float]] = []

    class Table:
        deferred = False

        def solve(self, expr: Expr, time_left: float | None, *args: Any, **kw: Any) -> Any:
            value = float(sum(expr.terms.values()))
            return TerminationCondition.optimal, value, value

        def hold(self, expr: Expr, rhs: float) -> None:
            holds.append((expr, rhs))

        def snapshot(self) -> Any:
            return None

        def restore(self, state: Any) -> None:
            pass

        def value(self, col: int) -> float:
            return 0.0

        def values_list(self) -> list[float]:
            return []

        def feasible(self, time_left: float | None = None) -> bool | None:
            return True

        def level_value(self, expr: Expr) -> float:
            return 0.0

    a, b = Expr({0: 2.0}), Expr({1: 0.5, 2: 0.25})
    run = solve_lexicographic(Table(), [(Level.shortfall, a), (Level.moves, b)], load_profile("highs"))
    assert [g.value for g in run.levels] == [2.0, 0.75] and run.status == Status.optimal
    assert holds == [(a, lexicographic.hold_rhs(2.0, 2.0)), (b, lexicographic.hold_rhs(0.75, 0.25))]


def test_a_program_over_years_is_searched_without_deferral_or_look_ahead(two_over_years: Instance,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver offers every program deferral and a look-ahead; HiGHS takes neither on a
    program over years (`HighsRunner.year_program`: no gain there, and the integrated plans
    stay those it always gave), while a year's program of the same communities takes both."""
    made: list[tuple[bool, bool]] = []  # (deferred, looked ahead) per level solved
    real_solve, real_look = HighsRunner.solve, HighsRunner._look_ahead
    looked: list[bool] = []

    def look(self: HighsRunner, *args: Any) -> Any:
        out = real_look(self, *args)
        looked.append(out is not None)
        return out

    def spy(self: HighsRunner, *args: Any, **kw: Any) -> Any:
        looked.clear()
        out = real_solve(self, *args, **kw)
        made.append((self.deferred, any(looked)))
        return out

    monkeypatch.setattr(HighsRunner, "solve", spy)
    monkeypatch.setattr(HighsRunner, "_look_ahead", look)
    assert plan_integrated(two_over_years).status == "optimal"
    assert made and not any(d or a for d, a in made)
    made.clear()
    assert solve(two_over_years).status == Status.optimal
    assert any(d for d, _a in made) and any(a for _d, a in made)
