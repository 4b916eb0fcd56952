"""`raw`: hand-written plain WSGI, the practical floor.

A dict for static routes and one precompiled `re` for the parameterised route;
no request or response objects.  Anything a framework adds is measured against this.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
from urllib.parse import parse_qs

from .common import (
    HELLO,
    ITEMS,
    NOT_FOUND_TEXT,
    TEMPLATE_404_DIR,
    TITLE,
    form_text,
    jinja_env,
    post_text,
    saved_text,
    scaling_text,
)

_TEMPLATE = jinja_env().get_template("items.html")  # looked up once: the floor
_NOT_FOUND_TEMPLATE = jinja_env(TEMPLATE_404_DIR).get_template("404.html")
_POST_RE = re.compile(r"/users/([0-9]+)/posts/([^/]+)\Z")


def _send(start_response, status, content_type, body, headers=()):
    start_response(
        status,
        [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers],
    )
    return [body]


def _not_found(environ, start_response):
    body = NOT_FOUND_TEXT.encode()
    return _send(start_response, "404 Not Found", "text/plain; charset=utf-8", body)


def _not_found_page(environ, start_response):
    body = _NOT_FOUND_TEMPLATE.render(request={"path": environ.get("PATH_INFO") or "/"}).encode()
    return _send(start_response, "404 Not Found", "text/html; charset=utf-8", body)


def _read_body(environ):
    length = environ.get("CONTENT_LENGTH")
    if not length:
        return b""
    return environ["wsgi.input"].read(int(length))


def hello(environ, start_response):
    return _send(start_response, "200 OK", "text/plain; charset=utf-8", HELLO.encode())


def items(environ, start_response):
    html = _TEMPLATE.render(title=TITLE, items=ITEMS)
    return _send(start_response, "200 OK", "text/html; charset=utf-8", html.encode())


def echo(environ, start_response):
    data = json.loads(_read_body(environ))
    return _send(start_response, "200 OK", "application/json", json.dumps(data).encode())


def form(environ, start_response):
    fields = parse_qs(_read_body(environ).decode("latin-1"))
    query = parse_qs(environ.get("QUERY_STRING", ""))
    text = form_text(fields["a"][0], fields["b"][0], query["q"][0])
    return _send(start_response, "200 OK", "text/plain; charset=utf-8", text.encode())


_STATIC = {
    ("GET", "/hello"): hello,
    ("GET", "/items"): items,
    ("POST", "/echo"): echo,
    ("POST", "/form"): form,
}


def _make_app(not_found):
    def app(environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO") or "/"
        handler = _STATIC.get((method, path))
        if handler is not None:
            return handler(environ, start_response)
        if method == "GET":
            match = _POST_RE.match(path)
            if match is not None:
                body = post_text(int(match.group(1)), match.group(2)).encode()
                return _send(start_response, "200 OK", "text/html; charset=utf-8", body)
        return not_found(environ, start_response)

    return app


app = _make_app(_not_found)
app_404 = _make_app(_not_found_page)  # S5 with a 404 page rendered from a template

# S1 with a Host allow-list: the host name (port dropped) must be one of these.
_ALLOWED_HOSTS = frozenset({"127.0.0.1", "example.com"})


def hosts_app(environ, start_response):
    host = environ.get("HTTP_HOST", "").rpartition(":")[0] or environ.get("HTTP_HOST", "")
    if host.lower() not in _ALLOWED_HOSTS:
        body = b"Bad Request"
        return _send(start_response, "400 Bad Request", "text/plain; charset=utf-8", body)
    return app(environ, start_response)


# S7: a signed-cookie session holding a CSRF token, checked on POST; the POST writes the session.
_KEY = b"bench secret key, not a secret"


def _sign(session):
    payload = base64.urlsafe_b64encode(json.dumps(session).encode())
    mac = base64.urlsafe_b64encode(hmac.new(_KEY, payload, hashlib.sha256).digest())
    return (payload + b"." + mac).decode()


def _unsign(cookie_header):
    for part in cookie_header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "session":
            payload, _, mac = value.encode().partition(b".")
            expected = base64.urlsafe_b64encode(hmac.new(_KEY, payload, hashlib.sha256).digest())
            if hmac.compare_digest(mac, expected):
                return json.loads(base64.urlsafe_b64decode(payload))
    return {}


def _session_cookie(session):
    return ("Set-Cookie", f"session={_sign(session)}; HttpOnly; Path=/; SameSite=Lax")


def csrf_app(environ, start_response):
    if environ.get("PATH_INFO") != "/csrf":
        return _not_found(environ, start_response)
    session = _unsign(environ.get("HTTP_COOKIE", ""))
    if environ["REQUEST_METHOD"] == "GET":
        token = session.setdefault("csrf", secrets.token_urlsafe(32))
        headers = (_session_cookie(session),)
        return _send(start_response, "200 OK", "text/plain", token.encode(), headers)
    fields = parse_qs(_read_body(environ).decode())
    sent = fields.get("csrf_token", [""])[0].encode()
    if not hmac.compare_digest(sent, session.get("csrf", "").encode()) or not sent:
        return _send(start_response, "403 Forbidden", "text/plain", b"CSRF check failed")
    session["note"] = fields["note"][0]
    body = saved_text(session["note"]).encode()
    return _send(start_response, "200 OK", "text/plain", body, (_session_cookie(session),))


def make_app(n_routes, shape="plain"):
    """N routes `{prefix}/r{i}/{id:d}`, indexed by their `r{i}` segment: the floor."""
    by_name = {f"r{i}": (re.compile(r"r[0-9]+/([0-9]+)\Z"), i) for i in range(n_routes)}
    prefix = {"plain": "/", "prefix": "/api/", "field": None}[shape]

    def scaled(environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        if prefix is None:  # /{lang}/r{i}/{id}: drop the field's segment
            rest = path[1:].partition("/")[2]
        else:
            rest = path[len(prefix) :] if path.startswith(prefix) else ""
        entry = by_name.get(rest.partition("/")[0])
        if entry is not None and environ["REQUEST_METHOD"] == "GET":
            match = entry[0].match(rest)
            if match is not None:
                body = scaling_text(entry[1], int(match.group(1))).encode()
                return _send(start_response, "200 OK", "text/plain; charset=utf-8", body)
        return _not_found(environ, start_response)

    return scaled
