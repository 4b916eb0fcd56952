"""Static files under /static/ by WhiteNoise: caching headers, conditional GET, no traversal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from wsgi_calls import call_app, make_environ

from framework import App, Request, View
from framework.testing import TestClient

SECRET = b"top secret: outside the static directory"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site directory: static/ with a stylesheet, and a secret file beside static/."""
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "site.css").write_text("body { color: black; }\n")
    (tmp_path / "static" / "hello world.txt").write_text("spaced out\n")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "404.html").write_text("<h1>Site 404</h1>")
    return tmp_path


def static_app(site: Path, **options: Any) -> App:
    app = App(templates=site / "templates", static=site / "static", **options)

    @app.route("/page")
    class Page(View):
        def get(self, request: Request) -> str:
            return "dynamic"

    return app


def call(app: App, path_info: str, method: str = "GET") -> tuple[str, dict[str, str], bytes]:
    """Call the app with an exact PATH_INFO (as a server would after %-decoding)."""
    status, headers, body = call_app(app, make_environ(path_info, method))
    return status, dict(headers), body


def test_a_static_file_is_served_with_caching_headers(site: Path) -> None:
    response = TestClient(static_app(site)).get("/static/css/site.css")

    assert response.status_int == 200
    assert response.content_type == "text/css"
    assert response.text == "body { color: black; }\n"
    assert response.headers["Cache-Control"] == "max-age=60, public"
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]
    assert response.headers["Content-Length"] == "23"


def test_conditional_get_answers_304(site: Path) -> None:
    client = TestClient(static_app(site))
    first = client.get("/static/css/site.css")

    by_etag = client.get(
        "/static/css/site.css", headers={"If-None-Match": first.headers["ETag"]}, status=304
    )
    by_date = client.get(
        "/static/css/site.css",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
        status=304,
    )

    assert by_etag.body == by_date.body == b""


def test_head_has_the_headers_and_no_body(site: Path) -> None:
    status, headers, body = call(static_app(site), "/static/css/site.css", method="HEAD")

    assert status == "200 OK"
    assert headers["Content-Length"] == "23"
    assert body == b""


def test_a_percent_encoded_name_is_served(site: Path) -> None:
    response = TestClient(static_app(site)).get("/static/hello%20world.txt")

    assert response.status_int == 200
    assert response.text == "spaced out\n"


@pytest.mark.parametrize("debug", [False, True], ids=["scanned-once", "autorefresh"])
@pytest.mark.parametrize(
    "path_info",
    [
        "/static/../secret.txt",
        "/static/css/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/..\\secret.txt",
        "/static/.%2e/secret.txt",
        "/static//etc/passwd",
        "/static/" + str(Path("/etc/passwd")),
        "/static/%2Fetc%2Fpasswd",
        "/static/C:\\Windows\\win.ini",
        "/static/",
        "/static/css",
        "/static/css/",
        "/static/\x00",
        "/static/css/site.css/",
        "/static/css/site.css\x00.txt",
    ],
)
def test_no_path_reaches_a_file_outside_the_static_directory(
    site: Path, debug: bool, path_info: str
) -> None:
    status, _, body = call(static_app(site, debug=debug), path_info)

    assert status.startswith(("404", "400")), status
    assert SECRET not in body
    assert b"root:" not in body


@pytest.mark.parametrize("path", ["/static/../secret.txt", "/static/%2e%2e/secret.txt"])
def test_traversal_through_webtest_is_the_sites_404_page(site: Path, path: str) -> None:
    response = TestClient(static_app(site)).get(path, status=404)

    assert response.text == "<h1>Site 404</h1>"


def test_an_unknown_static_file_is_the_sites_404_page(site: Path) -> None:
    response = TestClient(static_app(site)).get("/static/missing.css", status=404)

    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == "<h1>Site 404</h1>"


def test_other_paths_reach_the_routes(site: Path) -> None:
    response = TestClient(static_app(site)).get("/page")

    assert response.text == "dynamic"


def test_debug_mode_serves_files_added_after_startup(site: Path) -> None:
    app = static_app(site, debug=True)
    (site / "static" / "new.js").write_text("console.log(1);\n")

    response = TestClient(app).get("/static/new.js")

    assert response.status_int == 200
    assert response.text == "console.log(1);\n"


def test_without_static_configured_static_paths_are_ordinary_404s(site: Path) -> None:
    app = App(templates=site / "templates")

    response = TestClient(app).get("/static/css/site.css", status=404)

    assert response.text == "<h1>Site 404</h1>"


def test_a_missing_static_directory_is_an_error_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="static directory does not exist"):
        App(static=tmp_path / "nope")


def test_the_static_directory_is_relative_to_the_module_creating_the_app() -> None:
    app = App(static="../static")

    response = TestClient(app).get("/static/css/site.css")

    assert response.status_int == 200
    assert response.content_type == "text/css"


def test_static_in_templates_builds_the_url_under_the_mount_point(site: Path) -> None:
    (site / "templates" / "links.html").write_text("{{ static('css/site.css') }}")
    app = static_app(site)

    @app.route("/links")
    class Links(View):
        def get(self, request: Request) -> Any:
            return self.render("links.html")

    client = TestClient(app)
    assert client.get("/links").text == "/static/css/site.css"
    mounted = client.get("/links", extra_environ={"SCRIPT_NAME": "/shop"})
    assert mounted.text == "/shop/static/css/site.css"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_other_methods_on_static_paths_go_to_the_routes(site: Path, method: str) -> None:
    status, headers, body = call(static_app(site), "/static/css/site.css", method=method)

    assert status == "404 Not Found"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == b"<h1>Site 404</h1>"


def test_range_requests_are_answered_and_valid(site: Path) -> None:
    client = TestClient(static_app(site))

    part = client.get("/static/css/site.css", headers={"Range": "bytes=0-3"}, status=206)
    beyond = client.get("/static/css/site.css", headers={"Range": "bytes=900-999"}, status=416)

    assert part.body == b"body"
    assert part.headers["Content-Range"] == "bytes 0-3/23"
    assert beyond.headers["Content-Range"] == "bytes */23"
    assert beyond.headers["Content-Type"] == "text/plain; charset=utf-8"
