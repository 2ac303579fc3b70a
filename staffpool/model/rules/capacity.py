"""Rule 6 (model.md, hard rules): staff posted at an institution ≤ its capacity."""

from __future__ import annotations

from staffpool.model.community import CommunityModel
from staffpool.model.horizon import HorizonModel
from staffpool.model.linear import Sense


def define_capacity(cm: CommunityModel) -> None:
    r"""For every institution j with a capacity:

    .. math:: \sum_{k,o: inst(o)=j} x_{k,o} \le cap_j

    counting everyone posted there (on_staff, contract, hired). Named `capacity[<j>]`.
    """
    cols, starts = cm.by_institution()
    for n, j in enumerate(cm.institutions):
        if j.capacity is None:
            continue
        cm.add(
            "capacity",
            f"capacity[{j.id}]",
            dict.fromkeys(cols[starts[n]:starts[n + 1]].tolist(), 1), Sense.le, j.capacity,
        )


def define_capacity_years(hm: HorizonModel, year: int) -> None:
    r"""Year form. For every institution j with a capacity and every year y, the people
    there that year (every arc of y that ends at j):

    .. math:: \sum_{a \in A_y: to(a) = j} f_a \le cap_j

    Named `capacity[<j>,<y>]`.
    """
    a = hm.year_arcs(year)
    order, starts = hm.at_institution(year)
    for n, j in enumerate(hm.institutions):
        if j.capacity is None:
            continue
        here = a.col[order[starts[n]:starts[n + 1]]]
        hm.add("capacity", f"capacity[{j.id},{year}]", dict.fromkeys(here.tolist(), 1), Sense.le, j.capacity)
