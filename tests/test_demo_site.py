"""The demo site (views:app) end to end through WebTest."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import webtest

import views
from framework import errors
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


def log_in(client: webtest.TestApp, username: str, password: str, **kw: Any) -> Any:
    form = client.get("/login/").forms["login"]
    form["username"] = username
    form["password"] = password
    return form.submit(**kw)


def test_the_login_flow_end_to_end(client: webtest.TestApp) -> None:
    login_page = client.get("/login/")
    assert login_page.status_int == 200
    assert login_page.html.find("input", attrs={"name": "csrf_token"})["type"] == "hidden"

    response = log_in(client, "ada", "analytical-engine", status=303)
    assert response.headers["Location"] == "/"
    assert "HttpOnly" in response.headers["Set-Cookie"]

    home = response.follow()
    assert home.status_int == 200
    assert '<p class="flash info">Welcome, Ada Lovelace!</p>' in home.text
    assert '<p class="greeting">Hello, Ada Lovelace!</p>' in home.text
    assert '<a href="/login/">Log in</a>' not in home.text

    again = client.get("/")
    assert "Welcome" not in again.text  # a flash shows once
    assert "Hello, Ada Lovelace!" in again.text  # the session stays

    logged_out = again.forms["logout"].submit(status=303).follow()
    assert "You are logged out." in logged_out.text
    assert "Hello, Ada Lovelace!" not in logged_out.text
    assert '<a href="/login/">Log in</a>' in logged_out.text


@pytest.mark.parametrize(
    ("username", "password"),
    [("ada", "wrong"), ("nobody", "analytical-engine"), ("ada", ""), ("", "")],
)
def test_a_wrong_login_is_400_with_the_form_and_a_message(
    client: webtest.TestApp, username: str, password: str
) -> None:
    response = log_in(client, username, password, status=400)

    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Unknown user name or wrong password." in response.text
    assert response.forms["login"]["username"].value == username.strip()
    assert response.forms["login"]["password"].value == ""  # never echoed back
    assert "Hello," not in response.text


def test_the_password_is_stored_only_as_a_hash() -> None:
    source = (Path(views.__file__)).read_text()

    assert "analytical-engine" not in source.split('"""', 2)[2]  # only the docstring names it
    assert views.authenticate("ada", "analytical-engine") == 1
    assert views.authenticate("ada", "Analytical-engine") is None


def test_a_forged_login_post_is_403(client: webtest.TestApp) -> None:
    client.get("/login/")

    response = client.post(
        "/login/", {"username": "ada", "password": "analytical-engine"}, status=403
    )

    assert "The form expired, reload the page and submit again." in response.text
    assert client.get("/").text.count("Hello, Ada") == 0


def test_logout_is_post_only_and_csrf_checked(client: webtest.TestApp) -> None:
    log_in(client, "ada", "analytical-engine", status=303)

    assert client.get("/logout/", status=405).headers["Allow"] == "POST, OPTIONS"
    client.post("/logout/", status=403)
    assert "Hello, Ada Lovelace!" in client.get("/").text


def test_login_returns_to_a_local_next_page_only(client: webtest.TestApp) -> None:
    form = client.get("/login/?next=/users/2").forms["login"]
    form["username"], form["password"] = "ada", "analytical-engine"
    assert form.submit(status=303).headers["Location"] == "/users/2"

    form = client.get("/login/?next=//evil.example/").forms["login"]
    assert "next" not in form.fields
    form["username"], form["password"] = "ada", "analytical-engine"
    assert form.submit(status=303).headers["Location"] == "/"


@pytest.mark.parametrize(
    "next_value",
    ["//evil.com", "/\\evil.com", "https:evil.com", "/\r\nSet-Cookie: a=1", "logout", ""],
    ids=["protocol-relative", "backslash", "scheme-no-slashes", "crlf", "route-name", "empty"],
)
def test_a_posted_next_that_is_not_a_local_path_goes_home(
    client: webtest.TestApp, next_value: str
) -> None:
    """The form's hidden field can be edited: the POST checks ``next`` again, never a 500."""
    form = client.get("/login/").forms["login"]

    response = client.post(
        "/login/",
        {
            "csrf_token": form["csrf_token"].value,
            "username": "ada",
            "password": "analytical-engine",
            "next": next_value,
        },
        status=303,
    )

    assert response.headers["Location"] == "/"


SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_script_is_escaped_at_every_echo_point(client: webtest.TestApp) -> None:
    pages = {
        "hello": client.get("/hello/" + quote("<script>alert(1)", safe="")),
        "login next": client.get("/login/?next=/" + quote(SCRIPT)),
        "login username": log_in(client, SCRIPT, "x", status=400),
        "404": client.get("/" + quote(SCRIPT, safe=""), status=404),
        "404 query": client.get("/users/99?q=" + quote(SCRIPT), status=404),
    }

    for where, page in pages.items():
        assert "<script>" not in page.text, where
    assert "Hello, &lt;script&gt;alert(1)!" in pages["hello"].text
    assert f'value="{ESCAPED}"' in pages["login username"].text
    assert f'value="/{ESCAPED}"' in pages["login next"].text


def test_the_stylesheet_is_served_from_static(client: webtest.TestApp) -> None:
    page = client.get("/")
    href = page.html.find("link", rel="stylesheet")["href"]

    stylesheet = client.get(href)

    assert href == "/static/css/site.css"
    assert stylesheet.status_int == 200
    assert stylesheet.content_type == "text/css"
    assert "Cache-Control" in stylesheet.headers


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


# The error pages: the site's layout, what happened in plain words, and a way back.


def assert_is_an_error_page(response: Any, code: int, title: str, heading: str) -> None:
    """The page has the site's layout (stylesheet, nav), its plain heading and the home link."""
    html = response.html
    assert response.status_int == code
    assert response.content_type == "text/html"
    assert html.title.string == f"{code} {title}"
    assert html.find("link", rel="stylesheet")["href"] == "/static/css/site.css"
    assert html.nav.find("a", string="Home")["href"] == "/"
    assert html.h1.string == heading
    assert html.find("a", class_="home")["href"] == "/"
    assert "Traceback" not in response.text


def retry_link(response: Any) -> str | None:
    link = response.html.find("a", class_="retry")
    return None if link is None else str(link["href"])


def test_the_400_page_says_the_request_was_not_understood(client: webtest.TestApp) -> None:
    response = client.get("/%FF", status=400)

    assert_is_an_error_page(response, 400, "Bad Request", "Bad request")
    assert "Your browser sent a request this site could not understand." in response.text
    assert "The path is not valid UTF-8." in response.text
    assert retry_link(response) is None


def test_the_csrf_403_page_says_the_form_expired_and_links_back_to_it(
    client: webtest.TestApp,
) -> None:
    client.get("/login/")

    response = client.post(
        "/login/",
        {"username": "ada", "password": "analytical-engine"},
        headers={"Referer": "http://localhost/login/?next=/users/2"},
        status=403,
    )

    assert_is_an_error_page(response, 403, "Forbidden", "Your form could not be sent")
    assert "The form expired, reload the page and submit again." in response.text
    assert "CSRF" not in response.text  # the technical reason is for the log
    assert retry_link(response) == "http://localhost/login/?next=/users/2"
    assert response.html.find("a", class_="retry").string == "Reload the form"


@pytest.mark.parametrize(
    "referer",
    [None, "http://evil.example/login/", "http://localhost.evil.example/", "javascript:x"],
)
def test_the_403_page_links_back_only_to_a_page_of_this_site(
    client: webtest.TestApp, referer: str | None
) -> None:
    headers = {"Referer": referer} if referer else {}

    response = client.post("/login/", {"username": "ada"}, headers=headers, status=403)

    assert retry_link(response) is None
    assert response.html.find("a", class_="home")["href"] == "/"


def test_a_failed_csrf_check_logs_its_technical_reason(
    client: webtest.TestApp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="framework.csrf"):
        client.post("/logout/", status=403)

    [record] = [r for r in caplog.records if r.name == "framework.csrf"]
    assert record.levelname == "WARNING"
    message = record.getMessage()
    assert message.startswith("POST '/logout/' refused: CSRF check failed")
    assert "session has no CSRF token" in message


