"""The other levels of model.md's objective: moves, distance, hiring cost, unregularised."""

from __future__ import annotations

from ...domain import Level, StaffStatus
from ..build import CommunityModel
from ..linear import Expr


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
    moves: dict[int, float] = {}
    dist: dict[int, float] = {}
    cost: dict[int, float] = {}
    for c in cm.cohorts:
        opts, cols = cm.options[c.index], cm.cols[c.index]
        if c.status == StaffStatus.candidate:  # never moved (cm.moved)
            salary = cm.instance.salary(c.title)
            cost.update(zip(cols, [salary] * len(cols), strict=True))
            continue
        home = c.posted_at
        assert home is not None
        metres_to: dict[str, int] | None = None  # asked for only if someone may move
        for opt, var in zip(opts, cols, strict=True):
            if opt.institution != home:
                moves[var] = 1
                if metres_to is None:
                    metres_to = cm.dist_from(home)
                metres = metres_to[opt.institution]
                if metres:
                    dist[var] = metres
    cm.levels[Level.moves] = Expr(moves)
    cm.levels[Level.distance] = Expr(dist)
    cm.levels[Level.hiring_cost] = Expr(cost)
    n_contract = sum(c.size for c in cm.cohorts if c.status == StaffStatus.contract)
    unreg: dict[int, float] = {v: -1 for v in cm.reg.values()}
    cm.levels[Level.unregularised] = Expr(unreg, float(n_contract))
