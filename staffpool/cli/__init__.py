"""The command line: a command parses, calls one library function (`staffpool.solve`,
`staffpool.plan`, …), renders. Checks on output paths live in `_preflight`; errors map to
exit codes in `main` only.

Exit status: 0 done; 1 infeasible or no plan in the time limit; 2 bad input or usage;
3 an internal error (a bug: rerun with --debug for the traceback).
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from staffpool import __version__
from staffpool.cli.common import LangOpt, _print_json, err, set_cli_language
from staffpool.cli.render import error_line, render_problems, render_warnings
from staffpool.errors import InfeasibleError, InputError, StaffpoolError, UsageError
from staffpool.i18n import N_, _, default_language, ngettext, set_language

# Each command's module, imported when the command runs (or for --help): `staffpool solve`
# loads the solving path, not the report, the sweep or the explanation (start-up time,
# docs/architecture.md). In the order `--help` lists them.
COMMANDS: dict[str, str] = {
    "validate": "staffpool.cli.instances",
    "solve": "staffpool.cli.solving",
    "advance": "staffpool.cli.years",
    "plan": "staffpool.cli.years",
    "check": "staffpool.cli.solving",
    "generate": "staffpool.cli.instances",
    "convert": "staffpool.cli.instances",
    "rotate": "staffpool.cli.tools",
    "demand": "staffpool.cli.instances",
    "compare": "staffpool.cli.tools",
    "report": "staffpool.cli.tools",
    "explain": "staffpool.cli.tools",
    "sweep": "staffpool.cli.sweep",
    "serve": "staffpool.cli.serve",
}


class LazyGroup(TyperGroup):
    """The root command: its subcommands come from their modules on first use (click's
    documented pattern for lazily loaded subcommands), each in the current language."""

    # typer builds on its own copy of click: its objects are typed Any here.
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            module = importlib.import_module(COMMANDS[cmd_name])
            group = typer.main.get_command(module.app)
            cmd: Any = group.commands[cmd_name] if hasattr(group, "commands") else group  # a module of several
            _localise(cmd)
            cmd.rich_help_panel = _(COMMANDS_PANEL)
            self.commands[cmd_name] = cmd
        return self.commands[cmd_name]


# numpy's BLAS thread pool starts with numpy and spins, competing with HiGHS for the cores,
# while staffpool does no BLAS work (county solve 0.34 s → 0.27 s on 2 cores). Set before
# numpy is first imported (highspy imports it); a value the user set wins.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

app = typer.Typer(
    cls=LazyGroup,
    name="staffpool",
    help=N_("Where a county's doctors work: allocate posts, moves, hires and rotations in a county medical community."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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


def _localise(cmd: Any) -> None:
    """staffpool's help texts and panel titles of `cmd` in the current language. Only the
    command objects built here change (their `help` and typer's public `rich_help_panel`):
    no module of typer or click is touched."""
    if cmd.help:
        cmd.help = _(cmd.help)
    helper = cmd.get_help_option(typer.Context(cmd, info_name=cmd.name))
    for p in [*cmd.params, *([helper] if helper is not None else [])]:
        if p is helper:
            p.help = _(HELP_OPTION)
        elif getattr(p, "help", None):
            p.help = _(p.help)
        p.rich_help_panel = _(PANELS["argument" if p.param_type_name == "argument" else "option"])


def _command() -> Any:
    """The root click command of `app`, in the current language; its subcommands load lazily."""
    root = typer.main.get_command(app)
    _localise(root)
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
        set_cli_language(lang) if lang is not None else set_language(default_language())
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
