"""A small blog on SQLite, built with the framework's forms and generic views.

Serve it on http://127.0.0.1:8000 with ``python examples/blog/app.py`` (or, from the repository's
root, ``framework run examples.blog.app:app``). The posts and users live in the SQLite file
named by ``BLOG_DATABASE`` (default: ``blog.sqlite3`` beside this file), created on first use.
Add a user with ``python examples/blog/app.py adduser NAME PASSWORD``: writing, editing and
deleting posts need one. Set ``FRAMEWORK_SECRET_KEY`` so that logins survive a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import sqlite3
import sys
import unicodedata
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import overload

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from framework import (
    App,
    CreateView,
    DeleteView,
    DetailView,
    ListView,
    Request,
    Response,
    Routes,
    UpdateView,
    View,
    login,
    logout,
    redirect,
    safe_next,
)
from framework.forms import Form

DATABASE_VARIABLE = "BLOG_DATABASE"
DEFAULT_DATABASE = Path(__file__).resolve().with_name("blog.sqlite3")

SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    salt BLOB NOT NULL,
    password_hash BLOB NOT NULL
);
"""


# Users: scrypt password hashes in SQLite


@dataclass(frozen=True)
class User:
    id: int
    username: str


def hash_password(password: str, salt: bytes) -> bytes:
    """scrypt with the parameters RFC 7914 suggests for interactive logins."""
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)


def add_user(db: sqlite3.Connection, username: str, password: str) -> int:
    """Store a user with a salted scrypt hash of the password (never the password)."""
    salt = os.urandom(16)
    with db:
        cursor = db.execute(
            "INSERT INTO users (username, salt, password_hash) VALUES (?, ?, ?)",
            (username, salt, hash_password(password, salt)),
        )
    return int(cursor.lastrowid or 0)


def authenticate(db: sqlite3.Connection, username: str, password: str) -> int | None:
    """The user's id if the password is right, else None (unknown names take as long)."""
    row = db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    salt, expected = (row["salt"], row["password_hash"]) if row else (b"\0" * 16, b"")
    digest = hash_password(password, salt)
    return row["id"] if row and hmac.compare_digest(digest, expected) else None


def load_user(user_id: object) -> User | None:
    """``request.user``: the logged-in user, or None (anonymous, or deleted since login)."""
    if not isinstance(user_id, int):
        return None
    with closing(connect()) as db:
        row = db.execute("SELECT id, username FROM users WHERE id = ?", (user_id,)).fetchone()
    return User(**row) if row is not None else None


app = App(static="static", user_loader=load_user, login_route="login")


# The data: posts in SQLite


@dataclass
class Post:
    id: int
    title: str
    slug: str
    body: str
    created: str  # ISO 8601, UTC

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.created)


def request_db(request: Request) -> sqlite3.Connection:
    """The request's connection, opened on first use; ``close_db`` closes it after the response."""
    connection: sqlite3.Connection | None = request.environ.get("blog.db")
    if connection is None:
        connection = request.environ["blog.db"] = connect()
    return connection


@app.teardown_request
def close_db(request: Request, error: BaseException | None) -> None:
    """Close the connection the request opened, if any, whatever happened to the request."""
    connection = request.environ.pop("blog.db", None)
    if connection is not None:
        connection.close()


def connect() -> sqlite3.Connection:
    """Open the database named by ``BLOG_DATABASE``, creating the file and table if needed."""
    connection = sqlite3.connect(os.environ.get(DATABASE_VARIABLE, DEFAULT_DATABASE))
    connection.row_factory = sqlite3.Row
    connection.executescript(SCHEMA)
    return connection


def post_from(row: sqlite3.Row | None) -> Post | None:
    return Post(**row) if row is not None else None


class Posts(Sequence[Post]):
    """All posts, newest first, read lazily: ``len()`` is one COUNT, a slice one LIMIT/OFFSET.

    A ListView needs only those two, so a page of a million posts reads one page's rows.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __len__(self) -> int:
        count: int = self.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
        return count

    @overload
    def __getitem__(self, index: int) -> Post: ...
    @overload
    def __getitem__(self, index: slice) -> list[Post]: ...
    def __getitem__(self, index: int | slice) -> Post | list[Post]:
        if isinstance(index, int):
            found = self[index : index + 1] if index >= 0 else list(self)[index:][:1]
            if not found:
                raise IndexError("no such post")
            return found[0]
        if index.step not in (None, 1) or (index.start or 0) < 0 or (index.stop or 0) < 0:
            return list(self)[index]  # the unusual slices: read them all
        start = index.start or 0
        limit = -1 if index.stop is None else max(0, index.stop - start)
        rows = self.db.execute(
            "SELECT * FROM posts ORDER BY created DESC, id DESC LIMIT ? OFFSET ?", (limit, start)
        )
        return [Post(**row) for row in rows]


def find_post(db: sqlite3.Connection, slug: str) -> Post | None:
    return post_from(db.execute("SELECT * FROM posts WHERE slug = ?", (slug,)).fetchone())


#: Slugs a post cannot have: /posts/new is the page that creates one.
RESERVED_SLUGS = frozenset({"new"})


def unique_slug(db: sqlite3.Connection, title: str) -> str:
    """A URL-safe slug from ``title`` ("Hello, World!" -> "hello-world"), made unique."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-") or "post"
    slug, number = base, 1
    while slug in RESERVED_SLUGS or find_post(db, slug) is not None:
        number += 1
        slug = f"{base}-{number}"
    return slug


