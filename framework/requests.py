"""The Request class: a WebOb request that knows its app and route, with a safe ``json``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import webob

from . import errors

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .app import App

__all__ = ["Request"]


class Request(webob.Request):
    """A ``webob.Request`` (``GET``, ``POST``, ``params``, ``cookies``, ``headers``, ``body``...).

    The App sets ``app``, ``route_name`` and ``route_params`` before the view runs.
    """

    # Class-level defaults make WebOb store these as plain attributes (its adhoc
    # attribute mechanism would otherwise put them in the environ).
    #: Bodies up to this size are buffered in memory rather than in a temporary file.
    request_body_tempfile_limit = 1024 * 1024

    app: App | None = None
    route_name: str | None = None
    route_params: dict[str, Any] | None = None

    def __init__(self, environ: WSGIEnvironment, app: App | None = None, **kwargs: Any) -> None:
        super().__init__(environ, **kwargs)
        self.__dict__["app"] = app

    def _set_route(self, route_name: str, route_params: dict[str, Any]) -> None:
        # Straight into the instance: WebOb's attribute hook costs more than a route match.
        self.__dict__.update(route_name=route_name, route_params=route_params)

    @property
    def json(self) -> Any:
        """The body parsed as JSON; ``errors.BadRequest`` (400) if it is not JSON."""
        media_type = self.content_type
        if media_type != "application/json" and not (
            media_type.startswith("application/") and media_type.endswith("+json")
        ):
            received = media_type or "no Content-Type"
            raise errors.BadRequest(f"Expected a JSON body (application/json), got {received}.")
        try:
            return json.loads(self.body)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
            raise errors.BadRequest(f"The body is not valid JSON: {error}") from None
        except RecursionError:
            raise errors.BadRequest("The JSON body is nested too deeply.") from None

    def url_for(self, route_name: str, /, **params: Any) -> str:
        """Build the path of a named route, below the mount point (``SCRIPT_NAME``) of this app."""
        if self.app is None:
            raise RuntimeError("this request is not being handled by an App")
        return quote(self.script_name) + self.app.url_for(route_name, **params)
