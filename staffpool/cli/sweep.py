"""The sweep command."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from staffpool.cli.common import (
    InstanceArg,
    LangOpt,
    SchedulerOpt,
    SolverOpt,
    StrictOpt,
    TimeOpt,
    WorkersOpt,
    _input_files,
    _load,
    err,
)
from staffpool.errors import UsageError
from staffpool.i18n import N_, _, ngettext
from staffpool.scale.grid import load_grid
from staffpool.scale.sweep import JOURNAL, journal_rows, run_sweep
from staffpool.solving.engines import make_engine
from staffpool.solving.profiles import load_profile

app = typer.Typer()


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

