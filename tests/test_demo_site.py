"""The demo site (views:app) end to end through WebTest."""

from __future__ import annotations

import pytest
import webtest

from framework.testing import TestClient
from views import app


@pytest.fixture
def client() -> webtest.TestApp:
    return TestClient(app)


@pytest.mark.parametrize("path", ["/", "/index/"])
def test_index_pages_extend_the_base_template(client: webtest.TestApp, path: str) -> None:
    response = client.get(path)

    assert response.status_int == 200
    assert response.content_type == "text/html"
    assert "<title>Index</title>" in response.text
    assert '<a href="/login/">Log in</a>' in response.text
    assert '<a href="/users/1">Ada Lovelace</a>' in response.text


def test_index_links_all_route_back(client: webtest.TestApp) -> None:
    page = client.get("/")

    for link in page.html.find_all("a"):
        assert client.get(link["href"]).status_int == 200


def test_login_form_posts_the_name_back_escaped(client: webtest.TestApp) -> None:
    form = client.get("/login/").forms[0]
    form["name"] = "<script>alert(1)</script>"

    response = form.submit()

    assert response.status_int == 200
    assert "Hello, &lt;script&gt;alert(1)&lt;/script&gt;!" in response.text
    assert "<script>" not in response.text


def test_login_without_a_name_is_400_with_the_form(client: webtest.TestApp) -> None:
    response = client.post("/login/", {"name": "  "}, status=400)

    assert "Please enter your name." in response.text
    assert "<form" in response.text


def test_hello_greets_the_name_from_the_path_escaped(client: webtest.TestApp) -> None:
    response = client.get("/hello/%3Cscript%3Ebob")

    assert response.status_int == 200
    assert "Hello, &lt;script&gt;bob!" in response.text


def test_user_page_shows_the_user(client: webtest.TestApp) -> None:
    response = client.get("/users/2")

    assert "<h1>User 2</h1>" in response.text
    assert "Alan Turing" in response.text


def test_unknown_user_is_the_sites_404_page(client: webtest.TestApp) -> None:
    response = client.get("/users/99", status=404)

    assert "<title>404 Not Found</title>" in response.text
    assert "There is no user 99." in response.text


@pytest.mark.parametrize("path", ["/users/abc", "/users/-1", "/nothing", "/hello/a/b"])
def test_paths_that_match_nothing_are_the_sites_404_page(
    client: webtest.TestApp, path: str
) -> None:
    response = client.get(path, status=404)

    assert "<title>404 Not Found</title>" in response.text
    assert '<a href="/">Home</a>' in response.text


def test_login_without_trailing_slash_redirects(client: webtest.TestApp) -> None:
    response = client.get("/login?next=%2F", status=308)

    assert response.headers["Location"] == "/login/?next=%2F"


def test_put_to_login_is_405_with_allow(client: webtest.TestApp) -> None:
    response = client.put("/login/", status=405)

    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
