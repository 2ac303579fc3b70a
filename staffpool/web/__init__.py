"""The planner's workspace (`staffpool serve`, docs/api.md): a web page and a JSON API over
the library, runs in worker processes, everything kept in an embedded store.

Needs the `web` extra (FastAPI, uvicorn, Jinja2, python-multipart). Nothing below this
package imports it; `cli/serve.py` starts it."""
