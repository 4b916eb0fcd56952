"""Responses: what a handler may return, and how each becomes a response."""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

import pytest
import webob
import webob.exc
from hypothesis import given, settings
from hypothesis import strategies as st
from webob.util import status_reasons
from wsgi_calls import call_app

from framework import App, Request, Response, View, redirect, safe_next
from framework.responses import to_response
from framework.testing import TestClient


def app_returning(value: Any) -> App:
    app = App()

    @app.route("/result")
    class Result(View):
        def get(self, request: Request) -> Any:
            return value

    return app


@pytest.mark.parametrize(
    ("value", "content_type", "body"),
    [
        pytest.param("<p>héllo</p>", "text/html; charset=utf-8", "<p>héllo</p>".encode(), id="str"),
        pytest.param("", "text/html; charset=utf-8", b"", id="empty-str"),
        pytest.param(b"\x00\xff raw", "application/octet-stream", b"\x00\xff raw", id="bytes"),
        pytest.param(
            {"name": "Zoë", "tags": [1, None]},
            "application/json",
            '{"name":"Zoë","tags":[1,null]}'.encode(),
            id="dict",
        ),
        pytest.param(
            [1, "two", {"three": 3.5}], "application/json", b'[1,"two",{"three":3.5}]', id="list"
        ),
        pytest.param({}, "application/json", b"{}", id="empty-dict"),
    ],
)
def test_handler_return_value_becomes_a_200_response(
    value: Any, content_type: str, body: bytes
) -> None:
    response = TestClient(app_returning(value)).get("/result")

    assert response.status_int == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Length"] == str(len(body))
    assert response.body == body


def test_returned_response_is_sent_as_it_is() -> None:
    returned = Response(body=b"created 9", status=201, content_type="text/plain")
    returned.headers["X-Id"] = "9"

    response = TestClient(app_returning(returned)).get("/result", status=201)

    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Id"] == "9"
    assert response.body == b"created 9"


def test_to_response_returns_a_framework_response_unchanged() -> None:
    returned = Response(body=b"x")

    assert to_response(returned) is returned


def test_to_response_rewraps_a_plain_webob_response_keeping_everything() -> None:
    returned = webob.Response(body=b"made", status=201, content_type="text/plain")
    returned.headers["X-Id"] = "9"

    response = to_response(returned)

    assert isinstance(response, Response)
    assert response.status == "201 Created"
    assert response.headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert response.headers["X-Id"] == "9"
    assert response.body == b"made"


@pytest.mark.parametrize("value", [None, 3, 1.5, ("a", "b"), {"a", "b"}, bytearray(b"x")])
def test_to_response_rejects_other_types_naming_the_handler(value: Any) -> None:
    with pytest.raises(TypeError, match=rf"ArticleView\.get returned {type(value).__name__}\b"):
        to_response(value, "ArticleView.get")


def test_handler_returning_none_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(app_returning(None))

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = client.get("/result", status=500)

    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "500 Internal Server Error" in response.text
    assert "NoneType" not in response.text
    assert [record.levelno for record in caplog.records] == [logging.ERROR]
    assert "Result returned NoneType" in (caplog.records[0].exc_text or "")


def test_response_defaults_to_utf8_html() -> None:
    response = Response(text="<p>é</p>")

    assert response.status_int == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.body == "<p>é</p>".encode()


@pytest.mark.parametrize(
    "make_response",
    [
        lambda: Response(status=303, location="/done?x=1"),
        lambda: webob.Response(status=303, location="/done?x=1"),
        lambda: webob.exc.HTTPSeeOther(location="/done?x=1"),
    ],
    ids=["framework-response", "webob-response", "webob-exception-instance"],
)
def test_returned_redirect_keeps_a_relative_location_despite_host(make_response: Any) -> None:
    client = TestClient(app_returning(make_response()))

    response = client.get("/result", headers={"Host": "evil.example"}, status=303)

    assert response.headers["Location"] == "/done?x=1"