# Views


def strip(value: str | None) -> str | None:
    """A WTForms filter: surrounding spaces off (filters also see None, before any input)."""
    return value.strip() if value is not None else None


class PostForm(Form):
    title = StringField("Title", [DataRequired(), Length(max=200)], filters=[strip])
    body = TextAreaField("Body", [DataRequired(), Length(max=100_000)])


class UsesDatabase(View):
    """Gives a view ``self.db``: the request's connection (``close_db`` closes it)."""

    @property
    def db(self) -> sqlite3.Connection:
        return request_db(self.request)


def text_field(value: object) -> str:
    """A form value as text; an uploaded file where text belongs counts as empty."""
    return value if isinstance(value, str) else ""


@app.route("/login", name="login")
class Login(View):
    """Log in; then go to ``next`` if it is a path on this site, else to the list of posts."""

    def get(self, request: Request) -> Response:
        return self.render("login.html", next=safe_next(request.GET.get("next")))

    def post(self, request: Request) -> Response:
        username = text_field(request.POST.get("username")).strip()
        password = text_field(request.POST.get("password"))
        user_id = authenticate(request_db(request), username, password) if username else None
        if user_id is None:
            page = self.render(
                "login.html",
                error="Unknown user name or wrong password.",
                username=username,
                next=safe_next(request.POST.get("next")),
            )
            page.status_code = 400
            return page
        login(request, user_id)
        request.flash(f"Welcome, {username}!")
        return redirect(request.POST.get("next"), fallback="posts")


@app.route("/logout", name="logout")
class Logout(View):
    def post(self, request: Request) -> Response:
        logout(request)
        request.flash("You are logged out.")
        return redirect("posts")


# The pages under /posts/, declared as a group and included below: writing, editing and
# deleting need a logged-in user; reading a post does not.
posts = Routes(login_required=True)


@app.route("/", name="posts")
class PostList(UsesDatabase, ListView):
    template_name = "post_list.html"
    paginate_by = 5

    def get_items(self) -> Posts:
        return Posts(self.db)


@posts.route("/new", name="post_create")
class PostCreate(UsesDatabase, CreateView):
    template_name = "post_form.html"
    form_class = PostForm

    def save(self, form: PostForm) -> Post:
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.db:  # one transaction
            slug = unique_slug(self.db, form.title.data)
            self.db.execute(
                "INSERT INTO posts (title, slug, body, created) VALUES (?, ?, ?, ?)",
                (form.title.data, slug, form.body.data, created),
            )
        self.request.flash("Post created.")
        return find_post(self.db, slug)

    def get_success_url(self, obj: Post) -> str:
        return self.request.url_for("post", slug=obj.slug)


@posts.route("/{slug:slug}", name="post")
class PostDetail(UsesDatabase, DetailView):
    template_name = "post_detail.html"
    login_required = False

    def get_object(self, slug: str) -> Post | None:
        return find_post(self.db, slug)


@posts.route("/{slug:slug}/edit", name="post_edit")
class PostUpdate(UsesDatabase, UpdateView):
    template_name = "post_form.html"
    form_class = PostForm

    def get_object(self, slug: str) -> Post | None:
        return find_post(self.db, slug)

    def save(self, form: PostForm, obj: Post) -> Post:
        with self.db:
            self.db.execute(
                "UPDATE posts SET title = ?, body = ? WHERE id = ?",
                (form.title.data, form.body.data, obj.id),
            )
        self.request.flash("Post updated.")
        return obj  # the slug, and so the URL, stays

    def get_success_url(self, obj: Post) -> str:
        return self.request.url_for("post", slug=obj.slug)


@posts.route("/{slug:slug}/delete", name="post_delete")
class PostDelete(UsesDatabase, DeleteView):
    template_name = "post_confirm_delete.html"
    success_url = "posts"

    def get_object(self, slug: str) -> Post | None:
        return find_post(self.db, slug)

    def delete(self, obj: Post) -> None:
        with self.db:
            self.db.execute("DELETE FROM posts WHERE id = ?", (obj.id,))
        self.request.flash(f"Deleted “{obj.title}”.")


app.include(posts, prefix="/posts")

if __name__ == "__main__":
    if sys.argv[1:2] == ["adduser"] and len(sys.argv) == 4:
        # python examples/blog/app.py adduser NAME PASSWORD
        with closing(connect()) as db:
            print(f"User {sys.argv[2]!r} added with id {add_user(db, sys.argv[2], sys.argv[3])}.")
        sys.exit(0)
    from framework.servers import ServerOptions, serve

    serve(app, ServerOptions(), name="the blog")
