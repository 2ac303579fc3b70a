"""A scenario grid: which limits vary, and the scenarios it makes (their product).

GRID.yaml maps a key to its values: a list, `{start: A, stop: B, step: C}` (stop included)
or `{factor: [..]}` (multiples of each community's own value, or of the policy's for
`max_distance_km`; a blank limit stays blank). Keys: `mode`, `max_distance_km` and every
numeric field of a community (`hiring_budget`, `max_moves`, … as the domain defines them).
Scenarios are numbered from 1 in the product's order: keys in `KEY_ORDER`, the last
varying fastest, values in the order given.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from staffpool.domain.instance import Community, Instance, Mode
from staffpool.errors import InputError, Problem, UsageError
from staffpool.i18n import _

MAX_POINTS = 10_000  # per key: a typo in a step should not make a million scenarios
# Column order of the sweep table; a community field not listed here follows them.
KEY_ORDER = ("mode", "max_distance_km", "hiring_budget", "treasury_budget", "max_moves")


def community_limit_fields() -> dict[str, bool]:
    """The numeric fields of `Community` a grid may vary: name -> integer-valued."""
    out: dict[str, bool] = {}
    for name, info in Community.model_fields.items():
        ann = info.annotation
        args = typing.get_args(ann) if isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union else (ann,)
        kinds = {a for a in args if a is not type(None)}
        if kinds and kinds <= {int, float}:
            out[name] = kinds == {int}
    return out


def limit_columns() -> list[str]:
    """The per-community limit columns of the sweep table, in table order."""
    fields = community_limit_fields()
    known = list(KEY_ORDER[2:])
    return known + [k for k in fields if k not in known]


@dataclass(frozen=True)
class Axis:
    """One key's values: absolute (`None` = no limit) or factors of each own value."""

    key: str
    values: tuple[Any, ...]
    factor: bool = False


@dataclass(frozen=True)
class Scenario:
    number: int
    mode: Mode
    max_distance_km: float | None
    # per-community keys varied by the grid: key -> ("value", v) or ("factor", f)
    limits: tuple[tuple[str, str, Any], ...] = ()

    def community_values(self, community: Community) -> dict[str, Any]:
        """Every limit column's value applied to `community` (None: no limit)."""
        ints = community_limit_fields()
        out: dict[str, Any] = {k: getattr(community, k, None) for k in limit_columns()}
        for key, kind, v in self.limits:
            if kind == "value":
                out[key] = v
            else:
                own = getattr(community, key)
                out[key] = None if own is None else scaled(own, v, ints[key])
        return out

    def label(self) -> dict[str, Any]:
        """What the scenario sets, for the manifest."""
        return {"scenario": self.number, "mode": self.mode.value, "max_distance_km": self.max_distance_km,
                **{k: ({"factor": v} if kind == "factor" else v) for k, kind, v in self.limits}}


def scaled(own: float, factor: float, integer: bool) -> float | int:
    """factor × own, exact in decimals; an integer limit (max_moves) rounds down: 2.5 moves
    allow 2."""
    v = Decimal(str(own)) * Decimal(str(factor))
    if integer:
        return int(v.to_integral_value(rounding="ROUND_FLOOR"))
    f = float(v)
    return int(f) if f.is_integer() else f


@dataclass
class Grid:
    axes: list[Axis] = field(default_factory=list)
    source: str = "grid"

    def scenarios(self, instance: Instance) -> list[Scenario]:
        import itertools

        by_key = {a.key: a for a in self.axes}
        modes = by_key["mode"].values if "mode" in by_key else (instance.policy.mode,)
        dist_axis = by_key.get("max_distance_km")
        own = instance.policy.max_distance_km
        if dist_axis is None:
            dists: tuple[float | None, ...] = (own,)
        elif dist_axis.factor:
            dists = tuple(None if own is None else scaled(own, f, False) for f in dist_axis.values)
        else:
            dists = dist_axis.values
        comm_axes = [a for a in self.axes if a.key not in ("mode", "max_distance_km")]
        comm_axes.sort(key=lambda a: limit_columns().index(a.key))
        choices = [[(a.key, "factor" if a.factor else "value", v) for v in a.values] for a in comm_axes]
        out = []
        for n, (mode, dist, *limits) in enumerate(itertools.product(modes, dists, *choices), start=1):
            out.append(Scenario(n, Mode(mode), dist, tuple(limits)))
        return out


def _lines(text: str) -> dict[str, int]:
    """The line of each top-level key (for messages)."""
    import yaml

    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _v in node.value if isinstance(k, yaml.ScalarNode)}


