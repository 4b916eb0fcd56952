"""Calling an app the way a server does: an exact PEP 3333 environ, no WebTest in between.

For what WebTest cannot send (raw PATH_INFO bytes, a bad Content-Length, a body that breaks off).
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, Any
from wsgiref.validate import validator

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def make_environ(
    path: str = "/", method: str = "GET", query: str = "", **extra: Any
) -> dict[str, Any]:
    """A minimal valid environ for ``method path?query``; ``extra`` adds or replaces keys."""
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **extra,
    }


def call_app(
    app: WSGIApplication, environ: dict[str, Any], *, validate: bool = True
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call ``app``, through wsgiref's validator unless told not to: status, headers, body."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    body_iterable = (validator(app) if validate else app)(environ, start_response)
    try:
        body = b"".join(body_iterable)
    finally:
        close = getattr(body_iterable, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], body
