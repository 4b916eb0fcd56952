"""`raw`: hand-written plain WSGI, the practical floor.

A dict for static routes and one precompiled `re` for the parameterised route;
no request or response objects.  Anything a framework adds is measured against this.
"""

import json
import re
from urllib.parse import parse_qs

from .common import (
    HELLO,
    ITEMS,
    NOT_FOUND_TEXT,
    TITLE,
    form_text,
    jinja_env,
    post_text,
    scaling_text,
)

_TEMPLATE = jinja_env().get_template("items.html")  # looked up once: the floor
_POST_RE = re.compile(r"/users/([0-9]+)/posts/([^/]+)\Z")


def _send(start_response, status, content_type, body):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _not_found(start_response):
    body = NOT_FOUND_TEXT.encode()
    return _send(start_response, "404 Not Found", "text/plain; charset=utf-8", body)


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
    return _not_found(start_response)


def make_app(n_routes):
    """N routes /r{i}/{id:d}: the floor indexes them by their static first segment."""
    by_prefix = {f"r{i}": (re.compile(rf"/r{i}/([0-9]+)\Z"), i) for i in range(n_routes)}

    def scaled(environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        entry = by_prefix.get(path[1:].partition("/")[0])
        if entry is not None and environ["REQUEST_METHOD"] == "GET":
            match = entry[0].match(path)
            if match is not None:
                body = scaling_text(entry[1], int(match.group(1))).encode()
                return _send(start_response, "200 OK", "text/plain; charset=utf-8", body)
        return _not_found(start_response)

    return scaled
