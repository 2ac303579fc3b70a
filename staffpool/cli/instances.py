"""Commands on instances: validate, generate, convert, demand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

import staffpool
from staffpool.check import vacancies
from staffpool.cli.common import (
    ForceOpt,
    InstanceArg,
    JsonOpt,
    LangOpt,
    OutOpt,
    StrictOpt,
    _busy,
    _load,
    _load_with_warnings,
    _preflight,
    _print_json,
    err,
    out,
)
from staffpool.cli.render import (
    demand_table,
    instance_overview,
)
from staffpool.errors import UsageError
from staffpool.i18n import N_, _, ngettext
from staffpool.tools.convert import FORMS
from staffpool.tools.convert import convert as write_instance
from staffpool.tools.demand import DEMAND_FILES
from staffpool.tools.generate import MODES
from staffpool.tools.generate import generate as gen

app = typer.Typer()


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

