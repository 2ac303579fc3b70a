"""Communities solved in parallel processes; results merged in community order."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

from .domain import Instance, Level, Mode

if TYPE_CHECKING:
    from .constants import SolverProfile
    from .solve import CommunityOutcome


def community_instance(instance: Instance, cid: str) -> Instance:
    """The part of an instance that belongs to one community (communities are independent)."""
    return community_instances(instance, [cid])[cid]


def community_instances(instance: Instance, cids: list[str]) -> dict[str, Instance]:
    """Every community's part, in one pass over the tables."""
    wanted = set(cids)
    inst_comm = {i.id: i.community for i in instance.institutions}
    parts: dict[str, dict[str, list[Any]]] = {
        c: {"communities": [], "institutions": [], "staff": [], "requirements": [], "workload": []} for c in cids
    }
    for c in instance.communities:
        if c.id in wanted:
            parts[c.id]["communities"].append(c)
    for i in instance.institutions:
        if i.community in wanted:
            parts[i.community]["institutions"].append(i)
    for s in instance.staff:
        if s.community in wanted:
            parts[s.community]["staff"].append(s)
    for key, rows in (("requirements", instance.requirements), ("workload", instance.workload)):
        for r in rows:
            comm = inst_comm.get(r.institution)
            if comm in wanted:
                parts[comm][key].append(r)
    return {c: instance.model_copy(update={k: tuple(v) for k, v in parts[c].items()}) for c in cids}


# Filled before the pool forks: workers read their community from here instead of having
# it pickled to them (1,400 pydantic staff per community), and report the level they solve
# on the queue.
_SUBS: dict[str, Instance] = {}
_LEVELS: Any = None


def _report_level(cid: str, level: Level) -> None:
    if _LEVELS is not None:
        _LEVELS.put((cid, level))


def _work(cid: str, sub: Instance | None, mode: Mode, profile: SolverProfile, time_limit: float | None
          ) -> CommunityOutcome:
    from .solve import solve_community

    return solve_community(sub if sub is not None else _SUBS[cid], cid, mode, profile, time_limit, _report_level)


def solve_parallel(
    instance: Instance,
    cids: list[str],
    mode: Mode,
    profile: SolverProfile,
    time_limit: float | None,
    workers: int,
    on_done: Callable[[CommunityOutcome], None] | None = None,
    on_level: Callable[[str, Level], None] | None = None,
) -> list[CommunityOutcome]:
    import multiprocessing as mp
    import threading

    global _LEVELS
    fork = "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork") if fork else None
    subs = community_instances(instance, cids)
    results: dict[str, CommunityOutcome] = {}
    _SUBS.clear()
    _SUBS.update(subs)
    reader = None
    if on_level is not None and ctx is not None:
        _LEVELS = ctx.Queue()

        def relay(q: Any, report: Callable[[str, Level], None]) -> None:
            for item in iter(q.get, None):
                report(*item)

        reader = threading.Thread(target=relay, args=(_LEVELS, on_level), daemon=True)
        reader.start()
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(cids)), mp_context=ctx) as pool:
            futures = {pool.submit(_work, cid, None if fork else subs[cid], mode, profile, time_limit): cid
                       for cid in cids}
            for fut in as_completed(futures):
                outcome = fut.result()
                results[futures[fut]] = outcome
                if on_done is not None:
                    on_done(outcome)
    finally:
        _SUBS.clear()
        if reader is not None:
            _LEVELS.put(None)
            reader.join(timeout=5)
            _LEVELS = None
    return [results[cid] for cid in cids]
