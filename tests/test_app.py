"""App: the request path end to end, registration, url_for, error pages, PEP 3333 compliance."""

from __future__ import annotations

import logging
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wsgi_calls import call_app, make_environ

from framework import App, Request, View, errors
from framework.routing import RouteError, URLBuildError
from framework.testing import TestClient


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.route("/users/{id:d}", name="user")
    class UserDetail(View):
        csrf_exempt = True  # these tests are about the request path; CSRF: test_csrf.py

        def get(self, request: Request, id: int) -> str:
            return f"user {id}"

        def post(self, request: Request, id: int) -> dict[str, Any]:
            return {"id": id, "name": request.POST["name"]}

    @app.route("/index/")
    class Index(View):
        def get(self, request: Request) -> str:
            return "index"

    @app.route("/boom")
    class Boom(View):
        def get(self, request: Request) -> str:
            raise RuntimeError("secret-value-in-traceback")

    return app


def call_wsgi(
    app: App, path: str, method: str = "GET", query: str = ""
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call the app as a server would, through wsgiref's validator, without WebTest."""
    return call_app(app, make_environ(path, method, query))


def test_parameterised_route_converts_parameters() -> None:
    client = TestClient(make_app())

    response = client.get("/users/42")

    assert response.status_int == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == "user 42"


def test_post_returns_json_from_a_dict() -> None:
    client = TestClient(make_app())

    response = client.post("/users/7", {"name": "Ada"})

    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json == {"id": 7, "name": "Ada"}


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/users/42", "200 OK", b"user 42"),
        ("/nowhere", "404 Not Found", b"404 Not Found"),
        ("/index", "308 Permanent Redirect", b""),
        ("/boom", "500 Internal Server Error", b"500 Internal Server Error"),
        ("/users/%ff", "404 Not Found", b"404 Not Found"),
        ("/users/\xff", "400 Bad Request", b"not valid UTF-8"),
    ],
)
def test_every_response_passes_the_wsgi_validator(path: str, status: str, text: bytes) -> None:
    got_status, headers, body = call_wsgi(make_app(), path)

    assert got_status == status
    assert text in body
    assert all(isinstance(name, str) and isinstance(value, str) for name, value in headers)


def test_head_and_options_pass_the_wsgi_validator() -> None:
    status, headers, body = call_wsgi(make_app(), "/users/1", method="HEAD")
    assert (status, body) == ("200 OK", b"")
    assert ("Content-Length", "6") in headers

    status, headers, body = call_wsgi(make_app(), "/users/1", method="OPTIONS")
    assert (status, body) == ("204 No Content", b"")
    assert ("Allow", "GET, HEAD, POST, OPTIONS") in headers


def test_unknown_path_is_404_default_page() -> None:
    client = TestClient(make_app())

    response = client.get("/login/", status=404)

    assert response.content_type == "text/html"
    assert "404 Not Found" in response.text


def test_404_uses_the_apps_404_template(tmp_path: Path) -> None:
    (tmp_path / "404.html").write_text("<h1>Lost: {{ error.code }} {{ request.path }}</h1>")
    client = TestClient(App(templates=tmp_path))

    response = client.get("/missing", status=404)

    assert response.text == "<h1>Lost: 404 /missing</h1>"


def test_head_of_an_unknown_path_is_a_404_with_the_pages_headers_and_no_body() -> None:
    app = make_app()
    _, get_headers, page = call_wsgi(app, "/nowhere")

    status, headers, body = call_wsgi(app, "/nowhere", method="HEAD")

    assert (status, body) == ("404 Not Found", b"")
    assert headers == get_headers
    assert ("Content-Length", str(len(page))) in headers


def test_a_404_template_added_while_debugging_is_used_at_once(tmp_path: Path) -> None:
    client = TestClient(App(templates=tmp_path, debug=True))
    assert "404 Not Found" in client.get("/missing", status=404).text

    (tmp_path / "404.html").write_text("<p>Nothing at {{ request.path }}</p>")

    assert client.get("/missing", status=404).text == "<p>Nothing at /missing</p>"


def test_a_broken_404_template_falls_back_to_the_default_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "404.html").write_text("{{ request.nothing_here() }}")
    client = TestClient(App(templates=tmp_path))

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = client.get("/missing", status=404)

    assert "404 Not Found" in response.text
    assert "Error page template 404.html failed" in caplog.text


