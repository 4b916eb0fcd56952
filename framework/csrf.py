"""CSRF protection: every unsafe request must send back its session's secret token.

Forms carry the token in a hidden field (``{{ csrf_input() }}`` in a template); scripts send
it in the ``X-CSRF-Token`` header. Over HTTPS the ``Origin`` (or, lacking it, the ``Referer``)
must also name this host. ``View.dispatch`` runs ``check`` for unsafe methods unless the view
sets ``csrf_exempt = True``.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import errors
from .sessions import UNVERIFIED_COOKIE

if TYPE_CHECKING:
    from .requests import Request

__all__ = [
    "FIELD_NAME",
    "HEADER_NAME",
    "SESSION_KEY",
    "UNSAFE_METHODS",
    "check",
    "get_token",
    "renew_token",
]

#: The methods that change state, so the ones checked.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The form field that carries the token.
FIELD_NAME = "csrf_token"
#: The header that carries the token, for scripts.
HEADER_NAME = "X-CSRF-Token"
#: Where the token lives in the session.
SESSION_KEY = "_csrf_token"

_FAILED = "CSRF check failed: "


def get_token(request: Request) -> str:
    """Return the session's CSRF token, creating it (and so the session cookie) if needed."""
    session = request.session
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = renew_token(request)
    return token


def renew_token(request: Request) -> str:
    """Give the session a new CSRF token (at login: the old one stops working) and return it."""
    token = request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def check(request: Request) -> None:
    """Raise ``errors.Forbidden``, saying why, unless the request proves it comes from our pages."""
    if request.scheme == "https":
        _check_origin(request)
    session = request.session
    expected = session.get(SESSION_KEY)
    if not isinstance(expected, str) or not expected:
        if session.unverified:
            raise errors.Forbidden(
                _FAILED + UNVERIFIED_COOKIE + " Load the page with the form again and resubmit it."
            )
        raise errors.Forbidden(
            _FAILED + "this session has no CSRF token. Load the page with the form again "
            "(with cookies enabled) and resubmit it."
        )
    sent = request.headers.get(HEADER_NAME) or _form_token(request)
    if not sent:
        raise errors.Forbidden(
            _FAILED + f"the request carries no CSRF token (form field {FIELD_NAME!r} "
            f"or header {HEADER_NAME!r})."
        )
    if not hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8")):
        raise errors.Forbidden(
            _FAILED + "the CSRF token is not this session's. Reload the page and try again."
        )


def _form_token(request: Request) -> str | None:
    token = request.POST.get(FIELD_NAME)
    return token if isinstance(token, str) else None


def _check_origin(request: Request) -> None:
    """Over HTTPS, require ``Origin`` (or else ``Referer``) to be this very host."""
    origin = request.headers.get("Origin")
    if origin is not None:
        if not _is_same_origin(origin, request.host):
            raise errors.Forbidden(_FAILED + "the Origin header names another site.")
        return
    referer = request.headers.get("Referer")
    if not referer:
        raise errors.Forbidden(
            _FAILED + "an HTTPS request must send an Origin or Referer header from this site."
        )
    if not _is_same_origin(referer, request.host):
        raise errors.Forbidden(_FAILED + "the Referer header names another site.")


def _is_same_origin(url: str, host: str) -> bool:
    """Whether ``url`` is on ``https://`` + the request's ``host`` (default ports equal)."""
    try:
        sent = urlsplit(url)
        ours = urlsplit("//" + host)
        return (
            sent.scheme == "https"
            and sent.hostname is not None
            and sent.hostname == ours.hostname
            and (sent.port or 443) == (ours.port or 443)
        )
    except ValueError:  # an unparsable URL or port
        return False
