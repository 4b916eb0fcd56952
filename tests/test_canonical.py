"""``App(canonical_urls=True)``: a GET or HEAD spelled otherwise than ``url_for`` is a 308.

Through ``TestClient`` (no raw request target: only the decoded path is compared, unless a test
sets ``REQUEST_URI`` or ``RAW_URI`` as waitress and gunicorn do), then under waitress and
gunicorn for real.
"""

from __future__ import annotations

import http.client
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from processes import console_script, framework_command, free_port, stop, wait_for_port
from test_servers import start

from framework import App, View
from framework.testing import TestClient


class Show(View):
    csrf_exempt = True  # the unsafe methods here show they are not redirected

    def get(self, request: object, **params: Any) -> str:
        return repr(sorted(params.items()))

    def post(self, request: object, **params: Any) -> str:
        return "posted " + repr(sorted(params.items()))


def make_app(canonical_urls: bool = True) -> App:
    app = App(canonical_urls=canonical_urls)
    app.route_type("hexnum", "[0-9a-fA-F]+", lambda text: int(text, 16), lambda n: f"{n:x}")
    app.add_route("/users/{id:d}", Show, name="user")
    app.add_route("/hello/{name}", Show, name="hello")
    app.add_route("/p/{title}", Show, name="page")
    app.add_route("/keys/{key:uuid}", Show, name="key")
    app.add_route("/h/{n:hexnum}", Show, name="hex")
    app.add_route("/about", Show, name="about")
    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app())


KEY = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/users/007", "/users/7"),
        ("/users/0", None),
        (f"/keys/{KEY.upper()}", f"/keys/{KEY}"),  # uuid.UUID formats lower case
        ("/h/00FF", "/h/ff"),  # a custom type's format decides
        ("/users/7", None),
        ("/hello/A", None),
    ],
)
def test_a_get_whose_values_format_otherwise_is_redirected(
    client: TestClient, path: str, canonical: str | None
) -> None:
    response = client.get(path, status="*")

    if canonical is None:
        assert response.status_int == 200
    else:
        assert response.status_int == 308
        assert response.headers["Location"] == canonical


@pytest.mark.parametrize("server_key", ["REQUEST_URI", "RAW_URI"])  # waitress, gunicorn
@pytest.mark.parametrize(
    ("sent", "path_info", "canonical"),
    [
        ("/hello/%41", "/hello/A", "/hello/A"),
        ("/p/caf%c3%a9", "/p/caf\xc3\xa9", "/p/caf%C3%A9"),  # lower-case hex digits
        ("/p/caf\xc3\xa9", "/p/caf\xc3\xa9", "/p/caf%C3%A9"),  # raw UTF-8 bytes
        ("/p/a+b", "/p/a+b", "/p/a%2Bb"),  # url_for encodes "+" in values
        ("/%61bout", "/about", "/about"),  # a static route too
        ("/users/0%37", "/users/07", "/users/7"),
        ("/p/caf%C3%A9", "/p/caf\xc3\xa9", None),
        ("/p/a%20b", "/p/a b", None),
        ("http://example.com/hello/%41", "/hello/A", "/hello/A"),  # absolute-form target
    ],
)
def test_a_percent_encoding_that_differs_is_redirected_when_the_server_gives_the_raw_path(
    server_key: str, sent: str, path_info: str, canonical: str | None
) -> None:
    app = make_app()
    environ = {"PATH_INFO": path_info, server_key: sent}

    response = TestClient(app).get("/", extra_environ=environ, status="*")

    if canonical is None:
        assert response.status_int == 200
    else:
        assert response.status_int == 308
        assert response.headers["Location"] == canonical


def test_without_the_raw_path_a_percent_encoding_cannot_be_seen(client: TestClient) -> None:
    assert client.get("/hello/%41").status_int == 200  # PATH_INFO is already "/hello/A"


def test_a_raw_path_that_is_not_the_decoded_one_is_ignored(client: TestClient) -> None:
    """Middleware that rewrote PATH_INFO leaves REQUEST_URI stale: it cannot be compared."""
    environ = {"REQUEST_URI": "/old/%41"}

    assert client.get("/hello/A", extra_environ=environ).status_int == 200
    assert client.get("/users/07", extra_environ=environ, status=308).location.endswith("/users/7")


