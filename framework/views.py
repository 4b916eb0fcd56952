"""Class-based views: one instance per request, dispatched on the HTTP method.

class UserDetail(View):
    def get(self, request, id):
        return self.render("user.html", user_id=id)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from . import csrf, errors
from .responses import HandlerResult, Response

if TYPE_CHECKING:
    from .app import App
    from .requests import Request

__all__ = ["HTTP_METHODS", "RedirectView", "TemplateView", "View"]

#: Failed CSRF checks, with their technical reason (the page only tells a person to reload).
csrf_logger = logging.getLogger("framework.csrf")

#: The only handler names ever dispatched: a request with method ``HELPER`` must
#: never reach a view's ``helper()`` method.
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class View:
    """Handle one request; subclasses define ``get``, ``post``... taking the route parameters.

    ``request``, ``app`` and ``params`` are set before the handler runs. ``HEAD`` runs
    ``get`` (the server sends no body), ``OPTIONS`` answers 204 with ``Allow``, and a
    method with no handler answers 405 with ``Allow``. ``POST``, ``PUT``, ``PATCH`` and
    ``DELETE`` must carry the session's CSRF token (403 otherwise) unless ``csrf_exempt``.
    Access (``login_required``, ``allow``) and ``prepare`` are applied by the App, in that order,
    before ``dispatch``: an override of ``dispatch`` cannot lose them.
    """

    #: The methods this view answers, derived from its handlers once per class.
    allowed_methods: ClassVar[tuple[str, ...]] = ("OPTIONS",)
    #: HTTP method -> name of the handler method that answers it.
    _handler_names: ClassVar[dict[str, str]] = {"OPTIONS": "options"}
    #: Skip the CSRF check, for endpoints authenticated otherwise (an API token, not a cookie).
    csrf_exempt: ClassVar[bool] = False

    #: Require a logged-in user (``request.user``): anonymous browsers are sent to the login
    #: route, other clients get 401. None: the default of the route's group (else public);
    #: False opts out of a group's ``login_required=True``.
    login_required: ClassVar[bool | None] = None
    #: HTTP methods whose like-named method is not their handler (DeleteView's ``delete`` hook).
    not_handlers: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = {
            method: method.lower()
            for method in HTTP_METHODS
            if callable(getattr(cls, method.lower(), None)) and method not in cls.not_handlers
        }
        if "GET" in names:
            names.setdefault("HEAD", "get")
        cls._handler_names = names
        cls.allowed_methods = tuple(method for method in HTTP_METHODS if method in names)

    def __init__(self, request: Request, app: App, params: dict[str, Any]) -> None:
        self.request = request
        self.app = app
        self.params = params

    def dispatch(self, request: Request, /, **params: Any) -> HandlerResult:
        """Call the handler for ``request.method`` with the route parameters.

        Override it to run code around every handler, calling ``super().dispatch(...)``.
        """
        result: HandlerResult = self.handler_for(request)(request, **params)
        return result

    def allow(self, request: Request, /, **params: Any) -> bool:
        """Whether this request may reach the handler (False: 403), for every method but OPTIONS.

        Runs after ``login_required`` and before ``prepare``. Costs nothing when not overridden.
        """
        return True

    def prepare(self, request: Request, /, **params: Any) -> None:
        """Run before the handler of every method but OPTIONS: load what every handler needs,
        or raise an ``errors.*`` to answer instead. Costs nothing when not overridden."""

    def handler_for(self, request: Request) -> Callable[..., HandlerResult]:
        """Return the bound handler for ``request.method``, once the method may run at all.

        A method with no handler is a 405; then ``POST``, ``PUT``, ``PATCH`` and ``DELETE``
        must pass the CSRF check (405 first: a method with no handler has nothing to protect).
        ``dispatch`` calls it; so does the App directly for a view that keeps ``dispatch``.
        """
        method = request.environ["REQUEST_METHOD"]
        handler_name = self._handler_names.get(method)
        if handler_name is None:
            raise errors.MethodNotAllowed(
                f"{method} is not allowed here.", allowed=self.allowed_methods
            )
        if method in csrf.UNSAFE_METHODS and not self.csrf_exempt:
            try:
                csrf.check(request)
            except errors.Forbidden as error:
                csrf_logger.warning("%s %r refused: %s", method, request.path, error.detail)
                raise
        handler: Callable[..., HandlerResult] = getattr(self, handler_name)
        return handler

    def options(self, request: Request, /, **params: Any) -> HandlerResult:
        """Answer ``OPTIONS`` with the allowed methods and no body."""
        return Response(status=204, headers={"Allow": ", ".join(self.allowed_methods)})

    def render(
        self,
        template_name: str,
        /,
        *,
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        **context: Any,
    ) -> Response:
        """Render a template of the app into an HTML response; ``request`` is in the context.

        ``status`` (a status with a body: 422 for a form with errors, say) and ``headers`` are
        the response's, so ``status`` and ``headers`` are not template variables.
        """
        if status < 200 or status in (204, 304):
            raise ValueError(f"render() needs a status with a body, not {status}")
        context.setdefault("request", self.request)
        page = self.app.templates.render(template_name, **context).encode()
        response = Response.from_bytes(page, status=status)
        if headers:
            response.set_headers(headers)
        return response


class TemplateView(View):
    """Render ``template_name`` on GET, with the context from ``get_context``."""

    template_name: ClassVar[str | None] = None

    def get_context(self, **params: Any) -> dict[str, Any]:
        """Return the template context; by default the route parameters."""
        return dict(params)

    def get(self, request: Request, /, **params: Any) -> HandlerResult:
        if self.template_name is None:
            raise TypeError(f"{type(self).__name__} is a TemplateView without a template_name")
        return self.render(self.template_name, **self.get_context(**params))


class RedirectView(View):
    """Redirect to ``url``, or to the route ``route_name`` built with this request's parameters.

    ``permanent = True`` answers 308, else 307; both keep the method and body. When
    ``get_redirect_url`` returns None there is nowhere to go: 410 Gone (as in Django).
    """

    url: ClassVar[str | None] = None
    route_name: ClassVar[str | None] = None
    permanent: ClassVar[bool] = False
    #: A redirect changes nothing, and 307/308 make the client repeat the request (with
    #: its token) at the target, which does its own check.
    csrf_exempt: ClassVar[bool] = True
    #: Append the request's query string to the target.
    query_string: ClassVar[bool] = False

    def get_redirect_url(self, **params: Any) -> str | None:
        """Return where to redirect, or None for 410 Gone; override for a computed target."""
        if self.url is not None:
            target = self.url
        elif self.route_name is not None:
            target = self.request.url_for(self.route_name, **params)
        else:
            raise TypeError(f"{type(self).__name__} is a RedirectView without url or route_name")
        if self.query_string and self.request.query_string:
            target += "?" + self.request.query_string
        return target

    def get(self, request: Request, /, **params: Any) -> HandlerResult:
        target = self.get_redirect_url(**params)
        if target is None:
            raise errors.Gone("There is nothing to redirect to here any more.")
        return Response(status=308 if self.permanent else 307, location=target)

    post = put = patch = delete = get
