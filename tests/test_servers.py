"""Real servers: gunicorn and waitress-serve run views:app unchanged; ``framework run --reload``;
and the access-log middleware on its own.
"""

from __future__ import annotations

import http.cookiejar
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from processes import (
    ROOT,
    console_script,
    environment,
    fetch,
    framework_command,
    free_port,
    poll,
    run_command,
    stop,
    wait_for_port,
)

from framework import App, Request, View
from framework.accesslog import AccessLog

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


# Every worker of a deployment shares this, and only this (sessions are signed cookies).
SECRET_KEY = {"FRAMEWORK_SECRET_KEY": "test-deployment-key"}


def start(
    command: list[str],
    cwd: Path = ROOT,
    new_session: bool = False,
    extra_environment: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        cwd=cwd,
        env={**environment(), **(extra_environment or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )


class Browser:
    """A cookie-keeping HTTP client: each request is a new connection, so any worker answers."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def fetch(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base_url + path, data=data, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")


def exercise_demo_site(url: str, requests_logged_in: int = 8) -> None:
    """Log in through the demo site's form once, then stay logged in on every later request."""
    browser = Browser(url)
    status, page = browser.fetch("/")
    assert status == 200
    assert '<a href="/users/1">Ada Lovelace</a>' in page
    assert "Hello, Ada Lovelace!" not in page

    status, form = browser.fetch("/login/")
    assert status == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, form
    forged_status, _ = Browser(url).fetch("/login/", LOGIN)  # no session, no token
    assert forged_status == 403

    # The POST answers 303 to /, which the client follows: the first logged-in page.
    status, welcome = browser.fetch("/login/", {**LOGIN, "csrf_token": token[1]})
    assert status == 200
    assert "Welcome, Ada Lovelace!" in welcome

    for _ in range(requests_logged_in):
        status, page = browser.fetch("/")
        assert status == 200
        assert "Hello, Ada Lovelace!" in page
    assert browser.fetch("/users/99")[0] == 404


LOGIN = {"username": "ada", "password": "analytical-engine"}


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_gunicorn_workers_share_one_login() -> None:
    """Log in on one worker, stay logged in on the others.

    ``--max-requests 3`` replaces each worker after three requests, so the logged-in pages
    are answered by several worker processes, each of which imported the app afresh: only
    the shared secret key carries the login from one to the next.
    """
    port = free_port()
    process = start(
        console_script(
            "gunicorn",
            "gunicorn",
            *("-w", "2", "--max-requests", "3", "-b", f"127.0.0.1:{port}"),
            *("--access-logfile", "-", "--access-logformat", "%(p)s %(m)s %(U)s %(s)s"),
            "views:app",
        ),
        extra_environment=SECRET_KEY,
    )
    try:
        wait_for_port(port, process)
        exercise_demo_site(f"http://127.0.0.1:{port}")
    finally:
        access_log, log = stop(process, signal.SIGTERM)

    assert process.returncode == 0, log
    assert "Traceback" not in log
    logged_in_pages = re.findall(r"^<(\d+)> GET / 200$", access_log, re.MULTILINE)
    assert len(logged_in_pages) >= 8, access_log
    assert len(set(logged_in_pages)) >= 3, access_log  # answered by several processes


def test_waitress_serve_serves_views_app_unchanged() -> None:
    port = free_port()
    process = start(
        console_script("waitress-serve", "waitress", f"--listen=127.0.0.1:{port}", "views:app"),
        extra_environment=SECRET_KEY,
    )
    try:
        wait_for_port(port, process)
        exercise_demo_site(f"http://127.0.0.1:{port}")
        headers = fetch(f"http://127.0.0.1:{port}/")[1]
    finally:
        stop(process, signal.SIGTERM)

    assert headers["Server"] == "waitress"


# Malformed bodies under real servers

READERS = """\
from framework import View
from views import app  # the demo site, with views that read the body three ways


@app.route("/body")
class Body(View):
    csrf_exempt = True

    def post(self, request):
        return {"bytes": len(request.body)}


@app.route("/form")
class Form(View):
    csrf_exempt = True

    def post(self, request):
        return {"fields": len(request.POST)}
"""

# The two bodies: a chunk size that is not hex, and a chunk not ended by CRLF.
MALFORMED_CHUNKED = {
    "bad-size": b"zz\r\nhello\r\n0\r\n\r\n",
    "missing-crlf": b"5\r\nhelloXX0\r\n\r\n",
}


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` on a new connection and read the answer until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = []
        while chunk := connection.recv(65536):
            received.append(chunk)
    return b"".join(received)


def chunked_post(path: str, body: bytes, extra_headers: bytes = b"") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode()
        + b"Content-Type: application/x-www-form-urlencoded\r\n"
        + b"Transfer-Encoding: chunked\r\n"
        + extra_headers
        + b"\r\n"
        + body
    )


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_malformed_chunked_bodies_under_gunicorn_are_400(tmp_path: Path) -> None:
    """gunicorn raises its own parse errors (not OSError) from wsgi.input: still the client's."""
    (tmp_path / "readers.py").write_text(READERS)
    port = free_port()
    process = start(
        console_script("gunicorn", "gunicorn", "-b", f"127.0.0.1:{port}", "readers:app"),
        cwd=tmp_path,
        extra_environment=SECRET_KEY,
    )
    try:
        wait_for_port(port, process)
        # The demo's /login/: its CSRF check reads the form before the view does.
        # A session with a CSRF token, so that the check gets as far as reading the form.
        cookie = fetch(f"http://127.0.0.1:{port}/login/")[1]["Set-Cookie"].split(";")[0]
        session = f"Cookie: {cookie}\r\n".encode()
        answers = {
            (path, name): raw_exchange(port, chunked_post(path, body, session))
            for path in ("/body", "/form", "/login/")
            for name, body in MALFORMED_CHUNKED.items()
        }
        well_formed = raw_exchange(port, chunked_post("/form", b"3\r\na=1\r\n0\r\n\r\n"))
    finally:
        _, log = stop(process, signal.SIGTERM)

    for (path, name), answer in answers.items():
        assert answer.startswith(b"HTTP/1.1 400 "), (path, name, answer[:200])
        assert b"The body could not be read" in answer, (path, name)
    assert well_formed.startswith(b"HTTP/1.1 200 ")
    assert well_formed.endswith(b'{"fields":1}')
    assert "Traceback" not in log, log


# --reload

SOURCE = """\
from framework import App, View

app = App()


@app.route("/")
class Home(View):
    def get(self, request):
        return "source version 1"


@app.route("/page")
class Page(View):
    def get(self, request):
        return self.render("page.html")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project of its own: site.py and templates/page.html."""
    (tmp_path / "site_app.py").write_text(SOURCE)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("template version 1")
    return tmp_path


def start_reloading(project: Path, port: int) -> subprocess.Popen[str]:
    """``framework run --reload`` in its own process group, so Ctrl-C reaches the worker too."""
    return start(
        framework_command("run", "site_app:app", "--reload", "--port", str(port)),
        cwd=project,
        new_session=True,
    )


@pytest.fixture
def reloading_server(project: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A reloading server of ``project``, listening; yields the process and its URL."""
    port = free_port()
    process = start_reloading(project, port)
    try:
        wait_for_port(port, process)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        stop(process, signal.SIGINT)


def edit_until_served(
    process: subprocess.Popen[str], file: Path, new_text: str, url: str, expected: str
) -> None:
    """Write ``new_text`` into ``file`` and poll ``url`` until it serves ``expected``.

    hupper stats watched files about once a second and learns of a new worker's files only
    after the worker starts; an edit made before it took note would look like no change. So
    each poll that still sees the old page moves the file's mtime forward again.
    """
    file.write_text(new_text)
    bumps = iter(range(1, 10_000))

    def serves_new_text() -> bool:
        try:
            if expected in fetch(url)[2]:
                return True
        except OSError:
            pass  # the worker is restarting
        future = time.time() + next(bumps)
        os.utime(file, (future, future))
        return False

    poll(serves_new_text, f"{expected!r} at {url}", process)


def test_reload_restarts_when_a_source_file_changes(
    project: Path, reloading_server: tuple[subprocess.Popen[str], str]
) -> None:
    process, url = reloading_server
    assert fetch(url + "/")[2] == "source version 1"

    source = SOURCE.replace("source version 1", "source version 2")
    edit_until_served(process, project / "site_app.py", source, url + "/", "source version 2")


def test_reload_restarts_when_a_template_changes(
    project: Path, reloading_server: tuple[subprocess.Popen[str], str]
) -> None:
    process, url = reloading_server
    assert fetch(url + "/page")[2] == "template version 1"

    template = project / "templates" / "page.html"
    edit_until_served(process, template, "template version 2", url + "/page", "template version 2")


def test_ctrl_c_stops_a_reloading_server_cleanly(
    reloading_server: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = reloading_server
    assert fetch(url + "/")[0] == 200

    os.killpg(process.pid, signal.SIGINT)
    _, stderr = stop(process, signal.SIGINT)

    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_reload_reports_an_import_error_in_one_line_and_restarts_once_it_is_fixed(
    project: Path,
) -> None:
    source = project / "site_app.py"
    source.write_text(SOURCE.replace("app = App()", "app = App("))
    port = free_port()
    process = start_reloading(project, port)
    try:
        assert process.stderr is not None
        error = ""
        while not error.startswith("framework: "):  # hupper's own lines come first
            error = process.stderr.readline()
            assert error, "the server exited without reporting the import error"
        # Nothing listens while the module is broken; fixing it brings the server up.
        edit_until_served(process, source, SOURCE, f"http://127.0.0.1:{port}/", "source version 1")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        _, stderr = stop(process, signal.SIGINT)

    assert error == (
        "framework: cannot import 'site_app': SyntaxError: '(' was never closed"
        f" ({source}, line 3)\n"
    )
    assert "Traceback" not in stderr


def test_reload_on_a_port_in_use_is_one_line_and_exit_1(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run_command("run", "site_app:app", "--reload", "--port", str(port), cwd=project)

    assert result.returncode == 1
    expected = f"framework: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert result.stderr == expected


# The access-log middleware


def hello_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello, ", b"world"]


def call(app: AccessLog, path: str, method: str = "GET", query: str = "") -> bytes:
    """Call a WSGI app as a server would, closing the body afterwards."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": query,
    }
    body = app(environ, lambda status, headers, exc_info=None: lambda data: None)
    try:
        return b"".join(body)
    finally:
        body.close()  # type: ignore[attr-defined]


def logged_fields(record: logging.LogRecord) -> tuple[object, ...]:
    """The structured fields the access log adds to its records (``extra``)."""
    return tuple(vars(record)[key] for key in ("method", "path", "status", "bytes_sent"))


def test_access_log_logs_one_line_when_the_response_is_closed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="framework.access")

    body = call(AccessLog(hello_app), "/users/1")

    assert body == b"Hello, world"
    [record] = caplog.records
    assert record.name == "framework.access"
    assert record.getMessage().startswith("GET /users/1 200 12 bytes ")
    assert record.getMessage().endswith(" ms route=-")  # no App, so no route
    assert logged_fields(record) == ("GET", "/users/1", "200", 12)
    assert vars(record)["duration_ms"] >= 0


def test_access_log_counts_bytes_written_with_write(caplog: pytest.LogCaptureFixture) -> None:
    def writing_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        write = start_response("201 Created", [("Content-Type", "text/plain")])
        write(b"abc")
        return [b"de"]

    caplog.set_level(logging.INFO, logger="framework.access")

    call(AccessLog(writing_app), "/things", method="POST")

    assert [record.getMessage().split(" ms")[0].rsplit(" ", 1)[0] for record in caplog.records] == [
        "POST /things 201 5 bytes"
    ]


def test_access_log_percent_encodes_the_path_so_requests_cannot_forge_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="framework.access")

    call(AccessLog(hello_app), "/a b\nGET /forged 200")

    [record] = caplog.records
    assert vars(record)["path"] == "/a%20b%0AGET%20/forged%20200"
    assert "\n" not in record.getMessage()


def test_access_log_logs_a_500_when_the_app_raises(caplog: pytest.LogCaptureFixture) -> None:
    def failing_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO, logger="framework.access")

    with pytest.raises(RuntimeError):
        call(AccessLog(failing_app), "/")

    [record] = caplog.records
    assert logged_fields(record) == ("GET", "/", "500", 0)


def test_access_log_closes_the_wrapped_body_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed = []

    class Body(list[bytes]):
        def close(self) -> None:
            closed.append(True)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body([b"x"])

    caplog.set_level(logging.INFO, logger="framework.access")
    environ = {"REQUEST_METHOD": "HEAD", "PATH_INFO": "/", "SCRIPT_NAME": ""}
    body = AccessLog(app)(environ, lambda status, headers, exc_info=None: lambda data: None)

    body.close()  # type: ignore[attr-defined]
    body.close()  # type: ignore[attr-defined]

    assert closed == [True, True]
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith("HEAD / 200 0 bytes ")


def test_access_log_shows_the_query_and_the_route_pattern(caplog: pytest.LogCaptureFixture) -> None:
    app = App()

    @app.route("/posts/{id:d}", name="post")
    class Post(View):
        def get(self, request: Request, id: int) -> str:
            return "post"

    caplog.set_level(logging.INFO, logger="framework.access")

    call(AccessLog(app), "/posts/3", query="page=2&q=a%20b")
    call(AccessLog(app), "/nothing", query="x=1")

    messages = [record.getMessage().split(" ms")[0].rsplit(" ", 1)[0] for record in caplog.records]
    assert messages[0] == "GET /posts/3?page=2&q=a%20b 200 4 bytes"
    assert messages[1].startswith("GET /nothing?x=1 404 ")
    assert [record.getMessage().rsplit(" ", 1)[1] for record in caplog.records] == [
        "route=/posts/{id:d}",
        "route=-",
    ]
    assert [(vars(r)["query"], vars(r)["route"]) for r in caplog.records] == [
        ("page=2&q=a%20b", "/posts/{id:d}"),
        ("x=1", None),
    ]


def test_access_log_percent_encodes_the_query_so_requests_cannot_forge_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="framework.access")

    call(AccessLog(hello_app), "/a", query="x=1 200 5 bytes 1.0 ms route=/x\nGET /forged")

    [record] = caplog.records
    assert vars(record)["query"] == "x=1%20200%205%20bytes%201.0%20ms%20route=/x%0AGET%20/forged"
    assert "\n" not in record.getMessage()
    assert record.getMessage().endswith(" ms route=-")
