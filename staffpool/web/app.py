"""The workspace's web application: the JSON API under /api, the pages, the rules every
request passes (token, upload cap, security headers) and the errors as JSON problems.

`create_app(settings)` builds it; `staffpool serve` runs it under uvicorn. FastAPI and its
companions are imported by web/ only: nothing below it needs them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from staffpool.i18n import _
from staffpool.web.pages import add_pages, login_page
from staffpool.web.service import (
    FILE_CSP,
    MEDIA,
    PAGE_CSP,
    Settings,
    add_instance,
    authorised,
    message,
    problems_response,
    queue_run,
    request_language,
    speaking,
)
from staffpool.web.store import Store
from staffpool.web.workers import Workers

log = logging.getLogger("staffpool.web")


def create_app(settings: Settings) -> FastAPI:
    store = Store(settings.data)
    store.lock()
    workers = Workers(store, settings.workers, settings.scheduler)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        cut = store.recover()
        if cut:
            log.warning("runs cut off by the last stop, marked interrupted: %s", cut)
        workers.start()
        yield
        workers.stop()

    app = FastAPI(title="staffpool", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="A county's doctors: upload an instance, run solve, compare, sweep, plan, explain "
                              "or rotate, read the results (docs/api.md).")
    app.state.store, app.state.workers, app.state.settings = store, workers, settings
    _guards(app, settings)
    _errors(app)
    _api(app, store, workers, settings)
    add_pages(app, store, workers, settings)
    return app


def _version() -> str:
    from staffpool import __version__

    return __version__


def _guards(app: FastAPI, settings: Settings) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        lang = request_language(request)
        refused = foreign(request, settings.token)
        if refused:
            with speaking(lang):
                return _secure(problems_response(403, message(refused)))
        public = request.url.path == "/login" and request.method == "POST"
        if not public and not authorised(request, settings.token):
            if request.url.path.startswith("/api") or request.url.path == "/openapi.json":
                with speaking(lang):
                    resp: Response = problems_response(401, message(_("a token is needed: Authorization: Bearer <token>")))
            else:
                resp = login_page(lang, 401)
            resp.headers["WWW-Authenticate"] = "Bearer"
            return _secure(resp)
        length = request.headers.get("content-length")
        if request.method == "POST" and length is not None and length.isdigit() and int(length) > settings.max_upload:
            with speaking(lang):
                return _secure(problems_response(413, message(_("the upload is over {mb} MB").format(
                    mb=settings.max_upload // 2**20))))
        return _secure(await call_next(request))


LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def foreign(request: Request, token: str | None) -> str | None:
    """Why a request from another site is refused, or None. Without a token the server is
    this machine's only, so it answers only to its own names (a page of another site whose
    name was made to point here, DNS rebinding, is refused); and nothing that changes
    anything is taken from another site's page (a form posted cross-site: the browser's
    Origin header names it)."""
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if token is None and name not in LOCAL_NAMES:
        return _("this workspace answers to 127.0.0.1 only, not {host}").format(host=host[:80])
    origin = request.headers.get("origin")
    if request.method not in SAFE_METHODS and origin is not None and origin.split("://", 1)[-1] != host:
        return _("refused: sent by a page of another site ({origin})").format(origin=origin[:80])
    return None


def _secure(resp: Response) -> Response:
    resp.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"  # no-referrer would make Chromium send `Origin: null` with a form
    return resp


def _errors(app: FastAPI) -> None:
    """Every error is JSON problems; a 500 says only that it is an internal error (the
    traceback goes to the server's log, never into a response)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.detail, dict) and "problems" in exc.detail:
            return problems_response(exc.status_code, exc.detail["problems"])
        return problems_response(exc.status_code, message(str(exc.detail)))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        rows = [{"file": "request", "row": None, "column": ".".join(str(p) for p in e.get("loc", ())),
                 "value": "", "message": str(e.get("msg", ""))} for e in exc.errors()]
        return problems_response(422, rows)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        with speaking(request_language(request)):
            return _secure(problems_response(500, message(_("internal error:") + " " + type(exc).__name__)))


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, detail={"problems": message(what)})


def _api(app: FastAPI, store: Store, workers: Workers, settings: Settings) -> None:
    @app.post("/api/instances", status_code=201, tags=["instances"])
    def upload(request: Request, file: UploadFile = File(...)) -> Any:
        """Upload an instance: a workbook (.xlsx), an instance JSON, or a .zip of an instance folder."""
        with speaking(request_language(request)):
            return add_instance(store, file, settings.max_upload)

    @app.get("/api/instances", tags=["instances"])
    def instances() -> Any:
        return store.instances()

    @app.get("/api/instances/{instance_id}", tags=["instances"])
    def instance(request: Request, instance_id: int) -> Any:
        found = store.instance(instance_id)
        if found is None:
            with speaking(request_language(request)):
                raise _not_found(_("no instance {id}").format(id=instance_id))
        return found

    @app.post("/api/runs", status_code=202, tags=["runs"])
    def new_run(request: Request, body: dict[str, Any]) -> Any:
        """Queue a run: {"instance": id, "command": solve|compare|sweep|plan|explain|rotate, "options": {...}}."""
        with speaking(request_language(request)):
            run_id = queue_run(store, body)
        workers.submit()
        return {"id": run_id, "status": "queued"}

    @app.get("/api/runs", tags=["runs"])
    def runs(instance: int | None = None) -> Any:
        return [r.public(store.files(r.id)) for r in store.runs(instance)]

    @app.get("/api/runs/{run_id}", tags=["runs"])
    def run(request: Request, run_id: int) -> Any:
        found = store.run(run_id)
        if found is None:
            with speaking(request_language(request)):
                raise _not_found(_("no run {id}").format(id=run_id))
        return found.public(store.files(run_id))

    @app.get("/api/runs/{run_id}/files/{name:path}", tags=["runs"])
    def run_file(request: Request, run_id: int, name: str) -> Any:
        """A file the run wrote (names as its `files` lists them); nothing else is served."""
        if store.run(run_id) is None or name not in store.files(run_id):
            with speaking(request_language(request)):
                raise _not_found(_("run {id} has no file {name}").format(id=run_id, name=name[:80]))
        path = store.run_dir(run_id) / name
        inline = path.suffix in (".html", ".json", ".csv")
        resp = FileResponse(path, media_type=MEDIA.get(path.suffix, "application/octet-stream"),
                            filename=f"run{run_id}-{Path(name).name}" if not inline else None,
                            content_disposition_type="attachment")
        resp.headers["Content-Security-Policy"] = FILE_CSP
        return resp

    @app.delete("/api/runs/{run_id}", tags=["runs"])
    def delete_run(request: Request, run_id: int) -> Any:
        """Cancel a queued or running run; delete a finished one and its files."""
        found = store.run(run_id)
        if found is None:
            with speaking(request_language(request)):
                raise _not_found(_("no run {id}").format(id=run_id))
        if found.status in ("queued", "running") and workers.cancel(run_id):
            return {"id": run_id, "status": "cancelled"}
        store.delete_run(run_id)
        return {"id": run_id, "status": "deleted"}


__all__ = ["PAGE_CSP", "Settings", "create_app"]
