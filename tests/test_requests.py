"""Request: a WebOb request with a safe ``json`` and a mount-aware ``url_for``."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any
from wsgiref.validate import validator

import pytest
import webob
import webob.exc
import webtest
from hypothesis import given, settings
from hypothesis import strategies as st
from webob.multidict import GetDict, MultiDict

from framework import App, Request, View, errors
from framework.parsing import DEFAULT_MAX_FORM_FIELDS, parse_query, parse_urlencoded
from framework.requests import MAX_JSON_DEPTH
from framework.testing import TestClient

DEEPLY_NESTED = b"[" * 100_000 + b"]" * 100_000

# (content type, body) pairs that are not a JSON body, each for a different reason.
NOT_JSON = [
    pytest.param("application/json", b'{"name": }', id="syntax-error"),
    pytest.param("application/json", b'{"name": "\xff\xfe"}', id="invalid-utf8"),
    pytest.param("application/json", DEEPLY_NESTED, id="100000-deep-nesting"),
    pytest.param("application/json", b"", id="empty-body"),
    pytest.param("text/plain", b'{"name": "Ada"}', id="text-plain"),
    pytest.param("application/x-www-form-urlencoded", b"name=Ada", id="form"),
    pytest.param("", b'{"name": "Ada"}', id="no-content-type"),
]


def json_echo_app() -> App:
    app = App()

    @app.route("/echo")
    class Echo(View):
        csrf_exempt = True  # a JSON API, authenticated otherwise

        def post(self, request: Request) -> dict[str, Any]:
            return {"received": request.json}

    return app


def post_raw(client: TestClient, content_type: str, body: bytes, status: int) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}
    return client.request("/echo", method="POST", body=body, headers=headers, status=status)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/vnd.api+json"],
)
def test_json_body_is_parsed_for_json_content_types(content_type: str) -> None:
    client = TestClient(json_echo_app())
    body = '{"name": "Zoë", "tags": [1, 2.5, null, true]}'.encode()

    response = post_raw(client, content_type, body, status=200)

    assert response.content_type == "application/json"
    assert response.json == {"received": {"name": "Zoë", "tags": [1, 2.5, None, True]}}


@pytest.mark.parametrize(("content_type", "body"), NOT_JSON)
def test_request_json_raises_bad_request(content_type: str, body: bytes) -> None:
    request = Request.blank("/", method="POST", body=body)
    request.content_type = content_type

    with pytest.raises(errors.BadRequest) as raised:
        request.json  # noqa: B018

    assert isinstance(raised.value, webob.exc.HTTPBadRequest)
    assert raised.value.code == 400


@pytest.mark.parametrize(("content_type", "body"), NOT_JSON)
def test_bad_json_through_the_app_is_a_400_page_never_a_500(
    content_type: str, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(json_echo_app())

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = post_raw(client, content_type, body, status=400)

    if content_type.startswith("application/json"):  # a JSON body, no Accept: a JSON error
        assert response.headers["Content-Type"] == "application/json"
        assert response.json["error"]["status"] == 400
    else:
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "400 Bad Request" in response.text
    assert caplog.records == []


def test_request_url_for_is_prefixed_with_the_quoted_script_name() -> None:
    app = App()

    @app.route("/users/{id:d}", name="user")
    class User(View):
        def get(self, request: Request, id: int) -> dict[str, str]:
            return {"here": request.url_for("user", id=id + 1), "app": app.url_for("user", id=2)}

    client = TestClient(app)
    mounted = client.get("/users/3", extra_environ={"SCRIPT_NAME": "/my site"})
    at_root = client.get("/users/3")

    assert mounted.status_int == at_root.status_int == 200
    assert mounted.content_type == at_root.content_type == "application/json"
    assert mounted.json == {"here": "/my%20site/users/4", "app": "/users/2"}
    assert at_root.json == {"here": "/users/4", "app": "/users/2"}


def test_request_url_for_outside_an_app_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="not being handled by an App"):
        Request.blank("/").url_for("user", id=1)


def test_views_get_a_framework_request_with_webob_features() -> None:
    app = App()

    @app.route("/form")
    class Form(View):
        csrf_exempt = True  # WebOb features are tested here; CSRF in test_csrf.py

        def post(self, request: Request) -> dict[str, Any]:
            return {
                "types": [isinstance(request, Request), isinstance(request, webob.Request)],
                "query": request.GET["q"],
                "field": request.params["name"],
                "cookie": request.cookies["session"],
                "header": request.headers["X-Custom"],
            }

    response = TestClient(app).post(
        "/form?q=search",
        {"name": "Zoë"},
        headers={"Cookie": "session=abc", "X-Custom": "yes"},
    )

    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json == {
        "types": [True, True],
        "query": "search",
        "field": "Zoë",
        "cookie": "abc",
        "header": "yes",
    }


def test_json_media_type_is_matched_case_insensitively_and_without_parameters() -> None:
    app = App()

    @app.route("/echo")
    class Echo(View):
        csrf_exempt = True

        def post(self, request: Request) -> Any:
            return {"media_type": request.media_type, "received": request.json}

    response = TestClient(app).post(
        "/echo", b'{"a": 1}', headers={"Content-Type": "Application/JSON ; charset=utf-8"}
    )

    assert response.status_int == 200
    assert response.json == {"media_type": "application/json", "received": {"a": 1}}


@pytest.mark.parametrize(
    ("depth", "status"), [(MAX_JSON_DEPTH, 200), (MAX_JSON_DEPTH + 1, 400), (5000, 400)]
)
def test_json_nesting_is_limited_the_same_on_every_python(depth: int, status: int) -> None:
    app = App()

    @app.route("/depth")
    class Depth(View):
        csrf_exempt = True

        def post(self, request: Request) -> dict[str, Any]:
            request.json  # noqa: B018 - parsing is the point
            return {"parsed": True}

    body = '{"a":' * (depth - 1) + "[]" + "}" * (depth - 1)
    response = TestClient(app).post("/depth", body, content_type="application/json", status=status)

    if status == 200:
        assert response.json == {"parsed": True}
    else:
        assert f"nested deeper than {MAX_JSON_DEPTH} levels" in response.text


def test_brackets_inside_json_strings_do_not_count_as_nesting() -> None:
    app = App()

    @app.route("/echo")
    class Echo(View):
        csrf_exempt = True

        def post(self, request: Request) -> Any:
            return request.json

    value = {"text": "[" * 2000, "list": [[1], [2]]}
    response = TestClient(app).post_json("/echo", value)

    assert response.status_int == 200
    assert response.json == value


# PERF(S5t): Request.path returns plain paths as they are; WebOb's encoding is the reference.

_PATH_CHARACTERS = st.characters(codec="latin-1")


@settings(max_examples=300, deadline=None)
@given(
    script_name=st.text(_PATH_CHARACTERS, max_size=12).map(lambda text: text and "/" + text),
    path_info=st.text(_PATH_CHARACTERS, max_size=20).map(lambda text: "/" + text),
)
def test_request_path_is_webobs(script_name: str, path_info: str) -> None:
    environ = webob.Request.blank("/").environ
    environ.update(SCRIPT_NAME=script_name, PATH_INFO=path_info)

    try:
        expected = webob.Request(environ).path
    except UnicodeDecodeError:  # not UTF-8: WebOb cannot decode it either
        with pytest.raises(UnicodeDecodeError):
            _ = Request(environ).path
        return
    assert Request(environ).path == expected


@pytest.mark.parametrize(
    ("script_name", "path_info"),
    [("", "/users/42/edit"), ("/app", "/a-b_c.d~e/!$&'()*+,;=:@"), ("", "/a b"), ("", "/%41")],
)
def test_request_path_of_plain_and_encoded_paths(script_name: str, path_info: str) -> None:
    environ = webob.Request.blank("/").environ
    environ.update(SCRIPT_NAME=script_name, PATH_INFO=path_info)

    assert Request(environ).path == webob.Request(environ).path


def test_a_request_holds_what_webobs_constructor_gives_it() -> None:
    """PERF(S1): Request() writes environ itself instead of running WebOb's constructor."""
    environ = webob.Request.blank("/x?a=1").environ
    request, general = Request(environ), webob.Request(environ)

    assert request.environ is general.environ is environ
    assert {key: value for key, value in vars(request).items() if value is not None} == vars(
        general
    )
    with pytest.raises(TypeError):
        Request([("not", "a dict")])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        "Application/X-WWW-Form-URLEncoded",
        "",
    ],
)
def test_every_spelling_of_a_urlencoded_form_is_parsed(content_type: str) -> None:
    """PERF(S6): POST compares the exact usual type first, then parses any other spelling."""
    environ = webob.Request.blank("/", method="POST", body=b"a=1&b=two").environ
    environ["CONTENT_TYPE"] = content_type

    assert list(Request(environ).POST.items()) == [("a", "1"), ("b", "two")]


