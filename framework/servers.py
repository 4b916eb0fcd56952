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
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import hupper
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask

from .accesslog import AccessLog
from .app import App

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = [
    "DEFAULT_CHANNEL_TIMEOUT",
    "DEFAULT_CONNECTION_LIMIT",
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

#: ``framework run --connection-limit``'s default. waitress's own, 100, lets 100 slow clients
#: shut everyone else out; each connection costs a socket and a little memory, no thread.
DEFAULT_CONNECTION_LIMIT = 1000
#: ``framework run --channel-timeout``'s default: seconds a connection may send nothing (also
#: mid-request) before it is closed. waitress's own is 120. A view taking longer is not cut off.
DEFAULT_CHANNEL_TIMEOUT = 30
# waitress counts a chunked body's framing against max_request_body_size, and refuses a
# Content-Length equal to it: this much above the app's limit, the app decides.
_BODY_SIZE_ALLOWANCE = 64 * 1024


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
    #: waitress: the most connections open at once (`DEFAULT_CONNECTION_LIMIT` when None).
    connection_limit: int | None = None
    #: waitress: seconds of silence before a connection is closed (`DEFAULT_CHANNEL_TIMEOUT`).
    channel_timeout: int | None = None

    def __post_init__(self) -> None:
        if self.server not in SERVERS:
            raise ValueError(f"unknown server {self.server!r} (choose from {', '.join(SERVERS)})")
        waitress_options = {
            "--threads": self.threads,
            "--connection-limit": self.connection_limit,
            "--channel-timeout": self.channel_timeout,
        }
        for option, value in waitress_options.items():
            if value is not None and self.server != "waitress":
                why = "has one thread" if option == "--threads" else "does not take it"
                raise ValueError(f"{option} is for waitress; {self.server} {why}")
            if value is not None and value < 1:
                raise ValueError(f"{option} must be at least 1")
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
    """Listen with waitress, multi-threaded and production-grade.

    A framework App's ``max_body_size`` becomes waitress's ``max_request_body_size``, so a body
    declared far too large is answered 413 before waitress buffers it.
    """
    channel_timeout = options.channel_timeout or DEFAULT_CHANNEL_TIMEOUT
    settings: dict[str, Any] = {
        "connection_limit": options.connection_limit or DEFAULT_CONNECTION_LIMIT,
        "channel_timeout": channel_timeout,
        # How often waitress looks for silent connections (its default, 30 s, would stretch
        # a shorter timeout).
        "cleanup_interval": max(1, min(30, channel_timeout // 2)),
        # poll() has no FD_SETSIZE (1024) ceiling, unlike waitress's default select().
        "asyncore_use_poll": True,
    }
    if options.threads is not None:
        settings["threads"] = options.threads
    framework_app = app.app if isinstance(app, AccessLog) else app
    if isinstance(framework_app, App):
        settings["max_request_body_size"] = framework_app.max_body_size + _BODY_SIZE_ALLOWANCE
    logging.getLogger("waitress.queue").addFilter(_QUEUE_WARNINGS)  # added once
    listening = _listen(options.host, options.port)
    try:
        server = create_server(app, sockets=[listening], **settings)
    except Exception:
        listening.close()
        raise
    if isinstance(app, AccessLog) and isinstance(server, BaseWSGIServer):  # one socket: a server
        server.channel_class = type(
            "AccessLoggedChannel", (_AccessLoggedChannel,), {"access_log": app}
        )

    def stop() -> None:
        # Requests run in waitress's threads; its main loop takes KeyboardInterrupt as "stop".
        raise KeyboardInterrupt

    def close() -> None:
        server.close()
        listening.close()

    return _Running(listening.getsockname()[1], server.run, stop, close)


class _FirstQueueWarningOnly(logging.Filter):
    """A filter on ``waitress.queue``: waitress warns on every request that waits for a thread
    (180,000 lines in 120 s under load); let the first through, saying what to do about it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = False

    def filter(self, record: logging.LogRecord) -> bool:
        if self.seen:
            return False
        self.seen = True
        record.msg = (
            f"{record.msg}: requests are waiting for a free thread (raise --threads if this "
            "persists); further queue warnings are not logged"
        )
        return True


_QUEUE_WARNINGS = _FirstQueueWarningOnly()


class _AccessLoggedErrorTask(ErrorTask):
    """waitress's own answer to a request it refuses before the app (413 over the body limit,
    a malformed chunked body): logged like the app's answers."""

    def execute(self) -> None:
        super().execute()
        channel = self.channel
        request: object = self.request  # the stubs call it an Error: it is the parser
        # A 500 for an app that failed is answered with a request made up for it: AccessLog
        # has logged that one already.
        if isinstance(channel, _AccessLoggedChannel) and request in channel.requests:
            channel.log_request(request, self.status.split(" ", 1)[0], self.content_length or 0)


class _AccessLoggedChannel(HTTPChannel):
    """waitress's connection, which also logs the requests waitress answers without the app.

    waitress calls the app only once the whole body has arrived, so a client that leaves
    mid-body (or falls silent past ``--channel-timeout``) would leave no access-log line: it
    is logged as a 400, as the app answers a body cut off before its ``Content-Length``.
    """

    error_task_class = _AccessLoggedErrorTask
    #: Set on the subclass made for each server.
    access_log: AccessLog
    _request_started = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None:
            self._request_started = time.perf_counter()
        return super().received(data)

    def handle_close(self) -> None:
        request = self.request
        if request is not None and request.headers_finished and not request.completed:
            self.request = None  # waitress may close a channel twice: log it once
            self.log_request(request, "400", 0)
        super().handle_close()

    def log_request(self, request: object, status: str, bytes_sent: int) -> None:
        """Write the access-log line of a request (a waitress parser) the app never saw."""
        # The stubs lag waitress: `command` is a str, and `path` (PATH_INFO) is missing.
        method: str = getattr(request, "command", "-")
        path: str = getattr(request, "path", "-")
        self.access_log.log_line(method, path, status, bytes_sent, self._request_started)


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
