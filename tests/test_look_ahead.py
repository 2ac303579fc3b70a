"""A level's LP that looks ahead to the next level (HighsRunner._look_ahead): the range it
rests on holds every plan of the LP relaxation, it spares the next level its LP on a
county, and the levels are those of the solve without it, in every mode and objective order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffpool.domain.instance import Level, Mode
from staffpool.inputs.validate import load_instance
from staffpool.model.build import build_community
from staffpool.outputs.results import solve
from staffpool.solving.profiles import load_profile
from staffpool.solving.runners import highs as backends
from staffpool.tools.generate import generate


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(1, seed=3, scale=0.3, out_dir=tmp_path_factory.mktemp("gen") / "county", move_cap=None,
                    contracts=3.0, vacancies=0.15)


def _lp_extreme(lp: Any, costs: np.ndarray, sense: int) -> float:
    """min (sense 1) or max (sense -1) of costs·x over the program's LP relaxation, by HiGHS
    on the program's rows as they are (no use of the runner's arrays)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    ub = [u if np.isfinite(u) else inf for u in lp.ub]
    h.addVars(lp.num_cols, np.array(lp.lb, dtype=float), np.array(ub, dtype=float))
    h.changeColsCost(lp.num_cols, np.arange(lp.num_cols, dtype=np.int32), sense * costs)
    lo = [v if np.isfinite(v) else -inf for v in lp.row_lo]
    hi = [v if np.isfinite(v) else inf for v in lp.row_hi]
    h.addRows(lp.num_rows, np.array(lo, dtype=float), np.array(hi, dtype=float), len(lp.index),
              np.array(lp.starts, dtype=np.int32), np.array(lp.index, dtype=np.int32),
              np.array(lp.value, dtype=float))
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kUnbounded:
        return -sense * float("inf")
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return sense * h.getInfo().objective_function_value


@pytest.mark.parametrize("mode", [m.value for m in Mode])
def test_level_range_holds_the_lp_relaxation(county: Path, mode: str) -> None:
    instance = load_instance(county)
    cm = build_community(instance, instance.communities[0].id, Mode(mode))
    runner = backends.HighsRunner(cm, load_profile("highs"))
    for level, expr in cm.levels.items():
        if not expr.terms:
            continue
        costs = np.zeros(cm.lp.num_cols)
        costs[list(expr.terms)] = list(expr.terms.values())
        low, high = runner._level_range(expr)
        lp_min, lp_max = _lp_extreme(cm.lp, costs, 1), _lp_extreme(cm.lp, costs, -1)
        assert low <= lp_min + 1e-6 * max(1.0, abs(lp_min)), level
        if np.isinf(lp_max):
            assert high == float("inf"), level
        else:
            assert lp_max <= high + 1e-6 * max(1.0, abs(lp_max)), level
        if level == Level.moves:  # at most everyone moves once
            assert high <= len(instance.staff)


def _solve_counting(instance: Any, mode: str, look: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, int]:
    calls = []
    original = backends.HighsRunner._lp_bound

    def counted(self: Any, costs: Any, time_left: float | None) -> Any:
        calls.append(1)
        return original(self, costs, time_left)

    with monkeypatch.context() as m:
        m.setattr(backends.HighsRunner, "_lp_bound", counted)
        if not look:
            m.setattr(backends, "LOOK_AHEAD_MIN_EPS", float("inf"))
        result = solve(instance, mode)
    return result, len(calls)


@pytest.mark.parametrize("mode", [m.value for m in Mode])
def test_look_ahead_spares_an_lp_and_keeps_the_levels(county: Path, mode: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    instance = load_instance(county)
    with_it, n_with = _solve_counting(instance, mode, True, monkeypatch)
    without, n_without = _solve_counting(instance, mode, False, monkeypatch)
    assert with_it.status.value == without.status.value == "optimal"
    assert with_it.objective == pytest.approx(without.objective, rel=1e-9, abs=1e-9)
    assert with_it.summary["bounds"] == without.summary["bounds"]
    if mode != "separate":  # (separate: nobody moves, the moves level is empty)
        assert n_with < n_without


ORDERS = [
    tuple(Level(v) for v in ("shortfall", "moves", "distance", "hiring_cost", "unregularised")),
    tuple(Level(v) for v in ("moves", "shortfall", "hiring_cost", "unregularised", "distance")),
    tuple(Level(v) for v in ("shortfall", "unregularised", "hiring_cost", "moves", "distance")),
]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), mode=st.sampled_from([m.value for m in Mode]), order=st.sampled_from(ORDERS),
       cap=st.sampled_from([None, 0.01, 0.03]), contracts=st.sampled_from([1.0, 3.0]))
def test_look_ahead_equals_the_solve_without_it(tmp_path_factory: pytest.TempPathFactory,
                                                monkeypatch: pytest.MonkeyPatch, seed: int, mode: str,
                                                order: tuple[Level, ...], cap: float | None,
                                                contracts: float) -> None:
    path = generate(1, seed=seed, scale=0.08, out_dir=tmp_path_factory.mktemp("g") / "c", move_cap=cap,
                    contracts=contracts, vacancies=0.1)
    instance = load_instance(path)
    instance = instance.model_copy(update={"policy": instance.policy.model_copy(update={"objective": order})})
    with_it, _ = _solve_counting(instance, mode, True, monkeypatch)
    without, _ = _solve_counting(instance, mode, False, monkeypatch)
    assert with_it.status.value == without.status.value
    assert with_it.objective == pytest.approx(without.objective, rel=1e-9, abs=1e-9)
