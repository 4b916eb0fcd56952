"""Sessions in a signed cookie, and flash messages stored in them.

The whole session travels in one cookie signed with itsdangerous, so any number of server
processes sharing the secret key can serve one user: there is no server-side store.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import itsdangerous

if TYPE_CHECKING:
    import webob

    from .requests import Request

__all__ = [
    "FLASHES_KEY",
    "SECRET_KEY_VARIABLE",
    "UNVERIFIED_COOKIE",
    "SecretKey",
    "Session",
    "SessionCookies",
    "add_flash",
    "pop_flashes",
]

logger = logging.getLogger("framework")

#: What ``App(secret_key=...)`` accepts: one key, or a list of keys newest first.
SecretKey = str | bytes | Sequence[str | bytes]

#: The environment variable read when the App is given no secret key: one key, or several
#: separated by commas, newest first (``new-key,old-key``).
SECRET_KEY_VARIABLE = "FRAMEWORK_SECRET_KEY"

#: Why a present session cookie was not accepted, in the log and in the CSRF 403.
UNVERIFIED_COOKIE = (
    "the session cookie could not be verified: was the secret key changed, "
    "or do workers use different keys?"
)

#: The session key under which flash messages wait for the next page.
FLASHES_KEY = "_flashes"

# Browsers drop cookies larger than about 4 KB (RFC 6265 §6.1 asks for at least 4096 bytes).
_COOKIE_SIZE_WARNING = 4093


class Session(dict[str, Any]):
    """A dict whose ``modified`` flag says whether it must be written back to the cookie.

    Every method that changes the dict sets the flag. Changing a value in place
    (``session["cart"].append(3)``) cannot be seen: set ``session.modified = True`` then.
    Values must be JSON-serialisable. ``unverified`` says the request carried a session
    cookie whose signature did not verify, so this session started empty.
    """

    unverified = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modified = False

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.modified = True

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.modified = True

    def clear(self) -> None:
        if self:
            self.modified = True
        super().clear()

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self.modified = True
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.modified = True

    def __ior__(self, other: Any) -> Session:  # type: ignore[override,misc]
        self.update(other)
        return self


class SessionCookies:
    """Load a request's session from its signed cookie, and write it back when modified.

    ``secret_key`` is a key or a list of keys, newest first: the newest signs, all verify,
    so a key can be rotated without logging anyone out. With no key, ``FRAMEWORK_SECRET_KEY``
    is read (commas separate keys, newest first); with neither, a random key is made and a
    warning logged now, when the App is built, rather than when sessions are first used.
    """

    def __init__(
        self,
        secret_key: SecretKey | None = None,
        *,
        max_age: int | timedelta = timedelta(days=14),
        secure: bool = False,
        cookie_name: str = "session",
    ) -> None:
        if secret_key is None:
            secret_key = _keys_from_environment()
        if secret_key is None:
            # Warned now: with several workers, each makes its own key and logins fail at random.
            logger.warning(
                "No secret key: App(secret_key=...) and %s are unset. Using a random key, "
                "so sessions will not survive a restart or be shared between workers.",
                SECRET_KEY_VARIABLE,
            )
        self._keys_newest_first = (
            [secrets.token_bytes(32)] if secret_key is None else _key_list(secret_key)
        )
        self.max_age = int(max_age.total_seconds()) if isinstance(max_age, timedelta) else max_age
        self.secure = secure
        self.cookie_name = cookie_name
        self._serializer: itsdangerous.URLSafeTimedSerializer | None = None

    @property
    def serializer(self) -> itsdangerous.URLSafeTimedSerializer:
        """The itsdangerous serializer, made on first use (so an App that never uses sessions
        never needs a key)."""
        if self._serializer is None:
            # itsdangerous signs with the LAST key of its list and tries them all to verify.
            self._serializer = itsdangerous.URLSafeTimedSerializer(
                list(reversed(self._keys_newest_first)), salt="framework.session"
            )
        return self._serializer

    def load(self, request: Request) -> Session:
        """Return the request's session; a missing, tampered, expired or garbage cookie is empty."""
        value = request.cookies.get(self.cookie_name)
        if not value:
            return Session()
        try:
            data = self.serializer.loads(value, max_age=self.max_age)
        except itsdangerous.SignatureExpired:
            return Session()  # signed by us, just old: the user logs in again
        except itsdangerous.BadData:
            logger.warning("Empty session for %r: %s", request.path_info, UNVERIFIED_COOKIE)
            session = Session()
            session.unverified = True
            return session
        return Session(data) if isinstance(data, dict) else Session()

    def save(self, session: Session, request: Request, response: webob.Response) -> None:
        """Set (or delete, when emptied) the cookie if the session was modified.

        The response varies with the cookie whenever the session was read.
        """
        vary = response.vary or ()
        if "Cookie" not in vary:
            response.vary = (*vary, "Cookie")
        if not session.modified:
            return
        value: str | None = None  # None: WebOb writes a cookie that deletes it
        if session:
            value = self.serializer.dumps(dict(session))
            if len(value) > _COOKIE_SIZE_WARNING:
                logger.warning(
                    "The session cookie is %d bytes; browsers may drop cookies over 4 KB.",
                    len(value),
                )
        # The deleting cookie carries the same attributes as the one it deletes (as in Flask).
        response.set_cookie(
            self.cookie_name,
            value,
            max_age=self.max_age if value is not None else None,
            path=request.script_name or "/",
            secure=self.secure or request.scheme == "https",
            httponly=True,
            samesite="Lax",
        )


def _keys_from_environment() -> list[str] | None:
    """``FRAMEWORK_SECRET_KEY`` as a list of keys, newest first; None if unset or empty."""
    keys = [key.strip() for key in os.environ.get(SECRET_KEY_VARIABLE, "").split(",")]
    return [key for key in keys if key] or None


def _key_list(secret_key: SecretKey) -> list[bytes]:
    """Turn the ``secret_key`` setting into a non-empty list of byte keys, newest first."""
    keys: Iterable[str | bytes] = (
        [secret_key] if isinstance(secret_key, (str, bytes)) else secret_key
    )
    key_list = [key.encode("utf-8") if isinstance(key, str) else bytes(key) for key in keys]
    if not key_list or not all(key_list):
        raise ValueError("secret_key must be a non-empty key or a non-empty list of them")
    return key_list


def add_flash(session: Session, message: str, category: str = "info") -> None:
    """Queue ``message`` for the next page that shows flashed messages."""
    session[FLASHES_KEY] = [*session.get(FLASHES_KEY, ()), [category, message]]


def pop_flashes(session: Session) -> list[tuple[str, str]]:
    """Remove and return the queued ``(category, message)`` pairs, oldest first."""
    if FLASHES_KEY not in session:
        return []
    flashes = session.pop(FLASHES_KEY)
    if not isinstance(flashes, list):
        return []
    return [(str(category), str(message)) for category, message in flashes]
