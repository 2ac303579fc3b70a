"""The command line: a command parses, calls one library function (`staffpool.solve`,
`staffpool.plan`, …), renders. Checks on output paths live in `_preflight`; errors map to
exit codes in `main` only.

Exit status: 0 done; 1 infeasible or no plan in the time limit; 2 bad input or usage;
3 an internal error (a bug: rerun with --debug for the traceback).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

import staffpool
from staffpool import __version__
from staffpool.check import vacancies
from staffpool.cli.render import (
    check_tables,
    compare_table,
    demand_table,
    error_line,
    explanation_tables,
    horizon_table,
    instance_overview,
    render_problems,
    render_warnings,
    rotation_table,
    solve_tables,
)
from staffpool.domain.instance import Instance, Mode
from staffpool.errors import InfeasibleError, InputError, StaffpoolError, UsageError
from staffpool.i18n import N_, _, default_language, ngettext, pgettext, set_language
from staffpool.inputs import labels
from staffpool.inputs.read import read_raw
from staffpool.inputs.validate import load_with_warnings
from staffpool.outputs.files import ensure_not_input, refuse_existing, write_text_atomic
from staffpool.outputs.plans import plan_years
from staffpool.outputs.results import RESULT_FILES, level_value, require_plan
from staffpool.outputs.xlsx import check_writable, compare_sheet, horizon_sheets, write_result_workbook, write_workbook
from staffpool.scale.grid import load_grid
from staffpool.scale.sweep import JOURNAL, journal_rows, run_sweep
from staffpool.solving.engines import make_engine
from staffpool.solving.instance import default_workers
from staffpool.solving.profiles import load_profile
from staffpool.tools.convert import FORMS
from staffpool.tools.convert import convert as write_instance
from staffpool.tools.demand import DEMAND_FILES
from staffpool.tools.generate import MODES
from staffpool.tools.generate import generate as gen
from staffpool.tools.rotation import ROTATION_FILES, export_graphml

# numpy's BLAS thread pool starts with numpy and spins, competing with HiGHS for the cores,
# while staffpool does no BLAS work (county solve 0.34 s → 0.27 s on 2 cores). Set before
# numpy is first imported (highspy imports it); a value the user set wins.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

app = typer.Typer(
    name="staffpool",
    help=N_("Where a county's doctors work: allocate posts, moves, hires and rotations in a county medical community."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

InstanceArg = Annotated[Path, typer.Argument(help=N_("Instance: a folder with instance.yaml, a .json file or a .xlsx workbook."))]
JsonOpt = Annotated[bool, typer.Option("--json", help=N_("Print JSON on stdout and nothing else."))]
ForceOpt = Annotated[bool, typer.Option("--force", help=N_("Replace what an earlier run wrote at --out (or --xlsx)."))]
StrictOpt = Annotated[bool, typer.Option("--strict", help=N_("Treat warnings (unknown columns, sheets, files) as problems: exit 2."))]


def _lang_callback(value: str | None) -> str | None:
    if value is not None:
        try:
            set_language(value)
        except ValueError:
            raise typer.BadParameter(_("choose zh or en")) from None
    return value


# Read by `main` before the command line is built (so help is translated too); the option
# is declared on every command so it is listed and checked there.
LangOpt = Annotated[str | None, typer.Option("--lang", help=N_("Language of what people read: zh or en (default: the locale's)."),
                                             callback=_lang_callback, is_eager=True)]


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"staffpool {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help=N_("Show the traceback of an internal error."))] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help=N_("Print the version and exit."))] = False,
    lang: LangOpt = None,
) -> None:
    pass


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


@contextmanager
def _solving(communities: int, solves: int = 1, then: str | None = None) -> Iterator[dict[str, Any]]:
    """A bar over `solves` solves of `communities` communities each; yields the library's
    callbacks (`progress`, `on_community_done`) that move it. With nothing to solve, a
    spinner saying `then`, the step that follows."""
    with _progress() as progress:
        if not solves:
            progress.add_task(then or "", total=None)
            yield {}
            return
        task = progress.add_task(ngettext("solving {n} community", "solving {n} communities", communities)
                                 .format(n=communities), total=communities * solves)

        def on_level(cid: str, level: Any) -> None:
            progress.update(task, description=_("{community}: level {level}").format(community=escape(cid), level=level.value))

        def on_done(_o: Any) -> None:
            progress.advance(task)

        yield {"progress": on_level, "on_community_done": on_done}


def _load(path: Path, strict: bool = False) -> tuple[Instance, float]:
    """The instance and its load time; its warnings go to stderr."""
    inst, _warnings, load_s = _load_with_warnings(path, strict)
    return inst, load_s


def _load_with_warnings(path: Path, strict: bool = False) -> tuple[Instance, list[Any], float]:
    t0 = time.perf_counter()
    with _busy(_("loading {path}").format(path=escape(str(path)))):
        inst, warnings = load_with_warnings(path, strict)
    render_warnings(err, warnings)
    return inst, warnings, time.perf_counter() - t0


def _input_files(path: Path) -> list[Path]:
    return read_raw(path).input_files


def _preflight(instance: Path | None, force: bool, *, into: Path | None = None, files: Sequence[str] = (),
               file: Path | None = None, xlsx: Path | None = None, folder: Path | None = None,
               guard: Sequence[Path] = ()) -> None:
    """Every check on a command's output paths, in one place, before anything is solved
    (exit 2, nothing written): `files` written into the folder `into`, one `file`, an
    `xlsx` workbook, a whole `folder`. None may be an input file of `instance` (or one of
    `guard`), nor an earlier run's output unless `force`; a workbook must be .xlsx."""

    wanted = any(p is not None for p in (into, file, xlsx, folder))
    inputs = _input_files(instance) if instance is not None and wanted else []
    guarded = [*([instance] if instance is not None else []), *inputs, *guard]
    if xlsx is not None:
        check_writable(xlsx, force, guarded)
    if into is not None:
        ensure_not_input(into, files, guarded)
        refuse_existing([into / n for n in files], force)
    if file is not None:
        ensure_not_input(file.parent, [file.name], guarded)
        refuse_existing([file], force)
    if folder is not None:
        target = folder.resolve()
        if any(p.resolve() == target or p.resolve().is_relative_to(target) for p in guarded):
            raise UsageError(_("{path}: refusing to overwrite the input").format(path=folder))
        refuse_existing([folder], force, folder=True)


