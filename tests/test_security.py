"""Safe defaults: redirects stay on the site, allowed hosts, no CR/LF in headers, no leaks,
and a fuzz test: random bytes anywhere in a request to the demo site never make a 5xx."""

from __future__ import annotations

import contextlib
import functools
import http.client
import io
import logging
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server
from wsgiref.validate import validator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wsgi_calls import call_app, make_environ

from framework import App, RedirectError, Request, Response, View, errors, redirect
from framework.security import HostCheck, check_header_values
from framework.testing import TestClient
from views import app as demo_app

# Redirects


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/next", "/next"),
        ("/search?q=a b&page=2#results", "/search?q=a%20b&page=2#results"),
        ("/caf%C3%A9", "/caf%C3%A9"),
        ("/café", "/caf%C3%A9"),
        ("./relative", "./relative"),
        ("?page=2", "?page=2"),
    ],
)
def test_redirect_to_a_path_on_this_site(target: str, location: str) -> None:
    response = redirect(target)

    assert response.status_int == 303
    assert response.location == location


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.com",
        "http://evil.com/path",
        "//evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "\\/evil.com",
        "https:evil.com",
        "https:/evil.com",
        " //evil.com",
        "javascript:alert(1)",
        "HTTPS://evil.com",
    ],
)
def test_redirect_to_another_host_is_refused(target: str) -> None:
    with pytest.raises(RedirectError, match="another host"):
        redirect(target)


@pytest.mark.parametrize(
    "target", ["/next\r\nSet-Cookie: x=1", "/next\nX: y", "/\t/evil.com", "/a\x00b", "/\x7f"]
)
def test_redirect_with_control_characters_is_refused(target: str) -> None:
    with pytest.raises(RedirectError, match="control characters"):
        redirect(target, allow_external=True)


def test_allow_external_permits_http_and_https_only() -> None:
    assert redirect("https://example.com/a", allow_external=True).location == (
        "https://example.com/a"
    )
    with pytest.raises(RedirectError, match="not an http"):
        redirect("javascript:alert(1)", allow_external=True)
    with pytest.raises(RedirectError, match="not an http"):
        redirect("https:evil.com", allow_external=True)


def test_redirect_statuses_and_arguments() -> None:
    assert redirect("/a", status=302).status_int == 302
    assert redirect("/a", status=308).status_int == 308
    with pytest.raises(ValueError, match="redirect status"):
        redirect("/a", status=200)
    with pytest.raises(TypeError, match="takes no route parameters"):
        redirect("/a", id=3)


def redirecting_app() -> App:
    app = App(secret_key="key")

    @app.route("/users/{id:d}", name="user")
    class User(View):
        def get(self, request: Request, id: int) -> str:
            return f"user {id}"

    @app.route("/go/{id:d}")
    class Go(View):
        def get(self, request: Request, id: int) -> Response:
            return redirect("user", id=id)

    @app.route("/nowhere")
    class Nowhere(View):
        def get(self, request: Request) -> Response:
            return redirect("no-such-route")

    @app.route("/next")
    class Next(View):
        def get(self, request: Request) -> Response:
            return redirect("/users/1")

    return app


def test_redirect_to_a_route_name_is_built_under_the_mount_point() -> None:
    client = TestClient(redirecting_app())

    at_root = client.get("/go/3", status=303)
    mounted = client.get("/go/3", extra_environ={"SCRIPT_NAME": "/site"}, status=303)

    assert at_root.headers["Location"] == "/users/3"
    assert mounted.headers["Location"] == "/site/users/3"
    assert at_root.follow().text == "user 3"


def test_redirect_to_an_unknown_route_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    response = TestClient(redirecting_app()).get("/nowhere", status=500)

    assert "Location" not in response.headers
    assert "no route is named 'no-such-route'" in caplog.text


@pytest.mark.parametrize("host", ["good.com@evil.com", "evil.com", "good.com:80@evil.com:80"])
def test_redirects_never_take_their_host_from_the_host_header(host: str) -> None:
    """WebOb would make ``Location: http://good.com@evil.com/next`` from a relative one."""
    app = redirecting_app()

    @app.route("/index/")
    class Index(View):
        def get(self, request: Request) -> str:
            return "index"

    client = TestClient(app)
    built = client.get("/next", headers={"Host": host}, status=303)
    slash = client.get("/index", headers={"Host": host}, status=308)

    assert built.headers["Location"] == "/users/1"
    assert slash.headers["Location"] == "/index/"


