"""Views: one instance per request, dispatch on the HTTP method, TemplateView, RedirectView."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import webtest

import framework
from framework import App, RedirectView, Request, Response, TemplateView, View, csrf, errors
from framework.responses import HandlerResult
from framework.testing import TestClient
from framework.views import HTTP_METHODS


def allowed(response: webtest.TestResponse) -> list[str]:
    """The methods of an ``Allow`` header, sorted (the header's order is not part of the API)."""
    return sorted(method.strip() for method in response.headers["Allow"].split(","))


def test_handler_gets_converted_route_params_and_the_view_is_set_up_first(
    app: App, client: TestClient
) -> None:
    @app.route("/users/{id:d}/posts/{slug}", name="post")
    class Post(View):
        def get(self, request: Request, id: int, slug: str) -> dict[str, Any]:
            return {
                "id": id,
                "id_is_int": isinstance(id, int),
                "slug": slug,
                "self_request_is_request": self.request is request,
                "self_app_is_app": self.app is app,
                "params": self.params,
            }

    response = client.get("/users/7/posts/hello")

    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json == {
        "id": 7,
        "id_is_int": True,
        "slug": "hello",
        "self_request_is_request": True,
        "self_app_is_app": True,
        "params": {"id": 7, "slug": "hello"},
    }


def test_each_request_gets_a_fresh_view_instance(app: App, client: TestClient) -> None:
    instances: list[View] = []

    @app.route("/count")
    class Count(View):
        def get(self, request: Request) -> str:
            instances.append(self)
            self.hits = getattr(self, "hits", 0) + 1
            return f"hits={self.hits}"

    first = client.get("/count")
    second = client.get("/count")

    assert (first.status_int, second.status_int) == (200, 200)
    assert (
        first.headers["Content-Type"]
        == second.headers["Content-Type"]
        == ("text/html; charset=utf-8")
    )
    assert first.text == second.text == "hits=1"
    assert len(instances) == 2
    assert instances[0] is not instances[1]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_each_http_method_is_dispatched_to_its_handler(
    app: App, client: TestClient, method: str
) -> None:
    @app.route("/items/{id:d}")
    class Item(View):
        csrf_exempt = True  # dispatch is tested here; the CSRF check in tests/test_csrf.py

        def get(self, request: Request, id: int) -> str:
            return f"get {id}"

        def post(self, request: Request, id: int) -> str:
            return f"post {id}"

        def put(self, request: Request, id: int) -> str:
            return f"put {id}"

        def patch(self, request: Request, id: int) -> str:
            return f"patch {id}"

        def delete(self, request: Request, id: int) -> str:
            return f"delete {id}"

    response = client.request("/items/5", method=method)

    assert response.status_int == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == f"{method.lower()} 5"


def test_post_to_get_only_view_is_405_with_allow(app: App, client: TestClient) -> None:
    @app.route("/read-only")
    class ReadOnly(View):
        def get(self, request: Request) -> str:
            return "read"

    response = client.post("/read-only", {"x": "1"}, status=405)

    assert allowed(response) == ["GET", "HEAD", "OPTIONS"]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "405 Method Not Allowed" in response.text


# HELPER and RENDER are not HTTP methods the validators know; TRACE is, but is no handler name.
@pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")
@pytest.mark.parametrize("method", ["HELPER", "RENDER", "TRACE"])
def test_methods_that_are_not_handler_names_are_never_dispatched(
    app: App, client: TestClient, method: str
) -> None:
    called: list[str] = []

    @app.route("/thing")
    class Thing(View):
        def get(self, request: Request) -> str:
            return "thing"

        def helper(self, *args: Any, **kwargs: Any) -> str:
            called.append("helper")
            return "helper ran"

        def trace(self, *args: Any, **kwargs: Any) -> str:
            called.append("trace")
            return "trace ran"

        def render(self, *args: Any, **kwargs: Any) -> Response:
            called.append("render")
            return Response("render ran")

    response = client.request("/thing", method=method, status=405)

    assert called == []
    assert allowed(response) == ["GET", "HEAD", "OPTIONS"]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "405 Method Not Allowed" in response.text
    assert "ran" not in response.text


def test_head_runs_get_and_sends_no_body(app: App, client: TestClient) -> None:
    calls: list[str] = []

    @app.route("/page")
    class Page(View):
        def get(self, request: Request) -> str:
            calls.append(request.method)
            return "<p>héllo</p>"

    response = client.head("/page")

    assert calls == ["HEAD"]
    assert response.status_int == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len("<p>héllo</p>".encode()))
    assert response.body == b""