def _workers(workers: int | None) -> int:
    return workers if workers is not None else default_workers()


@app.command(help=N_("Check an instance: exit 0 with an overview, or 2 with every problem."))
def validate(instance: InstanceArg, as_json: JsonOpt = False, strict: StrictOpt = False, lang: LangOpt = None) -> None:
    from dataclasses import asdict

    inst, warnings, _load_s = _load_with_warnings(instance, strict)
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
    out.print("[green]" + _("{instance} is valid.").format(instance=escape(str(instance))) + "[/]")


SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help=N_("Run on Dask: tcp://HOST:PORT of a running scheduler, or 'dask' for a local cluster "
                           "(default: the local process pool)."))]
ModeOpt = Annotated[str | None, typer.Option("--mode", help=N_("separate, county_pool or unified (default: the policy's)."))]
PlanModeOpt = Annotated[str | None, typer.Option("--mode", help=N_("The mode the plan was made in, when its summary.json does not say (given, it wins)."))]
SolverOpt = Annotated[str, typer.Option("--solver", help=N_("A solver profile in solvers/: highs (default), cbc, …"))]
TimeOpt = Annotated[float | None, typer.Option("--time-limit", help=N_("Seconds per community (default: the profile's)."))]
WorkersOpt = Annotated[int | None, typer.Option("--workers", help=N_("Parallel processes (default: the machine's cores)."))]
OutOpt = Annotated[Path | None, typer.Option("--out", help=N_("Folder to write the result files into."))]
XlsxOpt = Annotated[Path | None, typer.Option("--xlsx", help=N_("Also write one Excel workbook (.xlsx) for people, headers in the chosen language."))]


