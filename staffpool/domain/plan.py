"""A plan: where each person is posted and which post they hold."""

from __future__ import annotations

from dataclasses import dataclass


class PostSource:
    existing = "existing"
    regularised = "regularised"
    hired = "hired"


@dataclass(frozen=True)
class Assignment:
    """One person's decision: where they are posted and which post they hold."""

    staff_id: str
    to_institution: str | None
    post_funding: str | None = None  # "full", "differential", "unified" or None
    post_source: str | None = None  # "existing", "regularised", "hired" or None


Plan = dict[str, Assignment]

