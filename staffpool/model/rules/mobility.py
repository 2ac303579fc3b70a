"""Rule 2 (model.md, hard rules): same community only; immobile people stay put.

In `separate` mode nobody moves: on_staff and contract stay at `posted_at`.
"""

from __future__ import annotations

from ...domain import Mode, Status
from ..build import CommunityModel, Option
from ..cohorts import Cohort


def allow_community_and_mobility(cm: CommunityModel, cohort: Cohort, option: Option) -> bool:
    r"""Option filter. Options only exist at institutions of the cohort's community, and

    .. math:: x_{k,o} = 0 \ \text{ if } inst(o) \ne posted\_at(k) \text{ and }
              (\neg mobile(k) \lor mode = separate)

    for on_staff and contract cohorts. Candidates have no `posted_at`.
    """
    if cm.inst[option.institution].community != cohort.community:
        return False
    if cohort.status == Status.candidate:
        return True
    if cm.mode == Mode.separate or not cohort.mobile:
        return option.institution == cohort.posted_at
    return True
