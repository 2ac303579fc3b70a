"""Rule 1 (model.md, hard rules): everyone is posted once; a candidate at most once."""

from __future__ import annotations

from staffpool.domain.instance import StaffStatus
from staffpool.model.community import CommunityModel
from staffpool.model.linear import Sense


def define_posting(cm: CommunityModel) -> None:
    r"""Each cohort k of n_k people is spread over its options o:

    .. math::
        \sum_o x_{k,o} = n_k \quad (k \text{ on\_staff or contract}), \qquad
        \sum_o x_{k,o} \le n_k \quad (k \text{ candidates; the rest are not hired})

    A candidate's every option takes a new post (hired ⇔ posted), and a contract
    member's `new` options are regularisations, so "a hired candidate takes a post; a
    regularised contract member takes a post" holds by construction of the options.
    Named `posting[<cohort>]`.
    """
    for cohort in cm.cohorts:
        terms: dict[int, float] = dict.fromkeys(cm.cols[cohort.index], 1)
        sense = Sense.le if cohort.status == StaffStatus.candidate else Sense.eq
        cm.add(
            "posting",
            f"posting[{cohort.label}]",
            terms, sense, cohort.size,
        )
