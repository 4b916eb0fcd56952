"""Users and access rules: request.user, login/logout, login_required, allow, group defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import webtest

from framework import App, Request, Response, Routes, View, csrf, errors, login, logout
from framework.checks import check_app
from framework.testing import TestClient

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/json"}


@dataclass
class User:
    id: int
    name: str
    admin: bool = False


USERS = {1: User(1, "Ada", admin=True), 2: User(2, "Bob")}


def make_app(**options: Any) -> App:
    """An app with login/logout routes, a token route and a page that shows request.user."""
    loads: list[object] = options.pop("loads", [])

    def load_user(user_id: object) -> User | None:
        loads.append(user_id)
        return USERS.get(user_id) if isinstance(user_id, int) else None

    app = App(secret_key="key", user_loader=load_user, login_route="login", **options)

    @app.route("/login", name="login")
    class Login(View):
        csrf_exempt = True  # a test shortcut: POST /login?id=N logs N in

        def get(self, request: Request) -> str:
            return "log in"

        def post(self, request: Request) -> str:
            login(request, int(request.GET["id"]))
            return csrf.get_token(request)

    @app.route("/logout", name="logout")
    class Logout(View):
        def post(self, request: Request) -> str:
            logout(request)
            return "bye"

    @app.route("/token", name="token")
    class Token(View):
        def get(self, request: Request) -> str:
            return csrf.get_token(request)

    @app.route("/me", name="me")
    class Me(View):
        def get(self, request: Request) -> str:
            user = request.user
            return "anonymous" if user is None else user.name

    return app


class Private(View):
    login_required = True

    def get(self, request: Request) -> str:
        return f"private for {request.user.name}"

    def post(self, request: Request) -> str:
        return "posted"


def logged_in(app: App, user_id: int = 1) -> tuple[TestClient, str]:
    """A client logged in as ``user_id``, and its session's CSRF token."""
    client = TestClient(app)
    token = client.post(f"/login?id={user_id}").text
    return client, token


# Anonymous, logged in


def test_an_anonymous_browser_is_sent_to_the_login_route_with_next() -> None:
    app = make_app()
    app.add_route("/private", Private)
    client = TestClient(app)

    for method in ("get", "head"):
        response = getattr(client, method)("/private?a=1&b=%C3%A9", headers=HTML, status=303)
        assert response.headers["Location"] == "/login?next=%2Fprivate%3Fa%3D1%26b%3D%25C3%25A9"


def test_an_anonymous_api_client_gets_401() -> None:
    app = make_app()
    app.add_route("/private", Private)
    client = TestClient(app)

    refused = client.get("/private", headers=JSON, status=401)
    assert refused.json == {"error": {"status": 401, "message": "Log in to do this."}}
    client.get("/private", headers={"Accept": "text/html;q=0.1, application/json"}, status=401)
    client.get("/private", headers={"Content-Type": "application/json"}, status=401)  # no Accept


def test_a_client_without_a_json_preference_is_taken_for_a_browser() -> None:
    app = make_app()
    app.add_route("/private", Private)
    client = TestClient(app)

    client.get("/private", status=303)  # no Accept: HTML, as for error pages
    client.get("/private", headers={"Accept": "*/*"}, status=303)
    client.get("/private", headers={"Accept": "image/png"}, status=303)


def test_an_anonymous_post_is_401_even_from_a_browser_once_csrf_passed() -> None:
    app = make_app()
    app.add_route("/private", Private)
    client = TestClient(app)
    token = client.get("/token").text

    client.post("/private", headers=HTML, status=403)  # CSRF first: no token
    client.post("/private", headers={**HTML, "X-CSRF-Token": token}, status=401)


def test_without_a_login_route_browsers_get_401_too() -> None:
    app = App(secret_key="key", user_loader=USERS.get)
    app.add_route("/private", Private)

    TestClient(app).get("/private", headers=HTML, status=401)


def test_a_logged_in_user_gets_the_page_and_request_user() -> None:
    app = make_app()
    app.add_route("/private", Private)
    client, token = logged_in(app)

    assert client.get("/private", headers=HTML).text == "private for Ada"
    assert client.post("/private", headers={"X-CSRF-Token": token}).text == "posted"
    assert client.get("/me").text == "Ada"


def test_the_user_is_loaded_once_per_request_and_not_for_anonymous_sessions() -> None:
    loads: list[object] = []
    app = make_app(loads=loads)

    @app.route("/twice")
    class Twice(View):
        login_required = True

        def get(self, request: Request) -> str:
            return f"{request.user.name} {request.user.name}"

    client, _ = logged_in(app)
    loads.clear()

    assert client.get("/twice").text == "Ada Ada"
    assert loads == [1]
    assert TestClient(app).get("/me").text == "anonymous"
    assert loads == [1]


