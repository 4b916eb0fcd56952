"""The demo site: the tutorial's index and login pages as class-based views, and a few more.

Serve it with ``framework run views:app``. Log in as ``ada`` with the password
``analytical-engine``; set ``FRAMEWORK_SECRET_KEY`` so that sessions survive a restart.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from framework import (
    App,
    Request,
    Response,
    TemplateView,
    View,
    errors,
    login,
    logout,
    redirect,
    safe_next,
)

USERS = {1: "Ada Lovelace", 2: "Alan Turing", 3: "Grace Hopper"}


@dataclass(frozen=True)
class User:
    """Who is logged in: what ``request.user`` is."""

    id: int
    name: str


def load_user(user_id: object) -> User | None:
    """The user whose id ``login`` stored in the session; None if there is none (any more)."""
    if not isinstance(user_id, int) or user_id not in USERS:
        return None
    return User(user_id, USERS[user_id])


app = App(templates="../templates", static="../static", user_loader=load_user, login_route="login")


@dataclass(frozen=True)
class Account:
    """A login: the user it signs in, and an scrypt hash of the password (never the password)."""

    user_id: int
    salt: bytes
    password_hash: bytes


ACCOUNTS = {
    "ada": Account(
        user_id=1,
        salt=bytes.fromhex("63fd65b9dcd1290498719074f675277e"),
        password_hash=bytes.fromhex(
            "7c59d405c2d01b78d311e37fb24c7d2053450b38618af2f8f9a80a140032f28b"
        ),
    ),
}
# Unknown user names are hashed too, so that answering them takes as long as a wrong password.
_NO_ACCOUNT = Account(user_id=0, salt=b"\0" * 16, password_hash=b"\0" * 32)


def hash_password(password: str, salt: bytes) -> bytes:
    """scrypt with the parameters RFC 7914 suggests for interactive logins."""
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)


def authenticate(username: str, password: str) -> int | None:
    """Return the user id if the password is right, else None."""
    account = ACCOUNTS.get(username, _NO_ACCOUNT)
    digest = hash_password(password, account.salt)
    if account is _NO_ACCOUNT or not hmac.compare_digest(digest, account.password_hash):
        return None
    return account.user_id


def text_field(value: object) -> str:
    """A form value as text; an uploaded file where text belongs counts as empty."""
    return value if isinstance(value, str) else ""


@app.route("/", name="home")
class Index(TemplateView):
    template_name = "index.html"

    def get_context(self, **params: object) -> dict[str, object]:
        user = self.request.user
        return {"users": USERS, "user_name": user.name if user is not None else None}


app.add_route("/index/", Index, name="index")


@app.route("/login/", name="login")
class Login(View):
    def get(self, request) -> Response:
        return self.render("login.html", next=safe_next(request.GET.get("next")))

    def post(self, request) -> Response:
        username = text_field(request.POST.get("username")).strip()
        password = text_field(request.POST.get("password"))
        next_value = request.POST.get("next")
        user_id = authenticate(username, password) if username and password else None
        if user_id is None:
            page = self.render(
                "login.html",
                error="Unknown user name or wrong password.",
                username=username,
                next=safe_next(next_value),
            )
            page.status_code = 400
            return page
        login(request, user_id)  # stores the id and renews the CSRF token
        request.flash(f"Welcome, {USERS[user_id]}!")
        return redirect(next_value, fallback="home")  # a bad or absent ?next= goes home


@app.route("/logout/", name="logout")
class Logout(View):
    def post(self, request) -> Response:
        logout(request)
        request.flash("You are logged out.")
        return redirect("home")


@app.route("/hello/{name}", name="hello")
class Hello(View):
    def get(self, request, name: str) -> Response:
        return self.render("hello.html", name=name)


@app.route("/users/{id:d}", name="user")
class UserDetail(View):
    def get(self, request, id: int) -> Response:
        if id not in USERS:
            raise errors.NotFound(f"There is no user {id}.")
        return self.render("user.html", user_id=id, user_name=USERS[id])


@app.route("/account/", name="account")
class AccountPage(View):
    """The logged-in user's page: anonymous browsers are sent to log in first."""

    login_required = True

    def get(self, request: Request) -> Response:
        return self.render("account.html", user=request.user)
