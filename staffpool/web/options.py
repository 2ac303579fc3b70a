"""A run's command and options, checked before the run is queued (a bad one: 422, nothing
queued). The options are the command line's long names, with `_` or `-` (`time_limit` or
`time-limit`, `compare_rolling`, …); the what-if knobs (`max_distance_km` and each community limit:
`hiring_budget`, `max_moves`, `treasury_budget`, …) take a value or `{"factor": f}`, read
exactly as one value of a sweep grid (docs/sweep.md), so a knob means the same in both."""

from __future__ import annotations

import json
from typing import Any

from staffpool.api.options import LIBRARY, check_mode, check_options
from staffpool.domain.instance import Instance, Mode
from staffpool.errors import InputError, Problem, UsageError
from staffpool.i18n import _
from staffpool.scale.grid import Grid, community_limit_fields, parse_grid

COMMANDS = ("solve", "compare", "sweep", "plan", "explain", "rotate")

COMMON = {"mode", "solver", "time_limit", "workers", "lang"}
# What each command takes besides the common options and the knobs.
OWN: dict[str, dict[str, Any]] = {
    "solve": {"xlsx": True, "report": True},
    "compare": {"modes": None, "xlsx": True},
    "sweep": {"grid": None},
    "plan": {"rolling": False, "compare_rolling": True, "max_columns": 400_000, "xlsx": True},
    "explain": {},
    "rotate": {"allocation": None, "xlsx": True},
}


def knob_names() -> list[str]:
    return ["max_distance_km", *community_limit_fields()]


def _problem(key: str, value: Any, message: str) -> Problem:
    return Problem("options", None, key, "" if value is None else str(value)[:60], message)


def check_run(command: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options with their defaults filled in; InputError with every problem."""
    if command not in COMMANDS:
        raise InputError([_problem("command", command, _("choose one of {commands}").format(commands=", ".join(COMMANDS)))])
    if not isinstance(options, dict):
        raise InputError([_problem("options", options, _("must be an object of option names and values"))])
    options = {str(k).removeprefix("--").replace("-", "_"): v for k, v in options.items()}  # --time-limit too
    knobs = {k: v for k, v in options.items() if k in knob_names()}
    allowed = COMMON | set(OWN[command]) | (set() if command == "sweep" else set(knob_names()))
    problems = [_problem(k, None, _("unknown option {key!r} for {command}: it takes {keys}").format(
        key=k, command=command, keys=", ".join(sorted(allowed)))) for k in options if k not in allowed]
    out: dict[str, Any] = {"solver": "highs", **OWN[command], **options}
    for key in ("xlsx", "report", "rolling", "compare_rolling"):
        if key in out and not isinstance(out[key], bool):
            problems.append(_problem(key, out[key], _("must be true or false")))
    if out.get("lang") is not None and out["lang"] not in ("zh", "en"):
        problems.append(_problem("lang", out["lang"], _("choose zh or en")))
    problems += _library_problems(command, out)
    if knobs and command != "sweep":
        try:
            parse_knobs(knobs)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return out


def _library_problems(command: str, out: dict[str, Any]) -> list[Problem]:
    problems = []
    try:
        check_options(mode=out.get("mode"), solver=out["solver"], time_limit=out.get("time_limit"),
                      workers=out.get("workers"))
    except UsageError as exc:
        problems.append(_problem("options", None, str(exc)))
    if command == "compare" and out.get("modes") is not None:
        modes = out["modes"] if isinstance(out["modes"], list) else [out["modes"]]
        for m in modes:
            try:
                check_mode(m, LIBRARY, "modes")
            except UsageError as exc:
                problems.append(_problem("modes", m, str(exc)))
    if command == "sweep":
        if out.get("grid") is None:
            problems.append(_problem("grid", None, _("a sweep needs a grid (the keys of GRID.yaml and their values)")))
        else:
            try:
                grid_of(out["grid"])
            except InputError as exc:
                problems += exc.problems
    if command == "plan":
        mc = out["max_columns"]
        if isinstance(mc, bool) or not isinstance(mc, int) or mc < 1:
            problems.append(_problem("max_columns", mc, _("must be a whole number, 1 or more")))
    if command == "rotate" and out.get("allocation") is not None and (
            isinstance(out["allocation"], bool) or not isinstance(out["allocation"], int)):
        problems.append(_problem("allocation", out["allocation"], _("must be the id of a finished solve run")))
    return problems


def grid_of(spec: Any) -> Grid:
    """A sweep's grid: GRID.yaml's text, or its keys and values as an object."""
    text = spec if isinstance(spec, str) else json.dumps(spec)  # JSON is YAML
    return parse_grid(text, "grid")


def parse_knobs(knobs: dict[str, Any]) -> Grid:
    """The knobs as a grid of one scenario; a list of values is not a knob."""
    problems = [_problem(k, v, _("takes one value or {{factor: f}}").format()) for k, v in knobs.items()
                if isinstance(v, list) or (isinstance(v, dict) and isinstance(v.get("factor"), list))]
    if problems:
        raise InputError(problems)
    return grid_of({k: v for k, v in knobs.items()})


def apply_knobs(instance: Instance, options: dict[str, Any]) -> Instance:
    """The instance with the knobs set (max_distance_km on the policy, the limits on every
    community); without knobs, the instance itself."""
    knobs = {k: v for k, v in options.items() if k in knob_names()}
    if not knobs:
        return instance
    scenario = parse_knobs(knobs).scenarios(instance)[0]
    varied = [k for k in knobs if k != "max_distance_km"]
    comms = tuple(c.model_copy(update={k: v for k, v in scenario.community_values(c).items() if k in varied})
                  for c in instance.communities)
    policy = instance.policy
    if "max_distance_km" in knobs:
        policy = policy.model_copy(update={"max_distance_km": scenario.max_distance_km})
    return instance.model_copy(update={"communities": comms, "policy": policy})


def mode_of(options: dict[str, Any]) -> Mode | None:
    return check_mode(options.get("mode"))
