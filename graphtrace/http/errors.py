"""Errors as JSON ``{error, detail}`` with the right status; never a stack trace, never a credential.

>>> status_of(InputError("bad"))
400
>>> status_of(StoreError("trace ab is not in the database"))
404
>>> status_of(StoreError("cannot reach Neo4j"))
503
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse

from graphtrace.errors import GraphtraceError, InputError, RecipeError, StoreError
from graphtrace.spool.spool import SpoolFull

log = logging.getLogger("graphtrace.serve")

RETRY_AFTER_S = 5


def status_of(exc: GraphtraceError) -> int:
    """The HTTP status for one library error."""
    if isinstance(exc, SpoolFull):
        return 503
    if isinstance(exc, StoreError):
        return 404 if "is not in the database" in str(exc) else 503
    if isinstance(exc, RecipeError) and "unknown recipe" in str(exc):
        return 404
    if isinstance(exc, RecipeError) and "read-only recipes only" in str(exc):
        return 403
    if isinstance(exc, InputError | RecipeError):
        return 400
    return 400


def error_response(status: int, error: str, detail: str = "", headers: dict[str, str] | None = None) -> JSONResponse:
    """``{"error": ..., "detail": ...}`` with ``status``."""
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


_NAMES = {400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found", 413: "payload too large",
          415: "unsupported media type", 429: "too many requests", 503: "unavailable"}


def from_exception(exc: GraphtraceError) -> JSONResponse:
    """The JSON answer for a library error; 503s carry ``Retry-After``."""
    status = status_of(exc)
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    return error_response(status, _NAMES.get(status, "error"), str(exc), headers)


def internal_error(exc: BaseException) -> JSONResponse:
    """A bug: logged with its traceback on the server, answered with no detail."""
    log.error("serve: internal error", exc_info=exc)
    return error_response(500, "internal error", "see the server log")
