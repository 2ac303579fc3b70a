"""Rule 8 (model.md, hard rules): the community's cap on moves."""

from __future__ import annotations

from ...domain import StaffStatus
from ..build import CommunityModel
from ..linear import Sense


def define_max_moves(cm: CommunityModel) -> None:
    r"""If the community has `max_moves` M:

    .. math:: \sum_{k \in on\_staff \cup contract} \sum_{o: inst(o) \ne posted\_at(k)} x_{k,o} \le M

    Named `max_moves[<community>]`.
    """
    limit = cm.community.max_moves
    if limit is None:
        return
    terms: dict[int, float] = {
        var: 1 for c in cm.cohorts if c.status != StaffStatus.candidate  # as cm.moved
        for opt, var in zip(cm.options[c.index], cm.cols[c.index], strict=True) if opt.institution != c.posted_at
    }
    cm.add(
        "max_moves",
        f"max_moves[{cm.community.id}]",
        terms, Sense.le, limit,
    )
