"""Test support: a WebTest client that also checks every response against PEP 3333."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from wsgiref.validate import validator

import webtest

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

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
        super().__init__(validator(app), **kwargs)