def test_a_body_marked_seekable_that_cannot_seek_is_read_once() -> None:
    """WebTest marks the body seekable; wsgiref.validate's input wrapper has no seek()."""
    app = App()

    @app.route("/echo")
    class Echo(View):
        csrf_exempt = True

        def post(self, request: Request) -> dict[str, Any]:
            return {"POST": dict(request.POST), "body": request.body.decode()}

        def put(self, request: Request) -> Any:
            return {"json": request.json, "body": len(request.body)}

    # TestApp.request(body=...) marks the body seekable; TestClient would check the same.
    client = webtest.TestApp(validator(app))
    form_type = "application/x-www-form-urlencoded"

    form = client.request("/echo", method="POST", body=b"name=Ada", content_type=form_type)
    assert form.json == {"POST": {"name": "Ada"}, "body": "name=Ada"}
    json_type = "application/json"
    sent = client.request("/echo", method="PUT", body=b'{"n": [1]}', content_type=json_type)
    assert sent.json == {"json": {"n": [1]}, "body": 10}


# PERF(S6): Request.body reads a small body with a declared length once, as bytes; the general
# path (_buffered_body, then a read of the file it returns) is the reference.


class _FailingInput:
    """A wsgi.input whose read fails, as a server's does when the client goes away."""

    def read(self, size: int = -1) -> bytes:
        raise OSError("client went away")