# Allowed hosts


def hosts_app(allowed_hosts: list[str]) -> App:
    app = App(allowed_hosts=allowed_hosts)

    @app.route("/")
    class Home(View):
        def get(self, request: Request) -> str:
            return "home"

    return app


@pytest.mark.parametrize(
    "host", ["good.com", "GOOD.com", "good.com:8080", "good.com.", "www.shop.example", "[::1]:80"]
)
def test_allowed_hosts_pass(host: str) -> None:
    app = hosts_app(["good.com", ".shop.example", "[::1]"])

    response = TestClient(app).get("/", headers={"Host": host})

    assert response.status_int == 200
    assert response.text == "home"


@pytest.mark.parametrize(
    "host",
    [
        "evil.com",
        "good.com@evil.com",
        "good.com.evil.com",
        "evilgood.com",
        "good.com/evil",
        "good.com:80:80",
        "good.com:port",
        "",
        "good .com",
    ],
)
def test_other_hosts_are_400(host: str) -> None:
    response = TestClient(hosts_app(["good.com"])).get("/", headers={"Host": host}, status=400)

    assert "400 Bad Request" in response.text
    assert "Host" in response.text


def test_the_host_is_checked_before_the_path_is_looked_up() -> None:
    client = TestClient(hosts_app(["good.com"]))

    client.get("/no/such/page", headers={"Host": "good.com"}, status=404)
    response = client.get("/no/such/page", headers={"Host": "evil.com"}, status=400)

    assert "Host" in response.text


@pytest.mark.parametrize(
    ("server_name", "status"), [("good.com", "200 OK"), ("evil.com", "400 Bad Request")]
)
def test_without_a_host_header_the_server_name_is_checked(server_name: str, status: str) -> None:
    environ = make_environ("/", SERVER_NAME=server_name, SERVER_PORT="8080")
    del environ["HTTP_HOST"]  # an HTTP/1.0 request

    got_status, _, _ = call_app(hosts_app(["good.com"]), environ)

    assert got_status == status


def test_a_star_allows_any_well_formed_host() -> None:
    client = TestClient(hosts_app(["*"]))

    assert client.get("/", headers={"Host": "anything.example"}).text == "home"
    client.get("/", headers={"Host": "bad@host"}, status=400)


def test_each_host_gets_the_same_answer_every_time() -> None:
    client = TestClient(hosts_app(["good.com", ".shop.example"]))

    for _ in range(3):  # the first answer is worked out, the next ones remembered
        assert client.get("/", headers={"Host": "good.com:8000"}).text == "home"
        assert client.get("/", headers={"Host": "a.shop.example"}).text == "home"
        client.get("/", headers={"Host": "evil.com"}, status=400)
        response = client.get("/", headers={"Host": "bad@host"}, status=400)
        assert "malformed" in response.text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdef.:[]1@ -", max_size=12))
def test_a_remembered_host_decision_is_the_decision_made_afresh(host: str) -> None:
    """PERF(S1h): the cached verdict stands in for the full check; both must agree."""
    remembering = HostCheck(frozenset({"a.b", ".c.d", "[::1]"}))
    environ = make_environ("/", HTTP_HOST=host)

    def verdict(check: HostCheck) -> str | None:
        try:
            check.check(environ)
        except errors.BadRequest as error:
            return str(error.detail)
        return None

    first = verdict(remembering)
    assert verdict(remembering) == first  # now from the cache
    assert verdict(HostCheck(remembering.allowed_hosts)) == first  # worked out again
    assert (host in remembering.allowed) == (first is None)


def test_a_flood_of_made_up_hosts_cannot_grow_the_host_cache() -> None:
    app = hosts_app(["good.com", ".good.com"])
    host_check = app.host_check
    assert host_check is not None
    host_check.cache_size = 50
    client = TestClient(app)

    for number in range(200):
        client.get("/", headers={"Host": f"x{number}.evil.com"}, status=400)
        client.get("/", headers={"Host": f"x{number}.good.com"}, status=200)

    assert len(host_check.allowed) <= 50
    assert len(host_check.refused) <= 50
    assert client.get("/", headers={"Host": "good.com"}).text == "home"
    client.get("/", headers={"Host": "x1.evil.com"}, status=400)


