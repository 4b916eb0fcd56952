"""The Response class and the one function that turns what a handler returns into a response."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

import webob
from webob.response import EmptyResponse
from webob.util import status_generic_reasons, status_reasons

from .security import CONTROL_CHARACTERS

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .requests import Request

__all__ = [
    "HTML",
    "HandlerResult",
    "Redirect",
    "RedirectError",
    "Response",
    "json_response",
    "redirect",
    "safe_next",
    "to_response",
]

#: What a view handler may return; see `to_response`.
HandlerResult = webob.Response | str | bytes | dict[str, Any] | list[Any]

HTML = "text/html; charset=utf-8"
# WebOb's reason phrases first, so a status line reads as webob.Response(status=N) writes it on
# every Python (http.HTTPStatus renamed some: 413 is "Content Too Large" from 3.13).
_REASONS = {status.value: status.phrase for status in HTTPStatus} | status_reasons
_STATUS_LINES = {code: f"{code} {reason}" for code, reason in _REASONS.items()}


_new_object = object.__new__  # an instance without running __init__


def _status_line(status: int) -> str:
    """The status line of a code with no reason phrase of its own (599): its class's, as WebOb
    writes it (``599 Unknown Server Error``); a code outside 100-599 is a ValueError."""
    if not (isinstance(status, int) and 100 <= status <= 599):
        raise ValueError(f"an HTTP status must be an int from 100 to 599, not {status!r}")
    return f"{status} {status_generic_reasons[status // 100]}"


# PERF(S1): Content-Length values of the usual small bodies, spelled once (str() per response
# measured 0.07 us of S1's 1.8).
_SMALL_LENGTHS = tuple(str(length) for length in range(4096))
_HTML_CONTENT_TYPE = ("Content-Type", HTML)


class Response(webob.Response):
    """A WebOb response that defaults to ``text/html; charset=utf-8``."""

    default_content_type = "text/html"
    default_charset = "utf-8"

    # Set by WebOb's constructor; declared for `from_bytes`, which sets the first three itself
    # and leaves these two at their class defaults (what WebOb would set them to).
    _status: str
    _headerlist: list[tuple[str, str]]
    _app_iter: Iterable[bytes]
    _headers: Any = None
    conditional_response: bool = False

    def __init__(
        self,
        *args: Any,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """WebOb's constructor, except that ``headers=`` adds to the default headers.

        WebOb replaces the whole header list with ``headers``, so ``Response("Blub",
        headers={"X-Method": "GET"})`` lost its Content-Type and Content-Length (and failed
        ``wsgiref.validate``). A header given here replaces a default of the same name.
        """
        super().__init__(*args, **kwargs)
        if headers is not None:
            self.set_headers(headers)

    def set_headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Add ``headers``, each replacing the headers of its name the response had (repeats
        in ``headers`` itself, two ``Set-Cookie`` say, are all kept)."""
        given = list(headers.items() if isinstance(headers, Mapping) else headers)
        replaced = {name.lower() for name, _ in given}
        self._headerlist[:] = [
            (name, value) for name, value in self._headerlist if name.lower() not in replaced
        ] + given

    @classmethod
    def from_bytes(cls, body: bytes, *, status: int = 200, content_type: str = HTML) -> Response:
        """Build a response around a finished body, in a fraction of the general constructor's time.

        WebOb's ``__init__`` sorts out every combination of arguments; with the body, status and
        full content type known, only the attributes it would end up with need setting. For a
        status with a body (not 1xx, 204, 205 or 304, which the framework builds otherwise).
        """
        # PERF(S1): tests/test_responses.py compares it with the general constructor.
        response: Response = _new_object(cls)
        try:
            response._status = _STATUS_LINES[status]
        except KeyError:  # a code with no reason phrase of its own, or no status at all
            response._status = _status_line(status)
        length = len(body)
        response._headerlist = [
            ("Content-Type", content_type),
            ("Content-Length", _SMALL_LENGTHS[length] if length < 4096 else str(length)),
        ]
        response._app_iter = [body]
        return response

    @classmethod
    def page(cls, text: str) -> Response:
        """A 200 ``text/html; charset=utf-8`` page of ``text``: ``from_bytes(text.encode())``.

        PERF(S1): what a handler returning ``str`` becomes, without from_bytes' arguments and
        status lookup (tests/test_responses.py checks both give the same response).
        """
        response: Response = _new_object(cls)
        response._status = "200 OK"
        body = text.encode()
        length = len(body)
        response._headerlist = [
            _HTML_CONTENT_TYPE,
            ("Content-Length", _SMALL_LENGTHS[length] if length < 4096 else str(length)),
        ]
        response._app_iter = [body]
        return response

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Send the response; WebOb's ``__call__`` minus its detours when nothing is conditional."""
        # PERF(S1): tests/test_responses.py compares what it sends with the general constructor's.
        if self.conditional_response:
            return super().__call__(environ, start_response)
        start_response(self._status, self._headerlist[:])
        if environ["REQUEST_METHOD"] == "HEAD":
            return EmptyResponse(self._app_iter)  # no body, but the app_iter is still closed
        return self._app_iter

    def _abs_headerlist(self, environ: WSGIEnvironment) -> list[tuple[str, str]]:
        # WebOb rewrites a relative Location into an absolute URL built from the Host
        # header, which the client controls. RFC 9110 allows relative Locations: send as is.
        return list(self.headerlist)


