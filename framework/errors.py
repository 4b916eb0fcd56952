"""HTTP errors: exceptions that are also responses.

Raise one from a view (``raise errors.NotFound()``) and the App turns it into an
error page in one place. Each class subclasses the matching ``webob.exc`` class,
so code that catches WebOb's exceptions catches these too.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable
from typing import Any

import webob.exc

__all__ = [
    "BadRequest",
    "Forbidden",
    "Gone",
    "HTTPError",
    "InternalServerError",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "PermanentRedirect",
    "SeeOther",
    "TemporaryRedirect",
    "URITooLong",
    "Unauthorized",
    "UnsupportedMediaType",
    "default_page",
    "json_error",
    "traceback_page",
]


# The headers WebOb's constructor gives an error with a body, before its own headers.
_WEBOB_ERROR_HEADERS = [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "0")]


class HTTPError(webob.exc.WSGIHTTPException):
    """Base class of the framework's HTTP errors; ``detail`` is shown on the error page."""

    def __init__(
        self,
        detail: str | None = None,
        headers: Iterable[tuple[str, str]] | None = None,
        comment: str | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:  # location=, body_template=...: WebOb's general constructor
            super().__init__(detail, headers, comment, **kwargs)
            return
        # PERF(S5t): every 404 with a 404.html raises one of these, and WebOb's constructor costs
        # more than the rest of the 404 together. Set what it sets (tests/test_errors.py compares
        # the two); App.error_response builds the page.
        Exception.__init__(self, detail)
        self.detail = detail
        self.comment = comment
        self._status = f"{self.code} {self.title}"
        self._headers = None
        own_headers = [] if self.empty_body else _WEBOB_ERROR_HEADERS
        self._headerlist = [*own_headers, *headers] if headers else own_headers[:]
        self._app_iter = [b""]
        self.conditional_response = False


class PermanentRedirect(HTTPError, webob.exc.HTTPPermanentRedirect):
    """308: the resource lives at ``location`` for good; the method and body are kept."""


class TemporaryRedirect(HTTPError, webob.exc.HTTPTemporaryRedirect):
    """307: the resource is at ``location`` for now; the method and body are kept."""


class SeeOther(HTTPError, webob.exc.HTTPSeeOther):
    """303: fetch ``location`` with GET (the answer to a successful form POST)."""


class BadRequest(HTTPError, webob.exc.HTTPBadRequest):
    """400: the request is malformed (bad JSON, undecodable path, bad form data...)."""


class Unauthorized(HTTPError, webob.exc.HTTPUnauthorized):
    """401: authentication is required."""


class Forbidden(HTTPError, webob.exc.HTTPForbidden):
    """403: the request is understood but refused (a failed CSRF check, say)."""


class NotFound(HTTPError, webob.exc.HTTPNotFound):
    """404: no route matches the path, or the view found nothing for its parameters."""


class MethodNotAllowed(HTTPError, webob.exc.HTTPMethodNotAllowed):
    """405: the route exists but its view has no handler for the method."""

    def __init__(self, detail: str | None = None, *, allowed: Iterable[str] = ()) -> None:
        allowed = list(allowed)
        super().__init__(detail, headers=[("Allow", ", ".join(allowed))] if allowed else None)
        self.allowed = allowed


class Gone(HTTPError, webob.exc.HTTPGone):
    """410: the resource was here and is gone for good (a redirect with no target, say)."""


class PayloadTooLarge(HTTPError, webob.exc.HTTPRequestEntityTooLarge):
    """413: the request body is larger than the app accepts."""


class URITooLong(HTTPError, webob.exc.HTTPRequestURITooLong):
    """414: the path is longer than the app accepts."""


class UnsupportedMediaType(HTTPError, webob.exc.HTTPUnsupportedMediaType):
    """415: the body's content type is not one the view reads."""


class InternalServerError(HTTPError, webob.exc.HTTPInternalServerError):
    """500: the view failed; the details go to the log, never to the client."""


def default_page(error: webob.exc.WSGIHTTPException) -> bytes:
    """Render the built-in error page: the status, and the detail or explanation, escaped.

    A redirect's page names its target, as a link, after the explanation.
    """
    location = error.location if 300 <= error.code < 400 else None
    if location:
        message = str(error.detail or error.explanation)
        link = html.escape(location)
        body = f'<p>{html.escape(message)} <a href="{link}">{link}</a></p>'
        return _html_page(f"{error.code} {error.title}", body)
    if not error.detail:
        return _page_without_detail(error.code, error.title, error.explanation)
    return _page(error.code, error.title, str(error.detail))


def json_error(error: webob.exc.WSGIHTTPException, traceback: str | None = None) -> dict[str, Any]:
    """The JSON answer to an error: ``{"error": {"status": 404, "message": "..."}}``.

    ``traceback`` is added only when given (the App gives it in debug mode only).
    """
    body: dict[str, Any] = {"status": error.code, "message": str(error.detail or error.explanation)}
    if traceback is not None:
        body["traceback"] = traceback
    return {"error": body}


def traceback_page(method: str, path: str, formatted_traceback: str) -> bytes:
    """Render the debug page for an unexpected exception (only ever shown with ``debug=True``)."""
    title = f"500 Internal Server Error: {method} {path}"
    return _html_page(title, f"<pre>{html.escape(formatted_traceback)}</pre>")


@functools.cache
def _page_without_detail(code: int, title: str, explanation: str) -> bytes:
    # PERF(S5): class attributes only (never client text), so the cache stays small.
    return _page(code, title, explanation)


def _page(code: int, title: str, message: str) -> bytes:
    return _html_page(f"{code} {title}", f"<p>{html.escape(message)}</p>")


def _html_page(title: str, body: str) -> bytes:
    """A minimal page: ``title`` (escaped here) as title and heading, then ``body`` (HTML)."""
    title = html.escape(title)
    return (
        f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body><h1>{title}</h1>\n{body}</body></html>\n"
    ).encode()
