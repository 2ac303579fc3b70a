"""Commands over years: plan, advance."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

import staffpool
from staffpool.cli.common import (
    ForceOpt,
    InstanceArg,
    JsonOpt,
    LangOpt,
    ModeOpt,
    PlanModeOpt,
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
    _progress,
    _workers,
    err,
    out,
)
from staffpool.cli.render import (
    horizon_table,
)
from staffpool.errors import InfeasibleError
from staffpool.i18n import N_, _, pgettext
from staffpool.inputs import labels
from staffpool.outputs.results import RESULT_FILES
from staffpool.outputs.xlsx import horizon_sheets, write_workbook
from staffpool.solving.profiles import load_profile
from staffpool.tools.convert import convert as write_instance

app = typer.Typer()


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
    _preflight(None, False, folder=out_dir, replace=False)  # never over a folder a user made (no --force here)
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