def test_a_user_deleted_between_requests_reads_as_anonymous(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    app.add_route("/private", Private)
    client, _ = logged_in(app, 2)
    monkeypatch.delitem(USERS, 2)

    assert client.get("/me").text == "anonymous"
    client.get("/private", headers=HTML, status=303)
    client.get("/private", headers=JSON, status=401)


def test_without_a_user_loader_request_user_is_none() -> None:
    app = App(secret_key="key")

    @app.route("/me")
    class Me(View):
        def get(self, request: Request) -> str:
            return repr(request.user)

    assert TestClient(app).get("/me").text == "None"


# login, logout: session fixation


def session_of(app: App, client: webtest.TestApp) -> dict[str, Any]:
    cookie = client.cookies["session"]
    data: dict[str, Any] = app.sessions.serializer.loads(cookie)
    return data


def test_login_renews_the_csrf_token_and_the_old_one_stops_working() -> None:
    app = make_app()
    app.add_route("/private", Private)
    client = TestClient(app)
    old_token = client.get("/token").text
    old_cookie = client.cookies["session"]

    new_token = client.post("/login?id=1").text

    assert new_token != old_token
    assert client.cookies["session"] != old_cookie
    assert session_of(app, client)[csrf.SESSION_KEY] == new_token  # not the old token
    client.post("/private", headers={"X-CSRF-Token": old_token}, status=403)
    assert client.post("/private", headers={"X-CSRF-Token": new_token}).text == "posted"


def test_login_keeps_the_anonymous_sessions_data_but_not_another_users() -> None:
    app = make_app()

    @app.route("/cart")
    class Cart(View):
        csrf_exempt = True

        def get(self, request: Request) -> str:
            return str(request.session.get("cart"))

        def post(self, request: Request) -> str:
            request.session["cart"] = ["book"]
            return "ok"

    client = TestClient(app)
    client.post("/cart")
    client.post("/login?id=1")
    assert client.get("/cart").text == "['book']"  # kept across login (as Django does)

    client.post("/login?id=2")  # another user on this session: a clean one
    assert client.get("/cart").text == "None"
    assert client.get("/me").text == "Bob"


def test_logout_clears_the_session() -> None:
    app = make_app()
    app.add_route("/private", Private)
    client, token = logged_in(app)

    assert client.post("/logout", headers={"X-CSRF-Token": token}).text == "bye"

    assert client.get("/me").text == "anonymous"
    client.get("/private", headers=HTML, status=303)
    assert csrf.SESSION_KEY not in client.cookies.get("session", "")


def test_request_user_follows_login_and_logout_within_a_request() -> None:
    app = make_app()

    @app.route("/switch")
    class Switch(View):
        csrf_exempt = True

        def post(self, request: Request) -> str:
            before = request.user
            login(request, 2)
            during = request.user.name
            logout(request)
            return f"{before} {during} {request.user}"

    assert TestClient(app).post("/switch").text == "None Bob None"


@pytest.mark.parametrize("user_id", [True, None, 1.5, [1], {"id": 1}])
def test_login_refuses_ids_a_session_cannot_hold_plainly(user_id: Any) -> None:
    app = make_app()

    @app.route("/bad")
    class Bad(View):
        csrf_exempt = True

        def post(self, request: Request) -> str:
            with pytest.raises(TypeError, match="user id"):
                login(request, user_id)
            return "refused"

    assert TestClient(app).post("/bad").text == "refused"


# allow


class Base(View):
    """Handlers a subclass inherits: the rule must cover them too."""

    def get(self, request: Request, id: int) -> str:
        return f"item {id}"

    def delete(self, request: Request, id: int) -> str:
        return f"deleted {id}"


class AdminOnly(Base):
    login_required = True

    def allow(self, request: Request, /, **params: Any) -> bool:
        return bool(request.user.admin) or params["id"] == 7


def test_allow_false_is_403_for_every_method_including_inherited_ones() -> None:
    app = make_app()
    app.add_route("/items/{id:d}", AdminOnly)
    bob, token = logged_in(app, 2)
    ada, ada_token = logged_in(app, 1)

    assert "403 Forbidden" in bob.get("/items/1", status=403).text
    bob.delete("/items/1", headers={"X-CSRF-Token": token}, status=403)
    assert bob.get("/items/7").text == "item 7"  # the rule sees the route parameters
    assert ada.get("/items/1").text == "item 1"
    assert ada.delete("/items/1", headers={"X-CSRF-Token": ada_token}).text == "deleted 1"


def test_options_is_never_blocked() -> None:
    app = make_app()
    app.add_route("/items/{id:d}", AdminOnly)

    for client in (TestClient(app), logged_in(app, 2)[0]):
        response = client.options("/items/1", headers=HTML, status=204)
        assert response.headers["Allow"] == "GET, HEAD, DELETE, OPTIONS"


def test_the_order_is_405_csrf_login_allow_prepare_handler() -> None:
    calls: list[str] = []
    app = make_app()

    @app.route("/ordered/{id:d}")
    class Ordered(View):
        login_required = True

        def allow(self, request: Request, /, **params: Any) -> bool:
            calls.append("allow")
            return bool(params["id"])

        def prepare(self, request: Request, /, **params: Any) -> None:
            calls.append("prepare")

        def post(self, request: Request, id: int) -> str:
            calls.append("handler")
            return "ok"

    anonymous = TestClient(app)
    anonymous.put("/ordered/1", status=405)  # 405 before CSRF
    anonymous.post("/ordered/1", status=403)  # CSRF before login
    token = anonymous.get("/token").text
    anonymous.post("/ordered/1", headers={"X-CSRF-Token": token}, status=401)  # login
    assert calls == []

    client, token = logged_in(app)
    client.post("/ordered/0", headers={"X-CSRF-Token": token}, status=403)
    assert calls == ["allow"]
    assert client.post("/ordered/1", headers={"X-CSRF-Token": token}).text == "ok"
    assert calls == ["allow", "allow", "prepare", "handler"]


def test_a_dispatch_override_cannot_lose_the_rules() -> None:
    app = make_app()

    @app.route("/careless")
    class Careless(View):
        login_required = True

        def allow(self, request: Request, /, **params: Any) -> bool:
            return False

        def dispatch(self, request: Request, /, **params: Any) -> Any:
            return "handler reached without super()"  # forgets every policy

        def get(self, request: Request) -> str:
            return "never"

    TestClient(app).get("/careless", headers=HTML, status=303)
    logged_in(app)[0].get("/careless", status=403)


# Declared, inherited, overridden


def test_login_required_is_inherited_and_a_subclass_can_opt_out() -> None:
    app = make_app()

    class Public(Private):
        login_required = False

        def get(self, request: Request) -> str:
            return "public"

    class StillPrivate(Private):
        pass

    app.add_route("/public", Public)
    app.add_route("/still", StillPrivate)
    client = TestClient(app)

    client.get("/still", headers=HTML, status=303)
    assert client.get("/public").text == "public"


def test_a_group_default_applies_to_its_views_unless_they_opt_out() -> None:
    app = make_app()
    admin = Routes(login_required=True)
    inner = Routes()
    public_inner = Routes(login_required=False)

    @admin.route("/panel", name="panel")
    class Panel(View):
        def get(self, request: Request) -> str:
            return "panel"

    @admin.route("/help", name="help")
    class Help(View):
        login_required = False

        def get(self, request: Request) -> str:
            return "help"

    @inner.route("/deep", name="deep")
    class Deep(View):
        def get(self, request: Request) -> str:
            return "deep"

    @public_inner.route("/open", name="open")
    class Open(View):
        def get(self, request: Request) -> str:
            return "open"

    admin.include(inner, prefix="/inner")
    admin.include(public_inner, prefix="/public")
    app.include(admin, prefix="/admin", namespace="admin")
    client = TestClient(app)

    client.get("/admin/panel", headers=HTML, status=303)
    client.get("/admin/inner/deep", headers=HTML, status=303)  # the outer default applies
    assert client.get("/admin/help").text == "help"
    assert client.get("/admin/public/open").text == "open"  # the innermost setting wins
    assert logged_in(app)[0].get("/admin/panel").text == "panel"
    labels = {route.name: app.route_access(route).label for route in app.router.routes}
    assert labels["admin.panel"] == "login"
    assert labels["admin.help"] == "public"


def test_the_login_redirect_keeps_the_mount_point() -> None:
    app = make_app()
    app.add_route("/private", Private)
    client = TestClient(app, extra_environ={"SCRIPT_NAME": "/app"})

    response = client.get("/private", headers=HTML, status=303)

    assert re.search(r"/app/login\?next=%2Fapp%2Fprivate$", response.headers["Location"])


# framework check


def test_check_reports_a_login_required_view_exempt_from_csrf() -> None:
    app = make_app()

    @app.route("/hole")
    class Hole(View):
        login_required = True
        csrf_exempt = True

        def post(self, request: Request) -> str:
            return "changed"

    problems = [str(problem) for problem in check_app(app)]

    assert problems == [
        "csrf hole: route '/hole' (name 'Hole') is login_required and csrf_exempt: its POST"
        " can be forged by any site the user visits"
    ]


def test_check_reports_a_login_route_that_names_no_route() -> None:
    app = App(secret_key="key", user_loader=USERS.get, login_route="signin")

    assert [str(problem) for problem in check_app(app)] == [
        "login route: App(login_route='signin') names no route"
    ]


def test_check_reports_login_required_without_a_user_loader() -> None:
    app = App(secret_key="key")
    app.add_route("/private", Private)

    assert [problem.kind for problem in check_app(app)] == ["login"]


def test_a_view_without_rules_reads_as_public_and_a_rule_as_rule() -> None:
    app = make_app()
    app.add_route("/items/{id:d}", AdminOnly)

    class Rule(Base):
        def allow(self, request: Request, /, **params: Any) -> bool:
            return True

    app.add_route("/rule/{id:d}", Rule)
    labels = {route.name: app.route_access(route).label for route in app.router.routes}

    assert labels["me"] == "public"
    assert labels["AdminOnly"] == "login+rule"
    assert labels["Rule"] == "rule"


def test_an_error_raised_in_allow_renders_its_page() -> None:
    app = make_app()

    @app.route("/gone")
    class GoneRule(View):
        def allow(self, request: Request, /, **params: Any) -> bool:
            raise errors.Gone("It left.")

        def get(self, request: Request) -> Response:
            return Response("never")

    assert "It left." in TestClient(app).get("/gone", status=410).text