def test_options_is_204_with_allow_and_no_body(app: App, client: TestClient) -> None:
    @app.route("/form")
    class Form(View):
        def get(self, request: Request) -> str:
            return "form"

        def post(self, request: Request) -> str:
            return "posted"

    response = client.options("/form", status=204)

    assert allowed(response) == ["GET", "HEAD", "OPTIONS", "POST"]
    assert "Content-Type" not in response.headers
    assert response.body == b""


def test_subclass_inherits_handlers_and_has_its_own_allowed_methods(
    app: App, client: TestClient
) -> None:
    class Base(View):
        csrf_exempt = True  # inherited, like the handlers

        def get(self, request: Request) -> str:
            return "base get"

    @app.route("/base")
    class Plain(Base):
        pass

    @app.route("/child")
    class Child(Base):
        def delete(self, request: Request) -> str:
            return "child delete"

    assert client.get("/child").text == "base get"
    assert client.delete("/child").text == "child delete"
    assert allowed(client.options("/child", status=204)) == ["DELETE", "GET", "HEAD", "OPTIONS"]
    response = client.delete("/base", status=405)
    assert allowed(response) == ["GET", "HEAD", "OPTIONS"]
    assert "405 Method Not Allowed" in response.text


def test_overridden_dispatch_can_refuse_or_delegate(app: App, client: TestClient) -> None:
    @app.route("/secret/{id:d}")
    class Secret(View):
        def dispatch(self, request: Request, /, **params: Any) -> HandlerResult:
            if request.headers.get("X-Token") != "open-sesame":
                raise errors.Forbidden("A token is required.")
            return super().dispatch(request, **params)

        def get(self, request: Request, id: int) -> str:
            return f"secret {id}"

    refused = client.get("/secret/1", status=403)
    allowed_through = client.get("/secret/1", headers={"X-Token": "open-sesame"})

    assert refused.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "403 Forbidden" in refused.text
    assert "A token is required." in refused.text
    assert allowed_through.status_int == 200
    assert allowed_through.headers["Content-Type"] == "text/html; charset=utf-8"
    assert allowed_through.text == "secret 1"


def test_dispatch_from_a_mixin_runs_around_every_handler(app: App, client: TestClient) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    class Audited:
        def dispatch(self, request: Request, /, **params: Any) -> HandlerResult:
            calls.append((request.method, params))
            result: HandlerResult = super().dispatch(request, **params)  # type: ignore[misc]
            return result

    @app.route("/audited/{id:d}")
    class Page(Audited, View):
        def get(self, request: Request, id: int) -> str:
            return f"page {id}"

    assert client.get("/audited/7").text == "page 7"
    assert client.put("/audited/7", status=405).headers["Allow"] == "GET, HEAD, OPTIONS"
    assert calls == [("GET", {"id": 7}), ("PUT", {"id": 7})]


def test_render_accepts_name_as_a_context_variable_and_passes_the_request(
    app: App, client: TestClient, templates_dir: Path
) -> None:
    (templates_dir / "hello.html").write_text("<p>{{ name }} at {{ request.path }}</p>")

    @app.route("/hello")
    class Hello(View):
        def get(self, request: Request) -> Response:
            return self.render("hello.html", name="<Zoë>")

    response = client.get("/hello")

    assert response.status_int == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == "<p>&lt;Zoë&gt; at /hello</p>"


def test_template_view_renders_its_template_with_the_route_params(
    app: App, client: TestClient, templates_dir: Path
) -> None:
    (templates_dir / "user.html").write_text("<h1>User {{ id + 1 }}</h1>")

    @app.route("/users/{id:d}", name="user")
    class UserPage(TemplateView):
        template_name = "user.html"

    response = client.get("/users/41")

    assert response.status_int == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == "<h1>User 42</h1>"


