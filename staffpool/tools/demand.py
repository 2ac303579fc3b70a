"""`staffpool demand`: the WISN table and the requirement rows it derives, as a result and as files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from staffpool.domain.demand import WISN_COLUMNS, derive_requirements, wisn_table
from staffpool.domain.instance import Instance, Requirement
from staffpool.outputs.files import csv_text, ensure_not_input, refuse_existing, write_files_atomic

if TYPE_CHECKING:
    import pandas as pd

DEMAND_FILES = ("wisn.csv", "requirements.csv")
REQUIREMENT_COLUMNS = ["institution", "specialty", "min_title", "need", "weight"]


@dataclass
class Demand:
    """Staffing need from workload (WHO WISN): `table` (pandas, wisn.csv: per cadre AWT,
    required, need, current, ratio), `requirements` (the rows WISN derives), `summary`
    (what `demand --json` prints) and `write(folder)`.

        >>> d = staffpool.demand("instances/hiv-clinic-wisn")
        >>> d.table[["cadre", "required"]]
    """

    instance: Instance
    table: pd.DataFrame

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """The requirement rows WISN derives (requirements.csv)."""
        derived, _info = derive_requirements(self.instance.with_policy(requirements_from=["wisn"]))
        return derived.requirements

    @property
    def summary(self) -> dict[str, Any]:
        """{"cadres": [...]}: a row per cadre, NaN as null."""
        rows = self.table[WISN_COLUMNS].to_dict(orient="records")
        return {"cadres": [{str(k): (None if v != v else v) for k, v in r.items()} for r in rows]}

    def write(self, out: str | Path, force: bool = False, input_files: list[Path] | None = None) -> list[Path]:
        """wisn.csv (the cadres) and requirements.csv (the rows WISN derives) into the folder
        `out`: never over an input file, over an earlier run's files only with `force`.
        Returns the paths written."""
        out = Path(out)
        ensure_not_input(out, DEMAND_FILES, input_files or [])
        refuse_existing([out / n for n in DEMAND_FILES], force)
        cadres = ([None if isinstance(v, float) and v != v else v for v in r]
                  for r in self.table[WISN_COLUMNS].itertuples(index=False, name=None))
        reqs = ([r.institution, r.specialty, r.min_title.value, r.need, f"{r.weight:g}"] for r in self.requirements)
        write_files_atomic(out, {"wisn.csv": csv_text(WISN_COLUMNS, cadres),
                                 "requirements.csv": csv_text(REQUIREMENT_COLUMNS, reqs)})
        return [out / n for n in DEMAND_FILES]


def demand(instance: Instance) -> Demand:
    """The WISN table of `instance` (and, on request, the requirement rows it derives)."""
    return Demand(instance, wisn_table(instance))