def _check_mode(mode: str | None) -> str | None:
    if mode is None:
        return None
    try:
        return Mode(mode.strip().lower()).value
    except ValueError:
        raise UsageError(_("--mode {mode!r}: choose separate, county_pool or unified").format(mode=mode)) from None


@app.command("solve", help=N_("Allocate staff to the lexicographic optimum (docs/model.md) and write the result files."))
def solve_cmd(
    instance: InstanceArg,
    out_dir: OutOpt = None,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    time_limit: TimeOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    force: ForceOpt = False,
    strict: StrictOpt = False,
    xlsx: XlsxOpt = None,
    from_plan: Annotated[Path | None, typer.Option("--from", help=N_("Start from the world after this plan (a folder written by solve or plan)."))] = None,
    lang: LangOpt = None,
) -> None:
    mode = _check_mode(mode)
    load_profile(solver)
    _preflight(instance, force, into=out_dir, files=RESULT_FILES, xlsx=xlsx,
               guard=[from_plan / n for n in RESULT_FILES] if from_plan is not None else ())
    inst, load_s = _load(instance, strict)
    with _solving(len(inst.communities)) as callbacks:  # --from: the plan is read and checked first
        result = staffpool.solve(inst, mode, solver=solver, time_limit=time_limit, workers=_workers(workers),
                                 scheduler=scheduler, from_plan=from_plan, load_s=load_s, **callbacks)
    if as_json and not result.has_plan:
        # Each community's status and reason, on stdout as the summary; exit 1 follows.
        _print_json(result.summary)
    require_plan(result)
    if out_dir is not None:
        result.write(out_dir, force=force)
    if xlsx is not None:
        with _busy(_("writing {path}").format(path=escape(str(xlsx)))):  # 0.4 s for a county, ~13 s for 20,000 staff
            write_result_workbook(result, xlsx)
    if as_json:
        _print_json(result.summary)
        _warn_unproven(result)  # on stderr: stdout stays clean JSON
        return
    for t in solve_tables(result, width=out.width):
        out.print(t)
    _warn_unproven(result)
    if out_dir is not None:
        out.print(_("Wrote {files} to {dir}").format(files=", ".join(RESULT_FILES), dir=escape(str(out_dir))))
    if xlsx is not None:
        out.print(_("Wrote {path}").format(path=escape(str(xlsx))))


def _warn_unproven(result: Any) -> None:
    """A plan that is not proven optimal says so on stderr (exit 0 all the same)."""
    if result.status.value == "time_limit":
        err.print("[yellow]" + _("Time limit reached: the plan obeys every rule but is not proven optimal.") + "[/]")
    elif result.status.value == "feasible":
        err.print("[yellow]" + _("Not proven optimal (the {solver} profile stops within a gap): the plan obeys every rule; "
                                 "summary.json `bounds` holds each level's proven bound.").format(solver=escape(result.solver))
                  + "[/]")


