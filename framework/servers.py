"""Serving a WSGI app: waitress or wsgiref, with the access log, until Ctrl-C or SIGTERM.

``serve`` is what ``framework run`` does once it has imported the app; with ``--reload`` it runs in
a hupper worker that ``start_reloader`` restarts whenever a source file or template changes.
Production servers (gunicorn, ``waitress-serve``) import ``views:app`` themselves and need
nothing from here. Problems (a busy port, bad options) are ``ValueError``s the CLI words.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import hupper
from waitress.server import create_server

from .accesslog import AccessLog

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = [
    "SERVERS",
    "AccessLog",
    "ServerOptions",
    "reserve_port",
    "serve",
    "start_reloader",
    "watch_files_of",
    "watch_templates",
]

#: The servers ``framework run --server`` knows; the first is the default.
SERVERS = ("waitress", "wsgiref")

#: How long a reloading worker may take to stop before hupper kills it. hupper's default, 1 s,
#: is shorter than its own worker needs to exit (it joins a thread that polls every second).
_SHUTDOWN_SECONDS = 10


@dataclass(frozen=True)
class ServerOptions:
    """How ``framework run`` serves an app: which server, where, how many threads."""

    server: str = SERVERS[0]
    host: str = "127.0.0.1"
    #: 0 picks a free port; the printed URL says which.
    port: int = 8000
    #: waitress's worker threads (its default, 4, when None).
    threads: int | None = None
    access_log: bool = True

    def __post_init__(self) -> None:
        if self.server not in SERVERS:
            raise ValueError(f"unknown server {self.server!r} (choose from {', '.join(SERVERS)})")
        if self.threads is not None and self.server != "waitress":
            raise ValueError(f"--threads is for waitress; {self.server} has one thread")
        if self.threads is not None and self.threads < 1:
            raise ValueError("--threads must be at least 1")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is not between 0 and 65535")


def serve(app: WSGIApplication, options: ServerOptions, *, name: str = "the app") -> None:
    """Listen, print the URL ``name`` is served on, and serve until Ctrl-C or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if options.access_log:
        app = AccessLog(app)
    start = _start_waitress if options.server == "waitress" else _start_wsgiref
    running = start(app, options)
    host = f"[{options.host}]" if ":" in options.host else options.host
    print(f"Serving {name} on http://{host}:{running.port}", flush=True)
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
    """Return a socket listening on ``host:port``; a busy port or bad host is a ValueError."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as error:
        raise _listen_error(host, port, error) from error


def _listen_error(host: str, port: int, error: OSError) -> ValueError:
    reason = os.strerror(error.errno) if error.errno else str(error)
    return ValueError(f"cannot listen on {host}:{port}: {reason}")


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


def reserve_port(host: str, port: int) -> int:
    """Check that ``host:port`` can be listened on and return the port (port 0: a free one).

    A reloading server binds here first, so a busy port fails at once and port 0 becomes one
    port that every restart keeps.
    """
    with _listen(host, port) as probe:
        bound: int = probe.getsockname()[1]
    return bound


def start_reloader(worker: str, *worker_args: Any) -> None:
    """Run the function at dotted path ``worker`` in a hupper worker, restarted on changes.

    As Pyramid's ``pserve --reload`` does; this process only watches files.
    """
    hupper.start_reloader(
        worker, worker_args=list(worker_args), shutdown_interval=_SHUTDOWN_SECONDS
    )


def watch_templates(app: WSGIApplication) -> None:
    """In a reloading worker, restart when a template of a framework App changes."""
    templates = getattr(app, "templates", None)
    directories = getattr(templates, "directories", [])
    hupper.get_reloader().watch_files([f"{directory}/**/*" for directory in directories])


def watch_files_of(error: BaseException | None) -> None:
    """In a reloading worker, watch the files ``error`` was raised in, so a fix restarts it."""
    if error is None:
        return
    files = [frame.filename for frame in traceback.extract_tb(error.__traceback__)]
    if isinstance(error, SyntaxError) and error.filename:
        files.append(error.filename)
    existing = [name for name in files if os.path.isfile(name)]
    if existing:
        hupper.get_reloader().watch_files(existing)