def test_conditional_response_answers_304_to_a_matching_etag() -> None:
    returned = Response(body=b"cached", conditional_response=True)
    returned.etag = "v1"
    client = TestClient(app_returning(returned))

    fresh = client.get("/result")
    cached = client.get("/result", headers={"If-None-Match": '"v1"'}, status=304)

    assert fresh.body == b"cached"
    assert fresh.headers["ETag"] == '"v1"'
    assert cached.body == b""
    assert "Content-Type" not in cached.headers


# PERF(S1): Response.from_bytes stands in for WebOb's general constructor; both must agree.

_CONTENT_TYPES = [
    "text/html; charset=utf-8",
    "application/json",
    "application/octet-stream",
    "text/plain; charset=utf-8",
]


def _sent(response: webob.Response, method: str = "GET") -> tuple[str, list[Any], bytes]:
    return call_app(response, webob.Request.blank("/", method=method).environ, validate=False)


@settings(max_examples=200, deadline=None)
@given(
    body=st.binary(max_size=40),
    # The statuses WebOb knows that carry a body (from_bytes is never asked for 1xx, 204...).
    status=st.sampled_from(
        sorted(code for code in status_reasons if code >= 200 and code not in (204, 205, 304))
    ),
    content_type=st.sampled_from(_CONTENT_TYPES),
)
def test_from_bytes_builds_what_webobs_constructor_builds(
    body: bytes, status: int, content_type: str
) -> None:
    fast = Response.from_bytes(body, status=status, content_type=content_type)
    general = Response(body=body, status=status, content_type=content_type, charset=None)

    assert fast.status == general.status
    assert fast.status_code == general.status_code == status
    assert fast.headerlist == general.headerlist
    assert fast.body == general.body
    assert fast.content_type == general.content_type
    assert fast.conditional_response is general.conditional_response is False
    assert _sent(fast) == _sent(general)
    assert _sent(fast, "HEAD") == _sent(general, "HEAD")


@pytest.mark.parametrize("content_type", _CONTENT_TYPES)
def test_from_bytes_then_cookies_and_vary_as_webobs_constructor(content_type: str) -> None:
    fast = Response.from_bytes(b"page", content_type=content_type)
    general = Response(body=b"page", content_type=content_type, charset=None)

    for response in (fast, general):
        response.set_cookie("session", "value", max_age=60, path="/", httponly=True)
        response.vary = ("Cookie",)
        response.headers["X-Extra"] = "1"
        response.delete_cookie("old")

    assert fast.headerlist == general.headerlist
    assert _sent(fast) == _sent(general)


@pytest.mark.parametrize("length", [0, 1, 13, 4095, 4096, 4097, 70_000])
def test_from_bytes_spells_every_content_length_as_webob_does(length: int) -> None:
    """PERF(S1): lengths under 4096 come from a table, longer ones from str()."""
    body = b"x" * length
    general = Response(body=body, content_type="text/plain", charset=None)

    assert Response.from_bytes(body, content_type="text/plain").headerlist == general.headerlist


def test_from_bytes_is_the_reason_phrase_webob_writes() -> None:
    for code in (200, 201, 404, 413, 500):
        assert Response.from_bytes(b"", status=code).status == webob.Response(status=code).status


def test_a_response_built_with_headers_keeps_its_defaults() -> None:
    """Flask's test_implicit_head: the TestClient's wsgiref.validate needs a Content-Type."""
    app = App()

    @app.route("/blub")
    class Blub(View):
        def get(self, request: Request) -> Response:
            return Response("Blub", headers={"X-Method": request.method})

    client = TestClient(app)
    got = client.get("/blub")
    head = client.head("/blub")

    assert got.headers["Content-Type"] == head.headers["Content-Type"] == "text/html; charset=utf-8"
    assert got.headers["Content-Length"] == head.headers["Content-Length"] == "4"
    assert (got.headers["X-Method"], head.headers["X-Method"]) == ("GET", "HEAD")
    assert (got.body, head.body) == (b"Blub", b"")