def test_template_view_get_context_builds_the_context(app: App, client: TestClient) -> None:
    @app.route("/greet/{name}")
    class Greet(TemplateView):
        template_name = "page.html"

        def get_context(self, **params: Any) -> dict[str, Any]:
            return {"message": f"Hello {params['name'].title()} ({self.request.method})"}

    response = client.get("/greet/ada")

    assert response.status_int == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == "<title>Page</title><main><p>Hello Ada (GET)</p></main>"


def test_template_view_answers_only_get_head_and_options(app: App, client: TestClient) -> None:
    @app.route("/about")
    class About(TemplateView):
        template_name = "page.html"

    response = client.post("/about", status=405)

    assert allowed(response) == ["GET", "HEAD", "OPTIONS"]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "405 Method Not Allowed" in response.text


def test_redirect_view_to_url_is_307_with_a_relative_location_despite_host(
    app: App, client: TestClient
) -> None:
    @app.route("/old")
    class Old(RedirectView):
        url = "/new?page=2"

    response = client.get("/old", headers={"Host": "evil.example"}, status=307)

    assert response.headers["Location"] == "/new?page=2"
    assert response.body == b""


@pytest.mark.parametrize("permanent", [False, True])
def test_redirect_view_with_no_target_is_410_gone(
    app: App, client: TestClient, permanent: bool
) -> None:
    """Django's RedirectView: get_redirect_url() returning None means the page is gone."""

    @app.route("/retired/{name}")
    class Retired(RedirectView):
        def get_redirect_url(self, **params: Any) -> str | None:
            return None if params["name"] == "gone" else f"/new/{params['name']}"

    Retired.permanent = permanent
    gone = client.get("/retired/gone", status=410)
    moved = client.post("/retired/here", status=308 if permanent else 307)

    assert "410 Gone" in gone.text
    assert "Location" not in gone.headers
    assert moved.headers["Location"] == "/new/here"


def test_permanent_redirect_view_builds_its_route_from_the_request_params(
    app: App, client: TestClient
) -> None:
    @app.route("/users/{id:d}", name="user")
    class User(View):
        def get(self, request: Request, id: int) -> str:
            return f"user {id}"

    @app.route("/people/{id:d}")
    class OldPeople(RedirectView):
        route_name = "user"
        permanent = True

    response = client.post(
        "/people/5",
        {"keep": "body"},
        headers={"Host": "evil.example"},
        extra_environ={"SCRIPT_NAME": "/site"},
        status=308,
    )

    assert response.headers["Location"] == "/site/users/5"
    assert response.body == b""


# PERF(S1): App.handle calls the handler itself for a view that keeps View.dispatch; a view
# whose dispatch calls super() takes the general path. Both must answer alike.


class _AllMethods(View):
    def get(self, request: Request, name: str) -> str:
        return f"get {name}"

    def post(self, request: Request, name: str) -> str:
        return f"post {name} {request.POST.get('field')}"

    def put(self, request: Request, name: str) -> str:
        return f"put {name}"

    def patch(self, request: Request, name: str) -> str:
        return f"patch {name}"

    def delete(self, request: Request, name: str) -> str:
        return f"delete {name}"


class _GetOnly(View):
    def get(self, request: Request, name: str) -> dict[str, str]:
        return {"name": name}


def _dispatch_pair(app: App, base: type[View], **attributes: Any) -> None:
    """Register ``base`` at /inlined/{name} and the same view with dispatch -> super() at
    /general/{name}."""

    def dispatch(self: View, request: Request, /, **params: Any) -> HandlerResult:
        return super(general, self).dispatch(request, **params)

    inlined = type("Inlined", (base,), dict(attributes))
    general = type("General", (base,), {**attributes, "dispatch": dispatch})
    app.add_route("/inlined/{name}", inlined)
    app.add_route("/general/{name}", general)


def _refuse(self: View, request: Request, /, **params: Any) -> bool:
    return False


def _prepare(self: View, request: Request, /, **params: Any) -> None:
    if params["name"] == "ada":
        raise errors.NotFound("prepare refused ada")


