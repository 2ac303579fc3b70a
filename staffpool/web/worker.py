"""One run in its own process: `python -m staffpool.web.worker DATA RUN_ID SERVER_PID [SCHEDULER]`.

The server starts it in a new session, so that cancelling kills the process group (the
worker and any process pool the library started) and nothing is left behind. The worker
stops itself when the server that started it is gone, and writes its final status only over
`running`: a run the server cancelled, or a restarted server marked interrupted, stays so.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

# As the CLI: numpy's BLAS threads would compete with HiGHS for the cores.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from staffpool.i18n import _  # noqa: E402
from staffpool.web.runs import execute  # noqa: E402
from staffpool.web.store import Store  # noqa: E402


def _watch_parent(parent: int) -> None:
    """Kill this run's process group once the server that started it has gone (`parent`
    is the server's pid as it said, not as read here: it may be gone already)."""
    while True:
        if os.getppid() != parent:
            os.killpg(os.getpgrp(), signal.SIGKILL)
        time.sleep(0.5)


def main(argv: list[str]) -> int:
    data, run_id, server = Path(argv[0]), int(argv[1]), int(argv[2])
    scheduler = argv[3] if len(argv) > 3 and argv[3] else None
    threading.Thread(target=_watch_parent, args=(server,), daemon=True).start()
    store = Store(data)
    run = store.run(run_id)
    if run is None or run.status != "running":
        return 0
    allocation = None
    if run.options.get("allocation") is not None:
        allocation = store.run_dir(int(run.options["allocation"]))
    try:
        outcome = execute(store.instance_path(run.instance), run.command, run.options, store.run_dir(run_id),
                          lambda done, total: store.progress(run_id, done, total), scheduler=scheduler,
                          allocation=allocation)
    except Exception as exc:  # a bug: the API shows its name, the server's log the traceback
        traceback.print_exc()
        store.finish(run_id, "failed", error={"message": _("internal error:") + f" {type(exc).__name__}: {exc}"})
        return 3
    store.finish(run_id, outcome.status, result=outcome.result, levels=outcome.levels, error=outcome.error)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
