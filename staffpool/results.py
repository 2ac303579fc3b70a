"""Results as pandas tables and the summary as a pydantic model; writing them atomically."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel

from .check import PostSource, requirement_coverage
from .domain import Level, Status
from .io import write_files_atomic, write_json_atomic

if TYPE_CHECKING:
    from .solve import Result

ASSIGNMENT_COLUMNS = [
    "staff_id", "status", "title", "specialty", "from_institution", "to_institution", "moved",
    "distance_km", "post_funding", "post_source", "change",
]
INSTITUTION_COLUMNS = ["id", "tier", "funding", "staff_before", "staff_after", "need", "short", "name", "community"]


class Summary(BaseModel):
    instance: str
    mode: str
    solver: str
    status: str
    objective: dict[str, float | int]
    timings_s: dict[str, float]
    counts: dict[str, int]
    communities: list[dict[str, Any]] = []
    requirements_derived: list[dict[str, Any]] = []


def level_value(level: Level, value: float) -> float | int:
    """JSON-friendly: distance in km with 3 decimals, integral values as ints."""
    if level == Level.distance:
        return round(value, 3)
    if float(value).is_integer():
        return int(value)
    return round(value, 9)


def assignments_table(result: Result) -> pd.DataFrame:
    inst = result.instance.institution_by_id
    rows = []
    for s in result.instance.staff:
        a = result.plan.get(s.id)
        to = a.to_institution if a is not None else None
        source = a.post_source if a is not None else None
        funding = a.post_funding if a is not None else None
        moved = s.status != Status.candidate and to is not None and to != s.posted_at
        if s.status == Status.candidate:
            dist: float | None = None
            change = "hire" if to else "not_hired"
        else:
            dist = result.instance.distance_m(s.posted_at, to) / 1000.0 if moved and s.posted_at and to in inst else 0.0
            if source == PostSource.regularised:
                change = "regularise_move" if moved else "regularise"
            else:
                change = "move" if moved else "stay"
        rows.append({
            "staff_id": s.id, "status": s.status.value, "title": s.title.value, "specialty": s.specialty,
            "from_institution": s.posted_at or "", "to_institution": to or "", "moved": moved,
            "distance_km": dist, "post_funding": funding or "", "post_source": source or "", "change": change,
        })
    return pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)


def requirements_table(result: Result) -> pd.DataFrame:
    cover = requirement_coverage(result.instance, result.plan)
    rows = [
        {"institution": r.institution, "specialty": r.specialty, "min_title": r.min_title.value,
         "need": r.need, "weight": r.weight, "covered": c, "short": sh}
        for r, (c, sh) in zip(result.instance.requirements, cover, strict=True)
    ]
    return pd.DataFrame(rows, columns=["institution", "specialty", "min_title", "need", "weight", "covered", "short"])


def institutions_table(result: Result) -> pd.DataFrame:
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    for s in result.instance.staff:
        if s.posted_at:
            before[s.posted_at] = before.get(s.posted_at, 0) + 1
        a = result.plan.get(s.id)
        if a is not None and a.to_institution:
            after[a.to_institution] = after.get(a.to_institution, 0) + 1
    per_inst = result.requirements.groupby("institution")[["need", "short"]].sum()
    need = {str(k): int(v) for k, v in per_inst["need"].items()}
    short = {str(k): int(v) for k, v in per_inst["short"].items()}
    rows = [
        {"id": i.id, "tier": i.tier.value, "funding": i.funding.value, "staff_before": before.get(i.id, 0),
         "staff_after": after.get(i.id, 0), "need": need.get(i.id, 0), "short": short.get(i.id, 0),
         "name": i.name, "community": i.community}
        for i in result.instance.institutions
    ]
    return pd.DataFrame(rows, columns=INSTITUTION_COLUMNS)


def make_summary(result: Result) -> Summary:
    a = result.assignments if result.plan else None
    counts = {
        "staff": len(result.instance.staff),
        "institutions": len(result.instance.institutions),
        "moves": int(a["moved"].sum()) if a is not None else 0,
        "hires": int((a["change"] == "hire").sum()) if a is not None else 0,
        "regularised": int((a["post_source"] == "regularised").sum()) if a is not None else 0,
    }
    communities = [
        {
            "community": o.community, "status": o.status.value, "variables": o.variables,
            "constraints": o.constraints, "build_s": round(o.build_s, 4), "solve_s": round(o.solve_s, 4),
            **({"reason": o.reason, "reasons": o.reasons} if o.reason else {}),
        }
        for o in result.outcomes
    ]
    return Summary(
        instance=result.instance.name,
        mode=result.mode.value,
        solver=result.solver,
        status=result.status.value,
        objective={lvl.value: level_value(lvl, v) for lvl, v in result.objective.items()},
        timings_s=result.timings,
        counts=counts,
        communities=communities,
        requirements_derived=list(getattr(result, "derived", []) or []),
    )


def _csv(df: pd.DataFrame) -> str:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].map({True: "true", False: "false"})
    if "distance_km" in out.columns:
        out["distance_km"] = out["distance_km"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    return str(out.to_csv(index=False, lineterminator="\n"))


def write_result(result: Result, out: Path, input_files: list[Path] | None = None) -> list[Path]:
    """Write the solution files of interface.md; each lands whole or not at all."""
    from .io import ensure_not_input

    files = {
        "assignments.csv": _csv(result.assignments),
        "requirements.csv": _csv(result.requirements),
        "institutions.csv": _csv(result.institutions),
    }
    ensure_not_input(out, [*files, "summary.json"], input_files or [])
    write_files_atomic(out, files)
    write_json_atomic(out / "summary.json", result.summary.model_dump(mode="json"))
    return [out / n for n in [*files, "summary.json"]]
