"""Commands that solve and read plans: solve, advance, plan, check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

import staffpool
from staffpool.check import RotationReport, check_rotation
from staffpool.cli.common import (
    ForceOpt,
    InstanceArg,
    JsonOpt,
    LangOpt,
    ModeOpt,
    OutOpt,
    SchedulerOpt,
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
    _warn_unproven,
    _workers,
    out,
)
from staffpool.cli.render import (
    check_tables,
    solve_tables,
)
from staffpool.domain.instance import Instance, level_value
from staffpool.domain.years import year_view
from staffpool.i18n import N_, _, ngettext
from staffpool.inputs import labels
from staffpool.outputs.plans import read_plan, read_rotation
from staffpool.outputs.results import RESULT_FILES, require_plan
from staffpool.outputs.xlsx import write_result_workbook
from staffpool.solving.profiles import load_profile

app = typer.Typer()


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






@app.command(help=N_("Verify a plan against every hard rule (docs/rules.md), without a solver; recompute the levels. "
                     "The mode is --mode, else the one PLAN's summary.json records (without either: exit 2)."))
def check(
    instance: InstanceArg,
    plan_dir: Annotated[Path, typer.Argument(help=N_("A folder with assignments.csv (or the file itself)."))],
    mode: ModeOpt = None,
    rotation: Annotated[Path | None, typer.Option("--rotation", help=N_(
        "Also check a rotation after this plan: a folder written by rotate --out, or its rotation.csv."))] = None,
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    mode = _check_mode(mode)
    inst, _load_s = _load(instance, strict)
    with _busy(_("checking {plan}").format(plan=escape(str(plan_dir)))):
        report = staffpool.check_plan(inst, plan_dir, mode)
        rotated = _check_rotation(inst, plan_dir, rotation) if rotation is not None else None
    m = report.mode or inst.policy.mode
    if as_json:
        _print_json({
            "ok": report.ok,
            "mode": m.value,
            "objective": {lvl.value: level_value(lvl, report.levels[lvl]) for lvl in inst.policy.objective},
            "violations": [{"rule": v.rule, "subject": v.subject, "message": v.message} for v in report.violations],
            **({"rotation": {
                "ok": rotated.ok, "covered_slots": rotated.levels["covered"],
                "longest_trip_km": rotated.levels["longest_trip"] / 1000, "distance_km": rotated.levels["distance"] / 1000,
                "violations": [{"rule": v.rule, "subject": v.subject, "message": v.message} for v in rotated.violations],
            }} if rotated is not None else {}),
        })
    else:
        for t in check_tables(report, inst.policy.objective, labels.names_of(inst)):
            out.print(t)
        n = len(report.violations)
        held = "[green]" + _("Every hard rule holds") + "[/]" if report.ok else \
            "[red]" + ngettext("{n} violation", "{n} violations", n).format(n=n) + "[/]"
        out.print(_("{held} (mode {mode}).").format(held=held, mode=labels.value("mode", m.value)))
        if rotated is not None:
            _print_rotation_check(rotated)
    if rotated is not None and not rotated.ok:
        raise typer.Exit(1)
    if not report.ok:
        raise typer.Exit(1)


def _check_rotation(inst: Instance, plan_dir: Path, rotation: Path) -> RotationReport:
    """The rotation at `rotation` after the plan at `plan_dir`, by the solver-free checker."""
    return check_rotation(inst, read_plan(plan_dir, year_view(inst)), read_rotation(rotation))


def _print_rotation_check(rotated: RotationReport) -> None:
    for v in rotated.violations:
        out.print("  " + escape(str(v)))
    held = "[green]" + _("Every rotation rule holds") + "[/]" if rotated.ok else \
        "[red]" + ngettext("{n} violation", "{n} violations", len(rotated.violations)).format(n=len(rotated.violations)) + "[/]"
    out.print(_("Rotation: {held}; {slots} senior slots covered, longest trip {longest} km, {km} km in all.").format(
        held=held, slots=rotated.levels["covered"], longest=f"{rotated.levels['longest_trip'] / 1000:.3f}",
        km=f"{rotated.levels['distance'] / 1000:.3f}"))

