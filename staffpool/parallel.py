"""Communities solved in parallel processes; results merged in community order."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TYPE_CHECKING

from .domain import Instance, Mode

if TYPE_CHECKING:
    from .solve import CommunityOutcome, SolverProfile


def community_instance(instance: Instance, cid: str) -> Instance:
    """The part of an instance that belongs to one community (communities are independent)."""
    inst_ids = {i.id for i in instance.institutions if i.community == cid}
    return instance.model_copy(update={
        "communities": tuple(c for c in instance.communities if c.id == cid),
        "institutions": tuple(i for i in instance.institutions if i.community == cid),
        "staff": tuple(s for s in instance.staff if s.community == cid),
        "requirements": tuple(r for r in instance.requirements if r.institution in inst_ids),
        "workload": tuple(w for w in instance.workload if w.institution in inst_ids),
    })


def _work(sub: Instance, cid: str, mode: Mode, profile: SolverProfile, time_limit: float | None) -> CommunityOutcome:
    from .solve import solve_community

    return solve_community(sub, cid, mode, profile, time_limit)


def solve_parallel(
    instance: Instance,
    cids: list[str],
    mode: Mode,
    profile: SolverProfile,
    time_limit: float | None,
    workers: int,
    on_done: Callable[[CommunityOutcome], None] | None = None,
) -> list[CommunityOutcome]:
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    results: dict[str, CommunityOutcome] = {}
    with ProcessPoolExecutor(max_workers=min(workers, len(cids)), mp_context=ctx) as pool:
        futures = {pool.submit(_work, community_instance(instance, cid), cid, mode, profile, time_limit): cid for cid in cids}
        for fut in as_completed(futures):
            outcome = fut.result()
            results[futures[fut]] = outcome
            if on_done is not None:
                on_done(outcome)
    return [results[cid] for cid in cids]