def test_a_403_that_is_not_a_csrf_failure_reads_as_itself(
    client: webtest.TestApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: views.UserDetail, request: Any, id: int) -> None:
        raise errors.Forbidden("Only Ada may see this page.")

    monkeypatch.setattr(views.UserDetail, "get", refuse)
    response = client.get("/users/1", headers={"Referer": "http://localhost/"}, status=403)

    assert_is_an_error_page(response, 403, "Forbidden", "Not allowed")
    assert "Only Ada may see this page." in response.text
    assert "expired" not in response.text
    assert response.html.find("a", class_="retry").string == "Back to the previous page"


def test_the_404_page_has_the_layout_and_a_way_home(client: webtest.TestApp) -> None:
    response = client.get("/nothing/here", status=404)

    assert_is_an_error_page(response, 404, "Not Found", "Page not found")
    assert "There is no page at this address." in response.text


def test_the_405_page_says_the_method_is_not_accepted(client: webtest.TestApp) -> None:
    response = client.get("/logout/", status=405)

    assert_is_an_error_page(response, 405, "Method Not Allowed", "Not allowed here")
    assert "This page does not accept GET requests." in response.text
    assert response.headers["Allow"] == "POST, OPTIONS"
    assert retry_link(response) is None  # no GET here to retry


def test_the_405_page_links_to_the_page_when_it_answers_get(client: webtest.TestApp) -> None:
    response = client.put("/login/?next=/users/2", status=405)

    assert "This page does not accept PUT requests." in response.text
    assert retry_link(response) == "http://localhost/login/?next=/users/2"


def test_the_500_page_offers_to_try_again_and_logs_the_error(
    client: webtest.TestApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(self: views.UserDetail, request: Any, id: int) -> None:
        raise RuntimeError("the database is down")

    monkeypatch.setattr(views.UserDetail, "get", fail)
    response = client.get("/users/1?tab=posts", status=500)

    assert_is_an_error_page(response, 500, "Internal Server Error", "Something went wrong")
    assert "Something went wrong on our side." in response.text
    assert "the database is down" not in response.text
    assert retry_link(response) == "http://localhost/users/1?tab=posts"
    assert "the database is down" in caplog.text


# The account page: login required


def test_the_account_page_sends_an_anonymous_browser_to_log_in_and_back(
    client: webtest.TestApp,
) -> None:
    to_login = client.get("/account/?tab=1", headers={"Accept": "text/html"}, status=303)
    assert to_login.headers["Location"] == "/login/?next=%2Faccount%2F%3Ftab%3D1"

    form = to_login.follow().forms["login"]
    assert form["next"].value == "/account/?tab=1"
    form["username"], form["password"] = "ada", "analytical-engine"
    back = form.submit(status=303)

    assert back.headers["Location"] == "/account/?tab=1"
    page = back.follow()
    assert "You are logged in as Ada Lovelace (user 1)." in page.text
    assert '<a id="account-link" href="/account/">Ada Lovelace</a>' in page.text


def test_the_account_page_is_401_for_a_client_that_is_not_a_browser(
    client: webtest.TestApp,
) -> None:
    client.get("/account/", headers={"Accept": "application/json"}, status=401)
    client.post("/account/", status=405)  # only GET, HEAD and OPTIONS here
    assert client.options("/account/", status=204).headers["Allow"] == "GET, HEAD, OPTIONS"


def test_after_logout_the_account_page_asks_for_a_login_again(client: webtest.TestApp) -> None:
    log_in(client, "ada", "analytical-engine", status=303)
    page = client.get("/account/")

    page.forms["logout"].submit(status=303)

    client.get("/account/", headers={"Accept": "text/html"}, status=303)


def test_a_user_deleted_since_login_reads_as_anonymous(
    client: webtest.TestApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in(client, "ada", "analytical-engine", status=303)
    monkeypatch.delitem(views.USERS, 1)

    assert '<a href="/login/">Log in</a>' in client.get("/").text
    client.get("/account/", headers={"Accept": "text/html"}, status=303)
