"""examples/blog: the SQLite blog, through its pages, with a fresh database per test."""

from __future__ import annotations

import importlib.util
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
from processes import ROOT, environment, fetch, framework_command, stop

from framework.checks import check_app
from framework.testing import TestClient

BLOG = ROOT / "examples" / "blog" / "app.py"


def load_blog() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_blog", BLOG)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "blog.sqlite3"
    monkeypatch.setenv("BLOG_DATABASE", str(path))
    monkeypatch.setenv("FRAMEWORK_SECRET_KEY", "blog tests")
    return path


@pytest.fixture
def blog(database: Path) -> ModuleType:
    return load_blog()


@pytest.fixture
def anonymous(blog: ModuleType) -> TestClient:
    """A visitor who has not logged in."""
    return TestClient(blog.app)


def log_in(
    client: TestClient, username: str, password: str, path: str = "/login", status: int = 303
) -> Any:
    form = client.get(path).forms["login-form"]
    form["username"] = username
    form["password"] = password
    return form.submit(status=status)


@pytest.fixture
def client(blog: ModuleType) -> TestClient:
    """A writer, logged in as ``ada``."""
    with closing(blog.connect()) as db:
        blog.add_user(db, "ada", "correct horse")
    client = TestClient(blog.app)
    log_in(client, "ada", "correct horse").follow()
    return client


def create(client: TestClient, title: str, body: str = "Some text.") -> Any:
    form = client.get("/posts/new").forms["post-form"]
    form["title"] = title
    form["body"] = body
    return form.submit()


def token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/posts/new").text)
    assert match is not None
    return match.group(1)


def rows(database: Path) -> list[tuple[Any, ...]]:
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT title, slug, body FROM posts ORDER BY id").fetchall()


def test_the_database_is_created_on_first_request(anonymous: TestClient, database: Path) -> None:
    assert not database.exists()

    page = anonymous.get("/")

    assert database.exists()
    assert 'id="no-posts"' in page.text
    assert rows(database) == []


def test_create_shows_the_post_with_a_flash_message(client: TestClient, database: Path) -> None:
    response = create(client, "Hello, World!", "First <b>post</b>.")

    assert response.status_int == 303
    assert response.headers["Location"] == "/posts/hello-world"
    page = response.follow()
    assert '<h1 id="post-title">Hello, World!</h1>' in page.text
    assert "First &lt;b&gt;post&lt;/b&gt;." in page.text
    assert '<p class="flash info">Post created.</p>' in page.text
    assert "Post created." not in client.get("/posts/hello-world").text  # shown once
    assert rows(database) == [("Hello, World!", "hello-world", "First <b>post</b>.")]


def test_slugs_are_unique_and_never_new(client: TestClient) -> None:
    assert create(client, "Same").headers["Location"] == "/posts/same"
    assert create(client, "Same").headers["Location"] == "/posts/same-2"
    assert create(client, "New").headers["Location"] == "/posts/new-2"
    assert create(client, "Ünïcode café").headers["Location"] == "/posts/unicode-cafe"
    assert create(client, "!!!").headers["Location"] == "/posts/post"


def test_a_validation_error_keeps_the_users_input(client: TestClient, database: Path) -> None:
    form = client.get("/posts/new").forms["post-form"]
    form["title"] = "   "
    form["body"] = "Kept <text>"

    page = form.submit()

    assert page.status_int == 200
    assert 'id="form-errors"' in page.text
    assert '<ul class="field-errors" id="title-errors">' in page.text
    assert "Kept &lt;text&gt;</textarea>" in page.text
    assert rows(database) == []

    fixed = page.forms["post-form"]
    fixed["title"] = "Fixed"
    assert fixed.submit().status_int == 303
    assert rows(database) == [("Fixed", "fixed", "Kept <text>")]


def test_edit_changes_the_post_but_keeps_its_address(client: TestClient, database: Path) -> None:
    create(client, "Before")
    form = client.get("/posts/before").click(linkid="edit-link").forms["post-form"]
    assert form["title"].value == "Before"
    form["title"] = "After"

    response = form.submit()

    assert response.headers["Location"] == "/posts/before"
    page = response.follow()
    assert '<h1 id="post-title">After</h1>' in page.text
    assert "Post updated." in page.text
    assert rows(database) == [("After", "before", "Some text.")]