def test_headers_given_replace_defaults_of_the_same_name() -> None:
    response = Response("{}", headers=[("content-type", "application/json"), ("X-A", "1")])

    assert response.headerlist == [
        ("Content-Length", "2"),
        ("content-type", "application/json"),
        ("X-A", "1"),
    ]


UNSAFE_NEXT = [
    pytest.param("//evil.com", id="protocol-relative"),
    pytest.param("/\\evil.com", id="backslash"),
    pytest.param("https:evil.com", id="scheme-no-slashes"),
    pytest.param("https://evil.com/", id="absolute"),
    pytest.param("/%0d%0aSet-Cookie:%20a=1", id="encoded-crlf"),
    pytest.param("/\r\nSet-Cookie: a=1", id="crlf"),
    pytest.param("/\t/evil.com", id="tab"),
    pytest.param(" /home", id="leading-space"),
    pytest.param("home", id="route-name"),
    pytest.param("", id="empty"),
    pytest.param(None, id="absent"),
]


@pytest.mark.parametrize("value", UNSAFE_NEXT)
def test_redirect_with_a_fallback_never_follows_an_unsafe_next(value: str | None) -> None:
    app = App()

    @app.route("/", name="home")
    class Home(View):
        def get(self, request: Request) -> str:
            return "home"

    @app.route("/users/{id:d}", name="user")
    class User(View):
        def get(self, request: Request, id: int) -> Response:
            return redirect(request.GET.get("next"), fallback="user", id=id + 1)

    to_route = redirect(value, fallback="home")
    to_url = redirect(value, fallback="/welcome")
    query = "" if value is None else "?" + urllib.parse.urlencode({"next": value})
    through_app = TestClient(app).get(f"/users/1{query}", status=303)

    assert (to_route.route_name, to_route.location) == ("home", None)
    assert to_url.location == "/welcome"
    assert through_app.headers["Location"] == "/users/2"
    assert safe_next(value) is None
    assert safe_next(value, "/default") == "/default"


@pytest.mark.parametrize(
    ("value", "location"),
    [
        ("/users/2", "/users/2"),
        ("/search?q=a b#top", "/search?q=a%20b#top"),
        ("/café", "/caf%C3%A9"),
    ],
)
def test_redirect_with_a_fallback_follows_a_local_path(value: str, location: str) -> None:
    response = redirect(value, fallback="home", status=302)

    assert response.status_int == 302
    assert response.location == location
    assert safe_next(value) == value


def test_redirect_without_a_target_or_fallback_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="fallback"):
        redirect(None)


def test_redirect_to_a_route_with_a_query() -> None:
    app = App()

    @app.route("/posts/", name="posts")
    class Posts(View):
        def get(self, request: Request) -> Response:
            return redirect("posts", _query={"page": 2, "tag": ["a", "b"]})

    response = TestClient(app).get("/posts/", status=303)

    assert response.headers["Location"] == "/posts/?page=2&tag=a&tag=b"


@pytest.mark.parametrize("status", [299, 422, 599])
def test_from_bytes_writes_any_status_line_as_webob_does(status: int) -> None:
    built = Response.from_bytes(b"x", status=status)

    assert built.status == webob.Response(status=status).status


@pytest.mark.parametrize("status", [99, 600, 1000])
def test_from_bytes_refuses_a_status_outside_100_to_599(status: int) -> None:
    with pytest.raises(ValueError, match="from 100 to 599"):
        Response.from_bytes(b"x", status=status)


@pytest.mark.parametrize("text", ["", "Hello, World!", "é" * 3000, "x" * 70_000])
def test_page_is_from_bytes_of_the_encoded_text(text: str) -> None:
    # PERF(S1): Response.page stands in for from_bytes(text.encode()) in App.handle.
    page = Response.page(text)
    general = Response.from_bytes(text.encode())

    assert (page.status, page.headerlist, page.body) == (
        general.status,
        general.headerlist,
        general.body,
    )
