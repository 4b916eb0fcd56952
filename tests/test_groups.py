"""Route groups: Routes declared apart, included under a prefix and a namespace."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework import App, Request, Response, Routes, View, errors
from framework.checks import check_app
from framework.routing import RouteError, URLBuildError
from framework.testing import TestClient


def blog_group() -> Routes:
    blog = Routes()

    @blog.route("/", name="index")
    class Index(View):
        def get(self, request: Request) -> str:
            return "index at " + request.url_for(request.route_name or "")

    @blog.route("/{slug}", name="post")
    class Post(View):
        def get(self, request: Request, slug: str) -> str:
            return f"post {slug} at {request.url_for(request.route_name or '', slug=slug)}"

    return blog


def test_an_included_group_is_served_under_its_prefix_with_namespaced_names(app: App) -> None:
    app.include(blog_group(), prefix="/blog", namespace="blog")
    client = TestClient(app)

    assert client.get("/blog/").text == "index at /blog/"
    assert client.get("/blog/hello").text == "post hello at /blog/hello"
    assert app.url_for("blog.post", slug="x") == "/blog/x"
    assert app.url_for("blog.index") == "/blog/"
    with pytest.raises(URLBuildError):
        app.url_for("post", slug="x")


def test_the_prefix_alone_redirects_to_the_group_index(app: App) -> None:
    app.include(blog_group(), prefix="/blog/", namespace="blog")  # a trailing slash is dropped

    response = TestClient(app).get("/blog", status=308)

    assert response.headers["Location"].endswith("/blog/")


def test_one_group_included_twice_gets_two_names(app: App) -> None:
    blog = blog_group()
    app.include(blog, prefix="/en", namespace="en")
    app.include(blog, prefix="/fr", namespace="fr")
    client = TestClient(app)

    assert client.get("/en/a").text == "post a at /en/a"
    assert client.get("/fr/a").text == "post a at /fr/a"
    assert [route.name for route in app.router.routes] == [
        "en.index",
        "fr.index",
        "en.post",
        "fr.post",
    ]


def test_groups_nest_and_their_names_join(app: App) -> None:
    api = Routes()
    api.include(blog_group(), prefix="/blog", namespace="blog")

    @api.route("/status", name="status")
    class Status(View):
        def get(self, request: Request) -> dict[str, str]:
            return {"ok": "yes"}

    app.include(api, prefix="/api", namespace="api")

    assert app.url_for("api.blog.post", slug="x") == "/api/blog/x"
    assert TestClient(app).get("/api/blog/x").text == "post x at /api/blog/x"
    assert TestClient(app).get("/api/status").json == {"ok": "yes"}


def test_a_group_without_namespace_keeps_its_names_and_add_route_works(app: App) -> None:
    group = Routes()

    class Page(View):
        def get(self, request: Request) -> str:
            return "page"

    group.add_route("/page", Page)
    app.include(group, prefix="/section")

    assert app.url_for("Page") == "/section/page"
    assert TestClient(app).get("/section/page").text == "page"


def test_a_name_without_namespace_resolves_app_wide_in_a_groups_template(
    app: App, templates_dir: Path
) -> None:
    (templates_dir / "links.html").write_text(
        "{{ url_for('home') }} {{ url_for('blog.post', slug='s') }}"
    )
    blog = Routes()

    @blog.route("/{slug}", name="post")
    class Post(View):
        def get(self, request: Request, slug: str) -> Response:
            return self.render("links.html")

    @app.route("/", name="home")
    class Home(View):
        def get(self, request: Request) -> str:
            return "home"

    app.include(blog, prefix="/blog", namespace="blog")

    assert TestClient(app).get("/blog/s").text == "/ /blog/s"


def test_custom_types_of_a_group_work_in_its_patterns_and_twice(app: App) -> None:
    group = Routes()
    group.route_type("hex", "[0-9a-f]+", lambda text: int(text, 16), lambda value: f"{value:x}")

    @group.route("/{value:hex}", name="value")
    class Value(View):
        def get(self, request: Request, value: int) -> str:
            return str(value)

    app.include(group, prefix="/a", namespace="a")
    app.include(group, prefix="/b", namespace="b")
    client = TestClient(app)

    assert client.get("/a/ff").text == "255"
    assert client.get("/b/10").text == "16"
    client.get("/a/zz", status=404)
    assert app.url_for("b.value", value=255) == "/b/ff"


def test_a_group_type_that_conflicts_with_the_apps_is_refused(app: App) -> None:
    app.route_type("hex", "[0-9A-F]+", str)
    group = Routes()
    group.route_type("hex", "[0-9a-f]+", str)

    with pytest.raises(RouteError, match="already exists"):
        app.include(group)


def test_included_routes_share_duplicate_detection_and_signature_checks(app: App) -> None:
    @app.route("/blog/{slug}", name="other")
    class Other(View):
        def get(self, request: Request, slug: str) -> str:
            return slug

    with pytest.raises(RouteError, match="matches the same paths"):
        app.include(blog_group(), prefix="/blog", namespace="blog")

    group = Routes()

    @group.route("/{id:d}", name="bad")
    class Bad(View):
        def get(self, request: Request, other: int) -> str:
            return ""

    with pytest.raises(Exception, match="other"):
        app.include(group, prefix="/x")


def test_precedence_is_the_apps_more_literal_route_wins_across_groups(app: App) -> None:
    app.include(blog_group(), prefix="/blog", namespace="blog")

    @app.route("/blog/about", name="about")
    class About(View):
        def get(self, request: Request) -> str:
            return "about"

    assert TestClient(app).get("/blog/about").text == "about"


def test_check_sees_included_routes_shadowing_and_namespaced_template_names(
    templates_dir: Path,
) -> None:
    (templates_dir / "page.html").write_text("{{ url_for('blog.missing') }}")
    app = App(templates=templates_dir)
    first = Routes()

    @first.route("/{name}", name="any")
    class Any(View):
        def get(self, request: Request, name: str) -> str:
            return name

    second = Routes()

    @second.route("/{slug:slug}", name="slug")
    class Slug(View):
        def get(self, request: Request, slug: str) -> str:
            return slug

    app.include(first, prefix="/x", namespace="first")
    app.include(second, prefix="/x", namespace="second")

    messages = [str(problem) for problem in check_app(app)]

    assert any("second.slug" in message and "first.any" in message for message in messages)
    assert any("blog.missing" in message for message in messages)


def test_bad_prefixes_and_namespaces_are_refused(app: App) -> None:
    with pytest.raises(RouteError, match="start with '/'"):
        app.include(blog_group(), prefix="blog")
    with pytest.raises(RouteError, match="namespace"):
        app.include(blog_group(), prefix="/b", namespace="")
    with pytest.raises(TypeError):
        app.include(object(), prefix="/b")  # type: ignore[arg-type]
    with pytest.raises(RouteError, match="start with '/'"):
        Routes().add_route("x", View)


def test_a_group_cannot_include_itself() -> None:
    group = Routes()
    with pytest.raises(ValueError, match="itself"):
        group.include(group)


def test_group_views_raise_errors_as_app_views_do(app: App) -> None:
    group = Routes()

    @group.route("/gone")
    class Gone(View):
        def get(self, request: Request) -> str:
            raise errors.NotFound("Nothing here.")

    app.include(group, prefix="/g")

    assert "Nothing here." in TestClient(app).get("/g/gone", status=404).text