def _number(v: Any) -> Decimal | None:
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        return None
    try:
        d = Decimal(str(v).strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _as_value(d: Decimal, integer: bool) -> float | int:
    f = float(d)
    return int(f) if integer or f.is_integer() else f


def parse_grid(text: str, source: str = "grid") -> Grid:
    """GRID.yaml text -> a Grid; every problem at once (InputError: file, row, key)."""
    import yaml

    problems: list[Problem] = []
    lines = _lines(text)

    def bad(key: str, value: Any, message: str) -> None:
        shown = "" if value is None else str(value)[:60]
        problems.append(Problem(source, lines.get(key), key, shown, message))

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError([Problem(source, mark.line + 1 if mark else None, "", "",
                                  _("is not valid YAML: {problem}").format(problem=getattr(exc, "problem", exc)))]) from None
    if not isinstance(data, dict) or not data:
        raise InputError([Problem(source, None, "", "", _("must map keys to values, e.g. 'mode: [separate, county_pool]'"))])
    fields = community_limit_fields()
    allowed = ["mode", "max_distance_km", *fields]
    axes: list[Axis] = []
    for key, spec in data.items():
        key = str(key)
        if key not in allowed:
            bad(key, None, _("unknown key {key!r}: a grid varies {keys}").format(key=key, keys=", ".join(allowed)))
            continue
        if key == "mode":
            vals = spec if isinstance(spec, list) else [spec]
            modes = []
            for v in vals:
                try:
                    modes.append(Mode(str(v).strip().lower()))
                except ValueError:
                    bad(key, v, _("a mode is separate, county_pool or unified"))
            if not vals:
                bad(key, spec, _("needs at least one value"))
            elif len(set(modes)) != len(modes):
                bad(key, spec, _("a value is listed twice"))
            axes.append(Axis(key, tuple(modes)))
            continue
        integer = fields.get(key, False)
        axis = _numeric_axis(key, spec, integer, bad)
        if axis is not None:
            axes.append(axis)
    if problems:
        raise InputError(problems)
    return Grid(axes, source)


def _numeric_axis(key: str, spec: Any, integer: bool, bad: Any) -> Axis | None:
    what = _("a whole number ≥ 0") if integer else _("a number ≥ 0")
    if isinstance(spec, dict):
        keys = set(map(str, spec))
        if keys == {"factor"}:
            fs = spec["factor"] if isinstance(spec["factor"], list) else [spec["factor"]]
            fds = [_number(f) for f in fs]
            if not fs or any(d is None or d < 0 for d in fds):
                bad(key, spec, _("factor takes a list of numbers ≥ 0, e.g. {{factor: [0.5, 1.0, 1.5]}}").format())
                return None
            if len(set(fds)) != len(fds):
                bad(key, spec, _("a factor is listed twice"))
                return None
            return Axis(key, tuple(float(d) for d in fds if d is not None), factor=True)
        if keys == {"start", "stop", "step"}:
            start, stop, step = (_number(spec[k]) for k in ("start", "stop", "step"))
            if start is None or stop is None or step is None or start < 0 or step <= 0 or stop < start:
                bad(key, spec, _("a range needs start ≥ 0, stop ≥ start and step > 0 ({what})").format(what=what))
                return None
            n = int((stop - start) / step) + 1
            if n > MAX_POINTS:
                bad(key, spec, _("the range has {n:,} points (at most {most:,})").format(n=n, most=MAX_POINTS))
                return None
            ds: list[Decimal] = [start + i * step for i in range(n)]
            if integer and any(d != d.to_integral_value() for d in ds):
                bad(key, spec, _("{key} takes whole numbers").format(key=key))
                return None
            return Axis(key, tuple(_as_value(d, integer) for d in ds))
        bad(key, spec, _("takes a list, {{start, stop, step}} or {{factor: [..]}}").format())
        return None
    vals = spec if isinstance(spec, list) else [spec]
    if not vals:
        bad(key, spec, _("needs at least one value"))
        return None
    out: list[Any] = []
    for v in vals:
        if v is None or (isinstance(v, str) and v.strip().lower() in ("", "none", "null")):
            out.append(None)  # no limit
            continue
        d = _number(v)
        if d is None or d < 0 or (integer and d != d.to_integral_value()):
            bad(key, v, _("each value must be {what}, or blank for no limit").format(what=what))
            return None
        out.append(_as_value(d, integer))
    if len(set(out)) != len(out):
        bad(key, spec, _("a value is listed twice"))
        return None
    return Axis(key, tuple(out))


def load_grid(path: Path) -> Grid:
    if not path.is_file():
        raise UsageError(_("--grid {path}: no such file").format(path=path))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(path.name, None, "", "", _("cannot be read as UTF-8 text: {error}").format(error=exc))]) from None
    return parse_grid(text, path.name)
