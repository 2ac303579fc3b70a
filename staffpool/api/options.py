"""The option values every library function and command takes (mode, solver, time limit,
workers), checked in one place: a bad one is a `UsageError` naming the argument as the
caller wrote it (`time_limit` for the library, `--time-limit` for the CLI) and what is
allowed, before anything is loaded or solved."""

from __future__ import annotations

import math
from collections.abc import Iterable

from staffpool.domain.instance import Mode
from staffpool.errors import UsageError
from staffpool.i18n import _
from staffpool.inputs.aliases import value_lookup
from staffpool.solving.profiles import load_profile

# How each option is called: by the library (its argument) and on the command line.
LIBRARY = {"mode": "mode", "modes": "modes", "solver": "solver", "time_limit": "time_limit", "workers": "workers"}
CLI = {"mode": "--mode", "modes": "--mode", "solver": "--solver", "time_limit": "--time-limit", "workers": "--workers"}


def check_mode(mode: Mode | str | None, names: dict[str, str] = LIBRARY, key: str = "mode") -> Mode | None:
    """The mode named (its code in any case, or its Chinese name; spaces around), or None for the policy's."""
    if mode is None or isinstance(mode, Mode):
        return mode
    text = str(mode).strip()
    try:
        return Mode(value_lookup("mode").get(text, text.lower()))  # 各自管理, 县管乡用, 统一管理 too
    except ValueError:
        raise UsageError(_("{option} {mode!r}: choose separate, county_pool or unified").format(
            option=names[key], mode=mode)) from None


def check_time_limit(time_limit: float | None, names: dict[str, str] = LIBRARY) -> float | None:
    if time_limit is None:
        return None
    if isinstance(time_limit, bool) or not isinstance(time_limit, int | float) or math.isnan(time_limit) or time_limit <= 0:
        raise UsageError(_("{option} must be > 0 (seconds per community), not {value}").format(
            option=names["time_limit"], value=f"{time_limit:g}" if isinstance(time_limit, int | float) else repr(time_limit)))
    return time_limit


def check_workers(workers: int | None, names: dict[str, str] = LIBRARY) -> int | None:
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(_("{option} must be a whole number of processes, 1 or more, not {value}").format(
            option=names["workers"], value=workers))
    return workers


def check_options(*, mode: Mode | str | None = None, modes: Iterable[Mode | str] | None = None,
                  solver: str | None = None, time_limit: float | None = None, workers: int | None = None,
                  names: dict[str, str] = LIBRARY) -> Mode | None:
    """Every option given, checked; returns the mode (None: the policy's)."""
    for m in modes or ():
        check_mode(m, names, "modes")
    if solver is not None:
        load_profile(solver)  # an unknown profile: UsageError listing the profiles
    check_time_limit(time_limit, names)
    check_workers(workers, names)
    return check_mode(mode, names)
