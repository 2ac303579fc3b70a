"""The library people use: names that do not shadow modules, every type importable, one shape
for every result (status, summary, write), and each function the same as its command."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import pkgutil
import types
from pathlib import Path

import pytest

import staffpool
from staffpool.cli import main
from staffpool.domain.instance import Horizon, Requirement, Title
from staffpool.domain.plan import Assignment
from staffpool.tools.convert import write_folder
from tests.helpers import inst, make, person, req
from tests.test_plan import three_years

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"

# The types the docs and docstrings name, importable at run time from `staffpool`.
TYPES = ("Instance", "Policy", "Community", "Institution", "StaffMember", "Requirement", "Pin", "Budget", "Level",
         "Mode", "Plan", "Assignment", "PostSource", "Status", "TerminationCondition", "SolverProfile", "Solution",
         "Result", "CheckReport", "Violation", "RotationResult", "Explanation", "Relaxation", "Marginal",
         "HorizonResult", "YearResult", "Comparison", "Demand", "Problem", "StaffpoolError", "InputError",
         "UsageError", "InfeasibleError")


def test_no_public_name_is_a_module_or_shadows_one() -> None:
    submodules = {m.name for m in pkgutil.iter_modules(staffpool.__path__)}
    for name in staffpool.__all__:
        value = getattr(staffpool, name)
        assert not isinstance(value, types.ModuleType), name
        if callable(value) and not isinstance(value, type):
            assert name not in submodules, f"staffpool.{name} is a function and a module"


def test_every_type_the_docs_name_is_importable_at_run_time() -> None:
    for name in TYPES:
        assert name in staffpool.__all__, name
        assert isinstance(getattr(staffpool, name), type | types.GenericAlias), name
    assert staffpool.Plan == dict[str, staffpool.Assignment]


def test_every_public_function_has_a_short_example() -> None:
    functions = [n for n in staffpool.__all__ if inspect.isfunction(getattr(staffpool, n))]
    assert {"solve", "check_plan", "rotate", "explain", "compare", "plan", "advance", "report", "demand",
            "load_instance"} <= set(functions)
    for name in functions:
        doc = inspect.getdoc(getattr(staffpool, name)) or ""
        assert ">>> " in doc and f"staffpool.{name}(" in doc, name


def test_result_is_keyword_only_and_typed() -> None:
    result = staffpool.solve(TINY)
    fields = {f.name: f for f in dataclasses.fields(staffpool.Result)}
    assert all(f.kw_only for f in fields.values())
    with pytest.raises(TypeError):
        staffpool.Result(result.instance, result.mode, "highs", result.status, result.levels, result.plan)  # type: ignore[misc]
    import pandas as pd

    assert isinstance(result.assignments, pd.DataFrame) and isinstance(result.institutions, pd.DataFrame)
    hints = inspect.get_annotations(staffpool.Result.summary.fget)  # type: ignore[attr-defined]
    assert hints["return"] == "dict[str, Any]"


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def _same_shape(obj: object, folder: Path, summary_file: str | None) -> None:
    """status a Status, summary a dict of JSON (what the summary file holds), write() → the paths written."""
    assert isinstance(obj.status, staffpool.Status)  # type: ignore[attr-defined]
    summary = obj.summary  # type: ignore[attr-defined]
    assert isinstance(summary, dict) and json.loads(json.dumps(summary)) == summary
    written = obj.write(folder)  # type: ignore[attr-defined]
    assert isinstance(written, list) and all(isinstance(p, Path) for p in written)
    assert set(written) == _files(folder)
    with pytest.raises(staffpool.UsageError):
        obj.write(folder)  # type: ignore[attr-defined]  # an earlier run's files: only with force
    assert obj.write(folder, force=True) == written  # type: ignore[attr-defined]
    if summary_file is not None:
        on_disk = json.loads((folder / summary_file).read_text(encoding="utf-8"))
        on_disk.pop("timings_s", None)
        assert on_disk == {k: v for k, v in summary.items() if k != "timings_s"}


def test_every_result_has_one_shape(tmp_path: Path) -> None:
    result = staffpool.solve(TINY, "unified")
    _same_shape(result, tmp_path / "solve", "summary.json")
    rotation = staffpool.rotate(TINY, result)
    _same_shape(rotation, tmp_path / "rotate", "rotation_summary.json")
    assert rotation.status == staffpool.Status.optimal
    explanation = staffpool.explain(TINY)
    _same_shape(explanation, tmp_path / "explain", "explanation.json")
    horizon = staffpool.plan(three_years(tmp_path), rolling=True)
    assert isinstance(horizon.years[0], staffpool.YearResult) and isinstance(horizon.years[0].result, staffpool.Result)
    _same_shape(horizon, tmp_path / "plan", None)
    on_disk = json.loads((tmp_path / "plan" / "summary.json").read_text(encoding="utf-8"))
    assert on_disk == horizon.summary


def test_check_plan_of_a_result_checks_it_in_its_own_mode() -> None:
    result = staffpool.solve(TINY, "unified")  # breaks county_pool's post-use rules: tiny's policy mode
    report = staffpool.check_plan(TINY, result)
    assert report.ok and report.mode == staffpool.Mode.unified
    assert not staffpool.check_plan(TINY, result, mode="county_pool").ok
    assert not staffpool.check_plan(TINY, result.plan).ok  # a bare plan: the policy's mode


def test_plan_compares_the_rolling_plan_only_when_asked(tmp_path: Path) -> None:
    folder = three_years(tmp_path)
    beside = staffpool.plan(folder)
    alone = staffpool.plan(folder, compare_rolling=False)
    assert beside.kind == alone.kind == "integrated" and beside.totals() == alone.totals()
    assert beside.rolling is not None and alone.rolling is None
    assert {"rolling_totals", "rolling_status"} <= set(beside.summary) and "rolling_totals" not in alone.summary
    rolling = staffpool.plan(folder, rolling=True)
    assert beside.summary["rolling_totals"] == rolling.summary["totals"]
    assert main(["plan", str(folder), "--out", str(tmp_path / "P"), "--no-compare-rolling", "--json"]) == 0
    assert "rolling_totals" not in json.loads((tmp_path / "P" / "summary.json").read_text(encoding="utf-8"))


def test_plan_equals_the_command(tmp_path: Path) -> None:
    folder = three_years(tmp_path)
    assert main(["plan", str(folder), "--rolling", "--out", str(tmp_path / "cli"), "--workers", "1"]) == 0
    staffpool.plan(folder, rolling=True).write(tmp_path / "lib")
    for year in ("2027", "2028", "2029"):
        for name in ("assignments.csv", "requirements.csv", "institutions.csv"):
            assert (tmp_path / "cli" / year / name).read_bytes() == (tmp_path / "lib" / year / name).read_bytes()


def test_advance_takes_a_result_a_folder_or_a_plan_over_years(tmp_path: Path) -> None:
    folder = three_years(tmp_path)
    first = staffpool.solve(folder)
    first.write(tmp_path / "first")
    by_result = staffpool.advance(folder, first)
    assert by_result == staffpool.advance(folder, tmp_path / "first") == staffpool.advance(folder, first.plan)
    assert by_result.horizon.start == 2028
    horizon = staffpool.plan(folder, rolling=True)
    horizon.write(tmp_path / "P")
    assert staffpool.advance(folder, horizon) == staffpool.advance(folder, tmp_path / "P")
    assert staffpool.solve(folder, from_plan=first).objective == staffpool.solve(by_result).objective
    broken = dict(first.plan)
    sid = next(iter(broken))
    del broken[sid]
    with pytest.raises(staffpool.InputError) as exc:
        staffpool.advance(folder, broken)
    assert exc.value.problems[0].value == sid


def _two_years_with_a_later_gap(tmp_path: Path) -> Path:
    """A due attending at the county hospital, hosts N (5 km, no gap) and F (40 km) whose
    senior gap is a row of 2029 only: the rotation of 2028, the year planned, goes to N."""
    insts = [inst("H", "county", 20, 0, 0), inst("N", "township", 0, 5, 0), inst("F", "township", 0, 40, 0)]
    staff = [person("a1", "on_staff", "attending", "gp", "H", "differential", "H", due=True)]
    staff += [person(f"f{k}", "on_staff", "resident", "gp", "H", "differential", "H") for k in range(4)]
    later = Requirement(institution="F", specialty="*", min_title=Title.attending, need=1, year=2029)
    instance = make(insts, staff, [req("H", "gp", "resident", 1), later],
                    {"rotation": {"periods": 2, "window": 2, "max_away_fraction": 0.5, "host_capacity": 1}})
    instance = instance.model_copy(update={"horizon": Horizon(start=2028, years=2)})
    write_folder(instance, tmp_path / "inst")
    return tmp_path / "inst"


def test_rotate_is_the_same_from_the_library_as_from_the_command(tmp_path: Path) -> None:
    folder = _two_years_with_a_later_gap(tmp_path)
    assert main(["solve", str(folder), "--out", str(tmp_path / "alloc")]) == 0
    assert main(["rotate", str(folder), "--allocation", str(tmp_path / "alloc"), "--out", str(tmp_path / "cli")]) == 0
    for allocation in (tmp_path / "alloc", staffpool.solve(folder), None):
        lib = staffpool.rotate(folder, allocation)
        assert list(lib.table["host"]) == ["N"] and lib.covered_slots == 0  # 2029's gap is not 2028's
        out = tmp_path / f"lib-{type(allocation).__name__}"
        lib.write(out)
        for name in ("rotation.csv", "rotation_summary.json"):
            assert (out / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()


def test_compare_and_report_equal_their_commands(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(TINY), "--json"]) == 0
    assert json.loads(capfd.readouterr().out) == staffpool.compare(TINY).summary
    assert main(["report", str(TINY), "--out", str(tmp_path / "cli.html")]) == 0
    assert (tmp_path / "cli.html").read_text(encoding="utf-8") == staffpool.report(TINY)


def test_demand_equals_its_command(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    wisn = ROOT / "instances" / "hiv-clinic-wisn"
    assert main(["demand", str(wisn), "--out", str(tmp_path / "cli"), "--json"]) == 0
    need = staffpool.demand(wisn)
    assert json.loads(capfd.readouterr().out) == need.summary
    written = need.write(tmp_path / "lib")
    assert {p.name for p in written} == {"wisn.csv", "requirements.csv"}
    for p in written:
        assert p.read_bytes() == (tmp_path / "cli" / p.name).read_bytes()


def test_a_plan_dict_is_a_plan() -> None:
    result = staffpool.solve(TINY)
    plan = {sid: Assignment(a.staff_id, a.to_institution, a.post_funding, a.post_source) for sid, a in result.plan.items()}
    assert staffpool.check_plan(TINY, plan).ok
    assert staffpool.rotate(TINY, plan).summary == staffpool.rotate(TINY, result).summary


def _cli_modules() -> list[ast.Module]:
    return [ast.parse(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "staffpool" / "cli").glob("*.py"))]


def _commands() -> dict[str, ast.FunctionDef]:
    return {f.name: f for tree in _cli_modules() for f in tree.body if isinstance(f, ast.FunctionDef)
            and any("app.command" in ast.unparse(d) for d in f.decorator_list)}


def test_a_command_calls_one_library_function() -> None:
    """The CLI parses, calls one function of `staffpool`, renders: nothing is computed twice."""
    library = {n for n in staffpool.__all__ if inspect.isfunction(getattr(staffpool, n))}
    calls = {name: [ast.unparse(c.func) for c in ast.walk(f) if isinstance(c, ast.Call)
                    and isinstance(c.func, ast.Attribute) and ast.unparse(c.func.value) == "staffpool"
                    and c.func.attr in library]
             for name, f in _commands().items()}
    for name in ("solve_cmd", "plan_cmd", "check", "rotate", "compare", "report", "explain", "advance", "demand"):
        assert len(calls[name]) == 1, (name, calls[name])


def test_output_paths_are_checked_in_one_place() -> None:
    """refuse_existing, ensure_not_input, check_writable: only in `_preflight`, which every
    command writing files calls."""
    checks = {"refuse_existing", "ensure_not_input", "check_writable"}
    for f in (n for tree in _cli_modules() for n in tree.body if isinstance(n, ast.FunctionDef) and n.name != "_preflight"):
        called = {ast.unparse(c.func) for c in ast.walk(f) if isinstance(c, ast.Call)}
        assert not called & checks, f.name
    for name, f in _commands().items():
        writes = any(a.arg in ("out_dir", "out_file", "out_path", "xlsx", "graph") for a in f.args.args)
        preflight = any(isinstance(c, ast.Call) and ast.unparse(c.func) == "_preflight" for c in ast.walk(f))
        assert preflight or not writes or name == "sweep", name  # sweep: its journal has its own rules (docs/scale.md)
