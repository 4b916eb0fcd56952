"""Sessions in a signed cookie: lazy, written only when modified, tamper-proof, rotatable keys."""

from __future__ import annotations

import logging
import time
from typing import Any

import itsdangerous
import pytest
import webtest

from framework import App, Request, Response, Session, View, redirect
from framework.testing import TestClient


def session_app(**options: Any) -> App:
    """An app whose views read, write, clear and flash into the session."""
    options.setdefault("secret_key", "test secret key")
    app = App(**options)

    @app.route("/read")
    class Read(View):
        def get(self, request: Request) -> dict[str, Any]:
            return dict(request.session)

    @app.route("/write/{key}/{value}")
    class Write(View):
        def get(self, request: Request, key: str, value: str) -> str:
            request.session[key] = value
            return "written"

    @app.route("/clear")
    class Clear(View):
        def get(self, request: Request) -> str:
            request.session.clear()
            return "cleared"

    @app.route("/untouched")
    class Untouched(View):
        def get(self, request: Request) -> str:
            return "no session here"

    @app.route("/write-then-fail")
    class WriteThenFail(View):
        def get(self, request: Request) -> str:
            request.session["half"] = "done"
            raise RuntimeError("failed after writing")

    @app.route("/not-json")
    class NotJson(View):
        def get(self, request: Request) -> str:
            request.session["when"] = object()
            return "never sent"

    return app


def session_cookie_header(response: webtest.TestResponse) -> str:
    [header] = response.headers.getall("Set-Cookie")
    return str(header)


def cookie_from(app: App, path: str = "/write/user/ada") -> str:
    """The session cookie value that ``app`` sets on ``path``."""
    header = session_cookie_header(TestClient(app).get(path))
    return header.split(";", 1)[0].split("=", 1)[1]


def read_with_cookie(app: App, value: str) -> webtest.TestResponse:
    return TestClient(app).get("/read", headers={"Cookie": f"session={value}"})


def test_a_modified_session_is_written_to_a_safe_cookie() -> None:
    response = TestClient(session_app()).get("/write/user/ada")

    assert response.status_int == 200
    assert response.text == "written"
    header = session_cookie_header(response)
    assert header.startswith("session=")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Path=/" in header
    assert "Max-Age=1209600" in header  # 14 days by default
    assert "Secure" not in header  # plain HTTP, and session_cookie_secure is off
    assert response.headers["Vary"] == "Cookie"


def test_the_session_round_trips_through_the_cookie() -> None:
    client = TestClient(session_app())

    client.get("/write/user/ada")
    client.get("/write/theme/dark")
    response = client.get("/read")

    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json == {"user": "ada", "theme": "dark"}


def test_reading_the_session_writes_no_cookie_but_varies_on_it() -> None:
    client = TestClient(session_app())
    client.get("/write/user/ada")

    response = client.get("/read")

    assert response.json == {"user": "ada"}
    assert response.headers.getall("Set-Cookie") == []
    assert response.headers["Vary"] == "Cookie"


def test_a_view_that_never_touches_the_session_never_loads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = session_app()

    def refuse(request: Request) -> Session:
        raise AssertionError("the session cookie was parsed")

    monkeypatch.setattr(app.sessions, "load", refuse)
    response = TestClient(app).get("/untouched", headers={"Cookie": "session=anything"})

    assert response.status_int == 200
    assert response.text == "no session here"
    assert response.headers.getall("Set-Cookie") == []
    assert "Vary" not in response.headers


def test_clearing_the_session_deletes_the_cookie() -> None:
    client = TestClient(session_app())
    client.get("/write/user/ada")

    response = client.get("/clear")

    header = session_cookie_header(response)
    assert header.startswith("session=;")
    assert "Max-Age=0" in header
    assert client.get("/read").json == {}


@pytest.mark.parametrize(
    ("options", "scheme"), [({}, "https"), ({"session_cookie_secure": True}, "http")]
)
def test_the_deleting_cookie_has_the_attributes_of_the_cookie_it_deletes(
    options: dict[str, Any], scheme: str
) -> None:
    client = TestClient(session_app(**options), extra_environ={"wsgi.url_scheme": scheme})
    written = session_cookie_header(client.get("/write/user/ada"))
    cookie = written.split(";", 1)[0]  # sent by hand: a Secure cookie is not sent over http

    deleting = session_cookie_header(client.get("/clear", headers={"Cookie": cookie}))

    def attributes(header: str) -> set[str]:
        names = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        return names - {"max-age", "expires"}

    assert attributes(written) == attributes(deleting) == {"path", "secure", "httponly", "samesite"}
    assert "SameSite=Lax" in deleting


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param("a.b.c", id="three-dots"),
        pytest.param(
            "eyJ1c2VyIjoiYWRhIn0.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA", id="forged-signature"
        ),
        pytest.param("\xff\xfe\xc3\x28", id="not-utf8"),
        pytest.param('"unterminated', id="bad-quoting"),
        pytest.param("x" * 5000, id="oversized"),
    ],
)
def test_a_garbage_session_cookie_is_an_empty_session(value: str) -> None:
    response = read_with_cookie(session_app(), value)

    assert response.status_int == 200
    assert response.json == {}


