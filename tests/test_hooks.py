"""Request hooks (app and group: before, after, teardown) and the view's prepare()."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import webob

from framework import App, Request, Response, Routes, View, errors
from framework.testing import TestClient


def make_app(calls: list[str]) -> App:
    """An app with one hook of each kind, a group with two, and a nested group with one each."""
    app = App(secret_key="key")
    outer = Routes()
    inner = Routes()

    @app.route("/plain")
    class Plain(View):
        def get(self, request: Request) -> str:
            calls.append("view")
            return "plain"

    @inner.route("/page")
    class Page(View):
        def get(self, request: Request) -> str:
            calls.append("view")
            return "page"

    outer.include(inner, prefix="/inner")
    app.include(outer, prefix="/outer")

    for name, registry in (("app", app), ("outer", outer), ("inner", inner)):
        for number in (1, 2) if name == "outer" else (1,):
            label = f"{name}{number}"

            def before(request: Request, label: str = label) -> None:
                calls.append(f"before {label}")

            def after(request: Request, response: Any, label: str = label) -> Any:
                calls.append(f"after {label}")
                return response

            def teardown(request: Request, error: BaseException | None, label: str = label) -> None:
                calls.append(f"teardown {label}")

            registry.before_request(before)
            registry.after_request(after)
            registry.teardown_request(teardown)
    return app


def test_hooks_run_outermost_first_before_and_innermost_first_after() -> None:
    calls: list[str] = []
    client = TestClient(make_app(calls))

    assert client.get("/outer/inner/page").text == "page"
    assert calls == [
        "before app1",
        "before outer1",
        "before outer2",
        "before inner1",
        "view",
        "after inner1",
        "after outer2",
        "after outer1",
        "after app1",
        "teardown inner1",
        "teardown outer2",
        "teardown outer1",
        "teardown app1",
    ]


def test_group_hooks_run_for_the_groups_routes_only() -> None:
    calls: list[str] = []
    client = TestClient(make_app(calls))

    assert client.get("/plain").text == "plain"
    assert calls == ["before app1", "view", "after app1", "teardown app1"]


def test_a_before_hook_may_answer_instead_of_the_view() -> None:
    app = App(secret_key="key")
    calls: list[str] = []

    @app.route("/")
    class Home(View):
        def get(self, request: Request) -> str:
            calls.append("view")
            return "home"

    @app.before_request
    def maintenance(request: Request) -> Response | None:
        if request.headers.get("X-Maintenance"):
            return Response("Back soon", status=503)
        return None

    @app.before_request
    def never(request: Request) -> None:
        calls.append("second before")

    @app.after_request
    def stamp(request: Request, response: webob.Response) -> webob.Response:
        response.headers["X-Stamp"] = "yes"
        return response

    client = TestClient(app)
    refused = client.get("/", headers={"X-Maintenance": "1"}, status=503)

    assert refused.text == "Back soon"
    assert refused.headers["X-Stamp"] == "yes"
    assert calls == []
    assert client.get("/").headers["X-Stamp"] == "yes"
    assert calls == ["second before", "view"]


def test_an_http_error_in_a_view_renders_its_page_then_after_and_teardown_run() -> None:
    app = App(secret_key="key")
    seen: list[object] = []

    @app.route("/missing")
    class Missing(View):
        def get(self, request: Request) -> str:
            raise errors.NotFound("No such thing.")

    app.after_request(lambda request, response: seen.append(response.status_int) or response)
    app.teardown_request(lambda request, error: seen.append(error))

    response = TestClient(app).get("/missing", status=404)

    assert "No such thing." in response.text
    assert seen == [404, None]


@pytest.mark.parametrize("where", ["view", "before", "after"])
def test_an_exception_renders_the_500_page_and_teardown_gets_it(
    where: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(secret_key="key")
    errors_seen: list[BaseException | None] = []
    boom = RuntimeError(f"boom in {where}")

    @app.route("/")
    class Home(View):
        def get(self, request: Request) -> str:
            if where == "view":
                raise boom
            return "home"

    @app.before_request
    def before(request: Request) -> None:
        if where == "before":
            raise boom

    @app.after_request
    def after(request: Request, response: webob.Response) -> webob.Response:
        if where == "after":
            raise boom
        return response

    app.teardown_request(lambda request, error: errors_seen.append(error))

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = TestClient(app).get("/", status=500)

    assert "500 Internal Server Error" in response.text
    assert errors_seen == [boom]


def test_an_http_error_raised_by_a_before_hook_renders_its_page() -> None:
    app = App(secret_key="key")
    teardowns: list[BaseException | None] = []

    @app.route("/")
    class Home(View):
        def get(self, request: Request) -> str:
            return "home"

    @app.before_request
    def refuse(request: Request) -> None:
        raise errors.Forbidden("Not today.")

    app.teardown_request(lambda request, error: teardowns.append(error))

    assert "Not today." in TestClient(app).get("/", status=403).text
    assert teardowns == [None]


def test_a_failing_teardown_hook_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App(secret_key="key")
    ran: list[str] = []

    @app.route("/")
    class Home(View):
        def get(self, request: Request) -> str:
            return "home"

    @app.teardown_request
    def last(request: Request, error: BaseException | None) -> None:
        ran.append("last")

    @app.teardown_request
    def failing(request: Request, error: BaseException | None) -> None:
        raise RuntimeError("teardown failed")

    with caplog.at_level(logging.ERROR, logger="framework"):
        assert TestClient(app).get("/").text == "home"

    assert ran == ["last"]
    assert "Teardown hook" in caplog.text


def test_an_after_hook_that_returns_no_response_is_a_500(caplog: pytest.LogCaptureFixture) -> None:
    app = App(secret_key="key")

    @app.route("/")
    class Home(View):
        def get(self, request: Request) -> str:
            return "home"

    app.after_request(lambda request, response: None)  # type: ignore[arg-type,return-value]

    with caplog.at_level(logging.ERROR, logger="framework"):
        TestClient(app).get("/", status=500)


def test_hooks_added_after_the_routes_and_after_include_apply() -> None:
    app = App(secret_key="key")
    group = Routes()

    @group.route("/page")
    class Page(View):
        def get(self, request: Request) -> str:
            return "page"

    app.include(group, prefix="/g")
    client = TestClient(app)
    assert "X-Group" not in client.get("/g/page").headers

    @group.after_request
    def mark(request: Request, response: webob.Response) -> webob.Response:
        response.headers["X-Group"] = "yes"
        return response

    assert client.get("/g/page").headers["X-Group"] == "yes"


def test_an_after_hook_may_change_the_session_which_is_then_saved() -> None:
    app = App(secret_key="key")

    @app.route("/")
    class Home(View):
        def get(self, request: Request) -> str:
            return str(request.session.get("visits", 0))

    @app.after_request
    def count(request: Request, response: webob.Response) -> webob.Response:
        request.session["visits"] = request.session.get("visits", 0) + 1
        return response

    client = TestClient(app)
    assert client.get("/").text == "0"
    assert client.get("/").text == "1"


# prepare


class Article(View):
    """Loads the article in prepare(), for every method."""

    calls: list[str] = []
    csrf_exempt = True

    def prepare(self, request: Request, /, **params: Any) -> None:
        self.calls.append(f"prepare {request.method}")
        if params["id"] == 0:
            raise errors.NotFound("No article 0.")
        self.article = f"article {params['id']}"

    def get(self, request: Request, id: int) -> str:
        return self.article

    def post(self, request: Request, id: int) -> str:
        return "saved " + self.article


def test_prepare_runs_before_the_handler_of_every_method_but_options(app: App) -> None:
    Article.calls = []
    app.add_route("/articles/{id:d}", Article)
    client = TestClient(app)

    assert client.get("/articles/1").text == "article 1"
    assert client.post("/articles/2").text == "saved article 2"
    assert client.options("/articles/0", status=204).headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert "No article 0." in client.get("/articles/0", status=404).text
    client.put("/articles/1", status=405)  # the 405 comes before prepare
    assert Article.calls == ["prepare GET", "prepare POST", "prepare GET"]


def test_prepare_runs_after_the_csrf_check(app: App) -> None:
    calls: list[str] = []

    @app.route("/form")
    class Form(View):
        def prepare(self, request: Request, /, **params: Any) -> None:
            calls.append("prepare")

        def post(self, request: Request) -> str:
            return "posted"

    TestClient(app).post("/form", status=403)

    assert calls == []


def test_prepare_runs_for_a_view_that_overrides_dispatch(app: App) -> None:
    calls: list[str] = []

    @app.route("/d")
    class Dispatching(View):
        def prepare(self, request: Request, /, **params: Any) -> None:
            calls.append("prepare")

        def dispatch(self, request: Request, /, **params: Any) -> Any:
            calls.append("dispatch")
            return super().dispatch(request, **params)

        def get(self, request: Request) -> str:
            return "ok"

    assert TestClient(app).get("/d").text == "ok"
    assert calls == ["prepare", "dispatch"]


def test_a_request_that_matches_no_route_runs_the_apps_hooks_not_a_groups() -> None:
    app = App(secret_key="key")
    group = Routes()
    calls: list[str] = []

    @group.route("/page")
    class Page(View):
        def get(self, request: Request) -> str:
            return "page"

    app.include(group, prefix="/g")
    group.before_request(lambda request: calls.append("group before"))
    app.before_request(lambda request: calls.append("app before"))

    @app.after_request
    def stamp(request: Request, response: webob.Response) -> webob.Response:
        calls.append(f"after {response.status_int}")
        response.headers["X-Stamp"] = "yes"
        return response

    app.teardown_request(lambda request, error: calls.append(f"teardown {error}"))

    response = TestClient(app).get("/missing", status=404)

    assert response.headers["X-Stamp"] == "yes"
    assert "404 Not Found" in response.text
    assert calls == ["app before", "after 404", "teardown None"]


def test_a_before_hook_may_answer_a_path_that_matches_no_route() -> None:
    app = App(secret_key="key")

    @app.before_request
    def maintenance(request: Request) -> str:
        return "Back soon"

    assert TestClient(app).get("/anything").text == "Back soon"


def test_without_app_hooks_a_miss_runs_no_group_hook() -> None:
    app = App(secret_key="key")
    group = Routes()
    calls: list[str] = []

    @group.route("/page")
    class Page(View):
        def get(self, request: Request) -> str:
            return "page"

    app.include(group, prefix="/g")
    group.teardown_request(lambda request, error: calls.append("group teardown"))

    TestClient(app).get("/missing", status=404)
    TestClient(app).get("/g/page")

    assert calls == ["group teardown"]


def test_hooks_written_as_in_flask_without_the_request_work_too() -> None:
    app = App(secret_key="key")
    calls: list[str] = []

    @app.route("/")
    class Home(View):
        def get(self, request: Request) -> str:
            return "home"

    @app.before_request
    def before() -> None:
        calls.append("before")

    @app.after_request
    def after(response: webob.Response) -> webob.Response:
        response.headers["X-After"] = "yes"
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        calls.append(f"teardown {error}")

    response = TestClient(app).get("/")

    assert response.text == "home"
    assert response.headers["X-After"] == "yes"
    assert calls == ["before", "teardown None"]
    assert app.after_request(after) is after  # the decorator still returns the function itself
