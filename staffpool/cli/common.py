"""What every command shares: the consoles, the options, progress, loading and the pre-flight checks on output paths."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from staffpool.api.options import CLI, check_mode, check_time_limit, check_workers
from staffpool.cli.render import (
    render_warnings,
)
from staffpool.domain.instance import Instance
from staffpool.errors import UsageError
from staffpool.i18n import N_, _, ngettext, set_language
from staffpool.inputs.read import read_raw
from staffpool.inputs.validate import load_with_warnings
from staffpool.outputs.files import check_writable, ensure_not_input, refuse_existing

if TYPE_CHECKING:  # a solve's result: importing it would load the solving path for every command
    from staffpool.outputs.results import Result


out = Console()


err = Console(stderr=True)


InstanceArg = Annotated[Path, typer.Argument(help=N_("Instance: a folder with instance.yaml, a .json file or a .xlsx workbook."))]


JsonOpt = Annotated[bool, typer.Option("--json", help=N_("Print JSON on stdout and nothing else."))]


ForceOpt = Annotated[bool, typer.Option("--force", help=N_("Replace what an earlier run wrote at --out (or --xlsx)."))]


StrictOpt = Annotated[bool, typer.Option("--strict", help=N_(
    "Treat warnings (unknown columns, sheets, files; a requirement row given twice; a table without rows) as problems: exit 2."))]


# What --lang accepts (docs/cli.md): the library's set_language also takes zh_CN, cn, …
# for the locale, but a command line says one of these.
LANG_CHOICES = ("zh", "en")


def set_cli_language(value: str) -> None:
    """Switch to `value` (zh or en, any case); anything else is a ValueError."""
    if value.strip().lower() not in LANG_CHOICES:
        raise ValueError(value)
    set_language(value)


def _lang_callback(value: str | None) -> str | None:
    if value is not None:
        try:
            set_cli_language(value)
        except ValueError:
            raise typer.BadParameter(_("choose zh or en")) from None
    return value


# Read by `main` before the command line is built (so help is translated too); the option
# is declared on every command so it is listed and checked there.
LangOpt = Annotated[str | None, typer.Option("--lang", help=N_("Language of what people read: zh or en (default: the locale's)."),
                                             callback=_lang_callback, is_eager=True)]


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
               guard: Sequence[Path] = (), replace: bool = True) -> None:
    """Every check on a command's output paths, in one place, before anything is solved
    (exit 2, nothing written): `files` written into the folder `into`, one `file`, an
    `xlsx` workbook, a whole `folder`. None may be an input file of `instance` (or one of
    `guard`), nor an earlier run's output unless `force` (a command without --force says
    `replace=False`: its message suggests none); a workbook must be .xlsx."""
    words = "cli" if replace else "never"

    wanted = any(p is not None for p in (into, file, xlsx, folder))
    inputs = _input_files(instance) if instance is not None and wanted else []
    guarded = [*([instance] if instance is not None else []), *inputs, *guard]
    if xlsx is not None:
        check_writable(xlsx, force, guarded)
    if into is not None:
        ensure_not_input(into, files, guarded)
        refuse_existing([into / n for n in files], force, words=words)
    if file is not None:
        ensure_not_input(file.parent, [file.name], guarded)
        refuse_existing([file], force, words=words)
    if folder is not None:
        target = folder.resolve()
        if any(p.resolve() == target or p.resolve().is_relative_to(target) for p in guarded):
            raise UsageError(_("{path}: refusing to overwrite the input").format(path=folder))
        refuse_existing([folder], force, folder=True, words=words)


def default_workers() -> int:
    """The machine's cores: what --workers means when not given."""
    return max(1, os.cpu_count() or 1)


def _workers(workers: int | None) -> int:
    return workers if workers is not None else default_workers()


SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help=N_("Run on Dask: tcp://HOST:PORT of a running scheduler, or 'dask' for a local cluster "
                           "(default: the local process pool)."))]


ModeOpt = Annotated[str | None, typer.Option("--mode", help=N_("separate, county_pool or unified (default: the policy's)."))]


PlanModeOpt = Annotated[str | None, typer.Option("--mode", help=N_("The mode the plan was made in, when its summary.json does not say (given, it wins)."))]


SolverOpt = Annotated[str, typer.Option("--solver", help=N_("A solver profile in solvers/: highs (default), cbc, …"))]


def _time_callback(value: float | None) -> float | None:
    return check_time_limit(value, CLI)  # ≤ 0: UsageError, exit 2


def _workers_callback(value: int | None) -> int | None:
    return check_workers(value, CLI)


TimeOpt = Annotated[float | None, typer.Option("--time-limit", help=N_("Seconds per community (default: the profile's)."),
                                               callback=_time_callback)]


WorkersOpt = Annotated[int | None, typer.Option("--workers", help=N_("Parallel processes (default: the machine's cores)."),
                                                callback=_workers_callback)]


OutOpt = Annotated[Path | None, typer.Option("--out", help=N_("Folder to write the result files into."))]


XlsxOpt = Annotated[Path | None, typer.Option("--xlsx", help=N_("Also write one Excel workbook (.xlsx) for people, headers in the chosen language."))]


def _check_mode(mode: str | None) -> str | None:
    checked = check_mode(mode, CLI)
    return checked.value if checked is not None else None


def _warn_unproven(result: Result) -> None:
    """A plan that is not proven optimal says so on stderr (exit 0 all the same)."""
    if result.status.value == "time_limit":
        err.print("[yellow]" + _("Time limit reached: the plan obeys every rule but is not proven optimal.") + "[/]")
    elif result.status.value == "feasible":
        err.print("[yellow]" + _("Not proven optimal (the {solver} profile stops within a gap): the plan obeys every rule; "
                                 "summary.json `bounds` holds each level's proven bound.").format(solver=escape(result.solver))
                  + "[/]")
    if any(not getattr(o, "canonical", True) for o in result.outcomes):
        err.print("[yellow]" + _("The time limit ended the last tie-break: the plan is optimal at every level, but "
                                 "another run may return another of the equally good plans.") + "[/]")

