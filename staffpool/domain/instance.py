"""The domain: what an instance is, independent of files and solvers.

Everything here is a pydantic v2 model or an enum. Nothing imports a solver or pandas.
Names follow model.md exactly (`posted_at`, `quota_holder`, `post_funding`, ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from staffpool.i18n import _


class Tier(StrEnum):
    county = "county"
    township = "township"
    village = "village"


class Funding(StrEnum):
    differential = "differential"
    full = "full"
    none = "none"


class StaffStatus(StrEnum):
    on_staff = "on_staff"
    contract = "contract"
    candidate = "candidate"


class Title(StrEnum):
    village_doctor = "village_doctor"
    resident = "resident"
    attending = "attending"
    deputy_chief = "deputy_chief"
    chief = "chief"

    @property
    def rank(self) -> int:
        return _TITLE_RANK[self]


_TITLE_RANK = {
    Title.village_doctor: 0,
    Title.resident: 1,
    Title.attending: 2,
    Title.deputy_chief: 3,
    Title.chief: 4,
}


class Mode(StrEnum):
    separate = "separate"
    county_pool = "county_pool"
    unified = "unified"


class Level(StrEnum):
    shortfall = "shortfall"
    moves = "moves"
    distance = "distance"
    hiring_cost = "hiring_cost"
    unregularised = "unregularised"
    treasury_cost = "treasury_cost"  # optional: not in the default order
    preference = "preference"  # people's wishes (preferences.csv): in the order when some row exists


class RotationLevel(StrEnum):
    covered = "covered"
    longest_trip = "longest_trip"
    distance = "distance"


DEFAULT_ROTATION_OBJECTIVE: tuple[RotationLevel, ...] = (
    RotationLevel.covered, RotationLevel.longest_trip, RotationLevel.distance)


class WorkloadKind(StrEnum):
    service = "service"
    support = "support"
    individual = "individual"


DEFAULT_OBJECTIVE: tuple[Level, ...] = (
    Level.shortfall,
    Level.moves,
    Level.distance,
    Level.hiring_cost,
    Level.unregularised,
)

# The order when some preference row exists and the policy names no objective: among the
# plans with fewest moves, wishes before kilometres (those who volunteered go).
PREFERENCE_OBJECTIVE: tuple[Level, ...] = (
    Level.shortfall,
    Level.moves,
    Level.preference,
    Level.distance,
    Level.hiring_cost,
    Level.unregularised,
)

# Sanming's annual-salary scale (yuan/year), the default of model.md.
DEFAULT_SALARY: dict[Title, int] = {
    Title.chief: 300000,
    Title.deputy_chief: 250000,
    Title.attending: 200000,
    Title.resident: 150000,
    Title.village_doctor: 100000,
}

ANY_SPECIALTY = "*"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RotationPolicy(_Frozen):
    periods: int = Field(4, ge=1)
    window: int = Field(2, ge=1)
    max_away_fraction: float = Field(0.1, ge=0.0, le=1.0)
    host_capacity: int = Field(2, ge=0)
    host_tiers: tuple[Tier, ...] = (Tier.township,)
    # Blank: the allocation's policy.max_distance_km applies to trips too.
    max_distance_km: float | None = Field(None, ge=0.0)
    # The levels in order; `longest_trip` may be left out or moved, covered comes before distance.
    objective: tuple[RotationLevel, ...] = DEFAULT_ROTATION_OBJECTIVE

    @model_validator(mode="after")
    def _window_divides(self) -> RotationPolicy:
        if self.periods % self.window != 0:
            raise ValueError(
                _("rotation.window {window} must divide rotation.periods {periods}").format(
                    window=self.window, periods=self.periods)
            )
        return self

    @field_validator("objective")
    @classmethod
    def _rotation_levels(cls, v: tuple[RotationLevel, ...]) -> tuple[RotationLevel, ...]:
        if len(set(v)) != len(v):
            raise ValueError(_("rotation.objective lists a level twice"))
        rest = [lvl for lvl in v if lvl != RotationLevel.longest_trip]
        if rest != [RotationLevel.covered, RotationLevel.distance]:
            raise ValueError(_("rotation.objective must list covered, then distance; longest_trip may come anywhere or be left out"))
        return v

    @property
    def windows(self) -> int:
        return self.periods // self.window


class WisnPolicy(_Frozen):
    working_days: float = Field(250, ge=0)
    public_holidays: float = Field(11, ge=0)
    annual_leave: float = Field(5, ge=0)
    sick_leave: float = Field(0, ge=0)
    other_leave: float = Field(0, ge=0)
    hours_per_day: float = Field(8, gt=0)

    @property
    def awt_hours(self) -> float:
        days = (
            self.working_days
            - self.public_holidays
            - self.annual_leave
            - self.sick_leave
            - self.other_leave
        )
        return days * self.hours_per_day


class NormRule(_Frozen):
    """A population norm: `per_population` people served need `staff` matching staff."""

    tier: Tier
    specialty: str = ANY_SPECIALTY
    min_title: Title = Title.village_doctor
    staff: float = Field(gt=0)
    per_population: int = Field(gt=0)
    weight: float = Field(1.0, ge=0)


class TreasuryShare(_Frozen):
    """The fraction of a post holder's salary the county treasury pays, by the post's funding."""

    full: float = Field(1.0, ge=0.0, le=1.0)  # category-1 (全额拨款)
    differential: float = Field(0.3, ge=0.0, le=1.0)  # category-2 (差额拨款): an assumption
    unified: float = Field(0.6, ge=0.0, le=1.0)  # posts taken in unified mode: an assumption

    def of(self, funding: str) -> float:
        """The share of a post of funding `full`, `differential` or `unified`."""
        return float(getattr(self, funding))


class Policy(_Frozen):
    mode: Mode = Mode.county_pool
    objective: tuple[Level, ...] = DEFAULT_OBJECTIVE
    max_distance_km: float | None = Field(None, ge=0.0)
    salary: dict[Title, int] = Field(default_factory=lambda: dict(DEFAULT_SALARY))
    county_managed_township_used: bool = True
    county_managed_village_used: bool = False
    township_used_at_county: bool = False
    township_recruited_village_used: bool = True
    rotation: RotationPolicy = RotationPolicy()
    wisn: WisnPolicy = WisnPolicy()
    requirements_from: tuple[Literal["wisn", "norms"], ...] = ()
    norms: tuple[NormRule, ...] = ()
    # Age at which people leave (staff `birth_year` + age = `leaves` when `leaves` is blank):
    # one number, or one per title (titles not named: 60).
    retirement_age: int | dict[Title, int] = 60

    @field_validator("retirement_age")
    @classmethod
    def _age_range(cls, v: int | dict[Title, int]) -> int | dict[Title, int]:
        for age in ([v] if isinstance(v, int) else v.values()):
            if not 16 <= age <= 100:
                raise ValueError(_("retirement_age {age} must be between 16 and 100").format(age=age))
        return v

    def retires_at(self, title: Title) -> int:
        if isinstance(self.retirement_age, int):
            return self.retirement_age
        return self.retirement_age.get(title, 60)
    treasury_share: TreasuryShare = TreasuryShare()
    balance_to_salary: float = Field(0.10, ge=0.0, le=1.0)

    @field_validator("objective")
    @classmethod
    def _levels_unique(cls, v: tuple[Level, ...]) -> tuple[Level, ...]:
        seen: set[Level] = set()
        for level in v:
            if level in seen:
                raise ValueError(_("objective level {level!r} is listed twice").format(level=level.value))
            seen.add(level)
        if not v:
            raise ValueError(_("objective must list at least one level"))
        return v

    @field_validator("salary", mode="before")
    @classmethod
    def _salary_defaults(cls, v: object) -> object:
        # A partial salary table overrides only the titles it names.
        if isinstance(v, dict):
            merged: dict[object, object] = {t.value: s for t, s in DEFAULT_SALARY.items()}
            merged.update(v)
            return merged
        return v

    @field_validator("salary")
    @classmethod
    def _salary_nonneg(cls, v: dict[Title, int]) -> dict[Title, int]:
        for title, amount in v.items():
            if amount < 0:
                raise ValueError(_("salary of {title} must be ≥ 0").format(title=title.value))
        return v

    def post_use_allowed(self, post: Funding, tier: Tier) -> bool:
        """The post-use table of model.md (county_pool): may a `post` post be used at `tier`?"""
        if post == Funding.differential:
            return {
                Tier.county: True,
                Tier.township: self.county_managed_township_used,
                Tier.village: self.county_managed_village_used,
            }[tier]
        if post == Funding.full:
            return {
                Tier.county: self.township_used_at_county,
                Tier.township: True,
                Tier.village: self.township_recruited_village_used,
            }[tier]
        return True


class Community(_Frozen):
    id: str
    name: str = ""
    hiring_budget: float | None = Field(None, ge=0)
    max_moves: int | None = Field(None, ge=0)
    treasury_budget: float | None = Field(None, ge=0)  # yuan a year the treasury may add
    insurance_balance: float | None = Field(None, ge=0)  # last year's retained insurance balance, yuan


class Institution(_Frozen):
    id: str
    name: str = ""
    community: str
    tier: Tier
    funding: Funding
    approved_posts: int = Field(0, ge=0)
    service_population: int = Field(0, ge=0)
    x_km: float = 0.0
    y_km: float = 0.0
    capacity: int | None = Field(None, ge=0)


class StaffMember(_Frozen):
    id: str
    name: str = ""
    status: StaffStatus
    title: Title
    specialty: str
    post_funding: Funding | None = None
    quota_holder: str | None = None
    posted_at: str | None = None
    community: str
    mobile: bool = True
    grassroots_due: bool = False
    leaves: int | None = None  # first year no longer available
    birth_year: int | None = None
    arrives: int | None = None  # candidates: first year they can be hired
    # Years of grassroots service (township or village tier) still owed, this year included:
    # given for candidates (targeted graduates: 6), carried by `advance` once they are hired.
    grassroots_years: int = Field(0, ge=0)
    # The rotation windows (from 1) in which the person may serve; empty: any.
    rotation_windows: tuple[int, ...] = ()

    def leaves_in(self, policy: Policy) -> int | None:
        """The first year the person is gone: `leaves`, else birth_year + retirement age."""
        if self.leaves is not None:
            return self.leaves
        if self.birth_year is not None:
            return self.birth_year + policy.retires_at(self.title)
        return None


class Requirement(_Frozen):
    institution: str
    specialty: str
    min_title: Title
    need: int = Field(ge=0)
    weight: float = Field(1.0, ge=0)
    year: int | None = None  # blank: every year; else this year only, replacing the yearless row

    def matches(self, specialty: str, title: Title) -> bool:
        return (
            self.specialty == ANY_SPECIALTY or self.specialty == specialty
        ) and title.rank >= self.min_title.rank


class WorkloadRow(_Frozen):
    institution: str
    specialty: str
    min_title: Title
    activity: str
    kind: WorkloadKind
    annual_volume: float | None = None
    unit_minutes: float | None = None
    hours_per_year: float | None = None
    staff_doing: float | None = None


class Pin(_Frozen):
    """A decision already taken by people (pins.csv): one of `at`, `stay`, `not_at`.

    `year` blank: every year of the horizon; otherwise that year only."""

    staff_id: str
    year: int | None = None
    at: str | None = None
    stay: bool = False
    not_at: str | None = None

    def applies(self, year: int | None) -> bool:
        return self.year is None or self.year == year

    def describe(self) -> str:
        what = (_("at {institution}").format(institution=self.at) if self.at else _("stay where posted") if self.stay
                else _("not at {institution}").format(institution=self.not_at))
        return what + ("" if self.year is None else _(" in {year}").format(year=self.year))


class Preference(_Frozen):
    """One row of preferences.csv: `staff_id` would work at `institution`, `rank` 1 first."""

    staff_id: str
    institution: str
    rank: int = Field(ge=1)


class Budget(_Frozen):
    """One row of budgets.csv: a community's limits in one year (None: the community's own)."""

    community: str
    year: int
    hiring_budget: float | None = Field(None, ge=0)
    max_moves: int | None = Field(None, ge=0)
    treasury_budget: float | None = Field(None, ge=0)


class Horizon(_Frozen):
    """`horizon: {start, years}` of instance.yaml. A single solve plans the year `start`."""

    start: int | None = None
    years: int = Field(1, ge=1)

    @property
    def year_list(self) -> list[int]:
        return [] if self.start is None else list(range(self.start, self.start + self.years))


def distance_m(a: Institution, b: Institution) -> int:
    """Euclidean distance in whole metres (model.md: km rounded to 3 decimals).

    Half a metre rounds up; computed once here so every rule, level and output agrees.
    The metres are first rounded to 6 decimals (micrometres): coordinates written with
    decimals then tie as written (10.0005 − 10.0000 km is half a metre, not 0.49999… m).
    """
    if a.id == b.id:
        return 0
    d_km = math.hypot(a.x_km - b.x_km, a.y_km - b.y_km)
    return math.floor(round(d_km * 1000.0, 6) + 0.5)


def within_km(metres: int, limit_km: float | None) -> bool:
    """Is a distance of `metres` within a km limit (None: no limit)?"""
    if limit_km is None:
        return True
    return metres <= limit_km * 1000.0 + 1e-6


_INSTANCE_CACHES = ("institution_by_id", "community_by_id", "staff_by_id", "pins_now", "wishes")


class Instance(_Frozen):
    name: str
    policy: Policy = Policy()
    communities: tuple[Community, ...]
    institutions: tuple[Institution, ...]
    staff: tuple[StaffMember, ...]
    requirements: tuple[Requirement, ...] = ()
    workload: tuple[WorkloadRow, ...] = ()
    pins: tuple[Pin, ...] = ()
    budgets: tuple[Budget, ...] = ()
    horizon: Horizon = Horizon()
    preferences: tuple[Preference, ...] = ()

    model_config = ConfigDict(frozen=True, extra="forbid", ignored_types=(cached_property,))

    @model_validator(mode="after")
    def _preference_order(self) -> Instance:
        # Wishes given and no objective named: they come after moves (docs/model.md, "Wishes").
        if self.preferences and "objective" not in self.policy.model_fields_set:
            object.__setattr__(self, "policy", self.policy.model_copy(update={"objective": PREFERENCE_OBJECTIVE}))
        return self

    @cached_property
    def wishes(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """Each person's preference rows as (institution, rank), by rank (no entry: no rows)."""
        out: dict[str, list[tuple[str, int]]] = {}
        for p in self.preferences:
            out.setdefault(p.staff_id, []).append((p.institution, p.rank))
        return {k: tuple(sorted(v, key=lambda w: (w[1], w[0]))) for k, v in out.items()}

    @cached_property
    def institution_by_id(self) -> dict[str, Institution]:
        return {i.id: i for i in self.institutions}

    @cached_property
    def community_by_id(self) -> dict[str, Community]:
        return {c.id: c for c in self.communities}

    @cached_property
    def staff_by_id(self) -> dict[str, StaffMember]:
        return {s.id: s for s in self.staff}

    @cached_property
    def pins_now(self) -> dict[str, tuple[Pin, ...]]:
        """The pins that apply in the year planned (`horizon.start`), by staff id."""
        out: dict[str, list[Pin]] = {}
        for p in self.pins:
            if p.applies(self.horizon.start):
                out.setdefault(p.staff_id, []).append(p)
        return {k: tuple(v) for k, v in out.items()}

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Instance:
        """A copy whose lookup maps are rebuilt: pydantic copies `__dict__`, cached maps included."""
        copy = super().model_copy(update=update, deep=deep)
        for key in _INSTANCE_CACHES:
            copy.__dict__.pop(key, None)
        return copy

    def with_policy(self, **changes: object) -> Instance:
        """A copy with some policy keys changed (validated)."""
        data = self.policy.model_dump()
        data.update(changes)
        return self.model_copy(update={"policy": Policy.model_validate(data)})

    def with_mode(self, mode: Mode | str) -> Instance:
        return self.with_policy(mode=Mode(mode))

    def salary(self, title: Title) -> int:
        return self.policy.salary[title]

    def distance_m(self, a: str, b: str) -> int:
        inst = self.institution_by_id
        return distance_m(inst[a], inst[b])


