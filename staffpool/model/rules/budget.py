"""Rule 7 (model.md, hard rules): the community's hiring budget."""

from __future__ import annotations

from ...domain import StaffStatus
from ..build import CommunityModel
from ..linear import Sense


def define_hiring_budget(cm: CommunityModel) -> None:
    r"""If the community has a `hiring_budget` B:

    .. math:: \sum_{k \in candidates} salary(title_k) \sum_o x_{k,o} \le B

    Named `hiring_budget[<community>]`.
    """
    budget = cm.community.hiring_budget
    if budget is None:
        return
    terms: dict[int, float] = {
        var: cm.instance.salary(c.title)
        for c in cm.cohorts if c.status == StaffStatus.candidate
        for var in cm.cols[c.index]
    }
    cm.add(
        "hiring_budget",
        f"hiring_budget[{cm.community.id}]",
        terms, Sense.le, budget,
    )
