"""Rule 2 (model.md, hard rules): same community only; immobile people stay put.

In `separate` mode nobody moves: on_staff and contract stay at `posted_at`.
"""

from __future__ import annotations

from dataclasses import replace

from staffpool.domain.instance import Mode, StaffStatus
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option, candidate_options
from staffpool.model.horizon import ArcSpace, Klass, YearOptions


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


def allow_community_and_mobility_years(space: ArcSpace, k: Klass, year: int, options: YearOptions) -> YearOptions:
    r"""Year form. States exist only at the community's institutions (`ArcSpace`), and a
    member who may not move stays where the year before left them:

    .. math:: f_a = 0 \ \text{ if } from(a) \ne to(a) \text{ and } (\neg mobile(k) \lor mode = separate)

    for every arc a between two institutions: on_staff and contract members, and a hired
    candidate from the year after hiring (hiring itself is an arc from `out`, no move).
    """
    if k.first.mobile and space.mode != Mode.separate:
        return options
    return replace(options, move=space.meet(options.move, space.stay))
