"""`staffpool demand`: the WISN table and derived requirement rows as files."""

from __future__ import annotations

from pathlib import Path

from staffpool.domain.demand import WISN_COLUMNS, derive_requirements, wisn_table
from staffpool.domain.instance import Instance
from staffpool.outputs.files import csv_text, ensure_not_input, refuse_existing, write_files_atomic

DEMAND_FILES = ("wisn.csv", "requirements.csv")


def write_demand(instance: Instance, out: Path, input_files: list[Path] | None = None, force: bool = False) -> None:
    """wisn.csv (the cadres) and requirements.csv (the rows WISN derives) into the folder `out`:
    never over an input file, over an earlier run's files only with `force`."""

    ensure_not_input(out, DEMAND_FILES, input_files or [])
    refuse_existing([out / n for n in DEMAND_FILES], force)
    table = wisn_table(instance)
    cadres = ([None if isinstance(v, float) and v != v else v for v in r]
              for r in table[WISN_COLUMNS].itertuples(index=False, name=None))
    derived, _info = derive_requirements(instance.with_policy(requirements_from=["wisn"]))
    reqs = ([r.institution, r.specialty, r.min_title.value, r.need, f"{r.weight:g}"] for r in derived.requirements)
    write_files_atomic(out, {"wisn.csv": csv_text(WISN_COLUMNS, cadres),
                             "requirements.csv": csv_text(["institution", "specialty", "min_title", "need", "weight"], reqs)})

