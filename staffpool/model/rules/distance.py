"""Rule 4 (model.md, hard rules): a move is at most `max_distance_km`."""

from __future__ import annotations

from dataclasses import replace

from staffpool.domain.instance import StaffStatus
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option
from staffpool.model.horizon import ArcSpace, Klass, YearOptions


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


def allow_distance_years(space: ArcSpace, k: Klass, year: int, options: YearOptions) -> YearOptions:
    r"""Year form: every move between two institutions in a year is at most
    max_distance_km,

    .. math:: f_a = 0 \ \text{ if } d(from(a), to(a)) > max\_distance\_km

    with d in whole metres and the one-year test (`_Distances.within`, as `allow_distance`
    through `cm.within_limit`). Hiring (from `out`) is no move; blank = no limit.
    """
    limit = space.instance.policy.max_distance_km
    if limit is None:
        return options
    if "near" not in space.derived:
        import numpy as np  # heavy: only the program over years needs it

        within = [space.dist.within(home.id, limit) for home in space.institutions]
        space.derived["near"] = np.array([[j.id in ok for j in space.institutions] for ok in within],
                                         dtype=bool).reshape(space.n, space.n)
    return replace(options, move=space.meet(options.move, space.derived["near"]))
