"""The command line: parse, call the library, render. Errors map to exit codes in `main` only.

Exit status: 0 done; 1 infeasible or no plan in the time limit; 2 bad input or usage;
3 an internal error (a bug: rerun with --debug for the traceback).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from .errors import InfeasibleError, InputError, StaffpoolError, UsageError

# numpy's BLAS thread pool starts with numpy and spins, competing with HiGHS for the cores,
# while staffpool does no BLAS work (county solve 0.34 s → 0.27 s on 2 cores). Set before
# numpy is first imported (highspy imports it); a value the user set wins.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

app = typer.Typer(
    name="staffpool",
    help="Where a county's doctors work: allocate posts, moves, hires and rotations in a county medical community.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

InstanceArg = Annotated[Path, typer.Argument(help="Instance: a folder with instance.yaml, a .json file or a .xlsx workbook.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout and nothing else.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace what an earlier run wrote at --out.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat warnings (unknown columns, sheets, files) as problems: exit 2.")]


def _version(value: bool) -> None:
    if value:
        from . import __version__

        sys.stdout.write(f"staffpool {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """staffpool: staffing allocation for county medical communities."""


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@contextmanager
def _progress() -> Iterator[Any]:
    """A spinner on stderr, with `--json` too (stdout stays the JSON alone); rich hides it
    when stderr is not a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,  # no stray newline in a captured stderr
    )
    with progress:
        yield progress


@contextmanager
def _busy(what: str) -> Iterator[None]:
    """A spinner with a description for a step that can take seconds (a province: loading
    1.5 s, checking 3.8 s)."""
    with _progress() as progress:
        progress.add_task(what, total=None)
        yield


def _load(path: Path, strict: bool = False) -> tuple[Any, float]:
    """The instance and its load time; its warnings go to stderr."""
    inst, _warnings, load_s = _load_with_warnings(path, strict)
    return inst, load_s


def _load_with_warnings(path: Path, strict: bool = False) -> tuple[Any, list[Any], float]:
    from .render import render_warnings
    from .validate import load_with_warnings

    t0 = time.perf_counter()
    with _busy(f"loading {escape(str(path))}"):
        inst, warnings = load_with_warnings(path, strict)
    render_warnings(err, warnings)
    return inst, warnings, time.perf_counter() - t0


def _input_files(path: Path) -> list[Path]:
    from .io import read_raw

    return read_raw(path).input_files


@app.command()
def validate(instance: InstanceArg, as_json: JsonOpt = False, strict: StrictOpt = False) -> None:
    """Check an instance: exit 0 with an overview, or 2 with every problem."""
    from dataclasses import asdict

    from .check import vacancies
    from .render import instance_overview

    inst, warnings, _ = _load_with_warnings(instance, strict)
    vac = vacancies(inst, inst.policy.mode)
    if as_json:
        _print_json({
            "instance": inst.name, "valid": True, "communities": len(inst.communities),
            "institutions": len(inst.institutions), "staff": len(inst.staff), "requirements": len(inst.requirements),
            "vacancies": {",".join(k for k in key if k): v for key, v in sorted(vac.items())},
            "warnings": [asdict(w) for w in warnings],
        })
        return
    for t in instance_overview(inst, vac):
        out.print(t)
    out.print(f"[green]{escape(str(instance))} is valid.[/]")


def _solve(inst: Any, mode: str | None, solver: str, time_limit: float | None, workers: int | None, load_s: float) -> Any:
    from .solve import default_workers, solve

    n = len(inst.communities)
    w = workers if workers is not None else default_workers()
    with _progress() as progress:
        task = progress.add_task(f"solving {n} communit{'y' if n == 1 else 'ies'}", total=n)

        def on_level(cid: str, level: Any) -> None:
            progress.update(task, description=f"{escape(cid)}: level {level.value}")

        def on_done(_o: Any) -> None:
            progress.advance(task)

        return solve(inst, mode=mode, solver=solver, time_limit=time_limit, workers=w, progress=on_level,
                     on_community_done=on_done, load_s=load_s)


