"""The serve command: the planner's workspace (web/) under uvicorn. FastAPI and uvicorn are
imported when the command runs, so no other command pays for them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from staffpool.cli.common import LangOpt, SchedulerOpt, err
from staffpool.errors import UsageError
from staffpool.i18n import N_, _

app = typer.Typer()

LOCAL = ("127.0.0.1", "localhost", "::1")


def check_bind(host: str, token: str | None) -> None:
    """Only this machine may reach a server without a token."""
    if host not in LOCAL and not token:
        raise UsageError(_("--host {host}: another machine could reach the workspace; start it with --token "
                           "(every request must then carry it), or bind 127.0.0.1").format(host=host))


@app.command(help=N_("Start the planner's workspace: a web page and a JSON API on this machine (docs/api.md)."))
def serve(
    host: Annotated[str, typer.Option("--host", help=N_("Address to listen on (another than 127.0.0.1 needs --token)."))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help=N_("Port to listen on."))] = 8000,
    data: Annotated[Path | None, typer.Option("--data", help=N_("Folder of the workspace's database and files (default: the user's data folder)."))] = None,
    token: Annotated[str | None, typer.Option("--token", envvar="STAFFPOOL_TOKEN", help=N_(
        "A secret every request must carry (Authorization: Bearer, or the page's sign-in)."))] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help=N_("Runs at once, each in its own process; the rest wait in a queue."))] = 2,
    max_upload: Annotated[int, typer.Option("--max-upload", min=1, help=N_("Largest upload, in MB."))] = 50,
    scheduler: SchedulerOpt = None,
    lang: LangOpt = None,
) -> None:
    check_bind(host, token)
    from staffpool.web.store import default_data_dir

    folder = data if data is not None else default_data_dir()
    import uvicorn  # the web server: only this command needs it

    from staffpool.web.app import Settings, create_app

    web = create_app(Settings(folder, token=token or None, max_upload=max_upload * 1024 * 1024, workers=workers,
                              scheduler=scheduler))
    shown = f"[{host}]" if ":" in host else host
    err.print(_("staffpool workspace on http://{host}:{port}/ (data in {data}); Ctrl-C stops it").format(
        host=shown, port=port, data=escape(str(folder))))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    uvicorn.run(web, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
