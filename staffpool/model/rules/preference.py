"""The preference level: people's wishes (preferences.csv; docs/model.md, "Wishes")."""

from __future__ import annotations

from typing import Any

from staffpool.domain.instance import Level
from staffpool.model.community import CommunityModel
from staffpool.model.horizon import HorizonModel
from staffpool.model.linear import Expr


def _costs(wishes: tuple[tuple[str, int], ...], pos: dict[str, int], n: int) -> Any:
    """The cost at each of the n institutions (`pos`: id -> position) of someone with these
    wishes (numpy ints): the number of rows, but rank − 1 where listed."""
    import numpy as np  # heavy: the rule reads the columns as arrays

    cost = np.full(n, len(wishes), dtype=np.int64)
    for j, rank in wishes:
        if j in pos:
            cost[pos[j]] = rank - 1
    return cost


def define_preference(cm: CommunityModel) -> None:
    r"""The level (no constraint). With W_k the (institution, rank) rows of cohort k's
    members (the same for all: wishes split cohorts) and n_k = |W_k|:

    .. math::
        cost_k(j) = \begin{cases} 0 & W_k = \emptyset \\ rank_k(j) - 1 & j \text{ listed in } W_k \\
                    n_k & \text{otherwise} \end{cases} \qquad
        preference = \sum_k \sum_o cost_k(inst(o))\, x_{k,o}

    Every column posts someone (a candidate's column hires them; one not hired has no
    column and costs 0), so this is Σ over the people posted of their cost: an integer,
    proven exactly.
    """
    terms: dict[int, float] = {}
    wished = [c for c in cm.cohorts if c.wishes]
    if wished:
        import numpy as np  # heavy: the rule reads the columns as arrays

        inst, _cohort = cm.x_arrays()
        pos = {j.id: n for n, j in enumerate(cm.institutions)}
        for c in wished:
            cols = np.arange(cm.cols[c.index].start, cm.cols[c.index].stop, dtype=np.int64)
            cost = _costs(c.wishes, pos, len(pos))[inst[cols]]
            keep = cost != 0
            terms.update(zip(cols[keep].tolist(), cost[keep].tolist(), strict=True))
    cm.levels[Level.preference] = Expr(terms)


def define_preference_years(hm: HorizonModel, year: int) -> None:
    r"""Year form: the level is the one-year level summed over the years, so year y adds,
    over the arcs of y that end at an institution (the people posted that year; `out`,
    a candidate not hired, costs 0),

    .. math:: preference \mathrel{+}= \sum_{a \in A_y: to(a) \ne out} cost_{class(a)}(to(a))\, f_a

    with cost as in the one-year form (a class's cohorts share their wishes).
    """
    terms: dict[int, float] = {}
    if hm.instance.wishes:
        import numpy as np  # heavy: the rule reads the arcs as arrays

        if "wish_costs" not in hm.derived:
            pos = {j.id: n for n, j in enumerate(hm.institutions)}
            hm.derived["wish_costs"] = np.array([_costs(k.wishes, pos, len(pos)) for k in hm.classes] or [[0] * len(pos)],
                                                dtype=np.int64).reshape(max(1, len(hm.classes)), len(pos))
        a = hm.year_arcs(year)
        posted = np.nonzero(a.target >= 0)[0]
        cost = hm.derived["wish_costs"][a.klass[posted], a.target[posted]]
        keep = cost != 0
        terms = dict(zip(a.col[posted][keep].tolist(), cost[keep].tolist(), strict=True))
    hm.levels.setdefault(Level.preference, Expr()).terms.update(terms)
