"""The shortfall level (model.md, objective): unmet need of requirement rows."""

from __future__ import annotations

from typing import Any

from staffpool.domain.instance import Instance, Institution, Level, Requirement, Title, year_requirements
from staffpool.model.community import CommunityModel
from staffpool.model.horizon import HorizonModel
from staffpool.model.linear import Expr, Sense


def define_shortfall(cm: CommunityModel) -> None:
    r"""One continuous :math:`s_r \ge 0` per requirement row r = (j, specialty, min_title, need, w):

    .. math:: s_r \ge need_r - \sum_{k \text{ matches } r} \sum_{o: inst(o)=j} x_{k,o}

    A person matches when the specialty matches (`*` matches any) and their title rank is
    ≥ min_title's. Rows are independent: one person counts toward every row they match.
    At the minimum, s_r = max(0, need_r − matching_r), so the level Σ w_r s_r is exactly
    model.md's. Named `shortfall[<j>,<specialty>,<min_title>,#<row>]`.
    """
    import numpy as np

    # Cohorts alike in (specialty, title) match the same rows: `matches` once per such pair
    # and (specialty, min_title) of a row.
    kinds: dict[tuple[str, Title], int] = {}
    kind = np.array([kinds.setdefault((c.specialty, c.title), len(kinds)) for c in cm.cohorts], dtype=np.int64)
    _inst, cohort = cm.x_arrays()
    col_kind = kind[cohort]
    cols, starts = cm.by_institution()  # by institution, each in column order
    at = {j.id: n for n, j in enumerate(cm.institutions)}
    matching: dict[tuple[str, Title], Any] = {}
    level: dict[int, float] = {}
    for n, req in cm.requirements:
        s = cm.lp.var(f"s_{n:06d}")
        cm.short[n] = s
        terms: dict[int, float] = {s: 1}
        key = (req.specialty, req.min_title)
        if key not in matching:
            matching[key] = np.array([req.matches(spec, title) for spec, title in kinds] or [False], dtype=bool)
        here = cols[starts[at[req.institution]]:starts[at[req.institution] + 1]]
        terms.update(dict.fromkeys(here[matching[key][col_kind[here]]].tolist(), 1))
        cm.add(
            "shortfall",
            f"shortfall[{req.institution},{req.specialty},{req.min_title.value},#{n + 2}]",
            terms, Sense.ge, req.need,
        )
        if req.weight:
            level[s] = req.weight
    cm.levels[Level.shortfall] = Expr(level)


def year_requirement_rows(instance: Instance, year: int, institutions: list[Institution]) -> list[tuple[int, Requirement]]:
    """The requirement rows of year y at the community's institutions, numbered among the
    year's rows (`year_requirements`): one shortfall variable each (`model/arcspace.py`
    counts them)."""
    ids = {j.id for j in institutions}
    return [(n, r) for n, r in enumerate(year_requirements(instance.requirements, year)) if r.institution in ids]


def define_shortfall_years(hm: HorizonModel, year: int) -> None:
    r"""Year form. One continuous :math:`s_{r,y} \ge 0` per requirement row r of year y
    (a row with that year replaces the yearless one):

    .. math:: s_{r,y} \ge need_r - \sum_{a \in A_y: to(a) = j_r,\ class(a) \text{ matches } r} f_a

    and the level :math:`shortfall = \sum_y \sum_r w_r s_{r,y}`. Named
    `shortfall[<j>,<y>,#<n>]`, n the row's number among the year's rows.
    """
    import numpy as np  # heavy: only the program over years needs it

    level = hm.levels.setdefault(Level.shortfall, Expr())
    a = hm.year_arcs(year)
    order, starts = hm.at_institution(year)
    at = {j.id: n for n, j in enumerate(hm.institutions)}
    matching: dict[tuple[str, Title], Any] = {}
    for n, r in year_requirement_rows(hm.instance, year, hm.institutions):
        s = hm.lp.var(f"s_{year}_{n}")
        key = (r.specialty, r.min_title)
        if key not in matching:  # per class: do its members count toward rows like r?
            matching[key] = np.array([r.matches(k.first.specialty, k.first.title) for k in hm.classes] or [False],
                                     dtype=bool)
        here = order[starts[at[r.institution]]:starts[at[r.institution] + 1]]
        cover: dict[int, float] = {s: 1}
        cover.update(dict.fromkeys(a.col[here[matching[key][a.klass[here]]]].tolist(), 1))
        hm.add("shortfall", f"shortfall[{r.institution},{year},#{n}]", cover, Sense.ge, r.need)
        if r.weight:
            level.terms[s] = r.weight
