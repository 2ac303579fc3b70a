"""The shortfall level (model.md, objective): unmet need of requirement rows."""

from __future__ import annotations

from typing import Any

from staffpool.domain.instance import Level, Title
from staffpool.model.community import CommunityModel
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
