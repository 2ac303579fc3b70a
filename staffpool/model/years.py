"""The integrated plan over years: one program per community, every year at once.

Each person's years are a path through states (institution, post) year by year, and
people interchangeable in every year share integer flows on the arcs year → year
(`model/horizon.py` has the states and why aggregating loses nothing). Every one-year rule
has its form over years beside it in its module of `model/rules/`, registered in the
same `Rule` of `RULES`, and the program over years is built through that registry as one
year's is (`model/build.py`): the option rules' `allow_years` say where each class may
be and go in each year (`model/arcspace.py`), the arcs follow, then the constraint and
level rules' `define_years` add each year's rows and level terms. The levels are the
one-year levels summed over the years. docs/model.md has the argument.
"""

from __future__ import annotations

from collections.abc import Callable

from staffpool.domain.instance import Instance, Mode
from staffpool.model.arcspace import build_arcspace
from staffpool.model.horizon import (
    EXISTING,
    NONE,
    OUT,
    Arc,
    HorizonCohort,
    HorizonModel,
    HorizonPool,
    Node,
    State,
    horizon_cohorts,
    horizon_pools,
)
from staffpool.model.linear import LinearProgram
from staffpool.model.rules import RULES, Rule

# The rows keep the order the program over years has always had: HiGHS's path, and with
# it which of equally good plans comes back, depends on the order of rows. First the rows
# that tie each year to the one before (the flow rows of `posting`), every year; then year
# by year every other rule in registry order, but for a year's capacity rows, which come
# before its vacancy rows.
_TIES_YEARS = ("posting",)
_FIRST_IN_A_YEAR = ("capacity",)


class TooLarge(Exception):
    """The program would have more columns than the caller allows."""

    def __init__(self, community: str, columns: int):
        self.community, self.columns = community, columns
        super().__init__(f"{community}: the integrated program passes {columns:,} columns")


def build_horizon_community(instance: Instance, community: str, mode: Mode, max_columns: int | None = None,
                            skip: frozenset[str] = frozenset()) -> HorizonModel:
    """Every year of one community in one program (see the module docstring): cohorts and
    classes and every option rule's form over years (`build_arcspace`), the arcs, then
    every constraint and level rule's form over years. `skip` names rules left out.
    Raises TooLarge as soon as the program passes `max_columns` columns."""
    space = build_arcspace(instance, community, mode, skip)
    hm = HorizonModel(instance, community, mode, space, LinearProgram(f"staffpool_years_{community}"))
    lay_arcs(hm, max_columns)
    ties, each_year = _row_order([r for r in RULES if r.name not in skip])
    for define in ties:
        for year in hm.years:
            define(hm, year)
    for year in hm.years:
        for define in each_year:
            define(hm, year)
    return hm


YearForm = Callable[[HorizonModel, int], None]


def _row_order(rules: list[Rule]) -> tuple[list[YearForm], list[YearForm]]:
    """The rules' `define_years`: (those whose rows tie the years together, the others in
    the order of a year's rows)."""
    forms = [(r.name, r.define_years) for r in rules if r.define_years is not None]
    each_year = [(name, f) for name, f in forms if name not in _TIES_YEARS]
    return ([f for name, f in forms if name in _TIES_YEARS],
            [f for name, f in each_year if name in _FIRST_IN_A_YEAR] + [f for name, f in each_year if name not in _FIRST_IN_A_YEAR])


def lay_arcs(hm: HorizonModel, max_columns: int | None) -> None:
    """One integer column per arc, year by year: in the first year from where each cohort
    starts; after, from each state a class's members may be in (in the order the year
    before first reached them), all of them together. Records each flow row's arcs
    (`hm.nodes`, the posting rule's rows) and the arcs of each year (`hm.laid`)."""
    space, years = hm.space, hm.years
    layer: dict[tuple[int, int], list[int]] = {}  # (class, state) -> the arcs into it
    for c in hm.cohorts:
        if c.gone is not None and c.gone <= years[0]:
            continue
        k = space.classes[c.klass]
        _arcs_from(hm, c.index, k.index, 0, space.start_state(c, k), [], c.size, float(c.size), layer, max_columns)
    size = {k.index: sum(c.size for c in k.cohorts) for k in space.classes}
    for ti in range(1, len(years)):
        before, layer = layer, {}
        for (kid, origin), into in before.items():
            if space.classes[kid].present(years[ti]):
                _arcs_from(hm, kid, kid, ti, origin, into, 0, float(size[kid]), layer, max_columns)


def _arcs_from(hm: HorizonModel, owner: int, kid: int, ti: int, origin: int, into: list[int], members: int,
               ub: float, layer: dict[tuple[int, int], list[int]], max_columns: int | None) -> None:
    """The arcs of year ti out of state `origin` of class `kid` (used by `owner`): `out`
    first when a candidate may stay so, then `ArcSpace.targets`."""
    import numpy as np  # heavy: only the program over years needs it

    space, lp, year = hm.space, hm.lp, hm.years[ti]
    k = space.classes[kid]
    targets = space.targets(k, ti, origin)
    if space.out_allowed(k, ti, origin):
        targets = np.concatenate(([space.out_state(k)], targets))
    if max_columns is not None and lp.num_cols + len(targets) > max_columns:
        raise TooLarge(hm.community, max_columns)
    cols = lp.vars(len(targets), 0.0, ub, True)
    start = space.state(k, origin)
    for col, t in zip(cols, targets.tolist(), strict=True):
        hm.arcs.append(Arc(owner, year, start, space.state(k, t), col))
        layer.setdefault((kid, t), []).append(col)
    hm.nodes.setdefault(year, []).append(Node(owner, kid, year, origin, cols, into, members))
    hm.laid.setdefault(year, []).append((cols.start, kid, origin, targets))


__all__ = [
    "EXISTING", "NONE", "OUT", "Arc", "HorizonCohort", "HorizonModel", "HorizonPool", "State", "TooLarge",
    "build_horizon_community", "horizon_cohorts", "horizon_pools", "lay_arcs",
]
