"""The App: configuration, route registration and the WSGI entry point.

A request's whole path is visible here: ``__call__`` hands ``/static/`` to WhiteNoise
(when configured); ``handle`` checks the Host (when configured), matches a route, builds
the ``Request`` and the view, dispatches to its handler, turns the result into a response
(``_response_for``: error pages, redirects, CR/LF in headers refused), saves the session
(``_save_session``), and turns every exception into an error page, in one place. A route with
request hooks, access rules or ``prepare`` goes through ``_run_view`` (hooks, 405, CSRF, login,
``allow``, ``prepare``, handler, after hooks) and ``_finish`` (teardown hooks); one without pays
a single branch for them.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

import webob
import webob.exc

from . import errors, negotiation
from .access import USER_ID_KEY, RouteAccess
from .accesslog import ROUTE_KEY
from .groups import RouteDeclarations, Routes, normalise_prefix
from .hooks import HookChain
from .parsing import DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_FORM_FIELDS, decode_wsgi_text
from .requests import Request
from .responses import HandlerResult, Redirect, Response, json_response, to_response
from .routing import Match, Route, Router, URLBuildError
from .security import (
    CONTROL_CHARACTERS,
    HostCheck,
    check_header_values,
    normalise_allowed_hosts,
)
from .sessions import SecretKey, SessionCookies
from .signatures import check_view
from .static import STATIC_PREFIX, StaticSetting, resolve_static_directory, static_files
from .templating import Templates, TemplateSetting, resolve_directories
from .views import View

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .testing import TestClient

__all__ = ["App"]

logger = logging.getLogger("framework")


# PERF(S5): the default 404 page, rendered once, for paths no route matches without a 404.html.
_NOT_FOUND_PAGE = errors.default_page(errors.NotFound())

# Characters kept as they are when a query string is copied into a Location header.
_QUERY_SAFE = "=&;%+/?:@!$'()*,~"
# ... and when a path is: RFC 3986 path punctuation, as url_for keeps it ("+" stays "+").
_PATH_SAFE = "/:@!$&'()*+,;=~"


class App(RouteDeclarations):
    """A WSGI application made of routes to class-based views.

    ``templates`` is a directory or a list of them, relative to the module that creates
    the App (or absolute); by default ``templates/`` beside that module, if it exists.
    ``static`` is a directory served at ``/static/`` (relative the same way).
    ``debug=True`` shows tracebacks on 500 pages and reloads changed templates and static files
    (``app.debug = True`` switches it on later, as ``framework run --debug`` does).

    Sessions: ``secret_key`` (a key, or a list newest first; default ``FRAMEWORK_SECRET_KEY``),
    ``session_max_age`` and ``session_cookie_secure``. Limits: ``max_body_size`` (bytes, 413
    beyond), ``max_form_fields`` (per query string or form), ``max_path_length`` (414 beyond)
    and ``allowed_hosts`` (other ``Host`` headers get 400; by default any host).
    ``canonical_urls=True`` redirects (308) a GET or HEAD whose path is not the one ``url_for``
    builds for its route and parameters (``/users/007`` to ``/users/7``).

    Users: ``user_loader(user_id)`` returns the user ``framework.login`` stored the id of (or
    None), as ``request.user``; ``login_route`` names the page anonymous browsers are sent to
    by ``login_required`` views (without it they get 401).
    """

    def __init__(
        self,
        templates: TemplateSetting | None = None,
        *,
        debug: bool = False,
        max_path_length: int = 8192,
        secret_key: SecretKey | None = None,
        session_max_age: int | timedelta = timedelta(days=14),
        session_cookie_secure: bool = False,
        static: StaticSetting | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        max_form_fields: int = DEFAULT_MAX_FORM_FIELDS,
        allowed_hosts: Iterable[str] | None = None,
        user_loader: Callable[[Any], Any] | None = None,
        login_route: str | None = None,
        canonical_urls: bool = False,
    ) -> None:
        base_directory = _caller_directory()
        super().__init__()
        self._debug = debug
        self.max_path_length = max_path_length
        self.max_body_size = max_body_size
        self.max_form_fields = max_form_fields
        self.allowed_hosts = (
            normalise_allowed_hosts(allowed_hosts) if allowed_hosts is not None else None
        )
        self.host_check = HostCheck(self.allowed_hosts) if self.allowed_hosts is not None else None
        self._canonical_urls = canonical_urls
        self.sessions = SessionCookies(
            secret_key, max_age=session_max_age, secure=session_cookie_secure
        )
        self.user_loader = user_loader
        self.login_route = login_route
        self.router = Router()
        # Other WSGI apps by prefix, longest first (see __call__).
        self._mounts: list[tuple[str, WSGIApplication]] | None = None
        # The path prefixes __call__ hands elsewhere (mounts, then /static/), for one
        # startswith(): None while there are none.
        self._handed_prefixes: tuple[str, ...] | None = None
        # PERF(S5): a miss answers the prerendered 404 only while error_response is App's own.
        self._default_errors = type(self).error_response is App.error_response
        # PERF(S5): whether that shortcut applies (App's own error pages and no 404.html): None
        # until the first miss, and again whenever debug mode may see a 404.html appear.
        self._builtin_404: bool | None = None
        # Whether a slash redirect is possible at all: spares unmatched paths a second lookup.
        self._has_slash_routes = False
        #: Route name -> the groups it was included from, outermost first.
        self._route_groups: dict[str, tuple[Routes, ...]] = {}
        # Route name -> what runs around its view, for the routes that have something (hooks,
        # prepare): resolved when the route is added or hooks change (see _set_up).
        self._route_setups: dict[str, _RouteSetup] = {}
        # What runs when no route matches: the app's own hooks, once it has some.
        self._no_route_setup: _RouteSetup | None = None
        self.templates = Templates(
            resolve_directories(templates, base_directory),
            url_for=self.url_for,
            auto_reload=debug,
        )
        self._static_directory = (
            resolve_static_directory(static, base_directory) if static is not None else None
        )
        self._static_files = self._serve_static(debug)
        self._hand_prefixes()

    @property
    def canonical_urls(self) -> bool:
        """Whether a GET or HEAD spelled otherwise than ``url_for`` is redirected (308) to it."""
        return self._canonical_urls

    @canonical_urls.setter
    def canonical_urls(self, canonical_urls: bool) -> None:
        self._canonical_urls = canonical_urls
        self.hooks_changed()  # the routes' setups say whether to check

    @property
    def debug(self) -> bool:
        """Tracebacks on 500 pages, templates and static files reloaded when they change."""
        return self._debug

    @debug.setter
    def debug(self, debug: bool) -> None:
        self._debug = debug
        self._builtin_404 = None
        self.templates.auto_reload = debug
        self._static_files = self._serve_static(debug)

    def _serve_static(self, autorefresh: bool) -> WSGIApplication | None:
        if self._static_directory is None:
            return None
        return static_files(self._static_directory, self._respond, autorefresh=autorefresh)

    # Registration

    def add_route(self, pattern: str, view: type[View], *, name: str | None = None) -> Route:
        """Register ``view`` for ``pattern``; ``name`` defaults to the view class's name."""
        if not (isinstance(view, type) and issubclass(view, View)):
            raise TypeError(f"route {pattern!r}: expected a View subclass, got {view!r}")
        route = self.router.build(pattern, view, name=name or view.__name__)
        check_view(view, route)  # its handlers take the route's fields: SignatureError if not
        self.router.register(route)
        self._has_slash_routes |= pattern.endswith("/") and pattern != "/"
        self._set_up(route)
        return route

    def include(self, routes: Routes, *, prefix: str = "", namespace: str | None = None) -> None:
        """Register every route of the group ``routes`` under ``prefix``, named ``namespace.name``.

        The routes go through ``add_route`` as if declared here; the group's URL types are added
        to the app's (the same type again is fine); its hooks run for its routes only.
        """
        if not isinstance(routes, Routes):
            raise TypeError(f"include() expects a Routes group, got {routes!r}")
        for type_name, regex, convert, format in routes.all_types():
            known = self.router.url_type(type_name)
            # The same type again is fine: a group included twice declares its types twice.
            if known is None or (known.regex, known.convert, known.format) != (
                regex,
                convert,
                format,
            ):
                self.router.add_type(type_name, regex, convert, format)
        for group_route in list(routes.flatten(normalise_prefix(prefix), namespace)):
            self._route_groups[group_route.name] = group_route.groups
            try:
                self.add_route(group_route.pattern, group_route.view, name=group_route.name)
            except Exception:
                del self._route_groups[group_route.name]
                raise
            for group in group_route.groups:
                group.notify_on_change(self.hooks_changed)

    def hooks_changed(self) -> None:
        """Resolve every route's hooks again (a hook was added to the app or a group)."""
        for route in self.router.routes:
            self._set_up(route)
        own_hooks = HookChain.of([self])
        self._no_route_setup = (
            _RouteSetup(own_hooks, RouteAccess(False, False), prepare=False, canonical=False)
            if own_hooks.any
            else None
        )

    def route_access(self, route: Route) -> RouteAccess:
        """The access rules of a route: its view's, with its groups' ``login_required`` default."""
        group_default = None
        for group in self._route_groups.get(route.name, ()):
            if group.login_required is not None:
                group_default = group.login_required  # the innermost group's setting wins
        return RouteAccess.of(route.view, group_default)

    def _set_up(self, route: Route) -> None:
        """Record what runs around the route's view, if anything does (else the route pays
        nothing for hooks and policies)."""
        setup = _RouteSetup(
            hooks=HookChain.of((self, *self._route_groups.get(route.name, ()))),
            access=self.route_access(route),
            prepare=route.view.prepare is not View.prepare,
            canonical=self._canonical_urls,
        )
        if setup.hooks.any or setup.access.checked or setup.prepare or setup.canonical:
            self._route_setups[route.name] = setup
        else:
            self._route_setups.pop(route.name, None)

    def route_type(
        self,
        name: str,
        regex: str,
        convert: Callable[[str], Any],
        format: Callable[[Any], str] = str,
    ) -> None:
        """Add a URL parameter type usable as ``{field:name}``, for matching and for ``url_for``."""
        self.router.add_type(name, regex, convert, format)

    def load_user(self, request: Request) -> Any:
        """The user whose id ``login`` stored in the session, or None: ``request.user``."""
        user_id = request.session.get(USER_ID_KEY)
        if user_id is None or self.user_loader is None:
            return None
        return self.user_loader(user_id)

    def url_for(self, route_name: str, /, **params: Any) -> str:
        """Build the path of the route called ``route_name``; every path built routes back to it.

        ``_query={"page": 2}`` adds a query string (lists repeat the name, None is left out).
        """
        return self.router.url_for(route_name, **params)

    def mount(self, prefix: str, app: WSGIApplication) -> None:
        """Pass every request under ``prefix`` (``/legacy/...``) to another WSGI app.

        The app sees ``SCRIPT_NAME`` end with the prefix and ``PATH_INFO`` start after it
        (PEP 3333), so its own URL building works below the mount; ``/legacy`` alone is
        redirected to ``/legacy/``. Mounts are tried before routes, the longest prefix first.
        """
        if not prefix.startswith("/") or not prefix.strip("/"):
            raise ValueError(f"mount prefix must start with '/' and name a path: {prefix!r}")
        if not prefix.isascii() or not prefix.isprintable() or "%" in prefix:
            raise ValueError(f"mount prefix must be a plain ASCII path: {prefix!r}")
        if not callable(app):
            raise TypeError(f"mount {prefix!r}: expected a WSGI application, got {app!r}")
        prefix = prefix.rstrip("/")
        if prefix in self.mounts:
            raise ValueError(f"mount {prefix!r} is already taken by {self.mounts[prefix]!r}")
        mounts = [*(self._mounts or ()), (prefix, app)]
        self._mounts = sorted(mounts, key=lambda mount: len(mount[0]), reverse=True)
        self._hand_prefixes()

    def _hand_prefixes(self) -> None:
        prefixes = [prefix for prefix, _ in self._mounts or ()]
        if self._static_directory is not None:
            prefixes.append(STATIC_PREFIX)
        self._handed_prefixes = tuple(prefixes) or None

    @property
    def mounts(self) -> dict[str, WSGIApplication]:
        """The mounted WSGI apps by prefix (no trailing slash), in the order they are tried."""
        return dict(self._mounts or ())

    def test_client(self) -> TestClient:
        """Return a WebTest client for this app (needs the ``test`` extra)."""
        from .testing import TestClient

        return TestClient(self)

    # Handling requests

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        prefixes = self._handed_prefixes
        # PERF(S1): an app with no mounts and no static files pays the first test only, and
        # other paths the second.
        if prefixes is not None and environ.get("PATH_INFO", "").startswith(prefixes):
            mounted = self._mounted_app(environ) if self._mounts is not None else None
            if mounted is not None:
                return mounted(environ, start_response)
            if self._static_files is not None and environ["PATH_INFO"].startswith(STATIC_PREFIX):
                return self._static_files(environ, start_response)
        # PERF(S1): the line of _respond, inlined: this is the path every request takes.
        return self.handle(environ)(environ, start_response)

    def _mounted_app(self, environ: WSGIEnvironment) -> WSGIApplication | None:
        """The mounted app under whose prefix the path lies, with the environ shifted for it.

        ``SCRIPT_NAME`` gains the prefix and ``PATH_INFO`` loses it. The Host is checked as
        for the routes (``allowed_hosts``); the prefix alone is answered by the slash redirect.
        Those two answers are responses, themselves WSGI apps. None: under no mount.
        """
        path: str = environ.get("PATH_INFO", "")
        for prefix, app in self._mounts or ():
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix) :]
            if rest[:1] not in ("", "/"):  # /legacyx is not under /legacy
                continue
            try:
                if self.host_check is not None:
                    self.host_check.check(environ)
                if not rest:
                    location = _same_site_location(environ, path + "/")
                    raise errors.PermanentRedirect(location=location)
            except webob.exc.WSGIHTTPException as error:
                return self.error_response(Request(environ, self), error)
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
            environ["PATH_INFO"] = rest
            return app
        return None

    def _respond(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer a request with the routes (WhiteNoise's fallback for unknown static files)."""
        return self.handle(environ)(environ, start_response)

    def handle(self, environ: WSGIEnvironment) -> webob.Response:
        """Turn a request into a response; the only place exceptions become error pages.

        Host check, route match, the Request and the view, the handler (after the 405 and CSRF
        checks), the response; then the session, if the view read it. A path that matches no
        route is answered without a Request (unless the app has a ``404.html``).
        """
        request: Request | None = None
        response: webob.Response
        setup: _RouteSetup | None = None
        failure: Exception | None = None
        try:
            try:
                # 1. The Host, when allowed_hosts is set.
                host_check = self.host_check
                # PERF(S1h): a Host allowed before costs a set lookup and no call.
                if host_check is not None and environ.get("HTTP_HOST") not in host_check.allowed:
                    host_check.check(environ)  # a Host not seen before, or refused: 400
                # 2. The route.
                match = self.match(environ)
                view: View | None = None
                result: HandlerResult
                if match is None:
                    setup = self._no_route_setup  # the app's own hooks, when it has some
                    if setup is None:
                        # PERF(S5): without a 404.html (and with App's own error_response) a
                        # miss needs no Request and no rendering, unless the client prefers
                        # JSON. The two commonest cases of prefers_json are told inline: no
                        # preference and no body (curl's GET, the bench's), a browser's Accept
                        # (text/html first, no JSON named). tests/test_errors.py checks both
                        # give the same answers.
                        accept = environ.get("HTTP_ACCEPT") or "*/*"
                        if (self._builtin_404 or self._builtin_404_applies()) and (
                            (accept == "*/*" and "CONTENT_TYPE" not in environ)
                            or (accept[:10] == "text/html," and "json" not in accept)
                            or not negotiation.prefers_json(environ)
                        ):
                            return Response.from_bytes(_NOT_FOUND_PAGE, status=404)
                        raise errors.NotFound()
                    request = Request(environ, self)
                    result = self._run_view(setup, None, request, {})  # the 404, with the hooks
                else:
                    route, params = match
                    setups = self._route_setups
                    setup = setups.get(route.name) if setups else None
                    if setup is not None and setup.canonical:  # spelled otherwise: 308
                        self._redirect_to_canonical(environ, route, params)
                    # 3. The request and the view; 4. the handler, after the 405 and CSRF checks
                    # (and, where the route has them, hooks, access rules and prepare: _run_view).
                    request = Request(environ, self, route.name, params)
                    view = route.view(request, self, params)
                    if setup is None and type(view).dispatch is View.dispatch:
                        # PERF(S1): what View.dispatch does, inlined: spares a call and a copy of
                        # the params (tests/test_views.py compares it with dispatch through
                        # super()), for routes without hooks, access rules or prepare.
                        result = view.handler_for(request)(request, **params)
                    else:
                        result = self._run_view(setup, view, request, params)
                # 5. The response, for what the handler returned or (below) an error raised.
                if type(result) is str:  # PERF(S1): the most common return value, a page
                    response = Response.page(result)
                else:
                    response = self._response_for(request, result, view)
            except webob.exc.WSGIHTTPException as error:
                request = request or Request(environ, self)
                response = self._response_for(request, error)
            # 6. The session, if the view read it.
            if request.loaded_session is not None:
                self._save_session(request, response)
            return response
        except Exception as error:
            failure = error
            logger.exception(
                "Unhandled exception in %s %r",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
            )
            return self._server_error_response(request or Request(environ, self))
        finally:
            if request is not None and (request.open_files is not None or setup is not None):
                self._finish(request, setup, failure)

    def _builtin_404_applies(self) -> bool:
        """Whether a miss may get the built-in 404 page: App's own error pages, no 404.html.

        Remembered, except in debug mode, where a 404.html added later is picked up.
        """
        applies = self._default_errors and not self.templates.exists("404.html")
        if not self._debug:
            self._builtin_404 = applies
        return applies

    def _run_view(
        self,
        setup: _RouteSetup | None,
        view: View | None,
        request: Request,
        params: dict[str, Any],
    ) -> HandlerResult:
        """What the view answers when it overrides ``dispatch`` or its route has hooks, access
        rules or ``prepare``: the before_request hooks (one may answer instead of the view), the
        405 and CSRF checks, ``login_required``, ``allow``, ``prepare``, the handler (through
        ``dispatch``); then the after_request hooks, on the error page too if one of these
        raised an HTTP error. No view: no route matched, a 404 once the app's hooks ran."""
        if setup is None:
            assert view is not None
            return view.dispatch(request, **params)
        result: HandlerResult | None
        try:
            result = setup.hooks.run_before(request)
            if result is None:
                if view is None:
                    raise errors.NotFound()
                handler = view.handler_for(request)  # 405, CSRF
                if request.environ["REQUEST_METHOD"] != "OPTIONS":  # OPTIONS is never blocked
                    if setup.access.checked:
                        setup.access.check(view, request, params)  # login, allow
                    if setup.prepare:
                        view.prepare(request, **params)
                if type(view).dispatch is View.dispatch:
                    result = handler(request, **params)
                else:
                    result = view.dispatch(request, **params)
            response = self._response_for(request, result, view)
        except webob.exc.WSGIHTTPException as error:
            response = self._response_for(request, error)
        return setup.hooks.run_after(request, response)

    def _finish(
        self, request: Request, setup: _RouteSetup | None, failure: Exception | None
    ) -> None:
        """Close the request's files, then run the teardown_request hooks, whatever happened."""
        if request.open_files is not None:
            request.close_files()
        if setup is not None:
            setup.hooks.run_teardown(request, failure)

    def _response_for(
        self,
        request: Request,
        result: HandlerResult | webob.exc.WSGIHTTPException,
        view: View | None = None,
    ) -> webob.Response:
        """The response for what a view returned, or for an HTTP error it returned or raised.

        An error becomes its page; a route redirect gets its URL. Headers the view or the error
        could have set are refused if they hold CR/LF (a ``ValueError``, so a 500).
        """
        if isinstance(result, webob.exc.WSGIHTTPException):
            response: webob.Response = self.error_response(request, result)
        elif isinstance(result, webob.Response):
            response = to_response(result, view)
            if isinstance(response, Redirect):
                response.resolve(request)
        else:  # PERF(S4): built from bytes, a dict or a list: only the framework's own headers
            return to_response(result, view)
        check_header_values(response.headerlist)
        return response

    def _save_session(self, request: Request, response: webob.Response) -> None:
        """Answer a request that read the session with ``Vary: Cookie``, and the changed cookie.

        A failed request (5xx) never changes the session.
        """
        if request.loaded_session is not None and response.status_code < 500:
            self.sessions.save(request.loaded_session, request, response)

    def match(self, environ: WSGIEnvironment) -> Match | None:
        """Find ``(route, params)`` for the request's path: None if no route matches.

        Raises the 400 for an undecodable path, the 414 for a long one, and the slash redirect
        when only ``path + "/"`` has a route.
        """
        raw_path = environ.get("PATH_INFO")
        if not raw_path:
            raw_path = self._empty_path(environ)
        if raw_path.isascii() and raw_path.isprintable() and len(raw_path) <= self.max_path_length:
            # PERF(S1): the usual path, checked inline: nothing to decode or refuse
            # (tests/test_app.py compares it with the full decode).
            path = raw_path
        else:
            path = self._decode_path(raw_path)
        match = self.router.match(path)
        if match is not None:
            # For the access log (or another middleware that put the key in first): the route's
            # pattern, low-cardinality unlike the path. PERF(S1): adding a key to the environ
            # costs more than this test.
            if ROUTE_KEY in environ:
                environ[ROUTE_KEY] = match[0].pattern
            return match
        if not self._has_slash_routes or path.endswith("/"):
            return None
        if self.router.match(path + "/") is not None:
            # 308, not 301: the client must repeat the same method with the same body.
            raise errors.PermanentRedirect(location=_same_site_location(environ, raw_path + "/"))
        return None

    def _redirect_to_canonical(
        self, environ: WSGIEnvironment, route: Route, params: dict[str, Any]
    ) -> None:
        """Raise the 308 to ``url_for``'s path when a GET or HEAD spelled its path otherwise.

        The path as the client wrote it (``REQUEST_URI`` from waitress and uWSGI, ``RAW_URI``
        from gunicorn) is compared with the canonical one, percent-encoding included; without
        it (wsgiref, WebTest) only the decoded ``PATH_INFO`` is, so ``/users/007`` is redirected
        but ``/hello/%41`` is not.
        """
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return
        try:
            canonical = _mount(environ) + self.router.url_for(route.name, **params)
        except URLBuildError:  # a custom type whose format does not route back: keep the path
            return
        path = environ.get("SCRIPT_NAME", "") + (environ.get("PATH_INFO") or "/")
        sent = _sent_path(environ)
        if sent is None or _decoded(sent) != path:  # none, or stale: rewritten after the server
            sent = None
            if _decoded(canonical) == path:
                return
        if sent == canonical or canonical.startswith("//"):
            return
        raise errors.PermanentRedirect(location=_location(environ, canonical))

    def _empty_path(self, environ: WSGIEnvironment) -> str:
        """An empty ``PATH_INFO`` is ``/``; mounted (``SCRIPT_NAME=/approot``), it is the slash
        redirect to ``/approot/``, so relative links on the index page resolve below the mount."""
        if environ.get("SCRIPT_NAME") and self.router.match("/") is not None:
            raise errors.PermanentRedirect(location=_same_site_location(environ, "/"))
        return "/"

    def _decode_path(self, raw_path: str) -> str:
        """The paths ``match`` does not accept inline: too long, not ASCII, or not printable."""
        if len(raw_path) > self.max_path_length:
            raise errors.URITooLong(f"The path is longer than {self.max_path_length} characters.")
        path = decode_wsgi_text(raw_path, "path")
        if CONTROL_CHARACTERS.search(path):
            raise errors.BadRequest("The path contains control characters.")
        return path

    # Error pages

    def error_response(
        self,
        request: Request,
        error: webob.exc.WSGIHTTPException,
        traceback: str | None = None,
    ) -> Response:
        """Answer an HTTP error, the one place every error (404, 405, 403, 400, 500...) goes.

        JSON to a client that prefers it (``Accept``, or a JSON body): ``{"error": {"status":
        404, "message": "..."}}``; else the page ``{code}.html`` if the app has one, or a
        default page. The error's own headers (``Allow``, ``Location``...) are kept either way.
        ``traceback`` is given in debug mode only. Override it in a subclass of App to answer
        errors your own way (call ``super().error_response(...)`` for the rest).
        """
        headers = [
            (name, value)
            for name, value in error.headerlist
            if name.lower() not in ("content-type", "content-length")
        ]
        if error.empty_body or error.code in (204, 304):
            return Response(status=error.status, headerlist=headers)
        if negotiation.prefers_json(request.environ):
            response = json_response(errors.json_error(error, traceback), status=error.code)
        elif traceback is not None:
            page = errors.traceback_page(
                request.method, repr(request.environ.get("PATH_INFO")), traceback
            )
            response = Response.from_bytes(page, status=error.code)
        else:
            response = Response.from_bytes(self._error_page(request, error), status=error.code)
        response.headerlist.extend(headers)
        return response

    def _error_page(self, request: Request, error: webob.exc.WSGIHTTPException) -> bytes:
        template_name = f"{error.code}.html"
        try:
            if self.templates.exists(template_name):
                return self.templates.render(template_name, request=request, error=error).encode()
        except Exception:  # a broken error page must not hide the original error
            logger.exception("Error page template %s failed; using the default page", template_name)
        return errors.default_page(error)

    def _server_error_response(self, request: Request) -> Response:
        formatted = traceback.format_exc() if self.debug else None
        return self.error_response(request, errors.InternalServerError(), formatted)


@dataclass(frozen=True)
class _RouteSetup:
    """What runs around one route's view besides its handler."""

    hooks: HookChain
    access: RouteAccess
    #: Whether the view defines ``prepare``.
    prepare: bool
    #: Whether a GET or HEAD spelled otherwise than ``url_for`` is redirected (canonical_urls).
    canonical: bool


def _same_site_location(environ: WSGIEnvironment, raw_path: str) -> str:
    """Percent-encode a PEP 3333 path (and query) into a Location that stays on this site."""
    return _location(environ, _mount(environ) + quote(raw_path.encode("latin-1"), safe=_PATH_SAFE))


def _mount(environ: WSGIEnvironment) -> str:
    """The mount point (``SCRIPT_NAME``), percent-encoded."""
    script_name = environ.get("SCRIPT_NAME")
    return quote(script_name.encode("latin-1"), safe=_PATH_SAFE) if script_name else ""


def _sent_path(environ: WSGIEnvironment) -> str | None:
    """The path of the request target as the client sent it, when the server says."""
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if not isinstance(target, str) or not target:
        return None
    if not target.startswith("/"):  # absolute-form: http://host/path?query
        target = urlsplit(target).path
    return target.partition("?")[0]


def _decoded(path: str) -> str | None:
    """A percent-encoded path (a PEP 3333 latin-1 str) as PATH_INFO gives it, or None."""
    if "%" not in path and path.isascii():
        return path
    try:
        return unquote_to_bytes(path.encode("latin-1")).decode("latin-1")
    except UnicodeEncodeError:  # not a latin-1 str: not what a server gives
        return None


def _location(environ: WSGIEnvironment, location: str) -> str:
    """A Location for a percent-encoded path on this site, the request's query kept."""
    if location.startswith("//"):
        # "//host/..." would be a protocol-relative URL to another site.
        location = "/%2F" + location[2:]
    query = environ.get("QUERY_STRING", "")
    if query:
        location += "?" + quote(query.encode("latin-1"), safe=_QUERY_SAFE)
    return location


def _caller_directory() -> Path:
    """The directory of the module that called ``App()`` (the cwd from a REPL)."""
    caller_file = sys._getframe(2).f_globals.get("__file__")
    return Path(caller_file).resolve().parent if caller_file else Path.cwd()