def _body_outcome(request: Request, read: Any) -> tuple[Any, ...]:
    """What reading the body gave (bytes, or the error's type and text) and left in the environ."""
    try:
        result: Any = read()
    except webob.exc.WSGIHTTPException as error:
        result = (type(error), str(error))
    environ = request.environ
    stream = environ["wsgi.input"]
    left = stream.read() if hasattr(stream, "seek") else type(stream)
    return (
        result,
        left,
        environ.get("CONTENT_LENGTH"),
        environ.get("webob.is_body_seekable"),
        [type(file) for file in request.open_files or ()],
    )


def _general_body(request: Request) -> bytes:
    stream = request._buffered_body()
    body = stream.read()
    stream.seek(0)
    return body


@settings(max_examples=400, deadline=None)
@given(
    data=st.binary(max_size=40),
    declared=st.one_of(
        st.none(),
        st.integers(min_value=-3, max_value=60).map(str),
        st.sampled_from(["0", "007", "", "1e3", "١"]),
    ),
    max_body_size=st.integers(min_value=0, max_value=50),
    tempfile_limit=st.sampled_from([5, 1024 * 1024]),
    seekable=st.booleans(),
    failing=st.booleans(),
)
def test_a_small_body_is_read_as_the_general_path_reads_it(
    data: bytes,
    declared: str | None,
    max_body_size: int,
    tempfile_limit: int,
    seekable: bool,
    failing: bool,
) -> None:
    app = App(max_body_size=max_body_size)

    class SmallBuffer(Request):
        request_body_tempfile_limit = tempfile_limit

    outcomes = []
    for read in (lambda request: request.body, _general_body):
        environ = webob.Request.blank("/", method="POST").environ
        environ["wsgi.input"] = _FailingInput() if failing else io.BytesIO(data)
        environ.pop("CONTENT_LENGTH", None)
        if declared is not None:
            environ["CONTENT_LENGTH"] = declared
        if seekable and not failing:
            environ["webob.is_body_seekable"] = True
        request = SmallBuffer(environ, app)
        outcomes.append(_body_outcome(request, lambda request=request, read=read: read(request)))
        if request.open_files:
            request.close_files()

    assert outcomes[0] == outcomes[1]


# PERF(S6): GET and POST build their GetDict and MultiDict without the constructors, which probe
# their argument and copy it; the constructors are the reference.


def _built_as_by_constructor(
    parse: Callable[[], list[tuple[str, str]]],
    read: Callable[[], Any],
    construct: Callable[[list[tuple[str, str]]], Any],
) -> None:
    """``read()`` gives what ``construct`` builds from ``parse()``'s pairs, or the same 400."""
    try:
        pairs = parse()
    except errors.BadRequest:
        with pytest.raises(errors.BadRequest):
            read()
        return
    fast, general = read(), construct(pairs)
    assert type(fast) is type(general)
    assert vars(fast) == vars(general)


@settings(max_examples=200, deadline=None)
@given(
    query=st.text(st.characters(codec="latin-1"), max_size=30),
    body=st.text(max_size=30).map(lambda text: text.encode("utf-8")),
)
def test_get_and_post_are_what_the_multidict_constructors_build(query: str, body: bytes) -> None:
    environ = webob.Request.blank("/", method="POST", body=body).environ
    environ.update(QUERY_STRING=query, CONTENT_TYPE="application/x-www-form-urlencoded")
    request = Request(environ)

    _built_as_by_constructor(
        lambda: parse_query(query, DEFAULT_MAX_FORM_FIELDS),
        lambda: request.GET,
        lambda pairs: GetDict(pairs, environ),  # vars() holds env: the same environ
    )
    _built_as_by_constructor(
        lambda: parse_urlencoded(body, DEFAULT_MAX_FORM_FIELDS), lambda: request.POST, MultiDict
    )


def test_a_fast_built_get_still_rewrites_the_query_string() -> None:
    environ = webob.Request.blank("/?a=1&b=2").environ
    request = Request(environ)

    request.GET["c"] = "3 4"
    del request.GET["a"]

    assert environ["QUERY_STRING"] == "b=2&c=3+4"
    assert list(Request(environ).GET.items()) == [("b", "2"), ("c", "3 4")]
