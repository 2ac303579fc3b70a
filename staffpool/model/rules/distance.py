"""Rule 4 (model.md, hard rules): a move is at most `max_distance_km`."""

from __future__ import annotations

from staffpool.domain.instance import StaffStatus
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option


def allow_distance(cm: CommunityModel, cohort: Cohort, options: list[Option]) -> list[Option]:
    r"""Option filter: :math:`x_{k,o} = 0` if
    :math:`d(posted\_at(k), inst(o)) > max\_distance\_km`, with d the Euclidean distance
    rounded to whole metres (model.md). Candidates have no distance; blank = no limit.
    """
    limit = cm.instance.policy.max_distance_km
    if cohort.status == StaffStatus.candidate or cohort.posted_at is None or limit is None:
        return options
    home = cohort.posted_at
    if len(options) <= 1 and all(o.institution == home for o in options):
        return options  # no move (immobile, or separate mode)
    ok = cm.within_limit(home)  # the same test, once per home
    return [o for o in options if o.institution in ok]
