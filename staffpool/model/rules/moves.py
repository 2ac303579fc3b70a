"""Rule 8 (model.md, hard rules): the community's cap on moves."""

from __future__ import annotations

from staffpool.model.community import CommunityModel
from staffpool.model.horizon import HorizonModel
from staffpool.model.linear import Sense


def define_max_moves(cm: CommunityModel) -> None:
    r"""If the community has `max_moves` M:

    .. math:: \sum_{k \in on\_staff \cup contract} \sum_{o: inst(o) \ne posted\_at(k)} x_{k,o} \le M

    Named `max_moves[<community>]`.
    """
    limit = cm.community.max_moves
    if limit is None:
        return
    moved, _home = cm.moved_columns()  # as cm.moved
    terms: dict[int, float] = dict.fromkeys(moved.tolist(), 1)
    cm.add(
        "max_moves",
        f"max_moves[{cm.community.id}]",
        terms, Sense.le, limit,
    )


def define_max_moves_years(hm: HorizonModel, year: int) -> None:
    r"""Year form. If the community has `max_moves` M_y in year y (budgets.csv, else its own):

    .. math:: \sum_{a \in A_y: from(a) \ne to(a),\ from(a) \ne out} f_a \le M_y

    the moves of the year, from one institution to another (hiring is none). Named
    `max_moves[<community>,<y>]`.
    """
    limit = hm.community_in(year).max_moves
    if limit is None:
        return
    moved = hm.year_arcs(year).col[hm.moved(year)]
    hm.add("max_moves", f"max_moves[{hm.community},{year}]", dict.fromkeys(moved.tolist(), 1), Sense.le, limit)
