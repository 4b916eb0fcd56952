"""HTTP errors: exceptions that become error pages, from ``{code}.html`` or the default page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import webob.exc
from wsgi_calls import call_app, make_environ

from framework import App, Request, View, errors
from framework.negotiation import prefers_json
from framework.testing import TestClient


def app_raising(error: Exception, templates: Path | None = None) -> App:
    app = App(templates=templates)

    @app.route("/fail")
    class Fail(View):
        def get(self, request: Request) -> str:
            raise error

    return app


@pytest.mark.parametrize(
    ("error_class", "webob_class", "code"),
    [
        (errors.SeeOther, webob.exc.HTTPSeeOther, 303),
        (errors.TemporaryRedirect, webob.exc.HTTPTemporaryRedirect, 307),
        (errors.PermanentRedirect, webob.exc.HTTPPermanentRedirect, 308),
        (errors.BadRequest, webob.exc.HTTPBadRequest, 400),
        (errors.Unauthorized, webob.exc.HTTPUnauthorized, 401),
        (errors.Forbidden, webob.exc.HTTPForbidden, 403),
        (errors.NotFound, webob.exc.HTTPNotFound, 404),
        (errors.MethodNotAllowed, webob.exc.HTTPMethodNotAllowed, 405),
        (errors.PayloadTooLarge, webob.exc.HTTPRequestEntityTooLarge, 413),
        (errors.URITooLong, webob.exc.HTTPRequestURITooLong, 414),
        (errors.UnsupportedMediaType, webob.exc.HTTPUnsupportedMediaType, 415),
        (errors.InternalServerError, webob.exc.HTTPInternalServerError, 500),
    ],
)
def test_errors_subclass_the_matching_webob_exception(
    error_class: type[errors.HTTPError], webob_class: type[webob.exc.HTTPException], code: int
) -> None:
    assert issubclass(error_class, webob_class)
    assert issubclass(error_class, errors.HTTPError)
    assert error_class.code == code


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.BadRequest, "400 Bad Request"),
        (errors.Unauthorized, "401 Unauthorized"),
        (errors.Forbidden, "403 Forbidden"),
        (errors.NotFound, "404 Not Found"),
        (errors.PayloadTooLarge, "413 Request Entity Too Large"),
        (errors.UnsupportedMediaType, "415 Unsupported Media Type"),
        (webob.exc.HTTPForbidden, "403 Forbidden"),
        (webob.exc.HTTPConflict, "409 Conflict"),
    ],
)
def test_raised_error_is_a_default_page_with_the_escaped_detail(
    error: type[webob.exc.WSGIHTTPException], status: str
) -> None:
    client = TestClient(app_raising(error(detail='No <script>alert("x")</script> here')))

    response = client.get("/fail", status=int(status[:3]))

    assert response.status == status
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert status in response.text
    assert "No &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; here" in response.text
    assert "<script>" not in response.text


def test_error_without_detail_shows_its_explanation() -> None:
    response = TestClient(app_raising(errors.NotFound())).get("/fail", status=404)

    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "404 Not Found" in response.text
    assert errors.NotFound.explanation in response.text


def test_error_headers_are_kept_on_the_error_page() -> None:
    app = App()

    @app.route("/admin")
    class Admin(View):
        csrf_exempt = True  # the DELETE handler's own 405 is what is tested

        def get(self, request: Request) -> str:
            raise errors.Unauthorized(headers=[("WWW-Authenticate", 'Basic realm="admin"')])

        def delete(self, request: Request) -> str:
            raise errors.MethodNotAllowed("Deleting is switched off.", allowed=["GET", "HEAD"])

    client = TestClient(app)
    unauthorized = client.get("/admin", status=401)
    not_allowed = client.delete("/admin", status=405)

    assert unauthorized.headers["WWW-Authenticate"] == 'Basic realm="admin"'
    assert unauthorized.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "401 Unauthorized" in unauthorized.text
    assert not_allowed.headers["Allow"] == "GET, HEAD"
    assert not_allowed.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "405 Method Not Allowed" in not_allowed.text
    assert "Deleting is switched off." in not_allowed.text


def test_code_template_renders_the_error_with_error_and_request(tmp_path: Path) -> None:
    (tmp_path / "403.html").write_text(
        "<h1>{{ error.code }} {{ error.title }}</h1><p>{{ error.detail }}</p>{{ request.path }}"
    )
    app = app_raising(errors.Forbidden("<b>Members</b> only"), templates=tmp_path)

    @app.route("/gone")
    class Gone(View):
        def get(self, request: Request) -> str:
            raise errors.NotFound("No such page.")

    client = TestClient(app)
    forbidden = client.get("/fail", status=403)
    not_found = client.get("/gone", status=404)

    assert forbidden.headers["Content-Type"] == "text/html; charset=utf-8"
    assert forbidden.text == "<h1>403 Forbidden</h1><p>&lt;b&gt;Members&lt;/b&gt; only</p>/fail"
    assert not_found.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "404 Not Found" in not_found.text
    assert "No such page." in not_found.text


@pytest.mark.parametrize(
    "broken_template",
    [
        pytest.param("{{ error.no_such.attribute }}", id="error-while-rendering"),
        pytest.param('{% extends "no-such-base.html" %}', id="missing-parent"),
        pytest.param("{% if %}unclosed", id="syntax-error"),
    ],
)
@pytest.mark.parametrize(
    ("make_error", "status"),
    [
        pytest.param(lambda: errors.NotFound("Nothing here."), "404 Not Found", id="404"),
        pytest.param(lambda: RuntimeError("view crashed"), "500 Internal Server Error", id="500"),
    ],
)
def test_broken_error_template_falls_back_to_the_default_page(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    broken_template: str,
    make_error: Callable[[], Exception],
    status: str,
) -> None:
    template_name = f"{status[:3]}.html"
    (tmp_path / template_name).write_text(broken_template)
    client = TestClient(app_raising(make_error(), templates=tmp_path))

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = client.get("/fail", status=int(status[:3]))

    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert status in response.text
    assert any(template_name in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    "error_class",
    [errors.SeeOther, errors.TemporaryRedirect, errors.PermanentRedirect, webob.exc.HTTPFound],
)
def test_raised_redirect_keeps_a_relative_location_despite_host(
    error_class: type[webob.exc.WSGIHTTPException],
) -> None:
    error = error_class(location="/done?x=1")
    client = TestClient(app_raising(error))

    response = client.get("/fail", headers={"Host": "evil.example"}, status=error.code)

    assert response.headers["Location"] == "/done?x=1"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert f"{error.code} {error.title}" in response.text


def test_raised_not_modified_has_no_body_and_no_content_type() -> None:
    error = webob.exc.HTTPNotModified(headers=[("ETag", '"v1"')])

    response = TestClient(app_raising(error)).get("/fail", status=304)

    assert response.headers["ETag"] == '"v1"'
    assert "Content-Type" not in response.headers
    assert response.body == b""


# PERF(S5): HTTPError's constructor sets what WebOb's would, without its general machinery.

_ERROR_CLASSES = [
    errors.BadRequest,
    errors.Unauthorized,
    errors.Forbidden,
    errors.NotFound,
    errors.PayloadTooLarge,
    errors.URITooLong,
    errors.UnsupportedMediaType,
    errors.InternalServerError,
]


def _built_by_webob(error_class: type[errors.HTTPError], *args: Any) -> webob.exc.WSGIHTTPException:
    error = error_class.__new__(error_class)
    webob.exc.WSGIHTTPException.__init__(error, *args)
    return error


def _wsgi_answer(app: Any, method: str = "GET") -> tuple[str, list[tuple[str, str]], bytes]:
    return call_app(app, webob.Request.blank("/", method=method).environ, validate=False)


def _own_headers(error: webob.exc.WSGIHTTPException) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, value in error.headerlist
        if name.lower() != "content-length" and name.lower() != "content-type"
    ]


@pytest.mark.parametrize("error_class", _ERROR_CLASSES)
@pytest.mark.parametrize("detail", [None, "", "It went <wrong> & stayed so."])
@pytest.mark.parametrize("headers", [None, [("X-Reason", "limit"), ("Retry-After", "5")]])
@pytest.mark.parametrize("comment", [None, "for the log"])
def test_hand_built_errors_equal_webobs_constructor(
    error_class: type[errors.HTTPError],
    detail: str | None,
    headers: list[tuple[str, str]] | None,
    comment: str | None,
) -> None:
    fast = error_class(detail, headers, comment)
    general = _built_by_webob(error_class, detail, headers, comment)
    app = App()
    request = Request(webob.Request.blank("/").environ, app)

    assert (fast.status, fast.code, fast.title) == (general.status, general.code, general.title)
    assert (fast.detail, fast.comment, fast.args) == (general.detail, general.comment, general.args)
    assert str(fast) == str(general)
    assert _own_headers(fast) == _own_headers(general)
    fast_page, general_page = (
        app.error_response(request, fast),
        app.error_response(request, general),
    )
    assert fast_page.status == general_page.status
    assert fast_page.headerlist == general_page.headerlist
    assert fast_page.body == general_page.body
    # Used as WSGI apps themselves (WebOb's own error page), they answer alike too.
    assert _wsgi_answer(fast) == _wsgi_answer(general)
    assert _wsgi_answer(fast, "HEAD") == _wsgi_answer(general, "HEAD")


def test_method_not_allowed_equals_webobs_constructor_with_allow() -> None:
    fast = errors.MethodNotAllowed("PUT is not allowed here.", allowed=["GET", "HEAD"])
    general = _built_by_webob(
        errors.MethodNotAllowed, "PUT is not allowed here.", [("Allow", "GET, HEAD")]
    )

    assert fast.status == general.status
    assert _own_headers(fast) == _own_headers(general) == [("Allow", "GET, HEAD")]
    assert _wsgi_answer(fast) == _wsgi_answer(general)


def test_headers_added_to_one_error_stay_on_it() -> None:
    first = errors.NotFound()
    first.headers["X-Only-Here"] = "1"

    assert "X-Only-Here" not in errors.NotFound().headers


# Errors that fit the client: JSON to a client that prefers it, the page to the others.

JSON_ACCEPT = {"Accept": "application/json"}
BROWSER_ACCEPT = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
BROWSER_ENVIRON = {"HTTP_ACCEPT": BROWSER_ACCEPT["Accept"]}


def json_errors_app(templates: Path | None = None, **options: Any) -> App:
    app = App(templates=templates, secret_key="k" * 32, max_body_size=100, **options)

    @app.route("/items/{id:d}", name="item")
    class Item(View):
        def get(self, request: Request, id: int) -> Any:
            if id == 401:
                raise errors.Unauthorized("Sign in first.")
            if id == 410:
                return errors.Gone("It went.")  # returned, not raised
            if id == 500:
                raise RuntimeError("secret detail")
            return {"id": id}

        def post(self, request: Request, id: int) -> Any:
            return {"got": request.json}

    @app.route("/api/echo")
    class Echo(View):
        csrf_exempt = True

        def post(self, request: Request) -> Any:
            return {"got": request.json}

    return app


def assert_json_error(response: Any, status: int, message: str | None = None) -> None:
    assert response.status_int == status
    assert response.headers["Content-Type"] == "application/json"
    assert set(response.json) == {"error"}
    assert response.json["error"]["status"] == status
    assert isinstance(response.json["error"]["message"], str)
    if message is not None:
        assert message in response.json["error"]["message"]


@pytest.mark.parametrize("path", ["/nothing", "/items/x", "/items/1/extra"])
def test_a_404_is_json_to_a_json_client_and_a_page_to_a_browser(path: str) -> None:
    client = TestClient(json_errors_app())

    assert_json_error(client.get(path, headers=JSON_ACCEPT, status=404), 404)
    page = client.get(path, headers=BROWSER_ACCEPT, status=404)
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "404 Not Found" in page.text
    assert client.get(path, status=404).content_type == "text/html"  # no Accept: a page


def test_a_404_is_json_even_with_a_404_template(tmp_path: Path) -> None:
    (tmp_path / "404.html").write_text("custom {{ error.code }}")
    client = TestClient(json_errors_app(tmp_path))

    assert_json_error(client.get("/nothing", headers=JSON_ACCEPT, status=404), 404)
    assert client.get("/nothing", status=404).text == "custom 404"


def test_a_405_in_json_keeps_the_allow_header() -> None:
    client = TestClient(json_errors_app())

    response = client.delete("/items/1", headers=JSON_ACCEPT, status=405)

    assert_json_error(response, 405, "DELETE is not allowed")
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_a_failed_csrf_check_is_a_json_403() -> None:
    client = TestClient(json_errors_app())

    response = client.post_json("/items/1", {"a": 1}, status=403)  # JSON body, no Accept

    assert_json_error(response, 403, "CSRF check failed")


def test_bad_json_is_a_json_400() -> None:
    client = TestClient(json_errors_app())

    response = client.post("/api/echo", b'{"a": ', content_type="application/json", status=400)

    assert_json_error(response, 400, "not valid JSON")


def test_a_body_too_large_is_a_json_413() -> None:
    client = TestClient(json_errors_app())

    response = client.post_json("/api/echo", {"a": "x" * 200}, status=413)

    assert_json_error(response, 413, "larger than 100 bytes")


def test_an_error_a_view_raises_or_returns_is_json() -> None:
    client = TestClient(json_errors_app())

    assert_json_error(client.get("/items/401", headers=JSON_ACCEPT, status=401), 401, "Sign in")
    assert_json_error(client.get("/items/410", headers=JSON_ACCEPT, status=410), 410, "It went.")


def test_a_500_in_json_has_no_traceback_outside_debug_mode(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(json_errors_app())

    with caplog.at_level(logging.CRITICAL, logger="framework"):
        response = client.get("/items/500", headers=JSON_ACCEPT, status=500)

    assert_json_error(response, 500)
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text
    assert "traceback" not in response.json["error"]


def test_a_500_in_json_carries_the_traceback_in_debug_mode(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(json_errors_app(debug=True))

    with caplog.at_level(logging.CRITICAL, logger="framework"):
        response = client.get("/items/500", headers=JSON_ACCEPT, status=500)
        page = client.get("/items/500", status=500)

    assert_json_error(response, 500)
    assert "RuntimeError: secret detail" in response.json["error"]["traceback"]
    assert page.content_type == "text/html"
    assert "RuntimeError: secret detail" in page.text


def test_a_redirect_in_json_keeps_its_location() -> None:
    app = App()

    @app.route("/posts/")
    class Posts(View):
        def get(self, request: Request) -> str:
            return "posts"

    response = TestClient(app).get("/posts?page=2", headers=JSON_ACCEPT, status=308)

    assert_json_error(response, 308)
    assert response.headers["Location"] == "/posts/?page=2"


@pytest.mark.parametrize(
    ("accept", "content_type", "json_wanted"),
    [
        ("application/json", "", True),
        ("application/json;q=0.5, text/html", "", False),
        ("text/html;q=0.5, application/json", "", True),
        ("*/*", "", False),
        ("*/*", "application/json", True),
        ("", "application/json; charset=utf-8", True),
        ("", "application/x-www-form-urlencoded", False),
        ("text/html", "application/json", False),
        ("image/png", "application/json", False),
        (BROWSER_ACCEPT["Accept"], "application/json", False),
        ("application/*", "", True),
    ],
)
def test_the_client_gets_json_by_quality_then_by_its_body(
    accept: str, content_type: str, json_wanted: bool
) -> None:
    headers = {"Accept": accept} if accept else {}
    client = TestClient(json_errors_app())

    response = client.post(
        "/nothing", b"{}", headers=headers, content_type=content_type or None, status=404
    )

    assert (response.content_type == "application/json") is json_wanted


class TeapotErrors(App):
    """An app answering errors its own way: the one documented place to override."""

    def error_response(
        self,
        request: Request,
        error: webob.exc.WSGIHTTPException,
        traceback: str | None = None,
    ) -> Any:
        response = super().error_response(request, error, traceback)
        response.headers["X-Error"] = str(error.code)
        return response


def test_error_response_overridden_in_a_subclass_answers_every_error() -> None:
    app = TeapotErrors()

    @app.route("/")
    class Home(View):
        def get(self, request: Request) -> str:
            return "home"

    client = TestClient(app)

    assert client.get("/nothing", status=404).headers["X-Error"] == "404"  # no shortcut
    assert client.post("/", status=405).headers["X-Error"] == "405"
    assert client.get("/nothing", headers=JSON_ACCEPT, status=404).headers["X-Error"] == "404"


@pytest.mark.parametrize(
    ("environ", "json_wanted"),
    [
        ({}, False),
        ({"HTTP_ACCEPT": "*/*"}, False),
        ({"HTTP_ACCEPT": ""}, False),
        ({"HTTP_ACCEPT": "*/*", "CONTENT_TYPE": "application/json"}, True),
        ({"CONTENT_TYPE": "application/json"}, True),
        ({"CONTENT_TYPE": ""}, False),
        ({"HTTP_ACCEPT": "*/*", "CONTENT_TYPE": "text/plain"}, False),
        ({"HTTP_ACCEPT": "application/json"}, True),
        (BROWSER_ENVIRON, False),
        (BROWSER_ENVIRON | {"CONTENT_TYPE": "application/json"}, False),
        ({"HTTP_ACCEPT": "text/html,application/json"}, False),  # a tie, and no JSON body
        ({"HTTP_ACCEPT": "text/html,*/*", "CONTENT_TYPE": "application/json"}, False),
    ],
)
def test_the_404_shortcut_and_prefers_json_agree(
    environ: dict[str, str], json_wanted: bool
) -> None:
    full = make_environ("/nothing", **environ)

    status, headers, _ = call_app(json_errors_app(), full)

    assert status == "404 Not Found"
    content_type = dict(headers)["Content-Type"]
    assert (content_type == "application/json") is json_wanted is prefers_json(full)
