"""The other levels of model.md's objective: moves, distance, hiring cost, unregularised."""

from __future__ import annotations

from typing import Any

from staffpool.domain.instance import Level, StaffStatus
from staffpool.model.community import CommunityModel
from staffpool.model.horizon import NONE_K, HorizonModel
from staffpool.model.linear import Expr
from staffpool.model.rules.budget import hiring_cost_years


def define_levels(cm: CommunityModel) -> None:
    r"""Linear expressions for the levels (no constraints):

    .. math::
        moves = \sum_{k \notin cand} \sum_{o: inst(o) \ne posted\_at(k)} x_{k,o} \\
        distance = \sum_{k \notin cand} \sum_o d_m(posted\_at(k), inst(o))\, x_{k,o} \quad (\text{whole metres}) \\
        hiring\_cost = \sum_{k \in cand} salary(title_k) \sum_o x_{k,o} \\
        unregularised = n_{contract} - \sum_{g,p} reg_{g,p}

    Distance is in whole metres, so the level is an integer and proven exactly; it is
    reported in km (metres / 1000).
    """
    cost: dict[int, float] = {}
    for c in cm.cohorts:
        if c.status == StaffStatus.candidate:  # never moved (cm.moved)
            cols = cm.cols[c.index]
            cost.update(zip(cols, [cm.instance.salary(c.title)] * len(cols), strict=True))
    moved, home = cm.moved_columns()
    moves: dict[int, float] = dict.fromkeys(moved.tolist(), 1)
    metres = _metres(cm, moved, home)
    keep = metres != 0
    dist: dict[int, float] = dict(zip(moved[keep].tolist(), metres[keep].tolist(), strict=True))
    cm.levels[Level.moves] = Expr(moves)
    cm.levels[Level.distance] = Expr(dist)
    cm.levels[Level.hiring_cost] = Expr(cost)
    n_contract = sum(c.size for c in cm.cohorts if c.status == StaffStatus.contract)
    unreg: dict[int, float] = {v: -1 for v in cm.reg.values()}
    cm.levels[Level.unregularised] = Expr(unreg, float(n_contract))


def _metres(cm: CommunityModel, moved: Any, home: Any) -> Any:
    """Whole metres from posted_at to the institution of each moved column (`moved`,
    `home` from `cm.moved_columns`), one distance row per home (`cm.dist_from`)."""
    import numpy as np

    inst, _cohort = cm.x_arrays()
    out = np.zeros(len(moved), dtype=np.int64)
    if not len(moved):
        return out
    to = inst[moved]
    for h in np.unique(home).tolist():
        assert h >= 0, "a member posted outside the community"
        at = np.nonzero(home == h)[0]
        out[at] = cm.metres_row(cm.institutions[h].id)[to[at]]
    return out


def define_levels_years(hm: HorizonModel, year: int) -> None:
    r"""Year form: each level is the one-year level summed over the years, so year y adds

    .. math::
        moves \mathrel{+}= \sum_{a \in A_y: from(a) \ne to(a),\ from(a) \ne out} f_a \\
        distance \mathrel{+}= \sum_{\text{same } a} d_m(from(a), to(a))\, f_a \\
        hiring\_cost \mathrel{+}= \sum_{a \in A_y: from(a) = out,\ to(a) \ne out} salary(title_a)\, f_a \\
        unregularised \mathrel{+}= \sum_{a \in A_y: post(to(a)) = none} f_a

    (a contract member present in y and still without a post counts in y).
    """
    a = hm.year_arcs(year)
    moved = hm.moved(year)
    cols = a.col[moved]
    metres = hm.metres()[a.origin[moved], a.target[moved]]
    keep = metres != 0
    unreg = a.col[a.target_kind == NONE_K]
    for level, terms in ((Level.moves, dict.fromkeys(cols.tolist(), 1)),
                         (Level.distance, dict(zip(cols[keep].tolist(), metres[keep].tolist(), strict=True))),
                         (Level.hiring_cost, hiring_cost_years(hm, year)),
                         (Level.unregularised, dict.fromkeys(unreg.tolist(), 1))):
        hm.levels.setdefault(level, Expr()).terms.update(terms)
