"""Rule 1 (model.md, hard rules): everyone is posted once; a candidate at most once."""

from __future__ import annotations

from staffpool.domain.instance import StaffStatus
from staffpool.model.community import CommunityModel
from staffpool.model.horizon import HorizonModel
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


def define_posting_years(hm: HorizonModel, year: int) -> None:
    r"""Year form: every member present in year y is on exactly one arc of y (a path per
    member). In the first year y_0 the n_c members of cohort c leave its start s_c; after,
    what came into state s of class k in y − 1 leaves it in y:

    .. math::
        \sum_{a \in A_{y_0}: from(a) = s_c} f_a = n_c, \qquad
        \sum_{a \in A_y: from(a) = (k, s)} f_a = \sum_{a \in A_{y-1}: to(a) = (k, s)} f_a

    A candidate's arcs lead to `out` (not hired) or to a pool's post (hired: posted ⇔
    hired), a contract member's to `none` or a pool's post (regularised), so the one-year
    rule holds in every year by construction of the arcs (`ArcSpace.targets`). A class
    gone in y has no arcs and no row. Named `flow[<cohort or class>,<y>,<row>]`; these rows
    tie each year to the one before, so all of them come first (`model/years.py`).
    """
    for node in hm.nodes.get(year, []):
        terms: dict[int, float] = dict.fromkeys(node.out, 1)
        if node.into:
            terms.update(dict.fromkeys(node.into, -1.0))
        hm.add("posting", f"flow[{node.owner},{year},{hm.lp.num_rows}]", terms, Sense.eq, node.size)
