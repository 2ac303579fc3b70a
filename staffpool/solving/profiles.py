"""Named solver profiles (solvers/*.yaml)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from staffpool.constants import SolverProfile
from staffpool.errors import UsageError
from staffpool.i18n import _

if TYPE_CHECKING:
    pass


def solver_dirs() -> list[Path]:
    here = Path(__file__).resolve().parents[1]  # the package folder
    dirs = []
    if os.environ.get("STAFFPOOL_SOLVERS"):
        dirs.append(Path(os.environ["STAFFPOOL_SOLVERS"]))
    dirs += [here.parent / "solvers", here / "_solvers"]
    return dirs


def list_profiles() -> list[str]:
    names: set[str] = set()
    for d in solver_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.yaml"))
    return sorted(names)


def load_profile(name: str) -> SolverProfile:
    """A named profile from solvers/ (or a path to a .yaml file)."""
    import yaml

    candidates = [Path(name)] if name.endswith((".yaml", ".yml")) else [d / f"{name}.yaml" for d in solver_dirs()]
    for p in candidates:
        if p.is_file():
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
            try:
                prof = SolverProfile(name=p.stem, **data)
            except TypeError as exc:
                raise UsageError(_("{path}: bad solver profile: {error}").format(path=p, error=exc)) from None
            if prof.backend not in ("highs", "cbc"):
                raise UsageError(_("{path}: backend must be highs or cbc, not {backend!r}").format(path=p, backend=prof.backend))
            return prof
    raise UsageError(_("unknown solver {name!r}: choose one of {choices}").format(
        name=name, choices=", ".join(list_profiles()) or "highs, cbc"))

