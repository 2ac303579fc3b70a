"""The solvers behind the lexicographic driver: HiGHS in-process (`highs`, the default) and
CBC through PuLP (`cbc`). Both implement `Runner` (defined with the driver, which owns the
contract, in solving/lexicographic.py); `make_runner` picks one by the profile's backend.
"""

from __future__ import annotations

from staffpool.constants import SolverProfile
from staffpool.solving.lexicographic import Program, Runner
from staffpool.solving.runners.cbc import CbcRunner
from staffpool.solving.runners.highs import HighsRunner, WarmLP

__all__ = ["CbcRunner", "HighsRunner", "Program", "Runner", "WarmLP", "make_runner"]


def make_runner(program: Program, profile: SolverProfile) -> Runner:
    """The runner of the profile's backend ("highs" or "cbc") over `program`."""
    return HighsRunner(program, profile) if profile.backend == "highs" else CbcRunner(program, profile)