def test_allowed_hosts_with_a_port_are_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="leave the port out"):
        App(allowed_hosts=["good.com:8000"])


# CR/LF in response headers


def header_app() -> App:
    app = App()

    @app.route("/header")
    class Header(View):
        def get(self, request: Request) -> Response:
            response = Response(body=b"ok")
            response.headers["X-Echo"] = request.GET["value"]
            return response

    @app.route("/raise-error")
    class RaiseError(View):
        def get(self, request: Request) -> str:
            raise errors.Forbidden(headers=[("X-Reason", "no\r\nSet-Cookie: stolen=1")])

    return app


def test_a_header_value_with_cr_lf_is_never_sent(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(header_app())

    response = client.get("/header?value=a%0D%0ASet-Cookie:%20stolen=1", status=500)

    assert "X-Echo" not in response.headers
    assert response.headers.getall("Set-Cookie") == []
    assert "contains CR, LF or NUL" in caplog.text
    assert client.get("/header?value=fine").headers["X-Echo"] == "fine"


def test_an_error_with_cr_lf_in_its_headers_is_never_sent(caplog: pytest.LogCaptureFixture) -> None:
    response = TestClient(header_app()).get("/raise-error", status=500)

    assert "X-Reason" not in response.headers
    assert response.headers.getall("Set-Cookie") == []
    assert "'X-Reason' contains CR, LF or NUL" in caplog.text


# Nothing leaks


def test_a_failing_view_shows_no_traceback_and_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    app = App(secret_key="the-secret-key-value")

    @app.route("/boom")
    class Boom(View):
        def get(self, request: Request) -> str:
            request.session["x"] = 1
            raise RuntimeError(f"failed with {app.sessions.serializer.secret_key!r}")

    response = TestClient(app).get("/boom", status=500)

    assert "500 Internal Server Error" in response.text
    assert "Traceback" not in response.text
    assert "the-secret-key-value" not in response.text
    assert "RuntimeError" not in response.text
    assert "the-secret-key-value" in caplog.text  # logged for the operator, never sent


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Cookie", "session=\xff\xfe\xc3\x28; other=\x80"),
        ("Cookie", "=;;==; session"),
        ("Cookie", "session=" + "A" * 8000),
        ("X-CSRF-Token", "\xff" * 50),
        ("Accept", "\x80\x81"),
    ],
)
def test_undecodable_headers_are_a_sane_answer(header: str, value: str) -> None:
    response = TestClient(demo_app).get("/", headers={header: value})

    assert response.status_int == 200
    assert "<title>Index</title>" in response.text


# A real server


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serving(app: App) -> Iterator[int]:
    """Serve ``app`` with wsgiref's server on a free port, in a thread; yield the port."""
    httpd = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def fetch(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_login_against_a_real_server() -> None:
    with serving(demo_app) as port:
        status, headers, page = fetch(port, "GET", "/login/")
        assert status == 200
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert match is not None
        token = match.group(1).decode()
        form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}

        forged, _, forged_page = fetch(port, "POST", "/login/", b"username=ada", form)
        status, headers, _ = fetch(
            port,
            "POST",
            "/login/",
            f"csrf_token={token}&username=ada&password=analytical-engine".encode(),
            form,
        )
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        _, _, home = fetch(port, "GET", "/", headers={"Cookie": cookie})

    assert forged == 403
    assert b"The form expired, reload the page and submit again." in forged_page
    assert status == 303
    assert headers["Location"] == "/"
    assert b"Welcome, Ada Lovelace!" in home
    assert b"Hello, Ada Lovelace!" in home


def test_a_real_server_refuses_a_large_body_before_it_is_sent() -> None:
    app = App(max_body_size=1000)

    @app.route("/upload")
    class Upload(View):
        csrf_exempt = True

        def post(self, request: Request) -> str:
            return f"{len(request.body)} bytes"

    with serving(app) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.putrequest("POST", "/upload")
            connection.putheader("Content-Length", str(10**9))
            connection.endheaders()  # a gigabyte announced, not a byte sent: no read may wait
            response = connection.getresponse()
            status, page = response.status, response.read()
        finally:
            connection.close()
        small_status, _, small_page = fetch(port, "POST", "/upload", b"x" * 1000)

    assert status == 413
    assert b"larger than 1000 bytes" in page
    assert (small_status, small_page) == (200, b"1000 bytes")


