"""Commands on top of a solve: rotate, compare, report, explain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

import staffpool
from staffpool.cli.common import (
    ForceOpt,
    InstanceArg,
    JsonOpt,
    LangOpt,
    ModeOpt,
    OutOpt,
    SolverOpt,
    StrictOpt,
    TimeOpt,
    WorkersOpt,
    XlsxOpt,
    _busy,
    _check_mode,
    _load,
    _preflight,
    _print_json,
    _solving,
    _workers,
    default_workers,
    err,
    out,
)
from staffpool.cli.render import (
    compare_table,
    coverage_table,
    explanation_tables,
    rotation_table,
)
from staffpool.domain.instance import Mode
from staffpool.errors import InfeasibleError, UsageError
from staffpool.i18n import N_, _
from staffpool.inputs import labels
from staffpool.outputs.files import write_text_atomic
from staffpool.outputs.plans import plan_years
from staffpool.outputs.xlsx import compare_sheet, rotation_sheets, write_workbook
from staffpool.solving.profiles import load_profile
from staffpool.tools.rotation import ROTATION_FILES, export_graphml

app = typer.Typer()


@app.command(help=N_("Place due attendings on grassroots rotation after the allocation: by specialty, in the windows they may serve, shortest longest trip."))
def rotate(
    instance: InstanceArg,
    allocation: Annotated[Path | None, typer.Option("--allocation", help=N_("A folder written by solve (default: solve first)."))] = None,
    out_dir: OutOpt = None,
    graph: Annotated[Path | None, typer.Option("--graph", help=N_("Write the rotation's network as GraphML."))] = None,
    mode: ModeOpt = None,
    solver: SolverOpt = "highs",
    as_json: JsonOpt = False,
    force: ForceOpt = False,
    strict: StrictOpt = False,
    xlsx: XlsxOpt = None,
    lang: LangOpt = None,
) -> None:
    mode = _check_mode(mode)
    _preflight(instance, force, into=out_dir, files=ROTATION_FILES, file=graph, xlsx=xlsx)
    inst, _load_s = _load(instance, strict)
    with _solving(len(inst.communities), 0 if allocation is not None else 1,
                  _("placing the rotation")) as callbacks:
        result = staffpool.rotate(inst, allocation, mode=mode, solver=solver, workers=default_workers(), **callbacks)
    if graph is not None:
        export_graphml(result.graph, graph, force=force)
    if result.status == staffpool.Status.infeasible or result.reasons:  # no rotation (the reasons say why)
        raise InfeasibleError(_("{instance}: rotation infeasible: some due attendings cannot be placed").format(instance=inst.name),
                              result.reasons)
    if out_dir is not None:
        result.write(out_dir, force=force)
    if xlsx is not None:
        coverage = result.coverage.to_dict(orient="records") if result.coverage is not None else []
        write_workbook(xlsx, rotation_sheets(result.table.to_dict(orient="records"), result.hosts.to_dict(orient="records"),
                                             inst, coverage, result.summary))
    if as_json:
        _print_json(result.summary)
        return
    out.print(rotation_table(result, inst))
    if (cover := coverage_table(result)) is not None:
        out.print(cover)
    if xlsx is not None:
        out.print(_("Wrote {path}").format(path=escape(str(xlsx))))


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
    rotation: Annotated[Path | None, typer.Option("--rotation", help=N_(
        "Add the grassroots rotation after this plan, checked first: a folder written by rotate --out, or its rotation.csv."))] = None,
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
                                sweep=sweep_dir, rotation=rotation, **callbacks)
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
        for t in explanation_tables(exp, width=out.width, names=labels.names_of(inst)):
            out.print(t)
    if not exp.feasible:
        raise typer.Exit(1)