#: Access rules and prepare, applied by the App before dispatch, on both paths.
_POLICIES: dict[str, dict[str, Any]] = {
    "none": {},
    "login required, anonymous": {"login_required": True},
    "login required, logged in": {"login_required": True},
    "allow refuses": {"allow": _refuse},
    "prepare": {"prepare": _prepare},
}


@pytest.mark.parametrize("base", [_AllMethods, _GetOnly])
@pytest.mark.parametrize("csrf_exempt", [False, True])
@pytest.mark.parametrize("token", ["right", "wrong", "none"])
@pytest.mark.parametrize("method", [*HTTP_METHODS, "TRACE", "PROPFIND"])
@pytest.mark.parametrize("policy", list(_POLICIES))
def test_inlined_dispatch_answers_as_dispatch_through_super(
    base: type[View], csrf_exempt: bool, token: str, method: str, policy: str
) -> None:
    app = App(secret_key="key", user_loader=lambda user_id: f"user {user_id}", login_route="login")
    _dispatch_pair(app, base, csrf_exempt=csrf_exempt, **_POLICIES[policy])

    @app.route("/token")
    class Token(View):
        def get(self, request: Request) -> str:
            if policy.endswith("logged in"):
                framework.login(request, 1)
            return csrf.get_token(request)

    @app.route("/login", name="login")
    class Login(View):
        def get(self, request: Request) -> str:
            return "log in"

    client = webtest.TestApp(app, lint=False)  # both validators refuse methods like PROPFIND
    session_token = client.get("/token").text
    headers = {"right": {"X-CSRF-Token": session_token}, "wrong": {"X-CSRF-Token": "x"}}
    headers = {
        kind: {**sent, "Accept": "text/html"} for kind, sent in {**headers, "none": {}}.items()
    }
    answers = [
        client.request(
            f"/{kind}/ada",
            method=method,
            headers=headers.get(token, {}),
            body=b"field=1",
            content_type="application/x-www-form-urlencoded",
            expect_errors=True,
        )
        for kind in ("inlined", "general")
    ]

    inlined, general = answers
    assert inlined.status == general.status
    # The login redirect names the path it came from.
    assert sorted(inlined.headerlist) == sorted(
        (name, value.replace("general", "inlined")) for name, value in general.headerlist
    )
    assert inlined.body == general.body.replace(b"general", b"inlined")


def test_render_takes_a_status_and_headers(tmp_path: Path) -> None:
    (tmp_path / "form.html").write_text("{{ message }} {{ request.path }}")
    app = App(templates=tmp_path)

    @app.route("/form")
    class Form(View):
        def get(self, request: Request) -> Response:
            return self.render(
                "form.html",
                status=422,
                headers={"X-Form": "invalid", "Content-Type": "text/html; charset=utf-8"},
                message="fix it",
            )

    response = TestClient(app).get("/form", status=422)

    assert response.text == "fix it /form"
    assert response.headers["X-Form"] == "invalid"
    assert response.headers.getall("Content-Type") == ["text/html; charset=utf-8"]
    assert response.headers["Content-Length"] == str(len(response.body))


def test_request_route_names_the_matched_route_and_its_pattern() -> None:
    app = App()

    @app.route("/users/{id:d}", name="user")
    class User(View):
        def get(self, request: Request, id: int) -> dict[str, Any]:
            route = request.route
            assert route is not None
            return {"name": route.name, "pattern": route.pattern}

    client = TestClient(app)

    assert client.get("/users/7").json == {"name": "user", "pattern": "/users/{id:d}"}
    assert Request.blank("/users/7").route is None
    assert Request.blank("/users/7", app=app).route is None  # no route matched (yet)


@pytest.mark.parametrize("status", [101, 204, 304])
def test_render_refuses_a_status_without_a_body(tmp_path: Path, status: int) -> None:
    (tmp_path / "page.html").write_text("page")
    app = App(templates=tmp_path)
    view = View(Request.blank("/"), app, {})

    with pytest.raises(ValueError, match=f"a status with a body, not {status}"):
        view.render("page.html", status=status)
