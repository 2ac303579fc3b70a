"""Where tasks run: this process, a local process pool, or a Dask cluster.

A task works on one community. `Engine.run(subs, tasks, fn, on_result)` calls
`fn(subs[task.community], task)` for every task, somewhere, and `on_result(task, result)`
here as each one finishes (in finishing order). `fn` must be a module-level function (it
travels by name to other processes and machines).

- `LocalEngine(workers)`: forked worker processes that inherit the communities (nothing
  pickled), or this process for one worker.
- `DaskEngine(scheduler)`: `tcp://HOST:PORT` (a cluster started with `dask scheduler` and
  `dask worker`) or `dask` (a local cluster of `workers` processes, one thread each).
  Each community's data goes to the cluster once: inside its task when it has one (a
  solve), else as a small task that unpacks it, whose result the workers running that
  community's tasks fetch once and keep. A task (not
  `client.scatter`) so that Dask can run it again when the worker holding it dies: Dask
  reschedules a dead worker's tasks by itself, and nothing is lost but their time.

`solve_on` solves the communities of one instance on an engine, as `scale.sweep` runs its
chains on one: there is one local engine and one Dask engine for every kind of work. A task
may report progress (`report_progress`); the local engine relays it from its workers.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, Protocol

from staffpool.constants import SolverProfile
from staffpool.domain.instance import Instance, Level, Mode
from staffpool.errors import UsageError
from staffpool.i18n import _, language, set_language
from staffpool.solving.community import CommunityOutcome, solve_community

Fn = Callable[[Instance, Any], Any]
OnResult = Callable[[Any, Any], None]


class Engine(Protocol):
    name: str
    workers: int

    def run(self, subs: dict[str, Instance], tasks: Sequence[Any], fn: Fn, on_result: OnResult,
            on_progress: Callable[..., None] | None = None) -> None: ...


def make_engine(scheduler: str | None, workers: int | None) -> Engine:
    """`None`: the local process pool; `dask`: a local Dask cluster; `tcp://…`: that cluster."""
    w = workers if workers is not None else max(1, os.cpu_count() or 1)
    if scheduler is None:
        return LocalEngine(w)
    if scheduler == "dask" or "://" in scheduler:
        return DaskEngine(scheduler, w)
    raise UsageError(_("--scheduler {scheduler!r}: give tcp://HOST:PORT of a Dask scheduler, or 'dask' for a local cluster").format(scheduler=scheduler))


# ---------------------------------------------------------------- local

# Filled before the pool forks: workers read their community from here instead of having it
# pickled to them (1,400 pydantic staff per community).
_SUBS: dict[str, Instance] = {}
# Where a running task's progress goes: a queue read by the parent (forked workers), a
# callable (this process), or nowhere.
_PROGRESS: Any = None


def report_progress(*item: Any) -> None:
    """Called by a task (e.g. with a community and the level it starts): reaches the
    `on_progress` of the engine's caller; nothing when nobody listens (Dask)."""
    target = _PROGRESS
    if target is None:
        return
    if callable(target):
        target(*item)
    else:
        target.put(item)


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """The objects alive when the tasks start (the instance above all: 1,400 pydantic staff
    a community) live until they end: the garbage collector leaves them out of its passes
    meanwhile (`gc.freeze`). Python's docs advise it before a fork: a forked worker whose
    collector traverses them writes to every page they sit on and so copies it. In this
    process too each full pass then walks only what the tasks made (the 80-community
    province: 1.2 s of collection in 20 s). Unfrozen after: a long-lived process (the
    workspace's worker) collects them again."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _local(fn: Fn, cid: str, sub: Instance | None, task: Any) -> Any:
    return fn(sub if sub is not None else _SUBS[cid], task)


class LocalEngine:
    name = "local"

    def __init__(self, workers: int):
        self.workers = max(1, workers)

    def run(self, subs: dict[str, Instance], tasks: Sequence[Any], fn: Fn, on_result: OnResult,
            on_progress: Callable[..., None] | None = None) -> None:
        global _PROGRESS
        with _frozen_heap():
            if self.workers == 1 or len(tasks) <= 1:
                _PROGRESS = on_progress
                try:
                    for t in tasks:
                        on_result(t, fn(subs[t.community], t))
                finally:
                    _PROGRESS = None
                return
            self._run_pool(subs, tasks, fn, on_result, on_progress)

    def _run_pool(self, subs: dict[str, Instance], tasks: Sequence[Any], fn: Fn, on_result: OnResult,
                  on_progress: Callable[..., None] | None) -> None:
        import multiprocessing as mp
        import threading

        global _PROGRESS
        fork = "fork" in mp.get_all_start_methods()
        ctx = mp.get_context("fork") if fork else None
        _SUBS.clear()
        _SUBS.update(subs)
        reader = None
        if on_progress is not None and ctx is not None:
            _PROGRESS = ctx.Queue()  # inherited by the forked workers

            def relay(q: Any, report: Callable[..., None]) -> None:
                for item in iter(q.get, None):
                    report(*item)

            reader = threading.Thread(target=relay, args=(_PROGRESS, on_progress), daemon=True)
            reader.start()
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(tasks)), mp_context=ctx)
        try:
            futures = {pool.submit(_local, fn, t.community, None if fork else subs[t.community], t): t for t in tasks}
            for fut in as_completed(futures):
                on_result(futures[fut], fut.result())
        except BaseException:
            # Ctrl-C or a failed task: running tasks are abandoned, queued ones never start.
            procs = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                proc.terminate()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            _SUBS.clear()
            if reader is not None:
                _PROGRESS.put(None)
                reader.join(timeout=5)
            _PROGRESS = None


# ---------------------------------------------------------------- Dask


def _unpack(blob: bytes) -> Instance:
    import pickle
    import zlib

    return pickle.loads(zlib.decompress(blob))  # our own bytes, made in `DaskEngine.run`


def _on_dask(fn: Fn, sub: Instance | bytes, task: Any, lang: str = "en") -> Any:
    # A worker is another process, maybe on another machine: the reasons it writes (an
    # infeasible community's) follow the language of the command, not the worker's locale.

    set_language(lang)
    return fn(_unpack(sub) if isinstance(sub, bytes) else sub, task)


class DaskEngine:
    name = "dask"

    def __init__(self, scheduler: str, workers: int, retries: int = 2, connect_timeout: float = 20.0):
        self.scheduler = scheduler
        self.workers = max(1, workers)
        self.retries = retries
        self.connect_timeout = connect_timeout

    def _client(self) -> tuple[Any, Any]:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError(_("--scheduler needs Dask: pip install 'staffpool[dask]'")) from None
        if self.scheduler == "dask":
            import logging

            import dask

            # The workers' statistical profiler samples every thread's stack each 10 ms: on 40
            # counties it cost 6 s of CPU in 41 (docs/scale.md). Spawned workers read the
            # environment.
            os.environ.setdefault("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "False")
            dask.config.set({"distributed.worker.profile.enabled": False})
            # The nanny sets MALLOC_TRIM_THRESHOLD_ in its workers (to hand freed memory back
            # to the system at once); setting it also stops glibc from raising its mmap
            # threshold, so every numpy array of a program is a fresh mmap, page faults and a
            # munmap: 1.4 s of system CPU per worker on 40 counties, 0.2 s without
            # (docs/scale.md). Unset in the workers of the cluster this command starts.
            environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
            environ["MALLOC_TRIM_THRESHOLD_"] = None  # None: not set (distributed.nanny)
            dask.config.set({"distributed.nanny.pre-spawn-environ": environ})
            # Its workers log to this terminal; at shutdown they report the scheduler gone.
            # Its scheduler's web server on a free port: the default 8787 may be taken (another
            # cluster), and Dask then warns on stderr.
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.CRITICAL)
            return Client(cluster), cluster
        try:
            return Client(self.scheduler, timeout=self.connect_timeout), None
        except (OSError, TimeoutError) as exc:
            raise UsageError(_("--scheduler {scheduler}: cannot reach the Dask scheduler ({error})").format(scheduler=self.scheduler, error=exc)) from None

    def run(self, subs: dict[str, Instance], tasks: Sequence[Any], fn: Fn, on_result: OnResult,
            on_progress: Callable[..., None] | None = None) -> None:
        # Progress from the cluster's workers is not relayed: `on_result` is.
        import hashlib
        import pickle
        import uuid
        import zlib

        from distributed import as_completed as dask_completed

        client, cluster = self._client()
        run_id = uuid.uuid4().hex[:12]
        futures: dict[Any, Any] = {}
        finished = False
        try:
            # A community's data, then its tasks: the workers start on the first community
            # while the next ones are packed (pickling 400 counties takes 15 s).

            lang = language()
            by_community: dict[str, list[tuple[int, Any]]] = {}
            for i, t in enumerate(tasks):
                by_community.setdefault(t.community, []).append((i, t))
            for cid, its in by_community.items():
                blob = zlib.compress(pickle.dumps(subs[cid], protocol=pickle.HIGHEST_PROTOCOL), 1)
                data: Any = blob  # one task (a solve): the data travels in it, no task of its own
                if len(its) > 1:
                    digest = hashlib.sha1(blob).hexdigest()[:12]
                    data = client.submit(_unpack, blob, key=f"staffpool-community-{cid}-{digest}", pure=False)
                for i, t in its:
                    fut = client.submit(_on_dask, fn, data, t, lang, key=f"staffpool-task-{run_id}-{i}",
                                        pure=False, retries=self.retries)
                    futures[fut] = t
            for fut in dask_completed(list(futures)):
                on_result(futures[fut], fut.result())
            finished = True
        finally:
            if futures and not finished:  # Ctrl-C or a failed task: stop what is queued
                client.cancel(list(futures), force=True)
            client.close()
            if cluster is not None:
                cluster.close()


# ---------------------------------------------------------------- solve on an engine


class _CommunityTask:
    def __init__(self, community: str, mode: Mode, profile: SolverProfile, time_limit: float | None):
        self.community, self.mode, self.profile, self.time_limit = community, mode, profile, time_limit


def _solve_one(sub: Instance, task: _CommunityTask) -> CommunityOutcome:
    return solve_community(sub, task.community, task.mode, task.profile, task.time_limit, report_progress)


def solve_on(engine: Engine, instance: Instance, cids: list[str], mode: Mode, profile: SolverProfile,
             time_limit: float | None, on_done: Callable[[CommunityOutcome], None] | None = None,
             on_level: Callable[[str, Level], None] | None = None) -> list[CommunityOutcome]:
    """Every community solved on `engine`; the outcomes in `cids` order. Workers elsewhere
    get only their community's part of the instance; this process uses it whole."""
    results: dict[str, CommunityOutcome] = {}

    def on_result(task: _CommunityTask, outcome: CommunityOutcome) -> None:
        results[task.community] = outcome
        if on_done is not None:
            on_done(outcome)

    here = isinstance(engine, LocalEngine) and (engine.workers == 1 or len(cids) <= 1)
    subs = dict.fromkeys(cids, instance) if here else community_instances(instance, cids)
    engine.run(subs, [_CommunityTask(c, mode, profile, time_limit) for c in cids], _solve_one, on_result, on_level)
    return [results[c] for c in cids]


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
