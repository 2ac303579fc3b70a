"""Pins (pins.csv): decisions already taken by people, held as hard rules."""

from __future__ import annotations

from dataclasses import replace

from staffpool.domain.instance import StaffStatus
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option
from staffpool.model.horizon import ArcSpace, Klass, YearOptions
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


def allow_pins_years(space: ArcSpace, k: Klass, year: int, options: YearOptions) -> YearOptions:
    r"""Year form. The pins that apply in year y (year blank, or y) of the class's members
    (pinned people form classes of their own: the same pins every year):

    .. math::
        f_a = 0 \ \text{ for every arc } a \text{ of } y \text{ into } (j, q) \text{ if }
        \exists\, at(k, y) \ne j \text{ or } \exists\, not\_at(k, y) = j

    `stay` keeps them where the year before left them (:math:`f_a = 0` if from(a) ≠ to(a));
    a candidate pinned `at` has no arc to `out` that year, so is hired (the year form of
    `define_pins`). Before a candidate arrives no pin applies: they are not there yet.
    """
    pins = k.pins.get(year, ())
    if not pins:
        return options
    at = options.at & space.per_institution([pin_allows(pins, j.id) for j in space.institutions])
    move = space.meet(options.move, space.stay) if any(kind == "stay" for kind, _j in pins) else options.move
    out = options.out and not any(kind == "at" for kind, _j in pins)
    return replace(options, at=at, move=move, out=out)


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