def test_missing_trailing_slash_redirects_with_308_keeping_the_query() -> None:
    client = TestClient(make_app())

    response = client.get("/index?a=1&b=%20x", headers={"Host": "evil.example"}, status=308)

    assert response.headers["Location"] == "/index/?a=1&b=%20x"


def test_trailing_slash_redirect_never_points_to_another_host() -> None:
    app = App()

    @app.route("/{rest:path}/")
    class Catch(View):
        def get(self, request: Request, rest: str) -> str:
            return rest

    response = TestClient(app).get("//evil.example", status=308)

    assert response.headers["Location"] == "/%2Fevil.example/"


def test_mounted_app_with_an_empty_path_redirects_to_the_mount_with_a_slash() -> None:
    """Werkzeug: mounted at /approot, a request for /approot itself goes to /approot/."""
    app = App()

    @app.route("/")
    class Index(View):
        def get(self, request: Request) -> str:
            return '<a href="page">a relative link</a>'

    mounted = make_environ("", SCRIPT_NAME="/approot", QUERY_STRING="a=1")
    status, headers, body = call_app(app, mounted)
    at_root = call_app(app, make_environ("", SCRIPT_NAME=""))
    below = call_app(app, make_environ("/", SCRIPT_NAME="/approot"))

    assert status == "308 Permanent Redirect"
    assert dict(headers)["Location"] == "/approot/?a=1"
    assert b'<a href="/approot/?a=1">/approot/?a=1</a>' in body
    assert at_root[0] == below[0] == "200 OK"


def test_a_mounted_app_without_an_index_route_is_404_at_its_mount() -> None:
    status, _, _ = call_app(make_app(), make_environ("", SCRIPT_NAME="/approot"))

    assert status == "404 Not Found"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/foo+bar", "/foo+bar/"),
        ("/a:b@c!$&'()*,;=~", "/a:b@c!$&'()*,;=~/"),
        ("/caf%C3%A9%20bar", "/caf%C3%A9%20bar/"),
        ("/100%25%3F%23", "/100%25%3F%23/"),
    ],
    ids=["plus", "sub-delimiters", "non-ascii-and-space", "percent-question-hash"],
)
def test_trailing_slash_redirect_keeps_the_paths_own_spelling(path: str, location: str) -> None:
    """Werkzeug, and url_for: RFC 3986 path punctuation stays; only what must be is encoded."""
    app = App()

    @app.route("/{name}/")
    class Named(View):
        def get(self, request: Request, name: str) -> str:
            return name

    response = TestClient(app).get(path, status=308)

    assert response.headers["Location"] == location
    assert TestClient(app).get(location).text == urllib.parse.unquote(path)[1:]


def test_the_slash_redirect_page_names_its_target() -> None:
    response = TestClient(make_app()).get("/index?q=<b>", status=308)

    assert response.headers["Location"] == "/index/?q=%3Cb%3E"
    link = '<a href="/index/?q=%3Cb%3E">/index/?q=%3Cb%3E</a>'
    assert f"The resource has been moved to {link}" in response.text


def test_extra_trailing_slash_is_404_not_a_redirect() -> None:
    client = TestClient(make_app())

    response = client.get("/users/42/", status=404)

    assert "Location" not in response.headers
    assert "404 Not Found" in response.text


def test_path_longer_than_the_limit_is_414() -> None:
    client = TestClient(App(max_path_length=100))

    response = client.get("/" + "a" * 100, status=414)

    assert "414" in response.text


def test_path_with_control_character_is_400() -> None:
    client = TestClient(make_app())

    response = client.get("/users/%0a1", status=400)

    assert "control characters" in response.text


def test_undecodable_path_is_400() -> None:
    status, _, body = call_wsgi(make_app(), "/users/\xc3\x28")

    assert status == "400 Bad Request"
    assert b"not valid UTF-8" in body


def test_non_latin1_path_info_is_400_not_500() -> None:
    status, _, _ = call_wsgi(make_app(), "/users/\u20ac")

    assert status == "400 Bad Request"


def test_utf8_path_is_decoded_before_matching() -> None:
    app = App()

    @app.route("/hello/{name}")
    class Hello(View):
        def get(self, request: Request, name: str) -> str:
            return f"hello {name}"

    response = TestClient(app).get("/hello/%C3%A9t%C3%A9")

    assert response.text == "hello été"


