"""The Response class and the one function that turns what a handler returns into a response."""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import webob

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["HTML", "HandlerResult", "Response", "json_response", "to_response"]

#: What a view handler may return; see `to_response`.
HandlerResult = webob.Response | str | bytes | dict[str, Any] | list[Any]

HTML = "text/html; charset=utf-8"
_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class Response(webob.Response):
    """A WebOb response that defaults to ``text/html; charset=utf-8``."""

    default_content_type = "text/html"
    default_charset = "utf-8"

    # Set by WebOb's constructor; declared for `from_bytes`, which sets them itself.
    _status: str
    _headers: Any
    _headerlist: list[tuple[str, str]]
    _app_iter: Iterable[bytes]

    @classmethod
    def from_bytes(cls, body: bytes, *, status: int = 200, content_type: str = HTML) -> Response:
        """Build a response around a finished body, in a fraction of the general constructor's time.

        WebOb's ``__init__`` sorts out every combination of arguments; with the body, status and
        full content type known, only the attributes it would end up with need setting.
        """
        response = cls.__new__(cls)
        response._status = _STATUS_LINES[status]
        response._headers = None
        response._headerlist = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        response._app_iter = [body]
        response.conditional_response = False
        return response

    def _abs_headerlist(self, environ: WSGIEnvironment) -> list[tuple[str, str]]:
        # WebOb rewrites a relative Location into an absolute URL built from the Host
        # header, which the client controls. RFC 9110 allows relative Locations: send as is.
        return list(self.headerlist)


def json_response(value: Any, status: int = 200) -> Response:
    """Serialise ``value`` as compact UTF-8 JSON."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response.from_bytes(body, status=status, content_type="application/json")


def to_response(result: HandlerResult, handler_name: str = "the handler") -> webob.Response:
    """Turn a handler's return value into a response.

    - a ``Response`` is returned unchanged, another ``webob.Response`` re-wrapped as one;
    - ``str`` becomes a 200 ``text/html; charset=utf-8`` page;
    - ``bytes`` becomes a 200 ``application/octet-stream`` body;
    - ``dict`` or ``list`` becomes a 200 ``application/json`` body.

    Anything else is a programming error, reported with ``handler_name``.
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
    raise TypeError(
        f"{handler_name} returned {type(result).__name__}; "
        "expected a Response, str, bytes, dict or list"
    )