def test_a_tampered_session_cookie_is_anonymous_not_an_error() -> None:
    app = session_app()
    payload, timestamp, signature = cookie_from(app).split(".")
    forged_payload = itsdangerous.encoding.base64_encode(b'{"user":"admin"}').decode()

    response = read_with_cookie(app, f"{forged_payload}.{timestamp}.{signature}")

    assert response.status_int == 200
    assert response.json == {}
    assert read_with_cookie(app, f"{payload}.{timestamp}.{signature}").json == {"user": "ada"}


def test_two_processes_with_the_same_key_share_sessions() -> None:
    """Two App instances stand for two server processes: nothing is kept server-side."""
    first, second = session_app(secret_key="shared"), session_app(secret_key="shared")

    response = read_with_cookie(second, cookie_from(first))

    assert response.json == {"user": "ada"}


def test_a_cookie_signed_with_another_key_is_an_empty_session() -> None:
    response = read_with_cookie(session_app(secret_key="other"), cookie_from(session_app()))

    assert response.status_int == 200
    assert response.json == {}


def test_rotated_keys_accept_cookies_signed_with_an_older_key() -> None:
    old_cookie = cookie_from(session_app(secret_key="old key"))
    rotated = session_app(secret_key=["new key", "old key"])

    assert read_with_cookie(rotated, old_cookie).json == {"user": "ada"}
    new_cookie = cookie_from(rotated)
    assert read_with_cookie(session_app(secret_key="new key"), new_cookie).json == {"user": "ada"}
    assert read_with_cookie(session_app(secret_key="old key"), new_cookie).json == {}
    assert read_with_cookie(session_app(secret_key="new key"), old_cookie).json == {}


