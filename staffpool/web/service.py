"""What the API and the pages share: the settings, the language of a request, the token,
problems as JSON, and the two actions both offer (keep an upload, queue a run)."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse

from staffpool.errors import InputError, Problem, StaffpoolError
from staffpool.i18n import _, language, set_language
from staffpool.web.options import check_run
from staffpool.web.store import Store
from staffpool.web.uploads import kind_of, safe_name, unpack, validate

TOKEN_COOKIE = "staffpool_token"
LANG_COOKIE = "staffpool_lang"
# Pages: this server only; no inline script, no CDN. The report's own inline style and
# data: images are allowed in the frame that shows it (files get their own, stricter policy).
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'")
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
MEDIA = {".csv": "text/csv; charset=utf-8", ".json": "application/json", ".html": "text/html; charset=utf-8",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".parquet": "application/vnd.apache.parquet", ".yaml": "text/yaml; charset=utf-8",
         ".graphml": "application/xml"}


@dataclass
class Settings:
    data: Path
    token: str | None = None
    max_upload: int = 50 * 1024 * 1024
    workers: int = 2
    scheduler: str | None = None


# staffpool's language is one setting for the process (stdlib gettext): a request that
# produces words (a page, the problems of an upload) holds it for its language.
_LANG_LOCK = threading.Lock()


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    with _LANG_LOCK:
        before = language()
        set_language(lang)
        try:
            yield
        finally:
            set_language(before)


def request_language(request: Request) -> str:
    """?lang=, else the page's switch (a cookie), else the browser's Accept-Language."""
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in ("zh", "en"):
            return chosen
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


def problem_rows(problems: list[Problem]) -> list[dict[str, Any]]:
    return [{"file": p.file, "row": p.row, "column": p.column, "value": p.value, "message": p.message} for p in problems]


def problems_response(status: int, problems: list[dict[str, Any]], **extra: Any) -> JSONResponse:
    return JSONResponse({"problems": problems, **extra}, status_code=status)


def message(text: str) -> list[dict[str, Any]]:
    return [{"file": "", "row": None, "column": "", "value": "", "message": text}]


def authorised(request: Request, token: str | None) -> bool:
    if token is None:
        return True
    given = request.headers.get("authorization", "")
    bearer = given[7:] if given.lower().startswith("bearer ") else None
    cookie = request.cookies.get(TOKEN_COOKIE)
    return any(v is not None and hmac.compare_digest(v.encode(), token.encode()) for v in (bearer, cookie))


def add_instance(store: Store, file: UploadFile, max_upload: int) -> JSONResponse:
    """Keep and validate an upload: 201 with its id, or 422/413 with the problems (nothing kept)."""
    try:
        suffix, kind = kind_of(file.filename)
    except InputError as exc:
        return problems_response(422, problem_rows(exc.problems))
    instance_id = store.new_instance_id()
    folder = store.instance_dir(instance_id)
    folder.mkdir(parents=True)
    try:
        name = safe_name(file.filename, suffix)
        raw = folder / (name if kind != "folder" else ".upload.zip")
        if not _save(file, raw, max_upload):
            store.drop_instance(instance_id)
            return problems_response(413, message(_("the upload is over {mb} MB").format(mb=max_upload // 2**20)))
        target = raw if kind != "folder" else unpack(raw, folder / "instance", shown=name)
        if kind == "folder":
            raw.unlink()
        inst, warnings = validate(target)
    except InputError as exc:
        store.drop_instance(instance_id)
        return problems_response(422, problem_rows(exc.problems), warnings=problem_rows(exc.warnings))
    except StaffpoolError as exc:
        store.drop_instance(instance_id)
        return problems_response(422, message(str(exc)))
    except BaseException:
        store.drop_instance(instance_id)
        raise
    counts = {"communities": len(inst.communities), "institutions": len(inst.institutions), "staff": len(inst.staff)}
    store.add_instance(instance_id, inst.name, target.relative_to(folder).as_posix(), kind, counts, warnings)
    return JSONResponse({"id": instance_id, "name": inst.name, "warnings": warnings, "counts": counts}, status_code=201)


def _save(file: UploadFile, path: Path, max_upload: int) -> bool:
    """Copy the upload to `path`; False as soon as it passes the cap (a body sent without a length)."""
    size = 0
    with open(path, "wb") as out:
        while chunk := file.file.read(1 << 20):
            size += len(chunk)
            if size > max_upload:
                return False
            out.write(chunk)
    return True


def queue_run(store: Store, body: Any) -> int:
    if not isinstance(body, dict):
        raise HTTPException(422, detail={"problems": message(_("send {\"instance\", \"command\", \"options\"}"))})
    instance_id = body.get("instance")
    if isinstance(instance_id, bool) or not isinstance(instance_id, int) or store.instance(instance_id) is None:
        raise HTTPException(422, detail={"problems": [{"file": "request", "row": None, "column": "instance",
                                                        "value": str(instance_id)[:60],
                                                        "message": _("no such instance")}]})
    command = str(body.get("command", ""))
    try:
        options = check_run(command, body.get("options") or {})
    except InputError as exc:
        raise HTTPException(422, detail={"problems": problem_rows(exc.problems)}) from None
    alloc = options.get("allocation")
    if alloc is not None:
        source = store.run(alloc)
        if source is None or source.command != "solve" or source.status != "done" or source.instance != instance_id:
            raise HTTPException(422, detail={"problems": [{"file": "options", "row": None, "column": "allocation",
                                                            "value": str(alloc), "message": _(
                    "must be the id of a finished solve run of the same instance")}]})
    return store.add_run(instance_id, command, options)