def test_an_invalid_edit_shows_the_errors_and_changes_nothing(
    client: TestClient, database: Path
) -> None:
    create(client, "Title")
    form = client.get("/posts/title/edit").forms["post-form"]
    form["title"] = "x" * 201

    page = form.submit()

    assert page.status_int == 200
    assert "Field cannot be longer than 200 characters." in page.text
    assert rows(database) == [("Title", "title", "Some text.")]


def test_delete_asks_then_deletes(client: TestClient, database: Path) -> None:
    create(client, "Doomed")
    confirm = client.get("/posts/doomed").click(linkid="delete-link")
    assert "Delete “Doomed”?" in confirm.text
    assert rows(database) != []

    response = confirm.forms["delete-form"].submit()

    assert response.status_int == 303
    assert response.headers["Location"] == "/"
    assert "Deleted “Doomed”." in response.follow().text
    assert rows(database) == []
    client.get("/posts/doomed", status=404)


@pytest.mark.parametrize(
    "path", ["/posts/missing", "/posts/missing/edit", "/posts/missing/delete", "/nowhere"]
)
def test_unknown_posts_get_the_blogs_404_page(client: TestClient, path: str) -> None:
    page = client.get(path, status=404)

    assert "<h1>Not found</h1>" in page.text
    assert 'href="/static/blog.css"' in page.text


def test_unknown_posts_are_404_on_post_too(client: TestClient) -> None:
    headers = {"X-CSRF-Token": token(client)}
    client.post("/posts/missing/edit", {"title": "t", "body": "b"}, headers=headers, status=404)
    client.post("/posts/missing/delete", headers=headers, status=404)


def test_the_list_is_paginated_newest_first(client: TestClient, blog: ModuleType) -> None:
    with blog.connect() as db:
        db.executemany(
            "INSERT INTO posts (title, slug, body, created) VALUES (?, ?, ?, ?)",
            [
                (f"Post {n}", f"post-{n}", "b", f"2026-01-{n:02d}T00:00:00+00:00")
                for n in range(1, 13)
            ],
        )

    first = client.get("/")
    assert re.findall(r">Post (\d+)</a>", first.text) == ["12", "11", "10", "9", "8"]
    assert "Page 1 of 3" in first.text
    assert 'id="previous-page"' not in first.text

    second = first.click(linkid="next-page")
    assert re.findall(r">Post (\d+)</a>", second.text) == ["7", "6", "5", "4", "3"]

    last = second.click(linkid="next-page")
    assert re.findall(r">Post (\d+)</a>", last.text) == ["2", "1"]
    assert 'id="next-page"' not in last.text
    assert "Page 3 of 3" in last.click(linkid="previous-page").click(linkid="next-page").text

    client.get("/?page=4", status=404)
    client.get("/?page=0", status=404)


def test_the_lazy_sequence_reads_one_page(blog: ModuleType) -> None:
    with blog.connect() as db:
        db.executemany(
            "INSERT INTO posts (title, slug, body, created) VALUES (?, ?, ?, ?)",
            [(f"P{n}", f"p-{n}", "b", f"2026-01-01T00:00:{n:02d}+00:00") for n in range(10)],
        )
        statements: list[str] = []
        db.set_trace_callback(statements.append)
        posts = blog.Posts(db)

        assert len(posts) == 10
        assert [post.title for post in posts[2:4]] == ["P7", "P6"]
        assert posts[0].title == "P9"
        assert posts[-1].title == "P0"
        assert [post.title for post in posts[8:]] == ["P1", "P0"]
        assert posts[20:30] == []
        with pytest.raises(IndexError):
            posts[10]
        assert statements[:2] == [
            "SELECT COUNT(*) FROM posts",
            "SELECT * FROM posts ORDER BY created DESC, id DESC LIMIT 2 OFFSET 2",
        ]


