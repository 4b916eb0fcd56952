"""Templates: one Jinja2 environment per app, autoescape by extension, globals, clear errors."""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path
from types import ModuleType

import jinja2
import pytest

import framework.csrf
import framework.sessions
from framework import App, Request, Response, View
from framework.templating import Templates
from framework.testing import TestClient


def load_module(path: Path) -> ModuleType:
    """Import a module from a file, so that code in it calls ``App()`` from that file."""
    spec = importlib.util.spec_from_file_location(f"site_module_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_extends_a_base_template(app: App, client: TestClient) -> None:
    @app.route("/page")
    class Page(View):
        def get(self, request: Request) -> Response:
            return self.render("page.html", message="Tom & Jerry")

    response = client.get("/page")

    assert response.status_int == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == "<title>Page</title><main><p>Tom &amp; Jerry</p></main>"


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        ("html", "&lt;b&gt;&#34;A&amp;B&#34;&lt;/b&gt;"),
        ("htm", "&lt;b&gt;&#34;A&amp;B&#34;&lt;/b&gt;"),
        ("xml", "&lt;b&gt;&#34;A&amp;B&#34;&lt;/b&gt;"),
        ("jinja", "&lt;b&gt;&#34;A&amp;B&#34;&lt;/b&gt;"),
        ("txt", '<b>"A&B"</b>'),
    ],
)
def test_autoescape_depends_on_the_template_extension(
    app: App, templates_dir: Path, extension: str, expected: str
) -> None:
    (templates_dir / f"value.{extension}").write_text("{{ value }}")

    assert app.templates.render(f"value.{extension}", value='<b>"A&B"</b>') == expected


def test_template_globals_use_the_requests_mount_point(
    app: App, client: TestClient, templates_dir: Path
) -> None:
    (templates_dir / "links.html").write_text(
        "{{ url_for('user', id=3) }} {{ static('css/site.css') }} {{ request.path_info }}"
    )

    @app.route("/users/{id:d}", name="user")
    class User(View):
        def get(self, request: Request, id: int) -> str:
            return f"user {id}"

    @app.route("/links")
    class Links(View):
        def get(self, request: Request) -> Response:
            return self.render("links.html")

    mounted = client.get("/links", extra_environ={"SCRIPT_NAME": "/my site"})
    at_root = client.get("/links")

    assert mounted.status_int == at_root.status_int == 200
    assert mounted.headers["Content-Type"] == "text/html; charset=utf-8"
    assert mounted.text == "/my%20site/users/3 /my%20site/static/css/site.css /links"
    assert at_root.text == "/users/3 /static/css/site.css /links"


def test_template_globals_work_without_a_request(app: App, templates_dir: Path) -> None:
    (templates_dir / "plain.html").write_text(
        "{{ url_for('user', id=3) }} {{ static('/img/a b.png') }} {{ request is none }}"
    )

    @app.route("/users/{id:d}", name="user")
    class User(View):
        def get(self, request: Request, id: int) -> str:
            return f"user {id}"

    assert app.templates.render("plain.html") == "/users/3 /static/img/a%20b.png True"


def test_unknown_template_error_names_the_template_and_the_searched_dirs(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    app = App(templates=[first, second])

    with pytest.raises(jinja2.TemplateNotFound) as raised:
        app.templates.render("missing.html")

    message = str(raised.value)
    assert "missing.html" in message
    assert str(first) in message
    assert str(second) in message


def test_unknown_template_in_a_view_is_a_logged_500_without_traceback(
    app: App, client: TestClient, templates_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/broken")
    class Broken(View):
        def get(self, request: Request) -> Response:
            return self.render("missing.html")

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = client.get("/broken", status=500)

    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "500 Internal Server Error" in response.text
    assert "Traceback" not in response.text
    assert "missing.html" not in response.text
    assert len(caplog.records) == 1
    assert caplog.records[0].exc_info is not None
    error = caplog.records[0].exc_info[1]
    assert isinstance(error, jinja2.TemplateNotFound)
    assert "missing.html" in str(error)
    assert str(templates_dir) in str(error)


def test_template_dirs_resolve_beside_the_module_that_creates_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    for directory, name, text in [
        ("templates", "page.html", "default dir"),
        ("first", "page.html", "first dir"),
        ("second", "page.html", "second dir"),
        ("second", "only.html", "only in second"),
    ]:
        (site / directory).mkdir(parents=True, exist_ok=True)
        (site / directory / name).write_text(text)
    (site / "app_module.py").write_text(
        "from framework import App\n"
        "default_app = App()\n"
        "listed_app = App(templates=['first', 'second'])\n"
    )
    monkeypatch.chdir(tmp_path)  # relative to the module, not to the working directory

    module = load_module(site / "app_module.py")

    assert module.default_app.templates.render("page.html") == "default dir"
    assert module.listed_app.templates.render("page.html") == "first dir"
    assert module.listed_app.templates.render("only.html") == "only in second"


def test_each_app_has_its_own_template_environment(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "page.html").write_text(f"app {name}")
    one, two = App(templates=tmp_path / "one"), App(templates=tmp_path / "two")

    assert one.templates.render("page.html") == "app one"
    assert two.templates.render("page.html") == "app two"
    assert one.templates.environment is not two.templates.environment


def test_debug_app_reloads_a_changed_template(tmp_path: Path) -> None:
    template = tmp_path / "live.html"
    template.write_text("old")
    app = App(templates=tmp_path, debug=True)
    assert app.templates.render("live.html") == "old"

    template.write_text("new")
    mtime = template.stat().st_mtime_ns + 5_000_000_000  # a later mtime, however coarse the clock
    os.utime(template, ns=(mtime, mtime))

    assert app.templates.render("live.html") == "new"


def test_render_context_layers_globals_as_jinja_does(tmp_path: Path) -> None:
    (tmp_path / "layers.html").write_text("{{ a }} {{ b }} {{ c }} {{ d }}")
    app = App(templates=tmp_path)
    environment = app.templates.environment
    environment.globals.update(a="env", b="env", c="env")
    template = environment.get_template("layers.html", globals={"b": "template", "c": "template"})
    environment.globals["d"] = "added later"

    assert template.render(c="render") == "env template render added later"
    assert app.templates.render("layers.html", c="view") == "env template view added later"
    assert environment.globals["b"] == "env"  # a template's globals stay its own


def test_imports_and_includes_see_globals_and_the_context(tmp_path: Path) -> None:
    (tmp_path / "macros.html").write_text(
        "{% macro shout(x) %}{{ x|upper }}{{ mark }}{% endmacro %}"
    )
    (tmp_path / "part.html").write_text("[{{ name }}{{ mark }}]")
    (tmp_path / "page.html").write_text(
        "{% import 'macros.html' as m %}{{ m.shout(name) }} {% include 'part.html' %}"
    )
    app = App(templates=tmp_path)
    app.templates.environment.globals["mark"] = "!"

    assert app.templates.render("page.html", name="ada") == "ADA! [ada!]"


def test_the_templating_module_owns_every_global(tmp_path: Path) -> None:
    """csrf and sessions know nothing of Jinja; Templates registers what templates call."""
    templates = Templates([tmp_path], url_for=lambda name, **params: f"/{name}")

    assert set(templates.environment.globals) >= {
        "request",
        "url_for",
        "static",
        "csrf_input",
        "csrf_token",
        "get_flashed_messages",
    }
    for module in (framework.csrf, framework.sessions):
        assert "jinja2" not in vars(module)
        assert "markupsafe" not in vars(module)
