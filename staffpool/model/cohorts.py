"""Cohorts: people who are interchangeable for every rule and level of model.md.

Two people are interchangeable when they share status, title, specialty, posted_at,
mobility, community and (on_staff) post funding: every option, constraint coefficient and
level coefficient of one is then the other's. `quota_holder` only enters the constant
vacancy counts, and `grassroots_due` only the rotation, so neither splits a cohort.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import Funding, Instance, Mode, StaffMember, StaffStatus, Title


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

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def label(self) -> str:
        where = self.posted_at or self.community
        post = f":{self.post_funding.value}" if self.post_funding else ""
        fixed = "" if self.mobile else ":immobile"
        return f"{self.status.value}{post}:{self.title.value}:{self.specialty}@{where}{fixed}"


def cohort_key(s: StaffMember, mode: Mode) -> tuple[object, ...]:
    # In `separate` nobody moves, so mobility cannot tell two people apart.
    mobile = True if mode == Mode.separate else s.mobile
    if s.status == StaffStatus.candidate:
        mobile = True
    return (s.status, s.title, s.specialty, s.posted_at or "", mobile, s.post_funding, s.community)


def build_cohorts(instance: Instance, community: str, mode: Mode) -> list[Cohort]:
    groups: dict[tuple[object, ...], list[StaffMember]] = {}
    for s in instance.staff:
        if s.community == community:
            groups.setdefault(cohort_key(s, mode), []).append(s)
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
            )
        )
    return cohorts
