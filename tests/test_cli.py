"""The command line, run as a real subprocess: run, routes, check; exit codes and messages."""

from __future__ import annotations

import concurrent.futures
import json
import re
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import (
    DEADLINE_SECONDS,
    ROOT,
    environment,
    fetch,
    framework_command,
    poll,
    run_command,
    stop,
)

from framework.cli import is_loopback


def start_server(*arguments: str, cwd: Path = ROOT) -> tuple[subprocess.Popen[str], str]:
    """Start ``framework run ...``; return the process and the URL from its first line."""
    process = subprocess.Popen(
        framework_command("run", *arguments),
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    # The command prints its URL only after the socket is bound and listening.
    first_line = process.stdout.readline()
    if not first_line:
        stop(process)
    target = arguments[0] if arguments and not arguments[0].startswith("-") else "views:app"
    assert first_line.startswith(f"Serving {target} on http://127.0.0.1:"), first_line
    return process, first_line.split(" on ", 1)[1].strip()


@pytest.fixture(params=["waitress", "wsgiref"])
def demo_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """Serve views:app on a free port with each server; yield its base URL once it listens."""
    process, url = start_server("views:app", "--port", "0", "--server", request.param)
    try:
        yield url
    finally:
        stop(process)


def test_run_serves_the_demo_site_over_http(demo_server: str) -> None:
    with urllib.request.urlopen(demo_server + "/users/1", timeout=10) as response:
        body = response.read().decode("utf-8")

    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Ada Lovelace" in body


def test_run_answers_404_over_http(demo_server: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(demo_server + "/nothing/here", timeout=10)

    assert raised.value.code == 404
    assert "404 Not Found" in raised.value.read().decode("utf-8")


def test_run_serves_with_waitress_by_default() -> None:
    process, url = start_server("--port", "0")
    try:
        status, headers, _ = fetch(url + "/")
    finally:
        stop(process)

    assert status == 200
    assert headers["Server"] == "waitress"


def test_run_with_an_unimportable_app_is_one_line_and_exit_1() -> None:
    result = run_command("run", "no_such_module:app")

    assert result.returncode == 1
    assert result.stderr.startswith("framework: cannot import 'no_such_module'")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_run_with_a_missing_attribute_is_exit_1() -> None:
    result = run_command("run", "views:nothing")

    assert result.returncode == 1
    assert result.stderr == "framework: module 'views' has no attribute 'nothing'\n"


def test_an_app_module_with_a_syntax_error_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("from framework import App\napp = App(\n")

    result = run_command("run", "broken:app", "--port", "0", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("framework: cannot import 'broken': SyntaxError: ")
    assert "broken.py, line " in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_app_module_that_raises_is_one_line_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / "raising.py").write_text("import os\n\nos.environ['NOT_SET_ANYWHERE_42']\n")

    result = run_command("run", "raising:app", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr == (
        "framework: cannot import 'raising': KeyError: 'NOT_SET_ANYWHERE_42'"
        f" ({tmp_path / 'raising.py'}, line 3)\n"
    )


@pytest.mark.parametrize("server", ["waitress", "wsgiref"])
def test_run_on_a_port_in_use_is_one_line_and_exit_1(server: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run_command("run", "--server", server, "--port", str(port))

    assert result.returncode == 1
    expected = f"framework: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert result.stderr == expected
    assert result.stdout == ""


def test_threads_with_wsgiref_is_refused() -> None:
    result = run_command("run", "--server", "wsgiref", "--threads", "8")

    assert result.returncode == 1
    assert result.stderr == "framework: --threads is for waitress; wsgiref has one thread\n"


@pytest.mark.parametrize("server", ["waitress", "wsgiref"])
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_the_server_cleanly(server: str, signal_number: int) -> None:
    process, url = start_server("--port", "0", "--server", server)
    try:
        assert fetch(url + "/")[0] == 200
    finally:
        stdout, stderr = stop(process, signal_number)

    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert "KeyboardInterrupt" not in stderr


ACCESS_LINE = re.compile(
    r"framework\.access: (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) "
    r"(?P<bytes>\d+) bytes (?P<duration>\d+\.\d) ms route=(?P<route>\S+)$"
)


@pytest.mark.parametrize("server", ["waitress", "wsgiref"])
def test_run_logs_one_access_line_per_request(server: str) -> None:
    process, url = start_server("--port", "0", "--server", server)
    try:
        ok_status, ok_headers, _ = fetch(url + "/users/1")
        missing_status, missing_headers, _ = fetch(url + "/nothing")
        # No CSRF token: refused, and logged like any other answer.
        posted_status, _, posted = fetch(url + "/login/", {"name": "Ada"})
    finally:
        _, stderr = stop(process, signal.SIGINT)

    matches = [ACCESS_LINE.search(line) for line in stderr.splitlines()]
    # waitress answers on several threads, so the lines may come in any order.
    lines = {match["path"]: match.groupdict() for match in matches if match}
    assert sum(match is not None for match in matches) == 3, stderr
    assert (ok_status, missing_status, posted_status) == (200, 404, 403)
    assert sorted((line["method"], path, line["status"]) for path, line in lines.items()) == [
        ("GET", "/nothing", "404"),
        ("GET", "/users/1", "200"),
        ("POST", "/login/", "403"),
    ]
    assert [lines[path]["route"] for path in ("/users/1", "/nothing", "/login/")] == [
        "/users/{id:d}",
        "-",
        "/login/",
    ]
    assert lines["/users/1"]["bytes"] == ok_headers["Content-Length"]
    assert lines["/nothing"]["bytes"] == missing_headers["Content-Length"]
    assert int(lines["/login/"]["bytes"]) == len(posted.encode())


def test_no_access_log_turns_the_lines_off() -> None:
    process, url = start_server("--port", "0", "--no-access-log")
    try:
        assert fetch(url + "/")[0] == 200
    finally:
        _, stderr = stop(process, signal.SIGINT)

    assert "framework.access" not in stderr


def test_routes_prints_the_demo_sites_table_in_dispatch_order() -> None:
    result = run_command("routes")

    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "PATTERN        NAME     VIEW               ACCESS  CSRF               METHODS",
        "/              home     views.Index        public  safe methods only  GET, HEAD, OPTIONS",
        "/index/        index    views.Index        public  safe methods only  GET, HEAD, OPTIONS",
        "/login/        login    views.Login        public  checked            GET, HEAD, POST, OPTIONS",  # noqa: E501
        "/logout/       logout   views.Logout       public  checked            POST, OPTIONS",
        "/account/      account  views.AccountPage  login   safe methods only  GET, HEAD, OPTIONS",
        "/hello/{name}  hello    views.Hello        public  safe methods only  GET, HEAD, OPTIONS",
        "/users/{id:d}  user     views.UserDetail   public  safe methods only  GET, HEAD, OPTIONS",
    ]


def test_routes_lists_static_routes_first_as_dispatch_tries_them(tmp_path: Path) -> None:
    (tmp_path / "ordered.py").write_text(
        "from framework import App, View\n"
        "app = App()\n"
        "class Page(View):\n"
        "    def get(self, request, **params):\n"
        "        return 'page'\n"
        "app.add_route('/pages/{slug:slug}', Page, name='page')\n"
        "app.add_route('/pages/new', Page, name='new_page')\n"
    )

    result = run_command("routes", "ordered:app", cwd=tmp_path)

    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == [
        "PATTERN",
        "/pages/new",
        "/pages/{slug:slug}",
    ]


def test_routes_of_a_plain_wsgi_app_is_one_line_and_exit_1() -> None:
    result = run_command("routes", "wsgiref.simple_server:demo_app")

    assert result.returncode == 1
    assert result.stderr == (
        "framework: wsgiref.simple_server:demo_app is a WSGI application but not a framework App\n"
    )


def test_python_dash_m_framework_without_a_command_is_a_usage_error() -> None:
    result = run_command()

    assert result.returncode == 2
    assert "usage: framework" in result.stderr


def test_routes_json_describes_the_demo_site_for_tools() -> None:
    result = run_command("routes", "--json")

    assert result.returncode == 0, result.stderr
    routes = json.loads(result.stdout)
    assert [route["pattern"] for route in routes] == [
        "/",
        "/index/",
        "/login/",
        "/logout/",
        "/account/",
        "/hello/{name}",
        "/users/{id:d}",
    ]
    assert routes[0] == {
        "pattern": "/",
        "name": "home",
        "view": "views.Index",
        "methods": ["GET", "HEAD", "OPTIONS"],
        "fields": {},
        "template": "index.html",
        "csrf": "safe methods only",
        "access": "public",
    }
    assert routes[4]["access"] == "login"
    assert routes[2]["methods"] == ["GET", "HEAD", "POST", "OPTIONS"]
    assert routes[2]["template"] == "login.html"  # the one template Login.get/post render
    assert routes[2]["csrf"] == "checked"
    assert routes[3]["template"] is None  # Logout renders nothing
    assert routes[6]["fields"] == {"id": "d"}
    assert routes[6]["template"] == "user.html"


def test_routes_json_gives_field_types_templates_and_csrf_stances(tmp_path: Path) -> None:
    (tmp_path / "tooling.py").write_text(
        "from framework import App, RedirectView, TemplateView, View\n"
        "app = App()\n"
        "app.route_type('year', r'[0-9]{4}', int)\n"
        "class Archive(TemplateView):\n"
        "    template_name = 'archive.html'\n"
        "class Old(RedirectView):\n"
        "    route_name = 'archive'\n"
        "class Hook(View):\n"
        "    csrf_exempt = True\n"
        "    def post(self, request, **params):\n"
        "        return self.render('a.html' if params else 'b.html')\n"
        "app.add_route('/archive/{year:year}/{slug:slug}/{key:uuid}', Archive, name='archive')\n"
        "app.add_route('/old/{year:year}/{slug:slug}/{key:uuid}', Old, name='old')\n"
        "app.add_route('/hook/{rest:path}', Hook, name='hook')\n"
    )

    result = run_command("routes", "tooling:app", "--json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    archive, old, hook = json.loads(result.stdout)
    assert archive["fields"] == {"year": "year", "slug": "slug", "key": "uuid"}
    assert archive["template"] == "archive.html"
    assert archive["csrf"] == "safe methods only"
    assert old["view"] == "tooling.Old"
    assert old["methods"] == ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    assert old["template"] is None
    assert old["csrf"] == "exempt"
    assert hook == {
        "pattern": "/hook/{rest:path}",
        "name": "hook",
        "view": "tooling.Hook",
        "methods": ["POST", "OPTIONS"],
        "fields": {"rest": "path"},
        "template": None,  # computed: not known
        "csrf": "exempt",
        "access": "public",
    }


# Exposure: body limits, connections, logging under load

LIMITED_APP = """\
import time

from framework import App, View

app = App(max_body_size=1000)


@app.route("/form")
class Form(View):
    csrf_exempt = True

    def post(self, request):
        return {"fields": len(request.POST)}


@app.route("/slow")
class Slow(View):
    def get(self, request):
        time.sleep(0.2)  # keeps the one thread busy while the others queue
        return "done"
"""


@pytest.fixture
def limited_project(tmp_path: Path) -> Path:
    (tmp_path / "limited.py").write_text(LIMITED_APP)
    return tmp_path


def start_logging_to_file(
    project: Path, *arguments: str
) -> tuple[subprocess.Popen[str], int, Path]:
    """``framework run limited:app ARGUMENTS`` with stderr in a file that can be polled."""
    log = project / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            framework_command("run", "limited:app", "--port", "0", *arguments),
            cwd=project,
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert process.stdout is not None
    first_line = process.stdout.readline()
    assert first_line.startswith("Serving limited:app on http://127.0.0.1:"), log.read_text()
    return process, int(first_line.rsplit(":", 1)[1]), log


def exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` on a new connection; read the answer until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_SECONDS) as connection:
        connection.sendall(request)
        received = []
        while chunk := connection.recv(65536):
            received.append(chunk)
    return b"".join(received)


def test_run_refuses_a_body_declared_too_large_before_reading_it(limited_project: Path) -> None:
    """200 MiB declared, nothing sent: the 413 must come without waiting for the body."""
    process, port, log = start_logging_to_file(limited_project)
    try:
        answer = exchange(
            port,
            b"POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 209715200\r\n\r\n",
        )
        within_limit = exchange(
            port,
            b"POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\na=" + b"x" * 998,
        )
    finally:
        stop(process, signal.SIGINT)

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert within_limit.startswith(b"HTTP/1.1 200 ")
    assert within_limit.endswith(b'{"fields":1}')
    # waitress answered the 413 itself; the access log still has one line per request.
    lines = [match for line in log.read_text().splitlines() if (match := ACCESS_LINE.search(line))]
    body_bytes = len(answer.partition(b"\r\n\r\n")[2])
    assert sorted((line["path"], line["status"], int(line["bytes"])) for line in lines) == [
        ("/form", "200", len(b'{"fields":1}')),
        ("/form", "413", body_bytes),
    ]


@pytest.mark.parametrize("server", ["waitress", "wsgiref"])
def test_a_client_leaving_mid_body_leaves_one_400_access_line(
    limited_project: Path, server: str
) -> None:
    process, port, log = start_logging_to_file(limited_project, "--server", server)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_SECONDS) as client:
            client.sendall(
                b"POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 900\r\n\r\na=xyz"
            )
        poll(lambda: "framework.access: POST /form 400" in log.read_text(), "the line", process)
        fetch(f"http://127.0.0.1:{port}/nothing")  # one more request: lines come as they should
    finally:
        stop(process, signal.SIGINT)

    lines = [match for line in log.read_text().splitlines() if (match := ACCESS_LINE.search(line))]
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("POST", "/form", "400"),
        ("GET", "/nothing", "404"),
    ]


def test_waitress_queue_warnings_are_logged_once(limited_project: Path) -> None:
    process, port, log = start_logging_to_file(limited_project, "--threads", "1")
    try:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: fetch(f"http://127.0.0.1:{port}/slow")[0], range(8)))
    finally:
        stop(process, signal.SIGINT)

    assert statuses == [200] * 8
    warnings = [line for line in log.read_text().splitlines() if "Task queue depth" in line]
    assert len(warnings) == 1, log.read_text()
    assert "raise --threads" in warnings[0]


def test_channel_timeout_closes_a_silent_connection(limited_project: Path) -> None:
    process, port, _ = start_logging_to_file(
        limited_project, "--channel-timeout", "1", "--connection-limit", "50"
    )
    try:
        # Nothing sent: waitress closes the connection once it has been silent too long.
        assert exchange(port, b"") == b""
        assert fetch(f"http://127.0.0.1:{port}/slow")[0] == 200
    finally:
        stop(process, signal.SIGINT)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--connection-limit", "0"], "--connection-limit must be at least 1"),
        (["--channel-timeout", "0"], "--channel-timeout must be at least 1"),
        (
            ["--server", "wsgiref", "--connection-limit", "10"],
            "--connection-limit is for waitress; wsgiref does not take it",
        ),
    ],
)
def test_bad_exposure_options_are_one_line_and_exit_1(arguments: list[str], message: str) -> None:
    result = run_command("run", *arguments)

    assert result.returncode == 1
    assert result.stderr == f"framework: {message}\n"


def test_run_help_names_the_exposure_options_and_their_defaults() -> None:
    result = run_command("run", "--help")

    assert "--connection-limit CONNECTION_LIMIT" in result.stdout
    assert "(1000)" in result.stdout
    assert "--channel-timeout CHANNEL_TIMEOUT" in result.stdout
    assert "(30)" in result.stdout


MOUNTING_APP = (
    "from framework import App, View\n"
    "from wsgiref.simple_server import demo_app\n"
    "app = App()\n"
    "class Page(View):\n"
    "    def get(self, request):\n"
    "        raise RuntimeError('debug-only detail')\n"
    "app.add_route('/', Page, name='home')\n"
    "app.mount('/legacy', demo_app)\n"
)


def test_routes_lists_mounts_first_as_dispatch_tries_them(tmp_path: Path) -> None:
    (tmp_path / "mounting.py").write_text(MOUNTING_APP)

    table = run_command("routes", "mounting:app", cwd=tmp_path)
    as_json = run_command("routes", "mounting:app", "--json", cwd=tmp_path)

    assert table.returncode == 0
    assert [line.split()[:3] for line in table.stdout.splitlines()] == [
        ["PATTERN", "NAME", "VIEW"],
        ["/legacy/...", "(mount)", "wsgiref.simple_server.demo_app"],
        ["/", "home", "mounting.Page"],
    ]
    records = json.loads(as_json.stdout)
    assert records[0] == {
        "pattern": "/legacy/...",
        "mount": "/legacy",
        "app": "wsgiref.simple_server.demo_app",
    }
    assert records[1]["name"] == "home"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_run_debug_is_refused_unless_the_host_is_loopback(host: str) -> None:
    result = run_command("run", "--debug", "--host", host, "--port", "0")

    assert result.returncode == 1
    assert result.stderr.startswith("framework: --debug shows tracebacks to anyone")
    assert f"host {host!r}" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


@pytest.mark.parametrize("reload", [False, True])
def test_run_debug_shows_tracebacks_in_the_browser(tmp_path: Path, reload: bool) -> None:
    (tmp_path / "mounting.py").write_text(MOUNTING_APP)
    options = ("--reload",) if reload else ()
    process, url = start_server("mounting:app", "--debug", "--port", "0", *options, cwd=tmp_path)
    try:
        status, _, body = fetch(url + "/")
        legacy_status, _, legacy = fetch(url + "/legacy/x")
    finally:
        stop(process)

    assert status == 500
    assert "RuntimeError: debug-only detail" in body
    assert (legacy_status, "PATH_INFO = '/x'" in legacy) == (200, True)


def test_without_debug_the_traceback_stays_in_the_log(tmp_path: Path) -> None:
    (tmp_path / "mounting.py").write_text(MOUNTING_APP)
    process, url = start_server("mounting:app", "--port", "0", cwd=tmp_path)
    try:
        status, _, body = fetch(url + "/")
    finally:
        stop(process)

    assert status == 500
    assert "debug-only detail" not in body


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