def test_unknown_method_never_reaches_a_helper_method() -> None:
    app = App()
    called = []

    @app.route("/thing")
    class Thing(View):
        def get(self, request: Request) -> str:
            return "thing"

        def helper(self, request: Request) -> str:
            called.append(True)
            return "helper ran"

    with pytest.warns(Warning, match="Unknown REQUEST_METHOD"):
        response = TestClient(app).request("/thing", method="HELPER", status=405)

    assert called == []
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_view_exception_is_500_without_traceback_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(make_app())

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = client.get("/boom", status=500)

    assert "500 Internal Server Error" in response.text
    assert "secret-value-in-traceback" not in response.text
    assert "Traceback" not in response.text
    assert any("secret-value-in-traceback" in (r.exc_text or "") for r in caplog.records)
    assert "GET '/boom'" in caplog.text


def test_debug_mode_shows_an_escaped_traceback() -> None:
    app = App(debug=True)

    @app.route("/boom")
    class Boom(View):
        def get(self, request: Request) -> str:
            raise RuntimeError("<script>bad</script>")

    response = TestClient(app).get("/boom", status=500)

    assert "Traceback" in response.text
    assert "RuntimeError: &lt;script&gt;bad&lt;/script&gt;" in response.text
    assert "<script>" not in response.text


def test_500_uses_the_apps_500_template(tmp_path: Path) -> None:
    (tmp_path / "500.html").write_text("<p>sorry</p>")
    app = App(templates=tmp_path)

    @app.route("/boom")
    class Boom(View):
        def get(self, request: Request) -> str:
            raise ValueError("nope")

    response = TestClient(app).get("/boom", status=500)

    assert response.text == "<p>sorry</p>"


