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
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol

from ..domain import Instance
from ..errors import UsageError
from ..i18n import _


class Task(Protocol):
    @property
    def community(self) -> str: ...


Fn = Callable[[Instance, Any], Any]
OnResult = Callable[[Any, Any], None]


class Engine(Protocol):
    name: str
    workers: int

    def run(self, subs: dict[str, Instance], tasks: Sequence[Any], fn: Fn, on_result: OnResult) -> None: ...


def make_engine(scheduler: str | None, workers: int | None) -> Engine:
    """`None`: the local process pool; `dask`: a local Dask cluster; `tcp://…`: that cluster."""
    w = workers if workers is not None else max(1, os.cpu_count() or 1)
    if scheduler is None:
        return LocalEngine(w)
    if scheduler == "dask" or "://" in scheduler:
        return DaskEngine(scheduler, w)
    raise UsageError(_("--scheduler {scheduler!r}: give tcp://HOST:PORT of a Dask scheduler, or 'dask' for a local cluster").format(scheduler=scheduler))


# ---------------------------------------------------------------- local

_SUBS: dict[str, Instance] = {}  # filled before the pool forks


def _local(fn: Fn, cid: str, sub: Instance | None, task: Any) -> Any:
    return fn(sub if sub is not None else _SUBS[cid], task)


class LocalEngine:
    name = "local"

    def __init__(self, workers: int):
        self.workers = max(1, workers)

    def run(self, subs: dict[str, Instance], tasks: Sequence[Any], fn: Fn, on_result: OnResult) -> None:
        import multiprocessing as mp

        if self.workers == 1 or len(tasks) <= 1:
            for t in tasks:
                on_result(t, fn(subs[t.community], t))
            return
        fork = "fork" in mp.get_all_start_methods()
        ctx = mp.get_context("fork") if fork else None
        _SUBS.clear()
        _SUBS.update(subs)
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


# ---------------------------------------------------------------- Dask


def _unpack(blob: bytes) -> Instance:
    import pickle
    import zlib

    return pickle.loads(zlib.decompress(blob))  # our own bytes, made in `DaskEngine.run`


def _on_dask(fn: Fn, sub: Instance | bytes, task: Any, lang: str = "en") -> Any:
    # A worker is another process, maybe on another machine: the reasons it writes (an
    # infeasible community's) follow the language of the command, not the worker's locale.
    from ..i18n import set_language

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

    def run(self, subs: dict[str, Instance], tasks: Sequence[Any], fn: Fn, on_result: OnResult) -> None:
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
            from ..i18n import language

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
    def __init__(self, community: str, mode: Any, profile: Any, time_limit: float | None):
        self.community, self.mode, self.profile, self.time_limit = community, mode, profile, time_limit


def _solve_one(sub: Instance, task: _CommunityTask) -> Any:
    from ..solve import solve_community

    return solve_community(sub, task.community, task.mode, task.profile, task.time_limit)


def solve_on(scheduler: str, workers: int, instance: Instance, cids: list[str], mode: Any, profile: Any,
             time_limit: float | None, on_done: Callable[[Any], None] | None = None) -> list[Any]:
    """Every community solved on the engine `scheduler` names; outcomes in `cids` order."""
    from ..parallel import community_instances

    engine = make_engine(scheduler, workers)
    results: dict[str, Any] = {}

    def on_result(task: _CommunityTask, outcome: Any) -> None:
        results[task.community] = outcome
        if on_done is not None:
            on_done(outcome)

    engine.run(community_instances(instance, cids), [_CommunityTask(c, mode, profile, time_limit) for c in cids],
               _solve_one, on_result)
    return [results[c] for c in cids]
