"""The access log: WSGI middleware that logs one line per request once its body was sent.

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


class AccessLog:
    """WSGI middleware: log one line per request (method, path, status, bytes, duration in ms).

    The line is written when the server closes the response, so the duration and byte count
    cover the whole body. ``framework run`` adds it; wrap ``app`` yourself to use it elsewhere.
    """

    def __init__(self, app: WSGIApplication, logger: logging.Logger = access_logger) -> None:
        self.app = app
        self.logger = logger

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        exchange = _Exchange(
            method=environ.get("REQUEST_METHOD", ""),
            path=environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
            started=time.perf_counter(),
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
            exchange.method, exchange.path, exchange.status, exchange.bytes_sent, exchange.started
        )

    def log_line(
        self, method: str, path: str, status: str, bytes_sent: int, started: float
    ) -> None:
        """Log one request: PEP 3333 (latin-1) method and path, ``started`` from perf_counter.

        A server that answers a request without the app (a client gone mid-body) calls it too.
        """
        duration_ms = (time.perf_counter() - started) * 1000
        method, path = _log_safe(method), _log_safe(path)
        self.logger.info(
            "%s %s %s %d bytes %.1f ms",
            method,
            path,
            status or "-",
            bytes_sent,
            duration_ms,
            extra={
                "method": method,
                "path": path,
                "status": status,
                "bytes_sent": bytes_sent,
                "duration_ms": duration_ms,
            },
        )


@dataclass
class _Exchange:
    """What the access log learns about one request while it is answered."""

    method: str
    path: str
    started: float
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
