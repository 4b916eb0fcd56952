"""Serving a WSGI app for ``framework run``: waitress or wsgiref, the access log, hupper reload.

Production servers (gunicorn, ``waitress-serve``) import ``views:app`` themselves and need
nothing from here; :class:`AccessLog` is the one piece they may want to wrap the app in.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from types import FrameType
from typing import TYPE_CHECKING
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, make_server

import hupper
from waitress.server import create_server

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "SERVERS",
    "AccessLog",
    "CommandError",
    "ServerOptions",
    "import_app",
    "run",
    "serve",
]

#: The servers ``framework run --server`` knows; the first is the default.
SERVERS = ("waitress", "wsgiref")

access_logger = logging.getLogger("framework.access")

#: How long a reloading worker may take to stop before hupper kills it. hupper's default, 1 s,
#: is shorter than its own worker needs to exit (it joins a thread that polls every second).
_SHUTDOWN_SECONDS = 10

# Characters kept as they are when a method or path is written into a log line; everything
# else (spaces, newlines, quotes) is percent-encoded so a request cannot forge log lines.
_LOG_SAFE = "/:@!$&'()*+,;=~%"


class CommandError(Exception):
    """A problem to report as one line on stderr, with exit status 1."""


def import_app(target: str) -> WSGIApplication:
    """Import ``module:attribute`` (default attribute: ``app``) from the working directory."""
    module_name, _, attribute = target.partition(":")
    attribute = attribute or "app"
    # Console scripts do not have the working directory on sys.path; `views:app` lives there.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # the user's module may raise anything while it runs
        raise CommandError(f"cannot import {module_name!r}: {_describe(error)}") from error
    try:
        app: WSGIApplication = getattr(module, attribute)
    except AttributeError:
        raise CommandError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(app):
        raise CommandError(f"{target} is not a WSGI application")
    return app


def _describe(error: BaseException) -> str:
    """One line saying what went wrong and where: ``ModuleNotFoundError: ...`` or a file:line."""
    if isinstance(error, ImportError):
        return str(error)
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} ({error.filename}, line {error.lineno})"
    # Point at the innermost line of the user's project (below the cwd), not at the stdlib.
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename]
    project = [frame for frame in frames if frame.filename.startswith(os.getcwd() + os.sep)]
    where = ""
    if project or frames:
        innermost = (project or frames)[-1]
        where = f" ({innermost.filename}, line {innermost.lineno})"
    return f"{type(error).__name__}: {error}{where}"


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
            method=_log_safe(environ.get("REQUEST_METHOD", "")),
            path=_log_safe(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")),
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
        duration_ms = (time.perf_counter() - exchange.started) * 1000
        self.logger.info(
            "%s %s %s %d bytes %.1f ms",
            exchange.method,
            exchange.path,
            exchange.status or "-",
            exchange.bytes_sent,
            duration_ms,
            extra={
                "method": exchange.method,
                "path": exchange.path,
                "status": exchange.status,
                "bytes_sent": exchange.bytes_sent,
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


# Running a server


@dataclass(frozen=True)
class ServerOptions:
    """How ``framework run`` serves an app: which app, which server, where, how many threads."""

    #: ``module:attribute`` of the WSGI app, imported in the process that serves it.
    target: str = "views:app"
    server: str = SERVERS[0]
    host: str = "127.0.0.1"
    #: 0 picks a free port; the printed URL says which.
    port: int = 8000
    #: waitress's worker threads (its default, 4, when None).
    threads: int | None = None
    access_log: bool = True

    def __post_init__(self) -> None:
        if self.server not in SERVERS:
            raise CommandError(f"unknown server {self.server!r} (choose from {', '.join(SERVERS)})")
        if self.threads is not None and self.server != "waitress":
            raise CommandError(f"--threads is for waitress; {self.server} has one thread")
        if self.threads is not None and self.threads < 1:
            raise CommandError("--threads must be at least 1")
        if not 0 <= self.port <= 65535:
            raise CommandError(f"port {self.port} is not between 0 and 65535")


def run(options: ServerOptions, *, reload: bool = False) -> None:
    """Serve until Ctrl-C; with ``reload``, restart whenever a source file or template changes.

    Reloading serves from a hupper worker process that hupper restarts on changes, as Pyramid's
    ``pserve --reload`` does; this process only watches files.
    """
    if not reload:
        serve(options)
        return
    # Bind here first: a busy port fails at once, and port 0 becomes one port all restarts keep.
    with _listen(options.host, options.port) as probe:
        options = replace(options, port=probe.getsockname()[1])
    hupper.start_reloader(
        "framework.servers._reload_worker",
        worker_args=[options],
        shutdown_interval=_SHUTDOWN_SECONDS,
    )


def serve(options: ServerOptions) -> None:
    """Import the app, listen, print its URL, and serve until Ctrl-C or SIGTERM."""
    app = import_app(options.target)
    if hupper.is_active():
        _watch_templates(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if options.access_log:
        app = AccessLog(app)
    start = _start_waitress if options.server == "waitress" else _start_wsgiref
    running = start(app, options)
    host = f"[{options.host}]" if ":" in options.host else options.host
    print(f"Serving {options.target} on http://{host}:{running.port}", flush=True)
    try:
        with _stop_on_signals(running.stop), contextlib.suppress(KeyboardInterrupt):
            running.serve_forever()
    finally:
        running.close()


@dataclass(frozen=True)
class _Running:
    """A listening server: its port, its loop, how a signal handler stops it, how to close it."""

    port: int
    serve_forever: Callable[[], None]
    stop: Callable[[], None]
    close: Callable[[], None]


def _start_waitress(app: WSGIApplication, options: ServerOptions) -> _Running:
    """Listen with waitress, multi-threaded and production-grade."""
    listening = _listen(options.host, options.port)
    try:
        if options.threads is None:
            server = create_server(app, sockets=[listening])
        else:
            server = create_server(app, sockets=[listening], threads=options.threads)
    except Exception:
        listening.close()
        raise

    def stop() -> None:
        # Requests run in waitress's threads; its main loop takes KeyboardInterrupt as "stop".
        raise KeyboardInterrupt

    def close() -> None:
        server.close()
        listening.close()

    return _Running(listening.getsockname()[1], server.run, stop, close)


def _start_wsgiref(app: WSGIApplication, options: ServerOptions) -> _Running:
    """Listen with the standard library's single-threaded server, the tutorial's one."""
    handler = _QuietRequestHandler if options.access_log else WSGIRequestHandler
    try:
        server = make_server(options.host, options.port, app, handler_class=handler)
    except OSError as error:
        raise _listen_error(options.host, options.port, error) from error

    def stop() -> None:
        # Requests run in the main thread, where wsgiref would catch a KeyboardInterrupt as an
        # application error and carry on. shutdown() lets the request finish, then ends the loop;
        # it waits for the loop, so it must run in another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    return _Running(server.server_port, server.serve_forever, stop, server.server_close)


class _QuietRequestHandler(WSGIRequestHandler):
    """wsgiref's handler without its own per-request line, which the access log replaces."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _listen(host: str, port: int) -> socket.socket:
    """Return a socket listening on ``host:port``; a busy port or bad host is a CommandError."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as error:
        raise _listen_error(host, port, error) from error


def _listen_error(host: str, port: int, error: OSError) -> CommandError:
    reason = os.strerror(error.errno) if error.errno else str(error)
    return CommandError(f"cannot listen on {host}:{port}: {reason}")


@contextlib.contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Stop the server on Ctrl-C (SIGINT) and SIGTERM (how process managers and hupper stop it)."""

    def handle(signal_number: int, frame: FrameType | None) -> None:
        stop()

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


# Reloading


def _reload_worker(options: ServerOptions) -> None:
    """Serve in a hupper worker; an error is one line, then hupper waits for a fixed file."""
    try:
        serve(options)
    except CommandError as error:
        _watch_files_of(error.__cause__)
        print(f"framework: {error}", file=sys.stderr, flush=True)
        sys.exit(1)


def _watch_templates(app: WSGIApplication) -> None:
    """Ask hupper to restart when a template of a framework App changes."""
    templates = getattr(app, "templates", None)
    directories = getattr(templates, "directories", [])
    hupper.get_reloader().watch_files([f"{directory}/**/*" for directory in directories])


def _watch_files_of(error: BaseException | None) -> None:
    """Watch the files an import failed in, so saving the fix restarts the server."""
    if error is None:
        return
    files = [frame.filename for frame in traceback.extract_tb(error.__traceback__)]
    if isinstance(error, SyntaxError) and error.filename:
        files.append(error.filename)
    existing = [name for name in files if os.path.isfile(name)]
    if existing:
        hupper.get_reloader().watch_files(existing)
