"""CSRF: on by default for unsafe methods, a per-session token, Origin/Referer over HTTPS."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

import pytest
import webtest

from framework import App, Request, Response, View, csrf
from framework.responses import HandlerResult
from framework.testing import TestClient

HTTPS = {"wsgi.url_scheme": "https", "HTTP_HOST": "shop.example"}


def csrf_app(templates_dir: Path) -> App:
    """A page with a form, a JSON endpoint for scripts, an exempt API and a read-only page."""
    (templates_dir / "form.html").write_text(
        '<form id="comment" method="post" action="/comment">{{ csrf_input() }}'
        '<input name="text"></form><meta name="csrf-token" content="{{ csrf_token() }}">'
    )
    app = App(templates=templates_dir, secret_key="csrf test key")

    @app.route("/comment")
    class Comment(View):
        def get(self, request: Request) -> Response:
            return self.render("form.html")

        def post(self, request: Request) -> str:
            return f"posted {request.POST['text']}"

        def put(self, request: Request) -> str:
            return "put"

        def patch(self, request: Request) -> str:
            return "patched"

        def delete(self, request: Request) -> str:
            return "deleted"

    @app.route("/api/token")
    class Token(View):
        def get(self, request: Request) -> dict[str, str]:
            return {"csrf_token": csrf.get_token(request)}

    @app.route("/api/items")
    class Items(View):
        def post(self, request: Request) -> dict[str, Any]:
            return {"created": request.json}

    @app.route("/api/webhook")
    class Webhook(View):
        csrf_exempt = True

        def post(self, request: Request) -> dict[str, Any]:
            return {"received": request.json}

    @app.route("/read-only")
    class ReadOnly(View):
        def get(self, request: Request) -> str:
            return "read"

    return app


@pytest.fixture
def client(templates_dir: Path) -> TestClient:
    return TestClient(csrf_app(templates_dir))


def token_of(client: webtest.TestApp, **options: Any) -> str:
    token: str = client.get("/api/token", **options).json["csrf_token"]
    return token


def assert_csrf_refusal(response: webtest.TestResponse, reason: str) -> None:
    assert response.status_int == 403
    if response.request.content_type == "application/json":  # JSON in, JSON error out
        assert response.headers["Content-Type"] == "application/json"
        assert response.json["error"]["status"] == 403
        assert reason in response.json["error"]["message"]
        return
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "403 Forbidden" in response.text
    assert "CSRF check failed" in response.text
    assert reason in response.text


def test_the_rendered_form_submits_without_the_test_doing_anything(client: TestClient) -> None:
    form = client.get("/comment").forms["comment"]
    form["text"] = "hello"

    response = form.submit()

    assert response.status_int == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == "posted hello"


def test_a_forged_post_without_a_token_is_403(client: TestClient) -> None:
    client.get("/comment")  # the victim has a session and a token

    response = client.post("/comment", {"text": "forged"}, status=403)

    assert_csrf_refusal(response, "the request carries no CSRF token")
    assert "forged" not in response.text


def test_a_post_without_any_session_is_403(client: TestClient) -> None:
    response = client.post("/comment", {"text": "forged", "csrf_token": "guess"}, status=403)

    assert_csrf_refusal(response, "this session has no CSRF token")


def test_a_token_from_another_session_is_403(templates_dir: Path) -> None:
    app = csrf_app(templates_dir)
    attacker, victim = TestClient(app), TestClient(app)
    attackers_token = token_of(attacker)
    victim.get("/comment")

    response = victim.post(
        "/comment", {"text": "forged", "csrf_token": attackers_token}, status=403
    )

    assert_csrf_refusal(response, "the CSRF token is not this session")


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_every_unsafe_method_is_checked(client: TestClient, method: str) -> None:
    token = token_of(client)

    refused = client.request("/comment", method=method, status=403)
    allowed = client.request("/comment", method=method, headers={"X-CSRF-Token": token})

    assert_csrf_refusal(refused, "no CSRF token")
    assert allowed.status_int == 200
    assert allowed.text in ("put", "patched", "deleted")


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_are_not_checked(client: TestClient, method: str) -> None:
    response = client.request("/read-only", method=method)

    assert response.status_int in (200, 204)
    assert response.headers.getall("Set-Cookie") == []


def test_a_script_sends_the_token_in_the_header_with_the_session_cookie(
    client: TestClient,
) -> None:
    token = token_of(client)

    response = client.post_json("/api/items", {"name": "pen"}, headers={"X-CSRF-Token": token})

    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json == {"created": {"name": "pen"}}


@pytest.mark.parametrize(
    "sent",
    ["wrong", "", "é-not-ascii", "x" * 1000],
)
def test_a_wrong_header_token_is_403_never_500(client: TestClient, sent: str) -> None:
    token_of(client)

    response = client.post_json(
        "/api/items",
        {"name": "pen"},
        headers={"X-CSRF-Token": sent.encode().decode("latin-1")},
        status=403,
    )

    assert_csrf_refusal(response, "CSRF")


def test_an_exempt_view_takes_posts_without_a_token(client: TestClient) -> None:
    response = client.post_json("/api/webhook", {"event": "paid"})

    assert response.status_int == 200
    assert response.json == {"received": {"event": "paid"}}


def test_405_comes_before_the_csrf_check(client: TestClient) -> None:
    response = client.post("/read-only", {"text": "x"}, status=405)

    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert "CSRF" not in response.text


def test_an_overridden_dispatch_calling_super_keeps_the_check(templates_dir: Path) -> None:
    app = App(templates=templates_dir, secret_key="key")
    calls: list[str] = []

    @app.route("/audited")
    class Audited(View):
        def dispatch(self, request: Request, /, **params: Any) -> HandlerResult:
            calls.append(request.method)
            return super().dispatch(request, **params)

        def post(self, request: Request) -> str:
            return "done"

    response = TestClient(app).post("/audited", status=403)

    assert calls == ["POST"]
    assert_csrf_refusal(response, "no CSRF token")


def test_the_comparison_is_constant_time(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = token_of(client)
    compared: list[tuple[bytes, bytes]] = []
    real_compare = hmac.compare_digest

    def spy(first: bytes, second: bytes) -> bool:
        compared.append((first, second))
        return real_compare(first, second)

    monkeypatch.setattr(csrf.hmac, "compare_digest", spy)
    client.post("/comment", {"text": "hi", "csrf_token": token})

    assert (token.encode(), token.encode()) in compared  # itsdangerous compares signatures too


def test_the_token_works_in_a_multipart_form(client: TestClient) -> None:
    token = token_of(client)

    response = client.post(
        "/comment",
        {"text": "with a file", "csrf_token": token},
        upload_files=[("attachment", "notes.txt", b"contents")],
    )

    assert response.status_int == 200
    assert response.text == "posted with a file"


def test_csrf_input_and_csrf_token_render_the_same_session_token(client: TestClient) -> None:
    page = client.get("/comment")
    token = page.html.find("meta", attrs={"name": "csrf-token"})["content"]
    field = page.html.find("input", attrs={"name": "csrf_token"})

    assert field["type"] == "hidden"
    assert field["value"] == token
    assert len(token) >= 40
    assert token_of(client) == token  # one token per session, not per page


def test_csrf_input_without_a_request_is_a_clear_error(templates_dir: Path) -> None:
    app = App(templates=templates_dir, secret_key="key")

    with pytest.raises(RuntimeError, match="need the request"):
        app.templates.environment.from_string("{{ csrf_input() }}").render()


def test_the_csrf_failure_page_uses_the_apps_403_template(templates_dir: Path) -> None:
    (templates_dir / "403.html").write_text("<h1>Refused</h1><p>{{ error.detail }}</p>")
    app = csrf_app(templates_dir)

    response = TestClient(app).post("/comment", status=403)

    assert response.text.startswith("<h1>Refused</h1><p>CSRF check failed:")


# HTTPS: the Origin (or Referer) must be this host as well.


def https_post(client: TestClient, headers: dict[str, str], status: int) -> Any:
    token = token_of(client, extra_environ=HTTPS)
    return client.post(
        "/comment",
        {"text": "hi", "csrf_token": token},
        headers=headers,
        extra_environ=HTTPS,
        status=status,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://shop.example"},
        {"Origin": "https://shop.example:443"},
        {"Referer": "https://shop.example/comment"},
        {"Referer": "https://SHOP.example:443/comment?x=1"},
    ],
)
def test_https_posts_from_this_origin_pass(client: TestClient, headers: dict[str, str]) -> None:
    response = https_post(client, headers, status=200)

    assert response.text == "posted hi"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Origin": "https://evil.example"}, "Origin header names another site"),
        ({"Origin": "http://shop.example"}, "Origin header names another site"),
        ({"Origin": "https://shop.example:8443"}, "Origin header names another site"),
        ({"Origin": "null"}, "Origin header names another site"),
        ({"Origin": "https://shop.example:99999"}, "Origin header names another site"),
        ({"Referer": "https://evil.example/shop.example"}, "Referer header names another site"),
        ({"Referer": "https://shop.example.evil.example/"}, "Referer header names another site"),
        ({}, "must send an Origin or Referer header"),
    ],
)
def test_https_posts_from_elsewhere_are_403(
    client: TestClient, headers: dict[str, str], reason: str
) -> None:
    response = https_post(client, headers, status=403)

    assert_csrf_refusal(response, reason)


def test_plain_http_posts_need_no_origin_or_referer(client: TestClient) -> None:
    token = token_of(client)

    response = client.post("/comment", {"text": "hi", "csrf_token": token})

    assert response.text == "posted hi"
