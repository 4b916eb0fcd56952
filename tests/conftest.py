"""Small fixtures: a fresh App per test over templates written into tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from framework import App
from framework.testing import TestClient

# Every App and server the tests start runs with a key, as a deployment does: an App built
# without one logs a warning. The tests about a missing key delete it with monkeypatch.
os.environ.setdefault("FRAMEWORK_SECRET_KEY", "test suite key")


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "templates"
    directory.mkdir()
    (directory / "base.html").write_text(
        "<title>{% block title %}{% endblock %}</title>"
        "<main>{% block content %}{% endblock %}</main>"
    )
    (directory / "page.html").write_text(
        '{% extends "base.html" %}{% block title %}Page{% endblock %}'
        "{% block content %}<p>{{ message }}</p>{% endblock %}"
    )
    return directory


@pytest.fixture
def app(templates_dir: Path) -> App:
    return App(templates=templates_dir)


@pytest.fixture
def client(app: App) -> TestClient:
    return TestClient(app)
