"""Rule 4 (model.md, hard rules): a move is at most `max_distance_km`."""

from __future__ import annotations

from ...domain import StaffStatus, within_km
from ..build import CommunityModel, Option
from ..cohorts import Cohort


def allow_distance(cm: CommunityModel, cohort: Cohort, options: list[Option]) -> list[Option]:
    r"""Option filter: :math:`x_{k,o} = 0` if
    :math:`d(posted\_at(k), inst(o)) > max\_distance\_km`, with d the Euclidean distance
    rounded to whole metres (model.md). Candidates have no distance; blank = no limit.
    """
    limit = cm.instance.policy.max_distance_km
    if cohort.status == StaffStatus.candidate or cohort.posted_at is None or limit is None:
        return options
    dist, home = cm.dist, cohort.posted_at
    return [o for o in options if within_km(dist[(home, o.institution)], limit)]
