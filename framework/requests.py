"""The Request class: a WebOb request that knows its app and route, with safe parsing.

``GET``, ``POST``, ``body`` and ``json`` answer bad or oversized input with a 4xx (see
parsing.py); ``session`` is read from its cookie only when first used.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

import webob
from webob.multidict import GetDict, MultiDict, NoVars

from . import errors, negotiation
from .parsing import (
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_MAX_FORM_FIELDS,
    MAX_JSON_DEPTH,
    UploadedFile,
    declared_length,
    parse_json,
    parse_multipart,
    parse_query,
    parse_urlencoded,
    read_body,
    read_exactly,
)
from .sessions import Session, add_flash

if TYPE_CHECKING:
    from typing import IO

    from _typeshed.wsgi import WSGIEnvironment

    from .app import App
    from .routing import Route

__all__ = ["MAX_JSON_DEPTH", "Request"]


_URLENCODED = "application/x-www-form-urlencoded"
_new_object = object.__new__  # an instance without running __init__
# What WebOb's `path` leaves as it is: urllib's always-safe characters and its PATH_SAFE.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~/!$&'()*+,;=:@-]*")


class Request(webob.Request):
    """A ``webob.Request`` (``GET``, ``POST``, ``params``, ``cookies``, ``headers``, ``body``...).

    The App sets ``app``, ``route_name`` and ``route_params`` before the view runs, and reads
    ``loaded_session`` and ``open_files`` once the view returned.
    """

    #: Bodies up to this size are buffered in memory rather than in a temporary file.
    request_body_tempfile_limit = 1024 * 1024

    # Class-level defaults make WebOb store these as plain attributes (its adhoc
    # attribute mechanism would otherwise put them in the environ). The per-request
    # caches below are written through __dict__: WebOb's __setattr__ hook costs more.
    app: App | None = None
    route_name: str | None = None
    route_params: dict[str, Any] | None = None
    #: The session once something read ``session``, else None: what the App saves (and
    #: answers with ``Vary: Cookie``) after the view.
    loaded_session: Session | None = None
    #: Files this request opened (a body spooled to disk, uploads), closed by `close_files`.
    open_files: list[IO[bytes]] | None = None
    _query: tuple[str, GetDict] | None = None
    _form: tuple[object, MultiDict[str, Any] | NoVars] | None = None
    _body: tuple[object, bytes] | None = None  # (the wsgi.input it was read from, the bytes)

    def __init__(
        self,
        environ: WSGIEnvironment,
        app: App | None = None,
        route_name: str | None = None,
        route_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs or type(environ) is not dict:
            super().__init__(environ, **kwargs)  # WebOb's checks and legacy arguments
        # PERF(S1): what WebOb's constructor sets for a plain environ, and the route, written
        # straight into the instance: every request pays for this, and WebOb's hook costs more.
        attributes = self.__dict__
        attributes["environ"] = environ
        attributes["app"] = app
        attributes["route_name"] = route_name
        attributes["route_params"] = route_params

    @property
    def path(self) -> str:
        """The path below the host, ``SCRIPT_NAME`` + ``PATH_INFO``, percent-encoded as by WebOb."""
        environ = self.environ
        path: str = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if _PLAIN_PATH.fullmatch(path):
            # PERF(S5t): nothing to encode, which is nearly every path: WebOb's encode, quote and
            # join would give it back unchanged, at ten times the cost.
            return path
        webob_path: str = super().path
        return webob_path

    @property
    def route(self) -> Route | None:
        """The matched route (``route.name``, ``route.pattern``): None when no route matched.

        For logs and metrics, where the pattern groups requests and the path would not.
        """
        if self.app is None or self.route_name is None:
            return None
        return self.app.router.route_named(self.route_name)

    @property
    def session(self) -> Session:
        """The session, read from its signed cookie on first use (an empty dict if none)."""
        session = self.loaded_session
        if session is None:
            if self.app is None:
                raise RuntimeError("this request is not being handled by an App")
            session = self.__dict__["loaded_session"] = self.app.sessions.load(self)
        return session

    @property
    def user(self) -> Any:
        """The logged-in user, loaded by the App's ``user_loader`` on first use (once per request).

        None when anonymous, or when the loader returns None (a user deleted since login).
        """
        attributes = self.__dict__
        if "_user" not in attributes:
            if self.app is None:
                raise RuntimeError("this request is not being handled by an App")
            attributes["_user"] = self.app.load_user(self)
        return attributes["_user"]

    def forget_user(self) -> None:
        """Load ``user`` again on next use (``login`` and ``logout`` changed it)."""
        self.__dict__.pop("_user", None)

    def flash(self, message: str, category: str = "info") -> None:
        """Show ``message`` on the next page that calls ``get_flashed_messages()``."""
        add_flash(self.session, message, category)

    @property
    def max_body_size(self) -> int:
        """The largest body read, in bytes: the App's ``max_body_size``."""
        return self.app.max_body_size if self.app is not None else DEFAULT_MAX_BODY_SIZE

    @property
    def max_form_fields(self) -> int:
        """The most fields parsed from a query or a form: the App's ``max_form_fields``."""
        return self.app.max_form_fields if self.app is not None else DEFAULT_MAX_FORM_FIELDS

    @property
    def GET(self) -> GetDict:
        """The query string's fields: strict UTF-8 (else 400), split on ``&`` only."""
        query_string = self.environ.get("QUERY_STRING", "")
        cached = self._query
        if cached is not None and cached[0] == query_string:
            return cached[1]
        # PERF(S6): GetDict(pairs, environ) without its constructor, which probes its argument
        # for items() and copies it: a MultiDict is the list of its pairs (as view_list makes it).
        fields: GetDict = _new_object(GetDict)
        fields._items = parse_query(query_string, self.max_form_fields)  # type: ignore[attr-defined]
        fields.env = self.environ
        self.__dict__["_query"] = (query_string, fields)
        return fields

    @property
    def POST(self) -> MultiDict[str, Any] | NoVars:
        """The form fields of an urlencoded or multipart body, files as ``UploadedFile``.

        Other bodies give an empty ``NoVars``, as in WebOb. Too large a body or too many
        fields is a 413; undecodable, malformed or cut-off bodies are a 400.
        """
        environ = self.environ
        cached = self._form
        if cached is not None and cached[0] is environ.get("wsgi.input"):
            return cached[1]
        content_type: str = environ.get("CONTENT_TYPE", "")
        if content_type != _URLENCODED:  # PERF(S6): the usual form's type needs no parsing
            content_type = self.media_type
        form: MultiDict[str, Any] | NoVars
        if content_type == "multipart/form-data":
            stream = self._buffered_body()
            fields = parse_multipart(
                stream,
                self.headers.get("Content-Type", ""),
                self.content_length or 0,
                self.max_form_fields,
            )
            for _, value in fields:
                if isinstance(value, UploadedFile):
                    self._keep_open(value.file)
            form = MultiDict(fields)
        elif content_type == _URLENCODED or (
            content_type == "" and environ["REQUEST_METHOD"] == "POST"
        ):
            # PERF(S6): MultiDict.view_list(pairs) without the empty MultiDict it builds first.
            form = _new_object(MultiDict)
            form._items = parse_urlencoded(self.body, self.max_form_fields)  # type: ignore[attr-defined]
        else:
            form = NoVars(f"Not an HTML form submission (Content-Type: {content_type})")
        self.__dict__["_form"] = (environ.get("wsgi.input"), form)
        return form

    def _keep_open(self, file: IO[bytes]) -> None:
        """Remember a file this request opened, for `close_files`."""
        open_files = self.open_files
        if open_files is None:
            open_files = self.__dict__["open_files"] = []
        open_files.append(file)

    def close_files(self) -> None:
        """Close the buffered body and the uploaded files; the App calls it once the response
        is built, so save uploads during the request."""
        for file in self.open_files or ():
            file.close()
        self.__dict__["open_files"] = None

    def _get_body(self) -> bytes:
        """The body as bytes, read at most to ``max_body_size`` (413 beyond, 400 if cut off)."""
        environ = self.environ
        stream = environ.get("wsgi.input")
        cached = self._body
        if cached is not None and cached[0] is stream:
            return cached[1]
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and declared.isascii() and declared[0] != "0":
            # PERF(S6): a body whose length is declared (in canonical digits, as servers pass it)
            # and fits in memory, read once as bytes; what _buffered_body would leave in the
            # environ, and the same 413 and 400s (tests/test_requests.py compares the two).
            length = int(declared)
            if (
                length <= self.max_body_size
                and length <= self.request_body_tempfile_limit
                and not environ.get("webob.is_body_seekable")
            ):
                body = read_exactly(environ["wsgi.input"], length)
                stream = environ["wsgi.input"] = io.BytesIO(body)
                environ["webob.is_body_seekable"] = True
                self.__dict__["_body"] = (stream, body)
                return body
        stream = self._buffered_body()
        body = stream.read()
        stream.seek(0)
        self.__dict__["_body"] = (stream, body)
        return body

    body = property(_get_body, webob.Request.body.fset, webob.Request.body.fdel)  # type: ignore[attr-defined]

    def _buffered_body(self) -> IO[bytes]:
        """Read the body once into a seekable file that replaces ``wsgi.input``; return it."""
        environ = self.environ
        length = declared_length(environ)
        limit = self.max_body_size
        if length is not None and length > limit:
            raise errors.PayloadTooLarge(f"The body is larger than {limit} bytes.")
        if environ.get("webob.is_body_seekable"):
            stream = cast("IO[bytes]", environ["wsgi.input"])
            try:
                stream.seek(0)
                return stream
            except (AttributeError, OSError):
                # Marked seekable (WebTest does) around an input that is not (wrapped by
                # wsgiref.validate, say): read it once, like any other.
                pass
        if not length and not self.is_body_readable:
            return io.BytesIO()
        stream, length = read_body(
            environ["wsgi.input"], length, limit, self.request_body_tempfile_limit
        )
        environ["wsgi.input"] = stream
        environ["CONTENT_LENGTH"] = str(length)
        environ["webob.is_body_seekable"] = True
        if not isinstance(stream, io.BytesIO):  # a temporary file: close it after the response
            self._keep_open(stream)
        return stream

    @property
    def media_type(self) -> str:
        """The body's media type, lower case and without parameters (``""`` if none is given)."""
        return negotiation.media_type(self.environ.get("CONTENT_TYPE", ""))

    @property
    def json(self) -> Any:
        """The body parsed as JSON; ``errors.BadRequest`` (400) if it is not JSON."""
        received = self.media_type
        if not negotiation.is_json_media_type(received):
            received = received or "no Content-Type"
            raise errors.BadRequest(f"Expected a JSON body (application/json), got {received}.")
        return parse_json(self.body, MAX_JSON_DEPTH)

    def url_for(self, route_name: str, /, **params: Any) -> str:
        """Build the path of a named route, below the mount point (``SCRIPT_NAME``) of this app.

        ``_query={"page": 2}`` adds a query string, as `App.url_for` does.
        """
        if self.app is None:
            raise RuntimeError("this request is not being handled by an App")
        return quote(self.script_name) + self.app.url_for(route_name, **params)
