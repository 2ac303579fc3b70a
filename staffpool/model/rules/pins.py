"""Pins (pins.csv): decisions already taken by people, held as hard rules."""

from __future__ import annotations

from staffpool.domain.instance import StaffStatus
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option
from staffpool.model.linear import Sense


def pin_allows(pins: tuple[tuple[str, str], ...], institution: str) -> bool:
    """May a person with these pins (this year) be posted at `institution`?"""
    for kind, j in pins:
        if kind == "at" and institution != j:
            return False
        if kind == "not_at" and institution == j:
            return False
    return True


def allow_pins(cm: CommunityModel, cohort: Cohort, options: list[Option]) -> list[Option]:
    r"""Option filter. For a cohort whose members are pinned this year (year blank, or the
    year planned):

    .. math::
        x_{k,o} = 0 \ \text{ if } \exists\, at(k) = j: inst(o) \ne j
        \quad\text{or}\quad \exists\, not\_at(k) = j: inst(o) = j

    with `stay` read as `at` posted_at(k). Pinned people form cohorts of their own (same
    pins), so the filter is exact for every member.
    """
    if not cohort.pins:
        return options
    return [o for o in options if pin_allows(cohort.pins, o.institution)]


def define_pins(cm: CommunityModel) -> None:
    r"""A candidate pinned `at` an institution is hired (there, by `allow_pins`):

    .. math:: \sum_o x_{k,o} = n_k \qquad (k \text{ candidates with an } at \text{ pin})

    On_staff and contract members are posted anyway (rule 1). Named `pins[<cohort>]`.
    """
    for cohort in cm.cohorts:
        if cohort.status != StaffStatus.candidate or not any(kind == "at" for kind, _j in cohort.pins):
            continue
        terms: dict[int, float] = {cm.x[(cohort.index, o)]: 1 for o in range(len(cm.options[cohort.index]))}
        cm.add("pins", f"pins[{cohort.label}]", terms, Sense.eq, cohort.size)
