"""What a solve adds to the work of reading and writing an instance: the program's column
arrays agree with its options, a level's arrays are made once, and `staffpool solve` loads
only what the HiGHS path needs. (Speed itself is measured by benchmarks/, not here.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from staffpool.domain.instance import Level, Mode, StaffStatus
from staffpool.inputs.validate import load_instance
from staffpool.model.build import build_community
from staffpool.model.linear import Expr
from staffpool.solving.profiles import load_profile
from staffpool.tools.generate import generate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(1, seed=5, scale=0.2, out_dir=tmp_path_factory.mktemp("gen") / "county", contracts=3.0,
                    vacancies=0.15)


@pytest.mark.parametrize("mode", [m.value for m in Mode])
def test_column_arrays_agree_with_the_options(county: Path, mode: str) -> None:
    """x_arrays, by_institution, moved_columns and x, each against the options read one by one."""
    instance = load_instance(county)
    cm = build_community(instance, instance.communities[0].id, Mode(mode))
    position = {j.id: n for n, j in enumerate(cm.institutions)}
    inst, cohort = cm.x_arrays()
    at: dict[int, list[int]] = {}
    moved: list[tuple[int, int]] = []
    n = 0
    for k, (c, opts) in enumerate(zip(cm.cohorts, cm.options, strict=True)):
        for o, opt in enumerate(opts):
            col = cm.cols[k][o]
            assert col == n and cm.x[(k, o)] == col  # the cohorts' columns, one after another from 0
            assert inst[col] == position[opt.institution] and cohort[col] == k
            at.setdefault(position[opt.institution], []).append(col)
            if c.status != StaffStatus.candidate and opt.institution != c.posted_at:
                moved.append((col, position[str(c.posted_at)]))
            n += 1
    assert len(inst) == len(cohort) == len(cm.x) == n and n > 0
    assert sorted(cm.x) == [(k, o) for k, opts in enumerate(cm.options) for o in range(len(opts))]
    with pytest.raises(KeyError):
        cm.x[(len(cm.cohorts), 0)]
    cols, starts = cm.by_institution()
    for j in range(len(cm.institutions)):
        assert cols[starts[j]:starts[j + 1]].tolist() == at.get(j, [])
    got, home = cm.moved_columns()
    assert list(zip(got.tolist(), home.tolist(), strict=True)) == moved
    if mode != "separate":
        assert moved  # the check above saw some moves


def test_a_levels_arrays_are_made_once(county: Path) -> None:
    from staffpool.solving.runners import HighsRunner

    instance = load_instance(county)
    cm = build_community(instance, instance.communities[0].id)
    runner = HighsRunner(cm, load_profile("highs"))
    expr = cm.levels[Level.distance]
    idx, vals = runner._arrays(expr)
    assert runner._arrays(expr)[0] is idx and runner._arrays(expr)[1] is vals
    assert dict(zip(idx.tolist(), vals.tolist(), strict=True)) == expr.terms
    other = Expr({int(idx[0]): 2.5})  # another expression: its own arrays
    assert runner._arrays(other)[1].tolist() == [2.5]


# What a command must not load: the years, the report, the sweep, the explanation, and the
# heavy packages it does not use (start-up time: the CLI loads a command's module on use).
NOT_FOR_SOLVE = ("staffpool.solving.horizon", "staffpool.model.years", "staffpool.outputs.report",
                 "staffpool.tools.explain", "staffpool.scale.sweep", "pulp", "pandas", "scipy", "networkx", "openpyxl")
NOT_FOR_INPUT = (*NOT_FOR_SOLVE, "numpy", "highspy", "staffpool.solving.instance", "staffpool.model.build")


def _loaded(args: list[str], watch: tuple[str, ...]) -> dict[str, object]:
    code = (
        "import gc, json, sys\n"
        "from staffpool.cli import main\n"
        f"rc = main({args!r})\n"
        f"mods = [m for m in {watch!r} if m in sys.modules]\n"
        "print(json.dumps({'rc': rc, 'modules': mods, 'frozen': gc.get_freeze_count()}), file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    got: dict[str, object] = json.loads(run.stderr.strip().splitlines()[-1])
    return got


def test_solve_loads_only_the_highs_path(tmp_path: Path) -> None:
    """A one-year instance: no module of the years, report, sweep or explanation, no PuLP
    (CBC only), no pandas; the cyclic collector's start-up freeze is undone when the command
    returns."""
    got = _loaded(["solve", str(ROOT / "instances" / "tiny"), "--out", str(tmp_path / "out")], NOT_FOR_SOLVE)
    assert got == {"rc": 0, "modules": [], "frozen": 0}


@pytest.mark.parametrize("command", ["validate", "convert"])
def test_reading_an_instance_loads_no_solver(tmp_path: Path, command: str) -> None:
    args = [command, str(ROOT / "instances" / "tiny")]
    if command == "convert":
        args += ["--to", "json", "--out", str(tmp_path / "tiny.json")]
    assert _loaded(args, NOT_FOR_INPUT) == {"rc": 0, "modules": [], "frozen": 0}


@pytest.mark.parametrize("workers", [1, 2])
def test_the_engine_freezes_the_heap_only_while_its_tasks_run(workers: int) -> None:
    """The local engine leaves what is alive when its tasks start (the instance) out of the
    collector's passes while they run, in this process and in forked workers, and gives it
    back after: a long-lived process (the workspace) collects it again."""
    import gc

    from staffpool.solving.engines import LocalEngine

    seen: list[int] = []
    before = gc.get_freeze_count()
    LocalEngine(workers).run({"a": None, "b": None}, [_Task("a"), _Task("b")], _frozen_count,  # type: ignore[dict-item]
                             lambda task, count: seen.append(count))
    assert len(seen) == 2 and all(count > before for count in seen)
    assert gc.get_freeze_count() == before


class _Task:
    def __init__(self, community: str) -> None:
        self.community = community


def _frozen_count(sub: object, task: object) -> int:
    """A task (module level: it may run in a forked worker): the objects frozen there."""
    import gc

    return gc.get_freeze_count()
