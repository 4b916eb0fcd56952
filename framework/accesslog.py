"""The access log: WSGI middleware that logs one line per request once its body was sent.

A line: ``GET /posts/3?page=2 200 512 bytes 1.2 ms route=/posts/{id:d}``: the path with its
query string, and the pattern of the route that answered (``route=-`` if none), which groups
requests for metrics where the path would not.

``framework run`` wraps the app in it; wrap your app yourself to have the same lines under
gunicorn or ``waitress-serve``, which do not write them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["AccessLog", "access_logger"]

access_logger = logging.getLogger("framework.access")

# Characters kept as they are when a method or path is written into a log line; everything
# else (spaces, newlines, quotes) is percent-encoded so a request cannot forge log lines.
_LOG_SAFE = "/:@!$&'()*+,;=~%"
# A route pattern is the developer's text, but kept as safe: its braces stay readable.
_PATTERN_SAFE = _LOG_SAFE + "{}"
#: Where the App puts the matched route's pattern in the environ, when the key is there: a
#: middleware that wants it (this one) puts it in first, as None.
ROUTE_KEY = "framework.route"


class AccessLog:
    """WSGI middleware: log one line per request (method, path and query, status, bytes, duration
    in ms, route pattern).

    The line is written when the server closes the response, so the duration and byte count
    cover the whole body. ``framework run`` adds it; wrap ``app`` yourself to use it elsewhere.
    """

    def __init__(self, app: WSGIApplication, logger: logging.Logger = access_logger) -> None:
        self.app = app
        self.logger = logger

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[ROUTE_KEY] = None  # asks the App for the route's pattern
        exchange = _Exchange(
            method=environ.get("REQUEST_METHOD", ""),
            path=environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
            started=time.perf_counter(),
            query=environ.get("QUERY_STRING", ""),
            environ=environ,
        )

        def recording_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None, /
        ) -> Callable[[bytes], object]:
            exchange.status = status.split(" ", 1)[0]
            write = start_response(status, headers, exc_info)

            def counting_write(data: bytes) -> object:
                exchange.bytes_sent += len(data)
                return write(data)

            return counting_write

        try:
            body = self.app(environ, recording_start_response)
        except BaseException:
            exchange.status = exchange.status or "500"  # the server answers 500 for us
            self._log(exchange)
            raise
        return _LoggedBody(body, exchange, self._log)

    def _log(self, exchange: _Exchange) -> None:
        self.log_line(
            exchange.method,
            exchange.path,
            exchange.status,
            exchange.bytes_sent,
            exchange.started,
            query=exchange.query,
            route=exchange.environ.get(ROUTE_KEY),
        )

    def log_line(
        self,
        method: str,
        path: str,
        status: str,
        bytes_sent: int,
        started: float,
        *,
        query: str = "",
        route: str | None = None,
    ) -> None:
        """Log one request: PEP 3333 (latin-1) method, path and query, ``started`` from
        perf_counter, ``route`` the matched pattern (None if no route matched).

        A server that answers a request without the app (a client gone mid-body) calls it too.
        """
        duration_ms = (time.perf_counter() - started) * 1000
        method, path = _log_safe(method), _log_safe(path)
        query = _log_safe(query)
        route = quote(route, safe=_PATTERN_SAFE) if route is not None else None
        self.logger.info(
            "%s %s%s %s %d bytes %.1f ms route=%s",
            method,
            path,
            "?" + query if query else "",
            status or "-",
            bytes_sent,
            duration_ms,
            route or "-",
            extra={
                "method": method,
                "path": path,
                "query": query,
                "status": status,
                "bytes_sent": bytes_sent,
                "duration_ms": duration_ms,
                "route": route,
            },
        )


@dataclass
class _Exchange:
    """What the access log learns about one request while it is answered."""

    method: str
    path: str
    started: float
    query: str
    #: The request's environ, where the App leaves the matched route's pattern.
    environ: WSGIEnvironment
    status: str = ""
    bytes_sent: int = 0


class _LoggedBody:
    """Wrap a response body to count its bytes and log the request when the server closes it."""

    def __init__(
        self, body: Iterable[bytes], exchange: _Exchange, log: Callable[[_Exchange], None]
    ) -> None:
        self._body = body
        self._exchange = exchange
        self._log: Callable[[_Exchange], None] | None = log

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            self._exchange.bytes_sent += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            if self._log is not None:  # log once, however often the server calls close
                log, self._log = self._log, None
                log(self._exchange)


def _log_safe(text: str) -> str:
    """Percent-encode a PEP 3333 (latin-1) string for a log line."""
    return quote(text.encode("latin-1", "replace"), safe=_LOG_SAFE)
