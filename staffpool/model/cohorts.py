"""Cohorts: people who are interchangeable for every rule and level of model.md.

Two people are interchangeable when they share status, title, specialty, posted_at,
mobility, community, (on_staff) post funding and the pins that apply to them this year
(a pinned person's options are their own) and whether they owe grassroots service this
year, and their wishes (preferences.csv rows), when any person has some: every option,
constraint coefficient and
level coefficient of one is then the other's. `quota_holder` only enters the constant
vacancy counts, and `grassroots_due` only the rotation, so neither splits a cohort.
"""

from __future__ import annotations

from dataclasses import dataclass

from staffpool.domain.instance import Funding, Instance, Mode, StaffMember, StaffStatus, Title


@dataclass(frozen=True)
class Cohort:
    index: int
    status: StaffStatus
    title: Title
    specialty: str
    posted_at: str | None
    mobile: bool
    post_funding: Funding | None
    community: str
    members: tuple[str, ...]  # staff ids, sorted
    # The pins of this year, as ("at" | "not_at", institution); `stay` is "at" posted_at.
    pins: tuple[tuple[str, str], ...] = ()
    grassroots: bool = False  # owes grassroots service this year (township or village tier)
    wishes: tuple[tuple[str, int], ...] = ()  # (institution, rank) of each preference row

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def label(self) -> str:
        where = self.posted_at or self.community
        post = f":{self.post_funding.value}" if self.post_funding else ""
        fixed = "" if self.mobile else ":immobile"
        pinned = "".join(f":{kind}={j}" for kind, j in self.pins)
        owed = ":grassroots" if self.grassroots else ""
        wished = "".join(f":wish{r}={j}" for j, r in self.wishes)
        return f"{self.status.value}{post}:{self.title.value}:{self.specialty}@{where}{fixed}{pinned}{owed}{wished}"


def pin_key(instance: Instance, s: StaffMember) -> tuple[tuple[str, str], ...]:
    """The pins of `s` in the year planned, normalised and sorted (empty: not pinned)."""
    pins = instance.pins_now.get(s.id)
    if not pins:
        return ()
    out: set[tuple[str, str]] = set()
    for p in pins:
        if p.at is not None:
            out.add(("at", p.at))
        elif p.stay and s.posted_at is not None:
            out.add(("at", s.posted_at))
        elif p.not_at is not None:
            out.add(("not_at", p.not_at))
    return tuple(sorted(out))


def cohort_key(s: StaffMember, mode: Mode, pins: tuple[tuple[str, str], ...] = ()) -> tuple[object, ...]:
    # In `separate` nobody moves, so mobility cannot tell two people apart.
    mobile = True if mode == Mode.separate else s.mobile
    if s.status == StaffStatus.candidate:
        mobile = True
    return (s.status, s.title, s.specialty, s.posted_at or "", mobile, s.post_funding, s.community, pins,
            s.grassroots_years > 0)


def build_cohorts(instance: Instance, community: str, mode: Mode) -> list[Cohort]:
    groups: dict[tuple[object, ...], list[StaffMember]] = {}
    wishes = instance.wishes
    for s in instance.staff:
        if s.community == community:
            key = cohort_key(s, mode, pin_key(instance, s) if instance.pins else ())
            if wishes:  # without any row the keys, and so the cohorts' order, are as before
                key += (wishes.get(s.id, ()),)
            groups.setdefault(key, []).append(s)
    cohorts: list[Cohort] = []
    for key in sorted(groups, key=lambda k: tuple(str(v) for v in k)):
        people = groups[key]
        first = people[0]
        cohorts.append(
            Cohort(
                index=len(cohorts),
                status=first.status,
                title=first.title,
                specialty=first.specialty,
                posted_at=first.posted_at,
                mobile=bool(key[4]),
                post_funding=first.post_funding,
                community=community,
                members=tuple(sorted(p.id for p in people)),
                pins=key[7],  # type: ignore[arg-type]
                grassroots=bool(key[8]),
                wishes=key[9] if len(key) > 9 else (),  # type: ignore[arg-type]
            )
        )
    return cohorts