def json_response(value: Any, status: int = 200) -> Response:
    """Serialise ``value`` as compact UTF-8 JSON."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response.from_bytes(body, status=status, content_type="application/json")


def to_response(result: HandlerResult, source: object = "the handler") -> webob.Response:
    """Turn a handler's return value into a response.

    - a ``Response`` is returned unchanged, another ``webob.Response`` re-wrapped as one;
    - ``str`` becomes a 200 ``text/html; charset=utf-8`` page;
    - ``bytes`` becomes a 200 ``application/octet-stream`` body;
    - ``dict`` or ``list`` becomes a 200 ``application/json`` body.

    Anything else is a programming error, reported with ``source``: a name, or the view
    (named by its class).
    """
    if isinstance(result, Response):
        return result
    if isinstance(result, webob.Response):
        # Re-wrapped so that its Location is sent as given (see Response._abs_headerlist).
        return Response(
            status=result.status,
            headerlist=result.headerlist,
            app_iter=result.app_iter,
            conditional_response=result.conditional_response,
        )
    if isinstance(result, str):
        return Response.from_bytes(result.encode("utf-8"))
    if isinstance(result, bytes):
        return Response.from_bytes(result, content_type="application/octet-stream")
    if isinstance(result, (dict, list)):
        return json_response(result)
    name = source if isinstance(source, str) else type(source).__name__
    raise TypeError(
        f"{name} returned {type(result).__name__}; expected a Response, str, bytes, dict or list"
    )


class RedirectError(ValueError):
    """A redirect that would leave this site (or carries control characters) was refused."""


REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Characters a Location keeps as they are: RFC 3986 reserved ones and existing %-escapes.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


class Redirect(Response):
    """A redirect from `redirect`; a route's URL is filled in by the App, which knows the mount."""

    route_name: str | None = None
    route_params: dict[str, Any] | None = None

    def resolve(self, request: Request) -> None:
        """Set ``Location`` to the route's URL under the request's mount point, if a route."""
        if self.route_name is not None:
            self.location = request.url_for(self.route_name, **(self.route_params or {}))


def redirect(
    url_or_route_name: str | None,
    /,
    *,
    status: int = 303,
    allow_external: bool = False,
    fallback: str | None = None,
    **params: Any,
) -> Redirect:
    """Return a redirect (303 See Other by default) to a URL on this site or to a named route.

    A target holding ``/``, ``\\``, ``:``, or starting with ``.``, ``?`` or ``#`` is a URL;
    anything else is a route name, built with ``params`` (``redirect("user", id=3)``).
    A URL to another host (``https://evil.com``, ``//evil.com``, ``/\\evil.com``,
    ``https:evil.com``) raises `RedirectError` unless ``allow_external=True``, and then only
    http and https are allowed; control characters (CR/LF) always raise.

    With ``fallback``, the target is a value from the user (``?next=``): it is followed only
    if `safe_next` accepts it, else the redirect goes to ``fallback`` (a route name, built with
    ``params``, or a URL), and nothing raises: ``redirect(request.GET.get("next"),
    fallback="home")``.
    """
    if status not in REDIRECT_STATUSES:
        raise ValueError(
            f"redirect status must be one of {sorted(REDIRECT_STATUSES)}, not {status}"
        )
    if fallback is not None:
        next_path = safe_next(url_or_route_name)
        if next_path is None:
            return redirect(fallback, status=status, allow_external=allow_external, **params)
        response = Redirect(status=status)
        response.location = _safe_location(next_path, allow_external=False)
        return response
    if url_or_route_name is None:
        raise TypeError("redirect() needs a URL or a route name (or a fallback=)")
    response = Redirect(status=status)
    target = url_or_route_name
    if target.startswith((".", "?", "#")) or any(mark in target for mark in "/\\:"):
        if params:
            raise TypeError(f"redirect to the URL {target!r} takes no route parameters")
        response.location = _safe_location(target, allow_external)
    else:
        response.route_name = target
        response.route_params = params
    return response


def safe_next(value: object, fallback: str | None = None) -> str | None:
    """``value`` if it is a path on this site that is safe to redirect to, else ``fallback``.

    For a ``?next=`` value from the user, to redirect to or to put in a form. Only paths
    starting with one ``/`` pass: not ``//evil.com``, ``/\\evil.com``, ``https:evil.com``, a
    route name, anything with control characters (``/%0d%0a...`` included, once decoded),
    nor a non-string (an absent field, an uploaded file).
    """
    if not isinstance(value, str) or not value.startswith("/"):
        return fallback
    decoded = unquote(value)
    if CONTROL_CHARACTERS.search(decoded) or decoded.replace("\\", "/").startswith("//"):
        return fallback
    try:
        _safe_location(value, allow_external=False)
    except RedirectError:
        return fallback
    return value


def _safe_location(url: str, allow_external: bool) -> str:
    """Check a redirect URL as a browser would read it, and percent-encode what needs it."""
    if CONTROL_CHARACTERS.search(url):
        raise RedirectError(f"refusing a redirect URL with control characters: {url!r}")
    # Browsers strip spaces around a URL and read "\\" as "/" (WHATWG URL standard).
    as_read = url.strip(" ").replace("\\", "/")
    try:
        parts = urlsplit(as_read)
    except ValueError as error:
        raise RedirectError(f"refusing an unparsable redirect URL {url!r}: {error}") from None
    if as_read.startswith("//") or parts.scheme or parts.netloc:
        if not allow_external:
            raise RedirectError(
                f"refusing to redirect to another host: {url!r} "
                "(pass allow_external=True if that is intended)"
            )
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RedirectError(f"refusing a redirect that is not an http(s) URL: {url!r}")
    return quote(as_read, safe=_URL_SAFE)