def test_each_request_closes_its_connection(
    client: TestClient, blog: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Any] = []
    connect = blog.connect

    class Tracked:
        def __init__(self) -> None:
            self.connection = connect()
            self.closed = False
            opened.append(self)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.connection, name)

        def __enter__(self) -> Any:
            return self.connection.__enter__()

        def __exit__(self, *exc: Any) -> Any:
            return self.connection.__exit__(*exc)

        def close(self) -> None:
            self.closed = True
            self.connection.close()

    monkeypatch.setattr(blog, "connect", Tracked)

    create(client, "One")
    client.get("/posts/one")
    client.get("/posts/missing", status=404)
    client.get("/")

    assert len(opened) >= 4
    assert all(connection.closed for connection in opened)  # by the teardown hook


def test_framework_check_passes_the_blog(blog: ModuleType) -> None:
    assert check_app(blog.app) == []


# Bad input: errors on the form or a 4xx, never a 500


def post_form(client: TestClient, body: bytes | dict[str, Any] | list[Any], **kwargs: Any) -> Any:
    headers = {"X-CSRF-Token": token(client)}
    return client.post("/posts/new", body, headers=headers, expect_errors=True, **kwargs)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "This field is required."),
        ({"title": "t"}, "This field is required."),
        (
            [("title", "one"), ("title", "two"), ("body", "b")],
            "This field was sent more than once.",
        ),
        ({"title": "x" * 100_000, "body": "b"}, "Field cannot be longer than 200 characters."),
    ],
)
def test_missing_repeated_and_over_long_fields_re_render_the_form(
    client: TestClient, database: Path, fields: Any, error: str
) -> None:
    page = post_form(client, fields)

    assert page.status_int == 200
    assert error in page.text
    assert rows(database) == []


def test_extra_fields_are_ignored(client: TestClient, database: Path) -> None:
    response = post_form(client, {"title": "T", "body": "B", "id": "99", "slug": "chosen"})

    assert response.status_int == 303
    assert rows(database) == [("T", "t", "B")]


