"""The domain: the county as staffpool sees it (institutions, staff, requirements, policy),
a plan (who is posted where, on which post), and the years (`year_view`, `advance`).

Plain pydantic models and functions of them: no solver, no files. Every layer above reads
these types; nothing here imports from above (tests/test_layers.py).
"""

from __future__ import annotations

from staffpool.domain.instance import (
    ANY_SPECIALTY,
    DEFAULT_OBJECTIVE,
    DEFAULT_SALARY,
    Budget,
    Community,
    Funding,
    Horizon,
    Instance,
    Institution,
    Level,
    Mode,
    NormRule,
    Pin,
    Policy,
    Requirement,
    RotationPolicy,
    StaffMember,
    StaffStatus,
    Tier,
    Title,
    TreasuryShare,
    WisnPolicy,
    WorkloadKind,
    WorkloadRow,
    distance_m,
    present,
    within_km,
    year_communities,
    year_requirements,
)
from staffpool.domain.plan import (
    Assignment,
    Plan,
    PostSource,
)
from staffpool.domain.years import (
    advance,
    year_view,
)

__all__ = ['ANY_SPECIALTY', 'DEFAULT_OBJECTIVE', 'DEFAULT_SALARY', 'Assignment', 'Budget', 'Community', 'Funding', 'Horizon', 'Instance', 'Institution', 'Level', 'Mode', 'NormRule', 'Pin', 'Plan', 'Policy', 'PostSource', 'Requirement', 'RotationPolicy', 'StaffMember', 'StaffStatus', 'Tier', 'Title', 'TreasuryShare', 'WisnPolicy', 'WorkloadKind', 'WorkloadRow', 'advance', 'distance_m', 'present', 'within_km', 'year_communities', 'year_requirements', 'year_view']
