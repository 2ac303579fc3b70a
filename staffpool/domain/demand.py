"""Staffing need from workload (WHO WISN, docs/demand.md) and population norms."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from staffpool.domain.instance import ANY_SPECIALTY, Instance, Requirement, StaffStatus, Title, WorkloadKind

if TYPE_CHECKING:
    import pandas as pd

WISN_COLUMNS = ["institution", "specialty", "min_title", "awt_hours", "required", "need", "current", "wisn_ratio"]


def _ceil(x: float) -> int:
    return math.ceil(round(x, 9))  # 18.000000000001 is 18, not 19


def _current(instance: Instance, institution: str, specialty: str, min_title: Title) -> int:
    return sum(
        1 for s in instance.staff
        if s.status != StaffStatus.candidate and s.posted_at == institution
        and (specialty == ANY_SPECIALTY or s.specialty == specialty) and s.title.rank >= min_title.rank
    )


def wisn_table(instance: Instance) -> pd.DataFrame:
    """Per cadre (institution, specialty, min_title): AWT, required, need, current, ratio."""
    import pandas as pd  # heavy: imported when used, not at start-up (docs/architecture.md)

    awt = instance.policy.wisn.awt_hours
    cadres: dict[tuple[str, str, Title], dict[str, float]] = {}
    for w in instance.workload:
        c = cadres.setdefault((w.institution, w.specialty, w.min_title), {"service": 0.0, "support": 0.0, "iaf": 0.0})
        if w.kind == WorkloadKind.service:
            standard = awt * 60.0 / float(w.unit_minutes or 1.0)
            c["service"] += float(w.annual_volume or 0.0) / standard
        elif w.kind == WorkloadKind.support:
            c["support"] += float(w.hours_per_year or 0.0)
        else:
            c["iaf"] += float(w.hours_per_year or 0.0) * float(w.staff_doing or 0.0) / awt
    rows = []
    for (inst, spec, title), c in cadres.items():
        caf = 1.0 / (1.0 - c["support"] / awt)
        required = c["service"] * caf + c["iaf"]
        current = _current(instance, inst, spec, title)
        rows.append({
            "institution": inst, "specialty": spec, "min_title": title.value, "awt_hours": round(awt, 2),
            "required": round(required, 2), "need": _ceil(required), "current": current,
            "wisn_ratio": round(current / required, 2) if required > 0 else None,
            "service_staff": round(c["service"], 4), "caf": round(caf, 4), "iaf": round(c["iaf"], 4),
            "shortage": _ceil(required) - current,
        })
    return pd.DataFrame(rows, columns=[*WISN_COLUMNS, "service_staff", "caf", "iaf", "shortage"])


def norm_rows(instance: Instance) -> list[Requirement]:
    """Population norms: need = ⌈service_population × staff / per_population⌉ per institution of the tier."""
    out = []
    for rule in instance.policy.norms:
        for i in instance.institutions:
            if i.tier == rule.tier:
                out.append(Requirement(institution=i.id, specialty=rule.specialty, min_title=rule.min_title,
                                       need=_ceil(i.service_population * rule.staff / rule.per_population),
                                       weight=rule.weight))
    return out


def derive_requirements(instance: Instance) -> tuple[Instance, list[dict[str, Any]]]:
    """Replace hand-typed rows of cadres that have derived ones (wisn wins over norms)."""
    sources = instance.policy.requirements_from
    if not sources:
        return instance, []
    derived: dict[tuple[str, str, str], tuple[str, Requirement]] = {}
    hand = {(r.institution, r.specialty, r.min_title.value): r for r in instance.requirements}
    if "norms" in sources:
        for r in norm_rows(instance):
            derived[(r.institution, r.specialty, r.min_title.value)] = ("norms", r)
    if "wisn" in sources:
        for row in wisn_table(instance).itertuples():
            key = (str(row.institution), str(row.specialty), str(row.min_title))
            weight = hand[key].weight if key in hand else 1.0
            derived[key] = ("wisn", Requirement(institution=key[0], specialty=key[1], min_title=Title(key[2]),
                                                need=int(str(row.need)), weight=weight))
    kept = [r for r in instance.requirements if (r.institution, r.specialty, r.min_title.value) not in derived]
    new = [r for _src, r in derived.values()]
    info = [{"source": src, "institution": r.institution, "specialty": r.specialty, "min_title": r.min_title.value,
             "need": r.need, "weight": r.weight} for src, r in derived.values()]
    return instance.model_copy(update={"requirements": tuple(kept + new)}), info




