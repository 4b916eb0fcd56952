"""Test support: a WebTest client that also checks every response against PEP 3333."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from wsgiref.validate import validator

import webtest

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["TestClient"]

#: ``pytest -p framework.testing`` loads the route coverage plugin (which is also registered
#: through the ``pytest11`` entry point); see ``framework_pytest``.
pytest_plugins = ["framework_pytest"]


class TestClient(webtest.TestApp):
    """``webtest.TestApp`` over ``app``, wrapped in ``wsgiref.validate.validator``.

    WebTest lints requests and responses; the standard library's validator is stricter
    about headers and Content-Type, so a test through this client checks both.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, app: WSGIApplication, **kwargs: Any) -> None:
        kwargs.setdefault("lint", True)
        super().__init__(validator(_without_seekable_flag(app)), **kwargs)


def _without_seekable_flag(app: WSGIApplication) -> WSGIApplication:
    """Drop WebTest's promise that the body is seekable: the validator's input wrapper is not."""

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ.pop("webob.is_body_seekable", None)
        return app(environ, start_response)

    return application
