"""Rule 2 (model.md, hard rules): same community only; immobile people stay put.

In `separate` mode nobody moves: on_staff and contract stay at `posted_at`.
"""

from __future__ import annotations

from staffpool.domain.instance import Mode, StaffStatus
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option, candidate_options


def allow_community_and_mobility(cm: CommunityModel, cohort: Cohort, options: list[Option]) -> list[Option]:
    r"""Option filter. Options only exist at institutions of the cohort's community, and

    .. math:: x_{k,o} = 0 \ \text{ if } inst(o) \ne posted\_at(k) \text{ and }
              (\neg mobile(k) \lor mode = separate)

    for on_staff and contract cohorts. Candidates have no `posted_at`.
    """
    ids = cm.ids_in(cohort.community)
    if options is candidate_options(cm, cohort) and cohort.community == cm.community.id:
        here = options  # the community's own institutions (the list is shared: not changed here)
    else:
        here = [o for o in options if o.institution in ids]
    if cohort.status != StaffStatus.candidate and (cm.mode == Mode.separate or not cohort.mobile):
        return [o for o in here if o.institution == cohort.posted_at]
    return here
