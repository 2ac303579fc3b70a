"""Rule 4 (model.md, hard rules): a move is at most `max_distance_km`."""

from __future__ import annotations

from ...domain import Status, within_km
from ..build import CommunityModel, Option
from ..cohorts import Cohort


def allow_distance(cm: CommunityModel, cohort: Cohort, option: Option) -> bool:
    r"""Option filter: :math:`x_{k,o} = 0` if
    :math:`d(posted\_at(k), inst(o)) > max\_distance\_km`, with d the Euclidean distance
    rounded to whole metres (model.md). Candidates have no distance; blank = no limit.
    """
    if cohort.status == Status.candidate or cohort.posted_at is None:
        return True
    metres = cm.dist[(cohort.posted_at, option.institution)]
    return within_km(metres, cm.instance.policy.max_distance_km)
