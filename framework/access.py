"""Users and access rules: who the request's user is, logging in and out, and what a view allows.

``App(user_loader=fn)`` turns the user id stored in the session into ``request.user``;
``login(request, user_id)`` and ``logout(request)`` change it. A view class declares its access
(``login_required = True``, ``def allow(self, request, **params) -> bool``) and the App applies it
after the 405 and CSRF checks, before ``prepare`` and the handler (see ``check``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from . import csrf, errors, negotiation

if TYPE_CHECKING:
    from .requests import Request
    from .views import View

__all__ = ["USER_ID_KEY", "RouteAccess", "login", "logout", "wants_html"]

#: Where the logged-in user's id lives in the session.
USER_ID_KEY = "_user_id"

#: Methods an anonymous browser is redirected to the login page for (others get a 401).
_REDIRECTED_METHODS = frozenset({"GET", "HEAD"})


def login(request: Request, user_id: int | str) -> None:
    """Log ``user_id`` in for this session: store it and renew the CSRF token.

    A privilege change renews what an attacker could have learnt before it (session fixation):
    the CSRF token is a new one, so a token read from the session cookie before login is no
    longer accepted. The rest of the session is kept, unless another user was logged in: then
    it is cleared first (as Django does).
    """
    if isinstance(user_id, bool) or not isinstance(user_id, (int, str)):
        raise TypeError(
            f"a user id must be an int or a str (stored in the session), not {user_id!r}"
        )
    session = request.session
    if session.get(USER_ID_KEY, user_id) != user_id:
        session.clear()
    session[USER_ID_KEY] = user_id
    csrf.renew_token(request)
    request.forget_user()


def logout(request: Request) -> None:
    """Log the user out: clear the whole session (user id, CSRF token, flashes, everything)."""
    request.session.clear()
    request.forget_user()


def wants_html(request: Request) -> bool:
    """Whether the client takes an HTML page rather than JSON, by the rule errors follow
    (`negotiation.prefers_json`): a browser, or no preference and no JSON body."""
    return not negotiation.prefers_json(request.environ)


@dataclass(frozen=True)
class RouteAccess:
    """The access a route's view declares: whether it needs a user, whether it has a rule."""

    login_required: bool
    #: Whether the view defines ``allow``.
    rule: bool

    @classmethod
    def of(cls, view: type[View], group_default: bool | None = None) -> RouteAccess:
        """The view's access, the ``login_required`` of its group(s) standing in for None."""
        from .views import View

        declared = view.login_required
        required = declared if declared is not None else bool(group_default)
        return cls(login_required=required, rule=view.allow is not View.allow)

    @property
    def checked(self) -> bool:
        """Whether the App has anything to check for this route."""
        return self.login_required or self.rule

    @property
    def label(self) -> str:
        """``public``, ``login``, ``rule`` or ``login+rule``, for ``framework routes``."""
        if self.login_required:
            return "login+rule" if self.rule else "login"
        return "rule" if self.rule else "public"

    def check(self, view: View, request: Request, params: dict[str, Any]) -> None:
        """Raise unless the request may reach the view's handler.

        An anonymous request to a ``login_required`` view: ``errors.SeeOther`` to the login route
        (``?next=`` this path and query) for a GET or HEAD from a browser, else
        ``errors.Unauthorized``. Then ``allow`` returning False: ``errors.Forbidden``.
        """
        if self.login_required and request.user is None:
            raise login_needed(request)
        if self.rule and not view.allow(request, **params):
            raise errors.Forbidden("You are not allowed to do this.")


def login_needed(request: Request) -> errors.HTTPError:
    """The answer to an anonymous request for a page that needs a user (see RouteAccess.check)."""
    login_route = request.app.login_route if request.app is not None else None
    if (
        login_route is not None
        and request.environ["REQUEST_METHOD"] in _REDIRECTED_METHODS
        and wants_html(request)
    ):
        target = request.url_for(login_route) + "?" + urlencode({"next": request.path_qs})
        return errors.SeeOther("Log in to see this page.", location=target)
    return errors.Unauthorized("Log in to do this.")