# Fuzz: random bytes in the path, query, headers and body of the demo site's routes

ROUTES = ["/", "/index/", "/login/", "/logout/", "/hello/x", "/users/1", "/static/css/site.css"]
HEADERS = [
    "HTTP_COOKIE",
    "HTTP_HOST",
    "HTTP_X_CSRF_TOKEN",
    "HTTP_ORIGIN",
    "HTTP_REFERER",
    "HTTP_ACCEPT",
    "HTTP_IF_NONE_MATCH",
    "HTTP_RANGE",
]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=XyZ",
    "multipart/form-data",
    "application/json",
    "text/plain",
    "",
]


def latin1(data: bytes) -> str:
    """Bytes as a PEP 3333 server hands them over: one latin-1 character per byte."""
    return data.decode("latin-1")


@functools.cache
def authentic_session() -> tuple[str, str]:
    """A real session cookie and its CSRF token, so fuzzed bodies get past the CSRF check."""
    client = TestClient(demo_app)
    page = client.get("/login/")
    token = page.html.find("input", attrs={"name": "csrf_token"})["value"]
    return f"session={client.cookies['session']}", token


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
    route=st.sampled_from(ROUTES),
    suffix=st.binary(max_size=20),
    query=st.binary(max_size=60),
    headers=st.dictionaries(st.sampled_from(HEADERS), st.binary(max_size=80), max_size=4),
    content_type=st.one_of(st.sampled_from(CONTENT_TYPES), st.binary(max_size=40).map(latin1)),
    body=st.binary(max_size=300),
    content_length=st.sampled_from(["exact", "missing", "chunked", "too long"]),
    scheme=st.sampled_from(["http", "https"]),
    authentic=st.booleans(),
)
def test_random_requests_to_the_demo_site_never_get_a_5xx(
    caplog: pytest.LogCaptureFixture,
    method: str,
    route: str,
    suffix: bytes,
    query: bytes,
    headers: dict[str, bytes],
    content_type: str,
    body: bytes,
    content_length: str,
    scheme: str,
    authentic: bool,
) -> None:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": route + latin1(suffix),
        "QUERY_STRING": latin1(query),
        "CONTENT_TYPE": content_type,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **{name: latin1(value) for name, value in headers.items()},
    }
    if content_length == "exact":
        environ["CONTENT_LENGTH"] = str(len(body))
    elif content_length == "chunked":
        environ["wsgi.input_terminated"] = True
    elif content_length == "too long":
        environ["CONTENT_LENGTH"] = str(len(body) + 100)
    if authentic:
        environ["HTTP_COOKIE"], environ["HTTP_X_CSRF_TOKEN"] = authentic_session()
    captured: dict[str, Any] = {}

    def start_response(status: str, headerlist: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured.update(status=status, headers=headerlist)
        return lambda data: None

    with caplog.at_level(logging.ERROR, logger="framework"):
        body_iterable = validator(demo_app)(environ, start_response)  # checks PEP 3333 throughout
        try:
            b"".join(body_iterable)
        finally:
            body_iterable.close()  # type: ignore[attr-defined]

    assert re.fullmatch(r"[1-4][0-9]{2} .+", captured["status"]), captured["status"]
    assert all("\r" not in value and "\n" not in value for _, value in captured["headers"])
    assert caplog.records == []


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\0b"])
def test_each_of_cr_lf_and_nul_alone_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="contains CR, LF or NUL"):
        check_header_values([("Content-Type", "text/html"), ("X-Test", value)])


def test_a_non_ascii_header_value_is_sent() -> None:
    response = TestClient(header_app()).get("/header?value=caf%C3%A9")

    assert response.status_int == 200
    assert response.headers["X-Echo"] == "caf\u00e9"


def test_a_tab_passes_the_cr_lf_check() -> None:
    # RFC 9110 allows HTAB in field values; str.isprintable() does not, hence the fallback.
    assert check_header_values([("X-Test", "tab\tseparated")]) is None


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=8), value=st.text(max_size=16))
def test_the_header_check_refuses_exactly_cr_lf_and_nul(name: str, value: str) -> None:
    """PERF(S3): the isprintable() shortcut stands in for looking for each character."""
    refused = any(character in name + value for character in "\r\n\0")
    try:
        check_header_values([(name, value)])
    except ValueError:
        assert refused
    else:
        assert not refused