def test_the_query_string_is_kept(client: TestClient) -> None:
    response = client.get("/users/007?tab=posts&q=a%20b", status=308)

    assert response.headers["Location"] == "/users/7?tab=posts&q=a%20b"


def test_the_mount_point_is_kept(client: TestClient) -> None:
    environ = {"SCRIPT_NAME": "/app root", "REQUEST_URI": "/app%20root/hello/%41?x=1"}

    response = client.get("/hello/A?x=1", extra_environ=environ, status=308)

    assert response.headers["Location"] == "/app%20root/hello/A?x=1"
    canonical = {"SCRIPT_NAME": "/app root", "REQUEST_URI": "/app%20root/hello/A"}
    assert client.get("/hello/A", extra_environ=canonical).status_int == 200


def test_a_mount_point_spelled_otherwise_is_redirected_to_the_canonical_one(
    client: TestClient,
) -> None:
    environ = {"SCRIPT_NAME": "/app", "REQUEST_URI": "/%61pp/hello/A"}

    response = client.get("/hello/A", extra_environ=environ, status=308)

    assert response.headers["Location"] == "/app/hello/A"


def test_head_is_redirected_like_get(client: TestClient) -> None:
    response = client.head("/users/007", status=308)

    assert response.headers["Location"] == "/users/7"
    assert response.body == b""


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch", "options"])
def test_other_methods_are_never_redirected(client: TestClient, method: str) -> None:
    response = getattr(client, method)("/users/007", status="*")

    assert response.status_int != 308
    if method == "post":
        assert response.text == "posted [('id', 7)]"


def test_canonical_urls_are_off_by_default() -> None:
    client = TestClient(make_app(canonical_urls=False))
    environ = {"REQUEST_URI": "/hello/%41"}

    assert App().canonical_urls is False
    assert client.get("/users/007").text == "[('id', 7)]"
    assert client.get("/hello/A", extra_environ=environ).status_int == 200


def test_a_value_url_for_refuses_is_served_as_it_is() -> None:
    app = App(canonical_urls=True)
    app.route_type("loose", "[a-z]+", str, lambda text: text.upper())  # formats out of its regex
    app.add_route("/l/{word:loose}", Show, name="loose")

    assert TestClient(app).get("/l/abc").text == "[('word', 'abc')]"


def test_unmatched_paths_and_the_slash_redirect_are_unchanged(client: TestClient) -> None:
    app = make_app()
    app.add_route("/docs/", Show, name="docs")
    client = TestClient(app)

    assert client.get("/nowhere", status=404).status_int == 404
    assert client.get("/docs?x=1", status=308).headers["Location"] == "/docs/?x=1"


# Real servers: each gives the path as the client sent it, so percent-encodings are compared.

CANONICAL_APP = """\
from framework import App, View

app = App(canonical_urls=True)


@app.route("/hello/{name}", name="hello")
class Hello(View):
    def get(self, request, name):
        return f"Hello {name}"
"""


def raw_get(port: int, target: str) -> tuple[int, str | None, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.getheader("Location"), response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "server",
    [
        pytest.param("waitress", id="waitress (REQUEST_URI)"),
        pytest.param(
            "gunicorn",
            id="gunicorn (RAW_URI)",
            marks=pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix"),
        ),
    ],
)
def test_real_servers_redirect_a_percent_encoding_that_differs(server: str, tmp_path: Path) -> None:
    (tmp_path / "canonical.py").write_text(CANONICAL_APP)
    port = free_port()
    command = (
        framework_command("run", "canonical:app", "--port", str(port), "--no-access-log")
        if server == "waitress"
        else console_script("gunicorn", "gunicorn", "-b", f"127.0.0.1:{port}", "canonical:app")
    )
    process = start(command, cwd=tmp_path)
    try:
        wait_for_port(port, process)
        encoded = raw_get(port, "/hello/%41?x=1")
        canonical = raw_get(port, "/hello/A?x=1")
        lower_hex = raw_get(port, "/hello/caf%c3%a9")
    finally:
        stop(process, signal.SIGTERM)

    assert encoded[:2] == (308, "/hello/A?x=1")
    assert canonical[::2] == (200, "Hello A")
    assert lower_hex[:2] == (308, "/hello/caf%C3%A9")