def test_unsupported_return_value_is_a_500_naming_the_view(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()

    @app.route("/number")
    class Number(View):
        def get(self, request: Request) -> int:
            return 3

    TestClient(app).get("/number", status=500)

    assert "Number returned int" in caplog.text


def test_url_for_builds_the_pattern_back() -> None:
    app = make_app()

    assert app.url_for("user", id=3) == "/users/3"
    assert app.url_for("Index") == "/index/"


def test_url_for_name_field_does_not_clash_with_the_route_name() -> None:
    app = App()

    @app.route("/hello/{name}", name="hello")
    class Hello(View):
        def get(self, request: Request, name: str) -> str:
            return name

    assert app.url_for("hello", name="bob smith") == "/hello/bob%20smith"


@pytest.mark.parametrize(
    "call",
    [
        lambda app: app.url_for("nobody"),
        lambda app: app.url_for("user"),
        lambda app: app.url_for("user", id=1, extra=2),
        lambda app: app.url_for("user", id=-1),
    ],
)
def test_url_for_rejects_what_would_not_route_back(call: Any) -> None:
    with pytest.raises(URLBuildError):
        call(make_app())


def test_route_name_defaults_to_the_view_class_name() -> None:
    app = make_app()

    assert [route.name for route in app.router.routes if route.pattern == "/index/"] == ["Index"]


def test_route_decorator_returns_the_class_unchanged() -> None:
    app = App()

    class Page(View):
        def get(self, request: Request) -> str:
            return "page"

    assert app.route("/page")(Page) is Page


def test_add_route_refuses_a_non_view() -> None:
    app = App()

    with pytest.raises(TypeError, match="expected a View subclass"):
        app.add_route("/f", print)  # type: ignore[arg-type]


def test_registering_the_same_pattern_twice_names_both_routes() -> None:
    app = make_app()

    class Other(View):
        pass

    with pytest.raises(RouteError) as raised:
        app.add_route("/users/{id:d}", Other, name="other")

    assert "user" in str(raised.value) and "other" in str(raised.value)


def test_route_type_is_used_for_matching_and_url_for() -> None:
    app = App()
    app.route_type("hexid", "[0-9a-f]+", lambda text: int(text, 16), lambda value: f"{value:x}")

    @app.route("/objects/{key:hexid}", name="object")
    class Object(View):
        def get(self, request: Request, key: int) -> str:
            return f"object {key}"

    client = TestClient(app)
    assert client.get("/objects/ff").text == "object 255"
    assert app.url_for("object", key=255) == "/objects/ff"
    client.get("/objects/xyz", status=404)


def test_custom_type_whose_converter_raises_is_a_404() -> None:
    app = App()

    def refuse(text: str) -> str:
        raise ValueError(text)

    app.route_type("never", "[a-z]+", refuse)

    @app.route("/t/{value:never}")
    class Never(View):
        def get(self, request: Request, value: str) -> str:
            return value

    TestClient(app).get("/t/abc", status=404)


def test_huge_integer_is_404_not_500() -> None:
    client = TestClient(make_app())

    response = client.get("/users/" + "9" * 5000, status=404)

    assert "404 Not Found" in response.text


def test_raised_http_error_becomes_that_response() -> None:
    app = App()

    @app.route("/private")
    class Private(View):
        def get(self, request: Request) -> str:
            raise errors.Forbidden("Members only.")

    response = TestClient(app).get("/private", status=403)

    assert "403 Forbidden" in response.text
    assert "Members only." in response.text


def test_templates_default_to_none_without_a_templates_dir(tmp_path: Path) -> None:
    app = App()

    assert app.templates.directories == []


def test_templates_are_resolved_beside_the_callers_module() -> None:
    app = App(templates="../templates")

    assert app.templates.directories == [Path(__file__).resolve().parent.parent / "templates"]


def test_missing_template_directory_is_an_error_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        App(templates=tmp_path / "nope")


def test_request_knows_its_route() -> None:
    app = App()

    @app.route("/r/{slug:slug}", name="r")
    class R(View):
        def get(self, request: Request, slug: str) -> dict[str, Any]:
            return {
                "name": request.route_name,
                "params": request.route_params,
                "app": request.app is app,
            }

    response = TestClient(app).get("/r/a-b")

    assert response.json == {"name": "r", "params": {"slug": "a-b"}, "app": True}


def test_test_client_shortcut() -> None:
    app = make_app()

    assert app.test_client().get("/users/5").text == "user 5"


# PERF(S1): App.match accepts a short, printable ASCII path as it is; every other path goes
# through the full check and decode. For any path, both must give the same answer.


def _outcome(find: Any) -> tuple[Any, ...]:
    try:
        found = find()
    except errors.HTTPError as error:
        return ("error", type(error), error.detail)
    return ("none",) if found is None else ("match", found[0].name, found[1])


@settings(max_examples=400, deadline=None)
@given(
    path=st.one_of(
        st.text(st.characters(codec="latin-1"), max_size=30),
        st.text("abc/%-.~é\x00\x7f\t ", max_size=30),
    ).map(lambda text: "/" + text)
)
def test_the_inline_path_check_answers_as_the_full_decode(path: str) -> None:
    app = App(max_path_length=24)

    @app.route("/a/{rest:path}")
    class Rest(View):
        def get(self, request: Request, rest: str) -> str:
            return rest

    @app.route("/{name}")
    class Named(View):
        def get(self, request: Request, name: str) -> str:
            return name

    inline = _outcome(lambda: app.match(make_environ(path)))
    full = _outcome(lambda: app.router.match(app._decode_path(path)))

    assert inline == full


def test_the_404_shortcut_sends_the_page_an_error_response_would() -> None:
    """PERF(S5): without a 404.html a miss skips the Request and the error machinery."""
    app = make_app()
    environ = make_environ("/no/such/page")

    status, headers, body = call_app(app, environ)
    page = app.error_response(Request(make_environ("/no/such/page"), app), errors.NotFound())

    assert status == page.status
    assert headers == page.headerlist
    assert body == page.body


# Mounting other WSGI apps


def echo_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A plain WSGI app answering with what it was given: SCRIPT_NAME, PATH_INFO, the query."""
    body = "|".join(
        [environ["SCRIPT_NAME"], environ["PATH_INFO"], environ.get("QUERY_STRING", "")]
    ).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def app_with_mounts() -> App:
    app = make_app()
    app.mount("/legacy", echo_wsgi)
    app.mount("/legacy/v2/", echo_wsgi)  # the longer prefix is tried first

    @app.route("/legacyx")
    class NotUnderTheMount(View):
        def get(self, request: Request) -> str:
            return "own route"

    return app


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/legacy/", "/legacy|/|"),
        ("/legacy/a/b?x=1", "/legacy|/a/b|x=1"),
        ("/legacy/v2/users", "/legacy/v2|/users|"),
        ("/legacy//double", "/legacy|//double|"),
        ("/legacyx", "own route"),
    ],
)
def test_a_mounted_app_sees_its_script_name_and_path_info(path: str, answer: str) -> None:
    assert TestClient(app_with_mounts()).get(path).text == answer


def test_a_mount_under_a_script_name_adds_to_it() -> None:
    environ = make_environ("/legacy/a", SCRIPT_NAME="/site")

    status, _, body = call_app(app_with_mounts(), environ)

    assert (status, body) == ("200 OK", b"/site/legacy|/a|")


def test_the_mount_prefix_alone_redirects_to_it_with_a_slash_keeping_the_query() -> None:
    client = TestClient(app_with_mounts())

    response = client.get("/legacy?page=2", status=308)

    assert response.headers["Location"] == "/legacy/?page=2"
    assert client.get("/legacy/v2", status=308).headers["Location"] == "/legacy/v2/"


def test_paths_outside_every_mount_go_to_the_routes() -> None:
    client = TestClient(app_with_mounts())

    assert client.get("/users/3").text == "user 3"
    client.get("/legac", status=404)


@pytest.mark.parametrize("prefix", ["legacy", "/", "", "/caf\u00e9", "/a%20b"])
def test_a_mount_prefix_must_be_a_plain_path(prefix: str) -> None:
    with pytest.raises(ValueError, match="mount prefix"):
        make_app().mount(prefix, echo_wsgi)


def test_a_prefix_is_mounted_once_and_only_wsgi_apps_are_mounted() -> None:
    app = make_app()
    app.mount("/legacy", echo_wsgi)

    with pytest.raises(ValueError, match="already taken"):
        app.mount("/legacy/", echo_wsgi)
    with pytest.raises(TypeError, match="expected a WSGI application"):
        app.mount("/other", "not an app")  # type: ignore[arg-type]
    assert app.mounts == {"/legacy": echo_wsgi}


def test_a_mounted_flask_app_builds_its_urls_under_the_mount() -> None:
    flask = pytest.importorskip("flask")
    legacy = flask.Flask("legacy")

    @legacy.route("/hello/<name>")
    def hello(name: str) -> dict[str, str]:
        return {
            "script_root": flask.request.script_root,
            "path": flask.request.path,
            "url": flask.url_for("hello", name=name),
        }

    app = make_app()
    app.mount("/legacy", legacy)

    response = TestClient(app).get("/legacy/hello/ada")

    assert response.json == {
        "script_root": "/legacy",
        "path": "/hello/ada",
        "url": "/legacy/hello/ada",
    }


def test_a_mounted_falcon_app_sees_its_prefix() -> None:
    falcon = pytest.importorskip("falcon")

    class Things:
        def on_get(self, req: Any, resp: Any, thing_id: str) -> None:
            resp.media = {
                "root_path": req.root_path,
                "path": req.path,
                "relative_uri": req.relative_uri,
                "id": thing_id,
            }

    legacy = falcon.App()
    legacy.add_route("/things/{thing_id}", Things())
    app = make_app()
    app.mount("/api/v1", legacy)

    response = TestClient(app).get("/api/v1/things/7")

    assert response.json == {
        "root_path": "/api/v1",
        "path": "/things/7",
        "relative_uri": "/api/v1/things/7",
        "id": "7",
    }
    TestClient(app).get("/api/v1/nothing", status=404)


def test_debug_switched_on_later_shows_tracebacks_and_reloads_templates(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "page.html").write_text("one")
    app = make_app(templates=tmp_path)

    @app.route("/page")
    class Page(View):
        def get(self, request: Request) -> Any:
            return self.render("page.html")

    client = TestClient(app)
    assert client.get("/page").text == "one"
    with caplog.at_level(logging.CRITICAL, logger="framework"):
        assert "secret-value-in-traceback" not in client.get("/boom", status=500).text

        app.debug = True

        assert "secret-value-in-traceback" in client.get("/boom", status=500).text
    (tmp_path / "page.html").write_text("two")
    assert client.get("/page").text == "two"


def test_a_mounted_app_is_behind_the_host_check() -> None:
    app = make_app(allowed_hosts=["example.com"])
    app.mount("/legacy", echo_wsgi)
    client = TestClient(app)

    refused = client.get("/legacy/a", headers={"Host": "evil.test"}, status=400)
    redirect_refused = client.get("/legacy", headers={"Host": "evil.test"}, status=400)

    assert "does not serve that host" in refused.text
    assert redirect_refused.status_int == 400
    assert client.get("/legacy/a", headers={"Host": "example.com"}).text == "/legacy|/a|"
