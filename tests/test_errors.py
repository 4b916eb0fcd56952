"""HTTP errors: exceptions that become error pages, from ``{code}.html`` or the default page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import webob.exc
from wsgi_calls import call_app

from framework import App, Request, View, errors
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
