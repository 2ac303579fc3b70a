"""Rule 8 (model.md, hard rules): the community's cap on moves."""

from __future__ import annotations

from staffpool.model.community import CommunityModel
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
