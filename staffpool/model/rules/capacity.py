"""Rule 6 (model.md, hard rules): staff posted at an institution ≤ its capacity."""

from __future__ import annotations

from ..build import CommunityModel
from ..linear import Sense


def define_capacity(cm: CommunityModel) -> None:
    r"""For every institution j with a capacity:

    .. math:: \sum_{k,o: inst(o)=j} x_{k,o} \le cap_j

    counting everyone posted there (on_staff, contract, hired). Named `capacity[<j>]`.
    """
    terms: dict[str, dict[int, float]] = {}
    for opts, cols in zip(cm.options, cm.cols, strict=True):
        for opt, var in zip(opts, cols, strict=True):
            terms.setdefault(opt.institution, {})[var] = 1
    for j in cm.institutions:
        if j.capacity is None:
            continue
        cm.add(
            "capacity",
            f"capacity[{j.id}]",
            terms.get(j.id, {}), Sense.le, j.capacity,
        )