# ---------------------------------------------------------------- one year of a horizon


def present(instance: Instance, s: StaffMember, year: int) -> bool:
    """Is `s` available in `year`: not gone (leaves ≤ year) and, a candidate, arrived?"""
    gone = s.leaves_in(instance.policy)
    if gone is not None and gone <= year:
        return False
    return not (s.status == StaffStatus.candidate and s.arrives is not None and s.arrives > year)


def year_requirements(requirements: tuple[Requirement, ...], year: int) -> tuple[Requirement, ...]:
    """A row with this year replaces the yearless row of the same (institution, specialty,
    min_title); yearless rows apply every year; rows of other years not at all."""
    replaced = {(r.institution, r.specialty, r.min_title) for r in requirements if r.year == year}
    return tuple(
        r for r in requirements
        if r.year == year or (r.year is None and (r.institution, r.specialty, r.min_title) not in replaced)
    )


def year_communities(instance: Instance, year: int) -> tuple[Community, ...]:
    """Each community with that year's budgets.csv row applied (a blank cell keeps its own)."""
    rows = {(b.community, b.year): b for b in instance.budgets}
    out = []
    for c in instance.communities:
        b = rows.get((c.id, year))
        if b is None:
            out.append(c)
            continue
        update: dict[str, Any] = {}
        if b.hiring_budget is not None:
            update["hiring_budget"] = b.hiring_budget
        if b.max_moves is not None:
            update["max_moves"] = b.max_moves
        if b.treasury_budget is not None:
            update["treasury_budget"] = b.treasury_budget
        out.append(c.model_copy(update=update))
    return tuple(out)


def level_value(level: Level, value: float) -> float | int:
    """JSON-friendly: distance in km with 3 decimals, integral values as ints."""
    if level == Level.distance:
        return round(value, 3)
    if float(value).is_integer():
        return int(value)
    return round(value, 9)

