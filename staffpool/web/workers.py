"""The bounded pool of run workers: at most `workers` runs at once, each a process of its
own (`web.worker`), the rest queued in the store, oldest first. A thread of the server
starts queued runs, reaps finished workers and notices a worker that died without a word."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from staffpool.i18n import _
from staffpool.web.store import WORKER_MODULE, Store


class Workers:
    def __init__(self, store: Store, workers: int = 2, scheduler: str | None = None):
        self.store, self.size, self.scheduler = store, workers, scheduler
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="staffpool-runs", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def submit(self) -> None:
        """A run was queued: look now rather than at the next tick."""
        self.wake.set()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            self.tick()
            self.wake.wait(0.1)
            self.wake.clear()

    def tick(self) -> None:
        with self.lock:
            for run_id, proc in list(self.procs.items()):
                code = proc.poll()
                if code is not None:
                    del self.procs[run_id]
                    # Still `running`: the worker died before writing its end (killed, out of memory).
                    self.store.finish(run_id, "failed", error={"message": _("the run's worker stopped (exit status {code})")
                                                               .format(code=code)})
            if self.stopping.is_set():
                return
            queued = sorted(r.id for r in self.store.runs(status="queued"))
            for run_id in queued[: max(0, self.size - len(self.procs))]:
                if self.store.claim(run_id):
                    self._spawn(run_id)

    def _spawn(self, run_id: int) -> None:
        folder = self.store.run_dir(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".worker.log", "ab") as log:
            proc = subprocess.Popen([sys.executable, "-m", WORKER_MODULE, str(self.store.data), str(run_id),
                                     str(os.getpid()), self.scheduler or ""], stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, cwd=str(Path.cwd()))
        self.procs[run_id] = proc
        self.store.set_pid(run_id, proc.pid)

    def cancel(self, run_id: int) -> bool:
        """Cancel a queued or running run (its worker and everything it started killed and
        reaped). False when it had already finished."""
        with self.lock:
            if self.store.finish(run_id, "cancelled", only_from=("queued",)):
                return True
            proc = self.procs.pop(run_id, None)
            if proc is not None:
                _kill(proc)
            return self.store.finish(run_id, "cancelled", only_from=("running",))

    def stop(self) -> None:
        """The server stops: every worker is killed, its run marked interrupted (queued runs
        too: a restarted server does not start them behind the planner's back)."""
        self.stopping.set()
        self.wake.set()
        with self.lock:
            for run_id, proc in list(self.procs.items()):
                _kill(proc)
                self.store.finish(run_id, "interrupted")
            self.procs.clear()
        self.store.recover()
        if self.thread.is_alive():
            self.thread.join(timeout=5)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