@app.command(help=N_("Write the world after a plan as an ordinary instance folder, to inspect, edit and plan on."))
def advance(
    instance: InstanceArg,
    plan_dir: Annotated[Path, typer.Argument(help=N_("A folder written by solve (or plan)."))],
    out_dir: Annotated[Path, typer.Option("--out", help=N_("The new instance folder (must not exist, or be empty)."))],
    mode: PlanModeOpt = None,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    mode = _check_mode(mode)
    _preflight(None, False, folder=out_dir)  # never over a folder a user made
    inst, _load_s = _load(instance, strict)
    with _busy(_("advancing {instance} by {plan}").format(instance=escape(inst.name), plan=escape(str(plan_dir)))):
        new = staffpool.advance(inst, plan_dir, mode=mode)
        write_instance(new, "folder", out_dir)
    if new.horizon.start is not None:
        err.print(_("Wrote {path} ({n} staff, starting {start})").format(path=escape(str(out_dir)), n=len(new.staff),
                                                                         start=new.horizon.start))
    else:
        err.print(_("Wrote {path} ({n} staff)").format(path=escape(str(out_dir)), n=len(new.staff)))


@app.command("plan", help=N_("Plan every year of the horizon (instance.yaml horizon: {start, years}): integrated "
                             "(every level summed over the years, minimised together), or --rolling."))
def plan_cmd(
    instance: InstanceArg,
    out_dir: Annotated[Path, typer.Option("--out", help=N_("Folder for DIR/<year>/ and DIR/summary.json."))],
    rolling: Annotated[bool, typer.Option("--rolling", help=N_("Year by year: each year's optimum given the years before."))] = False,
    compare_rolling: Annotated[bool, typer.Option(
        "--compare-rolling/--no-compare-rolling",
        help=N_("Beside the integrated plan, also solve the rolling plan and report its totals (rolling_totals): "
                "what looking ahead is worth."))] = True,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    time_limit: TimeOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    max_columns: Annotated[int, typer.Option("--max-columns", min=1, help=N_("Refuse an integrated program with more integer columns per community."))] = 400_000,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    mode = _check_mode(mode)
    load_profile(solver)
    inst, _load_s = _load(instance, strict)
    _preflight(instance, force, into=out_dir, xlsx=xlsx,
               files=["summary.json", *(f"{y}/{n}" for y in inst.horizon.year_list for n in RESULT_FILES)])
    with _progress() as progress:
        task = progress.add_task(_("planning {n} year(s)").format(n=inst.horizon.years), total=None)
        current = {"what": ""}

        def on_year(year: int) -> None:
            current["what"] = _("rolling {year}").format(year=year)
            progress.update(task, description=_("{what}: solving").format(what=current["what"]))

        def on_level(cid: str, level: Any) -> None:
            progress.update(task, description=_("{what} {community}: level {level}").format(
                what=current["what"], community=escape(cid), level=labels.value("level", level.value)))

        if not rolling:
            current["what"] = _("integrated {first}–{last}").format(first=inst.horizon.start,
                                                                 last=(inst.horizon.start or 0) + inst.horizon.years - 1)
        hr = staffpool.plan(inst, rolling, mode=mode, solver=solver, time_limit=time_limit, workers=_workers(workers),
                            max_columns=max_columns, compare_rolling=compare_rolling, on_year=on_year, progress=on_level)
    summary = hr.summary
    if hr.complete:  # as solve: no plan, nothing written
        hr.write(out_dir, force=force)
        if xlsx is not None:
            with _busy(_("writing {path}").format(path=escape(str(xlsx)))):
                write_workbook(xlsx, horizon_sheets(hr))
    if as_json:
        _print_json(summary)
    else:
        out.print(horizon_table(summary, [lvl.value for lvl in inst.policy.objective]))
        if hr.complete:
            out.print(_("Wrote {years} and summary.json to {dir}").format(years=", ".join(str(y.year) for y in hr.years),
                                                                        dir=escape(str(out_dir))))
            if xlsx is not None:
                out.print(_("Wrote {path}").format(path=escape(str(xlsx))))
    if not hr.complete:
        kind = pgettext("plan", "integrated") if hr.kind == "integrated" else pgettext("plan", "rolling")
        if hr.years:
            raise InfeasibleError(_("{instance}: no {kind} plan for {year}").format(instance=inst.name, kind=kind,
                                                                                   year=hr.years[-1].year), hr.reasons)
        raise InfeasibleError(_("{instance}: no {kind} plan").format(instance=inst.name, kind=kind), hr.reasons)


@app.command(help=N_("Verify a plan against every hard rule (docs/rules.md), without a solver; recompute the levels. "
                     "The mode is --mode, else the one PLAN's summary.json records (without either: exit 2)."))
def check(
    instance: InstanceArg,
    plan_dir: Annotated[Path, typer.Argument(help=N_("A folder with assignments.csv (or the file itself)."))],
    mode: ModeOpt = None,
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    mode = _check_mode(mode)
    inst, _load_s = _load(instance, strict)
    with _busy(_("checking {plan}").format(plan=escape(str(plan_dir)))):
        report = staffpool.check_plan(inst, plan_dir, mode)
    m = report.mode or inst.policy.mode
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
        n = len(report.violations)
        held = "[green]" + _("Every hard rule holds") + "[/]" if report.ok else \
            "[red]" + ngettext("{n} violation", "{n} violations", n).format(n=n) + "[/]"
        out.print(_("{held} (mode {mode}).").format(held=held, mode=labels.value("mode", m.value)))
    if not report.ok:
        raise typer.Exit(1)


@app.command(help=N_("Write a seeded synthetic instance shaped like a real county (the inverted triangle)."))
def generate(
    communities: Annotated[int, typer.Option("--communities", min=1, help=N_("How many county communities."))],
    out_dir: Annotated[Path, typer.Option("--out", help=N_("Folder to write the instance into."))],
    seed: Annotated[int, typer.Option("--seed", help=N_("Random seed: the same seed writes the same instance."))] = 0,
    scale: Annotated[float, typer.Option("--scale", min=0.01, help=N_("Multiplies staff and institutions per community."))] = 1.0,
    force: ForceOpt = False,
    mode: Annotated[str, typer.Option("--mode", help=N_("The policy's mode: separate, county_pool or unified."))] = "county_pool",
    move_cap: Annotated[str, typer.Option("--move-cap", help=N_("Each community's max_moves as a share of its staff (0.03), or 'none'."))] = "0.03",
    contracts: Annotated[float, typer.Option("--contracts", min=0.0, help=N_("Multiplies the share of contract staff (0.07 at county hospitals, 0.1 at township centres)."))] = 1.0,
    vacancies: Annotated[float, typer.Option("--vacancies", min=0.0, help=N_("Extra approved posts, as a share of each hospital's and centre's staff."))] = 0.0,
    lang: LangOpt = None,
) -> None:
    if mode not in MODES:
        raise UsageError(_("--mode {mode!r}: choose {modes}").format(mode=mode, modes=", ".join(MODES)))
    try:
        cap = None if move_cap.strip().lower() == "none" else float(move_cap)
    except ValueError:
        raise UsageError(_("--move-cap {value!r}: a share of the staff (e.g. 0.02) or 'none'").format(value=move_cap)) from None
    if cap is not None and not 0 <= cap <= 1:
        raise UsageError(_("--move-cap {value!r}: a share between 0 and 1, or 'none'").format(value=move_cap))
    _preflight(None, force, folder=out_dir)
    with _busy(ngettext("writing {n} community to {dir}", "writing {n} communities to {dir}", communities)
               .format(n=communities, dir=escape(str(out_dir)))):
        gen(communities, seed=seed, scale=scale, out_dir=out_dir, force=force, mode=mode, move_cap=cap,
            contracts=contracts, vacancies=vacancies)
    err.print(_("Wrote {path}").format(path=escape(str(out_dir))))


@app.command(help=N_("Write an instance in another form (folder, JSON, workbook); the input is never touched."))
def convert(
    instance: InstanceArg,
    to: Annotated[str, typer.Option("--to", help=N_("folder, json or xlsx"))],
    out_path: Annotated[Path, typer.Option("--out", help=N_("Folder, .json or .xlsx to write."))],
    force: ForceOpt = False,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    if to not in FORMS:
        raise UsageError(_("--to {to!r}: choose folder, json or xlsx").format(to=to))
    _preflight(instance, force, folder=out_path if to == "folder" else None, file=None if to == "folder" else out_path)
    inst, _load_s = _load(instance, strict)
    with _busy(_("writing {path}").format(path=escape(str(out_path)))):
        write_instance(inst, to, out_path, force=force)
    err.print(_("Wrote {path}").format(path=escape(str(out_path))))


@app.command(help=N_("Place due attendings on grassroots rotation (min-cost flow) after the allocation."))
def rotate(
    instance: InstanceArg,
    allocation: Annotated[Path | None, typer.Option("--allocation", help=N_("A folder written by solve (default: solve first)."))] = None,
    out_dir: OutOpt = None,
    graph: Annotated[Path | None, typer.Option("--graph", help=N_("Write the flow network as GraphML."))] = None,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    as_json: JsonOpt = False,
    force: ForceOpt = False,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    mode = _check_mode(mode)
    _preflight(instance, force, into=out_dir, files=ROTATION_FILES, file=graph)
    inst, _load_s = _load(instance, strict)
    with _solving(len(inst.communities), 0 if allocation is not None else 1,
                  _("placing the rotation (min-cost flow)")) as callbacks:
        result = staffpool.rotate(inst, allocation, mode=mode, solver=solver, workers=default_workers(), **callbacks)
    if graph is not None:
        export_graphml(result.graph, graph, force=force)
    if result.status != staffpool.Status.optimal:
        raise InfeasibleError(_("{instance}: rotation infeasible: some due attendings cannot be placed").format(instance=inst.name),
                              result.reasons)
    if out_dir is not None:
        result.write(out_dir, force=force)
    if as_json:
        _print_json(result.summary)
        return
    out.print(rotation_table(result))


@app.command(help=N_("Staffing need from workload (WHO WISN): per cadre AWT, required, need, current, ratio."))
def demand(instance: InstanceArg, out_dir: OutOpt = None, as_json: JsonOpt = False, force: ForceOpt = False,
           strict: StrictOpt = False, lang: LangOpt = None) -> None:
    _preflight(instance, force, into=out_dir, files=DEMAND_FILES)
    inst, _load_s = _load(instance, strict)
    need = staffpool.demand(inst)
    if out_dir is not None:
        need.write(out_dir, force=force)
    if as_json:
        _print_json(need.summary)
        return
    out.print(demand_table(need.table, width=out.width))


@app.command(help=N_("Solve the reform stages side by side: every level, moves, hires, regularisations, staff by tier."))
def compare(
    instance: InstanceArg,
    modes: Annotated[list[str] | None, typer.Option("--mode", help=N_("A mode to compare (repeat; default all three)."))] = None,
    solver: SolverOpt = "highs",
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
    lang: LangOpt = None,
) -> None:
    chosen = [str(_check_mode(m)) for m in (modes or [m.value for m in Mode])]
    _preflight(instance, force, xlsx=xlsx)
    inst, _load_s = _load(instance, strict)
    with _solving(len(inst.communities), len(chosen)) as callbacks:
        rows = staffpool.compare(inst, chosen, solver=solver, workers=default_workers(), **callbacks).rows
    if xlsx is not None:
        write_workbook(xlsx, [compare_sheet(rows, [lvl.value for lvl in inst.policy.objective])])
    if as_json:
        _print_json({"instance": inst.name, "modes": rows})
        return
    out.print(compare_table(inst.name, inst.policy.objective, rows))
    if xlsx is not None:
        out.print(_("Wrote {path}").format(path=escape(str(xlsx))))


@app.command(help=N_("Write one offline HTML page: the levels, charts (tiers, shortfall, moves map, modes) and tables."))
def report(
    instance: InstanceArg,
    out_file: Annotated[Path, typer.Option("--out", help=N_("The .html file to write (one self-contained page)."))],
    plan_dir: Annotated[Path | None, typer.Option("--plan", help=N_("A folder written by solve --out (default: solve first)."))] = None,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    no_compare: Annotated[bool, typer.Option("--no-compare", help=N_("Skip solving the three modes for the modes chart."))] = False,
    sweep_dir: Annotated[Path | None, typer.Option("--sweep", help=N_("A folder written by `sweep`: add its curves."))] = None,
    force: ForceOpt = False,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    if out_file.suffix.lower() != ".html":
        raise UsageError(_("--out {path}: the report must be an .html file").format(path=out_file))
    mode = _check_mode(mode)
    load_profile(solver)
    _preflight(instance, force, file=out_file)
    inst, _load_s = _load(instance, strict)
    years = plan_dir is not None and bool(plan_years(plan_dir))
    solves = 0 if years else (plan_dir is None) + (0 if no_compare else len(Mode))
    reading = _("reading and checking every year of {plan}") if years else _("checking {plan}")
    with _solving(len(inst.communities), solves, reading.format(plan=escape(str(plan_dir)))) as callbacks:
        page = staffpool.report(inst, plan_dir, mode=mode, solver=solver, workers=default_workers(), modes=not no_compare,
                                sweep=sweep_dir, **callbacks)
    write_text_atomic(out_file, page)
    err.print(_("Wrote {path}").format(path=escape(str(out_file))))


@app.command(help=N_("Why it is infeasible (the smallest relaxation), or what binds and what one more unit buys."))
def explain(
    instance: InstanceArg,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    time_limit: TimeOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    mode = _check_mode(mode)
    load_profile(solver)
    inst, _load_s = _load(instance, strict)
    with _busy(_("solving, then re-solving each limit relaxed")):
        exp = staffpool.explain(inst, mode, solver=solver, workers=_workers(workers), time_limit=time_limit)
    if as_json:
        _print_json(exp.summary)
    else:
        for t in explanation_tables(exp, width=out.width):
            out.print(t)
    if not exp.feasible:
        raise typer.Exit(1)


@app.command(help=N_("Solve every scenario of a grid (modes, distance limits, budgets, move caps) for every community."))
def sweep(
    instance: InstanceArg,
    grid: Annotated[Path, typer.Option("--grid", help=N_("GRID.yaml: the limits to vary and their values."))],
    out_dir: Annotated[Path, typer.Option("--out", help=N_("Folder for sweep.csv, sweep.parquet, sweep_totals.csv, sweep.html."))],
    scheduler: SchedulerOpt = None,
    resume: Annotated[bool, typer.Option("--resume", help=N_("Finish an interrupted sweep in --out; done rows are kept."))] = False,
    solver: SolverOpt = "highs",
    time_limit: TimeOpt = None,
    workers: WorkersOpt = None,
    force: Annotated[bool, typer.Option("--force", help=N_("Start again over an earlier sweep (or files) at --out."))] = False,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    profile = load_profile(solver)
    the_grid = load_grid(grid)  # a bad grid stops here: exit 2, nothing written
    inputs = _input_files(instance)
    inst, _load_s = _load(instance, strict)
    if not the_grid.scenarios(inst):
        raise UsageError(_("--grid {grid}: no scenarios").format(grid=grid))
    engine = make_engine(scheduler, workers)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn(_("left")),
                        TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal)
    start = time.perf_counter()
    where = (_("Dask {scheduler}").format(scheduler=scheduler) if scheduler is not None
             else ngettext("{n} local worker", "{n} local workers", engine.workers).format(n=engine.workers))
    state = {"done": 0, "total": 0, "first": -1}

    def on_progress(done: int, total: int, scen_done: int, scen_total: int) -> None:
        # The bar counts (scenario, community) rows; the text, whole scenarios.
        if state["first"] < 0:
            state["first"] = done
            progress.update(bar, total=total, completed=done)
        fresh = done - state["first"]
        rate = fresh / max(1e-9, time.perf_counter() - start)
        progress.update(bar, completed=done, rate=_("{rate:.2f} rows/s").format(rate=rate) if fresh else "",
                        description=_("sweep on {where}: {done}/{total} scenarios done").format(
                            where=where, done=scen_done, total=scen_total))
        state["done"], state["total"] = done, total

    with progress:
        bar = progress.add_task(_("sweep on {where}").format(where=where), total=None, rate="")
        try:
            outcome = run_sweep(inst, the_grid, out_dir, engine, profile, resume=resume, time_limit=time_limit,
                                progress=on_progress, input_files=inputs, force=force)
        except KeyboardInterrupt:
            progress.stop()
            kept = journal_rows(out_dir)
            where_kept = escape(str(out_dir / JOURNAL))
            if state["total"]:
                err.print(_("{done} of {total} rows are done and kept in {path}. To finish, run the same command "
                            "with --resume.").format(done=kept, total=state["total"], path=where_kept))
            else:
                err.print(_("{done} rows are done and kept in {path}. To finish, run the same command "
                            "with --resume.").format(done=kept, path=where_kept))
            raise
    err.print(_("{scenarios} scenarios × {communities} communities: {rows} rows ({before} done before, {now} now). "
                "Wrote sweep.csv, sweep.parquet, sweep_totals.csv, sweep.html to {path}").format(
        scenarios=outcome.scenarios, communities=len(inst.communities), rows=outcome.rows,
        before=outcome.done_before, now=outcome.ran, path=escape(str(out_dir))))


def _lang_from_args(args: list[str]) -> str | None:
    """`--lang X` or `--lang=X` anywhere before a `--`, the last one winning."""
    found = None
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif a.startswith("--lang="):
            found = a.split("=", 1)[1]
    return found


# The panels of `--help` are staffpool's own (typer's `rich_help_panel`), so their titles go
# through the catalogue with the help texts; typer's and click's other words stay English.
PANELS = {"argument": N_("Arguments"), "option": N_("Options")}
COMMANDS_PANEL = N_("Commands")
HELP_OPTION = N_("Show this message and exit.")


def _command() -> Any:
    """The click command of `app` with staffpool's help texts and panel titles in the
    current language. Only the command objects built here change (their `help` and typer's
    public `rich_help_panel`): no module of typer or click is touched."""
    import typer.main

    root = typer.main.get_command(app)

    def walk(cmd: Any) -> None:
        if cmd.help:
            cmd.help = _(cmd.help)
        helper = cmd.get_help_option(typer.Context(cmd, info_name=cmd.name))
        for p in [*cmd.params, *([helper] if helper is not None else [])]:
            if p is helper:
                p.help = _(HELP_OPTION)
            elif getattr(p, "help", None):
                p.help = _(p.help)
            p.rich_help_panel = _(PANELS["argument" if p.param_type_name == "argument" else "option"])
        for sub in getattr(cmd, "commands", {}).values():
            sub.rich_help_panel = _(COMMANDS_PANEL)
            walk(sub)

    walk(root)
    return root


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

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    lang = _lang_from_args(args)
    as_json = "--json" in args
    try:
        set_language(lang if lang is not None else default_language())
    except ValueError:
        set_language(default_language())
        err.print("[red]" + _("error:") + "[/] " + _("--lang {lang!r}: choose zh or en").format(lang=lang))
        return 2
    # The modules imported by now live for the whole run: the cyclic collector need not
    # scan them again. Without this, a solve's heap (numpy, the program) set off a full
    # collection over every object (0.03 s of a county's 1 s); unfrozen before returning.
    gc.freeze()
    try:
        # standalone mode: click itself prints usage errors and exits 2
        _command().main(args=args, prog_name="staffpool", standalone_mode=True)
        return 0
    except SystemExit as exc:
        code = exc.code
        code = code if isinstance(code, int) else (0 if code is None else 2)
        if code == 2 and as_json:  # typer has printed what is wrong with the command line on stderr
            _json_error("usage", _("the command line is not valid (see stderr)"), [])
        return code
    except InputError as exc:
        if as_json:
            _json_error("input", ngettext("{n} problem in the input; nothing was written",
                                          "{n} problems in the input; nothing was written", len(exc.problems))
                        .format(n=len(exc.problems)), exc.problems, exc.warnings)
        render_warnings(err, exc.warnings)
        render_problems(err, exc.problems)
        return 2
    except (UsageError, StaffpoolError) as exc:
        if isinstance(exc, InfeasibleError):
            error_line(err, "", str(exc), exc.reasons)
            return 1
        if as_json:
            _json_error("usage", str(exc), [])
        error_line(err, _("error:"), str(exc))
        return 2
    except KeyboardInterrupt:
        err.print(_("Interrupted."))
        return 130
    except Exception as exc:
        if debug:
            raise
        error_line(err, _("internal error:"), f"{type(exc).__name__}: {exc} " + _("(rerun with --debug for the traceback)"))
        return 3
    finally:
        gc.unfreeze()


if __name__ == "__main__":
    sys.exit(main())