def test_non_utf8_fields_are_400(client: TestClient, database: Path) -> None:
    response = post_form(
        client, b"title=%FF%FE&body=b", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_int == 400
    assert "UTF-8" in response.text
    assert rows(database) == []


def test_a_file_where_text_is_expected_re_renders_the_form(
    client: TestClient, database: Path
) -> None:
    page = post_form(client, {"title": "T"}, upload_files=[("body", "body.txt", b"text")])

    assert page.status_int == 200
    assert "This field is required." in page.text  # DataRequired shows only its own error
    assert rows(database) == []


def test_a_body_over_the_limit_is_413(client: TestClient, blog: ModuleType) -> None:
    blog.app.max_body_size = 1000

    response = post_form(client, {"title": "T", "body": "x" * 2000})

    assert response.status_int == 413


def test_an_edit_missing_a_field_is_an_error_not_the_old_value(
    client: TestClient, database: Path
) -> None:
    create(client, "Kept")
    headers = {"X-CSRF-Token": token(client)}

    page = client.post("/posts/kept/edit", {"body": "new body"}, headers=headers)

    assert page.status_int == 200
    assert "This field is required." in page.text
    assert rows(database) == [("Kept", "kept", "Some text.")]


def test_framework_run_serves_the_blog_as_the_readme_says(database: Path) -> None:
    process = subprocess.Popen(
        framework_command("run", "examples.blog.app:app", "--port", "0"),
        cwd=ROOT,
        env={**environment(), "BLOG_DATABASE": str(database)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()  # printed once the socket listens
        assert first_line.startswith("Serving examples.blog.app:app on http://127.0.0.1:")
        url = first_line.split(" on ", 1)[1].strip()

        status, _, page = fetch(url + "/")
        css_status, headers, _ = fetch(url + "/static/blog.css")
    finally:
        stop(process)

    assert status == 200
    assert 'id="no-posts"' in page
    assert css_status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert database.exists()


# Users: writing needs a login, reading does not


def test_reading_is_public_and_writing_sends_a_browser_to_log_in(
    client: TestClient, anonymous: TestClient
) -> None:
    create(client, "Public")

    assert anonymous.get("/").status_int == 200
    assert anonymous.get("/posts/public").status_int == 200
    for path in ("/posts/new", "/posts/public/edit", "/posts/public/delete"):
        response = anonymous.get(path, headers={"Accept": "text/html"}, status=303)
        assert response.headers["Location"] == "/login?" + urlencode({"next": path})
        anonymous.get(path, headers={"Accept": "application/json"}, status=401)


def test_an_anonymous_post_is_refused_and_changes_nothing(
    client: TestClient, anonymous: TestClient, database: Path
) -> None:
    create(client, "Kept")
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', anonymous.get("/login").text)
    assert form_token is not None
    headers = {"X-CSRF-Token": form_token.group(1), "Accept": "text/html"}

    anonymous.post("/posts/kept/delete", headers=headers, status=401)
    anonymous.post("/posts/new", {"title": "t", "body": "b"}, headers=headers, status=401)

    assert rows(database) == [("Kept", "kept", "Some text.")]


def test_login_returns_to_the_page_asked_for(blog: ModuleType, anonymous: TestClient) -> None:
    with closing(blog.connect()) as db:
        blog.add_user(db, "bob", "secret words")
    to_login = anonymous.get("/posts/new", headers={"Accept": "text/html"}, status=303)

    page = log_in(anonymous, "bob", "secret words", to_login.headers["Location"])

    assert page.status_int == 303
    assert page.headers["Location"] == "/posts/new"
    assert 'id="post-form"' in anonymous.get("/posts/new").text


@pytest.mark.parametrize("next_value", ["//evil.com", "/\\evil.com", "https:evil.com", "posts"])
def test_login_falls_back_to_the_list_for_a_next_off_the_site(
    blog: ModuleType, anonymous: TestClient, next_value: str
) -> None:
    with closing(blog.connect()) as db:
        blog.add_user(db, "bob", "secret words")

    page = log_in(anonymous, "bob", "secret words", "/login?" + urlencode({"next": next_value}))

    assert page.headers["Location"] == "/"


def test_a_wrong_password_is_400_and_logs_no_one_in(
    blog: ModuleType, anonymous: TestClient
) -> None:
    with closing(blog.connect()) as db:
        blog.add_user(db, "bob", "secret words")

    page = log_in(anonymous, "bob", "wrong", status=400)
    unknown = log_in(anonymous, "nobody", "wrong", status=400)

    assert page.status_int == unknown.status_int == 400
    assert "Unknown user name or wrong password." in page.text
    anonymous.get("/posts/new", headers={"Accept": "text/html"}, status=303)


def test_passwords_are_stored_as_scrypt_hashes(blog: ModuleType, database: Path) -> None:
    with closing(blog.connect()) as db:
        blog.add_user(db, "bob", "secret words")
        row = db.execute("SELECT * FROM users").fetchone()

    assert b"secret words" not in bytes(row["password_hash"])
    assert bytes(row["password_hash"]) == blog.hash_password("secret words", bytes(row["salt"]))


def test_logout_ends_the_login(client: TestClient) -> None:
    page = client.get("/")
    assert 'id="username">ada<' in page.text

    after = page.forms["logout-form"].submit().follow()

    assert "You are logged out." in after.text
    assert 'id="login-link"' in after.text
    client.get("/posts/new", headers={"Accept": "text/html"}, status=303)


def test_a_deleted_user_reads_as_anonymous(client: TestClient, blog: ModuleType) -> None:
    with closing(blog.connect()) as db, db:
        db.execute("DELETE FROM users")

    assert 'id="login-link"' in client.get("/").text
    client.get("/posts/new", headers={"Accept": "text/html"}, status=303)


def test_adduser_command_adds_a_user(database: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BLOG), "adduser", "carol", "pw"],
        env={**environment(), "BLOG_DATABASE": str(database)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "User 'carol' added" in result.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT username FROM users").fetchall() == [("carol",)]