class HourOldSigner(itsdangerous.TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def hour_old_cookie(secret_key: str, data: dict[str, Any]) -> str:
    serializer = itsdangerous.URLSafeTimedSerializer(
        secret_key, salt="framework.session", signer=HourOldSigner
    )
    return str(serializer.dumps(data))


def test_an_expired_session_cookie_is_an_empty_session() -> None:
    cookie = hour_old_cookie("test secret key", {"user": "ada"})

    assert read_with_cookie(session_app(session_max_age=60), cookie).json == {}
    assert read_with_cookie(session_app(session_max_age=7200), cookie).json == {"user": "ada"}


def test_an_old_key_in_the_list_still_validates_an_unexpired_cookie() -> None:
    cookie = hour_old_cookie("old key", {"user": "ada"})

    response = read_with_cookie(session_app(secret_key=["new key", "old key"]), cookie)

    assert response.json == {"user": "ada"}


def test_the_secret_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAMEWORK_SECRET_KEY", "from the environment")
    cookie = cookie_from(session_app(secret_key=None))

    assert read_with_cookie(session_app(secret_key="from the environment"), cookie).json == {
        "user": "ada"
    }


def test_without_any_key_a_random_key_is_used_and_a_warning_logged_when_built(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("FRAMEWORK_SECRET_KEY", raising=False)

    with caplog.at_level(logging.WARNING, logger="framework"):
        first, second = session_app(secret_key=None), session_app(secret_key=None)
    built = [record.getMessage() for record in caplog.records]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="framework"):
        cookie = cookie_from(first)
        assert read_with_cookie(first, cookie).json == {"user": "ada"}
    used = list(caplog.records)

    assert len(built) == 2  # once per App, when it is built: before any worker serves
    assert "sessions will not survive a restart or be shared between workers" in built[0]
    assert used == []  # nothing more when sessions are used
    assert read_with_cookie(second, cookie).json == {}  # each App made its own key


def test_an_app_that_never_uses_sessions_works_without_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FRAMEWORK_SECRET_KEY", raising=False)

    response = TestClient(session_app(secret_key=None)).get("/untouched")

    assert response.status_int == 200
    assert response.headers.getall("Set-Cookie") == []


@pytest.mark.parametrize("value", ["new key,old key", " new key , old key ,"])
def test_the_environment_variable_takes_keys_newest_first(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    old_cookie = cookie_from(session_app(secret_key="old key"))
    monkeypatch.setenv("FRAMEWORK_SECRET_KEY", value)
    rotated = session_app(secret_key=None)

    assert read_with_cookie(rotated, old_cookie).json == {"user": "ada"}
    new_cookie = cookie_from(rotated)
    assert read_with_cookie(session_app(secret_key="new key"), new_cookie).json == {"user": "ada"}
    assert read_with_cookie(session_app(secret_key="old key"), new_cookie).json == {}


def test_a_cookie_that_fails_its_signature_is_logged_and_named_in_the_csrf_403(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Workers with different keys: the cookie one signed is refused by the other."""
    app = session_app(secret_key="worker 2 key")

    @app.route("/submit")
    class Submit(View):
        def post(self, request: Request) -> str:
            return "accepted"

    cookie = cookie_from(session_app(secret_key="worker 1 key"))
    with caplog.at_level(logging.WARNING, logger="framework"):
        response = TestClient(app).post(
            "/submit", {"csrf_token": "x"}, headers={"Cookie": f"session={cookie}"}, status=403
        )

    reason = (
        "the session cookie could not be verified: was the secret key changed, "
        "or do workers use different keys?"
    )
    assert f"CSRF check failed: {reason}" in response.text
    assert f"Empty session for '/submit': {reason}" in [
        record.getMessage() for record in caplog.records if record.name == "framework"
    ]


def test_an_expired_or_absent_cookie_is_not_called_unverified(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = session_app(session_max_age=60)

    @app.route("/submit")
    class Submit(View):
        def post(self, request: Request) -> str:
            return "accepted"

    expired = hour_old_cookie("test secret key", {"user": "ada"})
    with caplog.at_level(logging.WARNING, logger="framework"):
        client = TestClient(app)
        stale = client.post("/submit", headers={"Cookie": f"session={expired}"}, status=403)
        absent = TestClient(app).post("/submit", status=403)

    assert "this session has no CSRF token" in stale.text
    assert "this session has no CSRF token" in absent.text
    assert "could not be verified" not in caplog.text


@pytest.mark.parametrize("secret_key", ["", b"", [], ["good", ""]])
def test_an_empty_secret_key_is_refused(secret_key: Any) -> None:
    with pytest.raises(ValueError, match="secret_key"):
        App(secret_key=secret_key)


def test_the_cookie_is_secure_over_https_or_when_configured() -> None:
    over_https = TestClient(session_app()).get(
        "/write/a/b", extra_environ={"wsgi.url_scheme": "https"}
    )
    configured = TestClient(session_app(session_cookie_secure=True)).get("/write/a/b")

    assert "; secure" in session_cookie_header(over_https).lower()
    assert "; secure" in session_cookie_header(configured).lower()


def test_the_cookie_path_is_the_apps_mount_point() -> None:
    response = TestClient(session_app()).get("/write/a/b", extra_environ={"SCRIPT_NAME": "/site"})

    assert "Path=/site" in session_cookie_header(response)


def test_a_failed_request_does_not_change_the_session(caplog: pytest.LogCaptureFixture) -> None:
    response = TestClient(session_app()).get("/write-then-fail", status=500)

    assert response.headers.getall("Set-Cookie") == []
    assert "failed after writing" not in response.text
    assert "failed after writing" in caplog.text


def test_a_value_that_is_not_json_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    response = TestClient(session_app()).get("/not-json", status=500)

    assert response.headers.getall("Set-Cookie") == []
    assert "500 Internal Server Error" in response.text
    assert "not JSON serializable" in caplog.text


def test_the_session_marks_every_change_as_modified() -> None:
    changes: list[Any] = [
        lambda session: session.__setitem__("a", 2),
        lambda session: session.__delitem__("a"),
        lambda session: session.pop("a"),
        lambda session: session.popitem(),
        lambda session: session.setdefault("b", 1),
        lambda session: session.update(b=1),
        lambda session: session.clear(),
    ]
    for change in changes:
        session = Session(a=1)
        assert session.modified is False
        change(session)
        assert session.modified is True

    unchanged = Session(a=1)
    unchanged.get("a")
    unchanged.pop("missing", None)
    unchanged.setdefault("a", 5)
    Session().clear()
    assert unchanged.modified is False


def flash_app() -> App:
    app = App(secret_key="flash key", templates=None)

    @app.route("/flash")
    class Flash(View):
        csrf_exempt = True  # flashing is tested here; CSRF in test_csrf.py

        def post(self, request: Request) -> Response:
            request.flash("Saved <b>it</b>.")
            request.flash("Careful.", category="warning")
            return redirect("show")

    @app.route("/show", name="show")
    class Show(View):
        def get(self, request: Request) -> Response:
            page = app.templates.environment.from_string(
                "{% for category, message in get_flashed_messages(with_categories=true) %}"
                "[{{ category }}: {{ message }}]{% endfor %}"
                "{{ get_flashed_messages() | length }}"
            ).render(request=request)
            return Response(body=page.encode(), charset="utf-8")

    return app


def test_flashed_messages_show_once_on_the_next_page_escaped() -> None:
    client = TestClient(flash_app())

    response = client.post("/flash", status=303).follow()
    again = client.get("/show")

    assert response.status_int == 200
    assert response.text == "[info: Saved &lt;b&gt;it&lt;/b&gt;.][warning: Careful.]0"
    assert again.text == "0"


def test_flashed_messages_without_a_request_are_empty() -> None:
    app = App(secret_key="key")

    rendered = app.templates.environment.from_string("{{ get_flashed_messages() }}").render()

    assert rendered == "[]"