ModeOpt = Annotated[str | None, typer.Option("--mode", help="separate, county_pool or unified (default: the policy's).")]
SolverOpt = Annotated[str, typer.Option("--solver", help="A solver profile in solvers/: highs (default), cbc, …")]
TimeOpt = Annotated[float | None, typer.Option("--time-limit", help="Seconds per community (default: the profile's).")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", help="Parallel processes (default: the machine's cores).")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Folder to write the result files into.")]


def _check_mode(mode: str | None) -> str | None:
    from .domain import Mode

    if mode is None:
        return None
    try:
        return Mode(mode.strip().lower()).value
    except ValueError:
        raise UsageError(f"--mode {mode!r}: choose separate, county_pool or unified") from None


@app.command("solve")
def solve_cmd(
    instance: InstanceArg,
    out_dir: OutOpt = None,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    time_limit: TimeOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    force: ForceOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Allocate staff to the lexicographic optimum (docs/model.md) and write the result files."""
    from .results import RESULT_FILES, write_result
    from .solve import load_profile, require_plan

    mode = _check_mode(mode)
    load_profile(solver)
    inputs = _input_files(instance) if out_dir is not None else []
    if out_dir is not None:
        from .io import ensure_not_input, refuse_existing

        ensure_not_input(out_dir, RESULT_FILES, inputs)
        refuse_existing([out_dir / n for n in RESULT_FILES], force)  # before solving, not after
    inst, load_s = _load(instance, strict)
    result = _solve(inst, mode, solver, time_limit, workers, load_s)
    if as_json and not result.has_plan:
        # Each community's status and reason, on stdout as the summary; exit 1 follows.
        _print_json(result.summary.model_dump(mode="json"))
    require_plan(result)
    if out_dir is not None:
        write_result(result, out_dir, inputs, force=force)
    if as_json:
        _print_json(result.summary.model_dump(mode="json"))
        _warn_unproven(result)  # on stderr: stdout stays clean JSON
        return
    from .render import solve_tables

    for t in solve_tables(result, width=out.width):
        out.print(t)
    _warn_unproven(result)
    if out_dir is not None:
        out.print(f"Wrote {', '.join(RESULT_FILES)} to {escape(str(out_dir))}")


def _warn_unproven(result: Any) -> None:
    """A plan that is not proven optimal says so on stderr (exit 0 all the same)."""
    if result.status.value == "time_limit":
        err.print("[yellow]Time limit reached: the plan obeys every rule but is not proven optimal.[/]")
    elif result.status.value == "feasible":
        err.print(f"[yellow]Not proven optimal (the {result.solver} profile stops within a gap): the plan obeys "
                  "every rule; summary.json `bounds` holds each level's proven bound.[/]")


@app.command()
def check(
    instance: InstanceArg,
    plan_dir: Annotated[Path, typer.Argument(help="A folder with assignments.csv (or the file itself).")],
    mode: ModeOpt = None,
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Verify a plan against every hard rule (docs/model.md), without a solver; recompute the levels.
    The mode is --mode, else the one PLAN's summary.json records, else the policy's."""
    from .check import check_plan, read_plan, read_plan_summary
    from .domain import Mode
    from .render import check_tables
    from .results import level_value

    mode = _check_mode(mode)
    inst, _ = _load(instance, strict)
    recorded = read_plan_summary(plan_dir).get("mode")
    m = Mode(mode) if mode else Mode(recorded) if recorded in {x.value for x in Mode} else inst.policy.mode
    with _busy(f"checking {escape(str(plan_dir))}"):
        plan = read_plan(plan_dir, inst)
        report = check_plan(inst, plan, m)
    if as_json:
        _print_json({
            "ok": report.ok,
            "mode": m.value,
            "objective": {lvl.value: level_value(lvl, report.levels[lvl]) for lvl in inst.policy.objective},
            "violations": [{"rule": v.rule, "subject": v.subject, "message": v.message} for v in report.violations],
        })
    else:
        for t in check_tables(report, inst.policy.objective):
            out.print(t)
        held = "[green]Every hard rule holds[/]" if report.ok else f"[red]{len(report.violations)} violations[/]"
        out.print(f"{held} (mode {m.value}).")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def generate(
    communities: Annotated[int, typer.Option("--communities", min=1, help="How many county communities.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the instance into.")],
    seed: Annotated[int, typer.Option("--seed")] = 0,
    scale: Annotated[float, typer.Option("--scale", min=0.01, help="Multiplies staff and institutions per community.")] = 1.0,
    force: ForceOpt = False,
    mode: Annotated[str, typer.Option("--mode", help="The policy's mode: separate, county_pool or unified.")] = "county_pool",
    move_cap: Annotated[str, typer.Option("--move-cap", help="Each community's max_moves as a share of its staff (0.03), or 'none'.")] = "0.03",
    contracts: Annotated[float, typer.Option("--contracts", min=0.0, help="Multiplies the share of contract staff (7 % county, 10 % township).")] = 1.0,
    vacancies: Annotated[float, typer.Option("--vacancies", min=0.0, help="Extra approved posts, as a share of each hospital's and centre's staff.")] = 0.0,
) -> None:
    """Write a seeded synthetic instance shaped like the seed articles (inverted triangle)."""
    from .generate import MODES
    from .generate import generate as gen
    from .io import refuse_existing

    if mode not in MODES:
        raise UsageError(f"--mode {mode!r}: choose {', '.join(MODES)}")
    try:
        cap = None if move_cap.strip().lower() == "none" else float(move_cap)
    except ValueError:
        raise UsageError(f"--move-cap {move_cap!r}: a share of the staff (e.g. 0.02) or 'none'") from None
    if cap is not None and not 0 <= cap <= 1:
        raise UsageError(f"--move-cap {move_cap!r}: a share between 0 and 1, or 'none'")
    refuse_existing([out_dir], force, folder=True)
    with _busy(f"writing {communities} communit{'y' if communities == 1 else 'ies'} to {escape(str(out_dir))}"):
        gen(communities, seed=seed, scale=scale, out_dir=out_dir, force=force, mode=mode, move_cap=cap,
            contracts=contracts, vacancies=vacancies)
    err.print(f"Wrote {escape(str(out_dir))}")


@app.command()
def convert(
    instance: InstanceArg,
    to: Annotated[str, typer.Option("--to", help="folder, json or xlsx")],
    out_path: Annotated[Path, typer.Option("--out", help="Folder, .json or .xlsx to write.")],
    force: ForceOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Write an instance in another form (folder, JSON, workbook); the input is never touched."""
    from .convert import write_folder, write_json, write_workbook
    from .io import refuse_existing

    if to not in ("folder", "json", "xlsx"):
        raise UsageError(f"--to {to!r}: choose folder, json or xlsx")
    inputs = {p.resolve() for p in _input_files(instance)}
    if out_path.resolve() == instance.resolve() or out_path.resolve() in inputs or any(
            p.is_relative_to(out_path.resolve()) for p in inputs):
        raise UsageError(f"{out_path}: refusing to overwrite the input")
    refuse_existing([out_path], force, folder=to == "folder")
    inst, _ = _load(instance, strict)
    with _busy(f"writing {escape(str(out_path))}"):
        if to == "folder":
            write_folder(inst, out_path, force=force)
        elif to == "json":
            write_json(inst, out_path, force=force)
        else:
            write_workbook(inst, out_path, force=force)
    err.print(f"Wrote {escape(str(out_path))}")


@app.command()
def rotate(
    instance: InstanceArg,
    allocation: Annotated[Path | None, typer.Option("--allocation", help="A folder written by solve (default: solve first).")] = None,
    out_dir: OutOpt = None,
    graph: Annotated[Path | None, typer.Option("--graph", help="Write the flow network as GraphML.")] = None,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    as_json: JsonOpt = False,
    force: ForceOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Place due attendings on grassroots rotation (min-cost flow) after the allocation."""
    from .check import read_plan
    from .io import ensure_not_input, refuse_existing
    from .render import rotation_table
    from .rotation import ROTATION_FILES, export_graphml
    from .rotation import rotate as do_rotate
    from .solve import require_plan

    mode = _check_mode(mode)
    inputs = _input_files(instance)
    if out_dir is not None:
        ensure_not_input(out_dir, ROTATION_FILES, inputs)
        refuse_existing([out_dir / n for n in ROTATION_FILES], force)
    if graph is not None:
        ensure_not_input(graph.parent, [graph.name], inputs)
        refuse_existing([graph], force)
    inst, load_s = _load(instance, strict)
    if allocation is not None:
        plan = read_plan(allocation, inst)
    else:
        plan = require_plan(_solve(inst, mode, solver, None, None, load_s)).plan
    with _busy("placing the rotation (min-cost flow)"):
        result = do_rotate(inst, plan)
    if graph is not None:
        export_graphml(result.graph, graph, force=force)
    if result.status != "optimal":
        raise InfeasibleError(f"{inst.name}: rotation infeasible: some due attendings cannot be placed", result.reasons)
    if out_dir is not None:
        result.write(out_dir, force=force)
    if as_json:
        _print_json(result.summary())
        return
    out.print(rotation_table(result))


@app.command()
def demand(instance: InstanceArg, out_dir: OutOpt = None, as_json: JsonOpt = False, force: ForceOpt = False,
           strict: StrictOpt = False) -> None:
    """Staffing need from workload (WHO WISN): per cadre AWT, required, need, current, ratio."""
    from .demand import DEMAND_FILES, WISN_COLUMNS, wisn_table, write_demand
    from .render import demand_table

    inputs = _input_files(instance)
    if out_dir is not None:
        from .io import ensure_not_input, refuse_existing

        ensure_not_input(out_dir, DEMAND_FILES, inputs)
        refuse_existing([out_dir / n for n in DEMAND_FILES], force)
    inst, _ = _load(instance, strict)
    table = wisn_table(inst)
    if out_dir is not None:
        write_demand(inst, out_dir, inputs, force=force)
    if as_json:
        rows = table[WISN_COLUMNS].to_dict(orient="records")
        _print_json({"cadres": [{k: (None if v != v else v) for k, v in r.items()} for r in rows]})
        return
    out.print(demand_table(table, width=out.width))


def _compare_rows(inst: Any, modes: list[str | None], solver: str, load_s: float) -> list[dict[str, Any]]:
    """Solve each mode; one row per mode as `compare --json` prints it."""
    from .report import compare_row

    return [compare_row(_solve(inst, m, solver, None, None, load_s)) for m in modes]


@app.command()
def compare(
    instance: InstanceArg,
    modes: Annotated[list[str] | None, typer.Option("--mode", help="A mode to compare (repeat; default all three).")] = None,
    solver: SolverOpt = "highs",
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Solve the reform stages side by side: every level, moves, hires, regularisations, staff by tier."""
    from .render import compare_table

    chosen = [_check_mode(m) for m in (modes or ["separate", "county_pool", "unified"])]
    inst, load_s = _load(instance, strict)
    rows = _compare_rows(inst, chosen, solver, load_s)
    if as_json:
        _print_json({"instance": inst.name, "modes": rows})
        return
    out.print(compare_table(inst.name, inst.policy.objective, rows))


@app.command()
def report(
    instance: InstanceArg,
    out_file: Annotated[Path, typer.Option("--out", help="The .html file to write (one self-contained page).")],
    plan_dir: Annotated[Path | None, typer.Option("--plan", help="A folder written by solve --out (default: solve first).")] = None,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    no_compare: Annotated[bool, typer.Option("--no-compare", help="Skip solving the three modes for the modes chart.")] = False,
    force: ForceOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Write one offline HTML page: the levels, charts (tiers, shortfall, moves map, modes) and tables."""
    from .domain import Mode
    from .io import ensure_not_input, refuse_existing, write_text_atomic
    from .report import build_report, read_plan_result
    from .solve import load_profile, require_plan

    if out_file.suffix.lower() != ".html":
        raise UsageError(f"--out {out_file}: the report must be an .html file")
    mode = _check_mode(mode)
    load_profile(solver)
    ensure_not_input(out_file.parent, [out_file.name], _input_files(instance))
    refuse_existing([out_file], force)
    inst, load_s = _load(instance, strict)
    if plan_dir is not None:
        result = read_plan_result(plan_dir, inst, Mode(mode) if mode else None)
    else:
        result = require_plan(_solve(inst, mode, solver, None, None, load_s))
    rows = None if no_compare else _compare_rows(inst, ["separate", "county_pool", "unified"], solver, load_s)
    write_text_atomic(out_file, build_report(inst, result, rows))
    err.print(f"Wrote {escape(str(out_file))}")


@app.command()
def explain(
    instance: InstanceArg,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Why it is infeasible (the smallest relaxation), or what binds and what one more unit buys."""
    from .explain import explain as compute
    from .explain import to_json
    from .render import explanation_tables
    from .solve import default_workers, load_profile

    mode = _check_mode(mode)
    load_profile(solver)
    inst, _ = _load(instance, strict)
    with _progress() as progress:
        progress.add_task("solving, then re-solving each limit relaxed", total=None)
        exp = compute(inst, mode=mode, solver=solver, workers=workers if workers is not None else default_workers())
    if as_json:
        _print_json(to_json(exp))
    else:
        for t in explanation_tables(exp, width=out.width):
            out.print(t)
    if not exp.feasible:
        raise typer.Exit(1)


def _json_error(kind: str, message: str, problems: list[Any], warnings: list[Any] | None = None) -> None:
    """With --json, a failure on bad input or usage is a JSON object on stdout too, so a
    calling program reads one shape whatever happened."""
    def rows(items: list[Any]) -> list[dict[str, Any]]:
        return [{"file": p.file, "row": p.row, "column": p.column, "value": p.value, "message": p.message}
                for p in items]

    _print_json({"valid": False, "error": kind, "message": message, "problems": rows(problems),
                 "warnings": rows(warnings or [])})


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error maps to its exit status here and nowhere else."""
    from .render import error_line

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    as_json = "--json" in args
    try:
        # standalone mode: typer itself prints usage errors and exits 2
        app(args=args, prog_name="staffpool", standalone_mode=True)
        return 0
    except SystemExit as exc:
        code = exc.code
        code = code if isinstance(code, int) else (0 if code is None else 2)
        if code == 2 and as_json:  # typer has printed what is wrong with the command line on stderr
            _json_error("usage", "the command line is not valid (see stderr)", [])
        return code
    except InputError as exc:
        from .render import render_problems, render_warnings

        if as_json:
            _json_error("input", f"{len(exc.problems)} problem(s) in the input; nothing was written", exc.problems,
                        exc.warnings)
        render_warnings(err, exc.warnings)
        render_problems(err, exc.problems)
        return 2
    except (UsageError, StaffpoolError) as exc:
        if isinstance(exc, InfeasibleError):
            error_line(err, "", str(exc), exc.reasons)
            return 1
        if as_json:
            _json_error("usage", str(exc), [])
        error_line(err, "error:", str(exc))
        return 2
    except KeyboardInterrupt:
        err.print("Interrupted.")
        return 130
    except Exception as exc:
        if debug:
            raise
        error_line(err, "internal error:", f"{type(exc).__name__}: {exc} (rerun with --debug for the traceback)")
        return 3


if __name__ == "__main__":
    sys.exit(main())
