"""examples/: each example app answers as its docstring promises."""

from __future__ import annotations

import importlib
from types import ModuleType

from framework.testing import TestClient


def load_example(name: str) -> ModuleType:
    """``examples.<name>``, imported once: the module ``.ci/run``'s route coverage measures."""
    return importlib.import_module(f"examples.{name}")


def test_hello_example_serves_the_tutorials_two_pages() -> None:
    client = TestClient(load_example("hello").app)

    index = client.get("/index/")
    assert index.status_int == 200
    assert index.content_type == "text/html"
    assert index.text == "index"

    login = client.get("/login/")
    assert login.status_int == 200
    assert login.text == "login"


def test_hello_example_keeps_the_tutorials_404() -> None:
    client = TestClient(load_example("hello").app)

    response = client.get("/nothing/", status=404)

    assert response.content_type == "text/html"
    assert "404 Not Found" in response.text


def test_hello_example_redirects_a_missing_trailing_slash() -> None:
    client = TestClient(load_example("hello").app)

    response = client.get("/index", status=308)

    assert response.headers["Location"] == "/index/"
