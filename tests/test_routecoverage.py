"""``pytest --route-coverage``: the plugin run for real on small projects, and its measure."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from processes import DEADLINE_SECONDS, environment

from framework import App, TemplateView, View
from framework.routecoverage import Coverage, measured_methods

APP = """
from framework import App, View


class Home(View):
    def get(self, request):
        return "home"


class User(View):
    def get(self, request, id):
        return f"user {id}"

    def delete(self, request, id):
        return "deleted"


class About(View):
    def get(self, request):
        return "about"


def create_app():
    app = App()
    app.add_route("/", Home, name="home")
    app.add_route("/users/{id:d}", User, name="user")
    app.add_route("/about/", About, name="about")
    return app


app = create_app()
"""

TESTS = """
from framework.testing import TestClient
from myapp import app

def test_home():
    assert TestClient(app).get("/").text == "home"

def test_two_users_are_one_route():
    client = TestClient(app)
    client.get("/users/1")
    client.get("/users/2")
"""


def run_pytest(
    project: Path, *arguments: str, tests: str = TESTS
) -> subprocess.CompletedProcess[str]:
    """Run pytest in a fresh process on ``project`` (``myapp.py`` and ``test_app.py``)."""
    (project / "myapp.py").write_text(APP)
    (project / "test_app.py").write_text(textwrap.dedent(tests))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
        cwd=project,
        env={**environment(), "PYTHONWARNINGS": "ignore::DeprecationWarning"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )


def coverage_section(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if "route coverage" in line)
    return [
        line.strip("-").strip() if "route coverage" in line else line
        for line in lines[start:]
        if not line.startswith(("=", "2 passed"))
    ]


def test_route_coverage_lists_what_no_test_requested(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--route-coverage")

    assert result.returncode == 0, result.stdout + result.stderr
    assert coverage_section(result.stdout) == [
        "route coverage: 2 of 4 route methods requested (50.0%)",
        "Not requested by any test:",
        "  GET     /about/        about  myapp.About",
        "  DELETE  /users/{id:d}  user  myapp.User",
    ]


def test_fail_under_fails_a_passing_run_below_the_share(tmp_path: Path) -> None:
    failing = run_pytest(tmp_path, "--route-coverage-fail-under=75")
    passing = run_pytest(tmp_path, "--route-coverage-fail-under=50")

    assert failing.returncode == 1
    assert "2 passed" in failing.stdout
    assert "FAIL: route coverage 50.0% is below --route-coverage-fail-under=75" in failing.stdout
    assert passing.returncode == 0
    assert "route coverage: 2 of 4 route methods requested (50.0%)" in passing.stdout


def test_a_fully_covered_app_passes_fail_under_100(tmp_path: Path) -> None:
    tests = TESTS + textwrap.dedent("""
        def test_the_rest():
            client = TestClient(app)
            client.head("/about/")  # HEAD runs get: it counts for GET
            client.delete("/users/3", status=403)  # refused (no CSRF token), but requested
    """)

    result = run_pytest(tmp_path, "--route-coverage-fail-under=100", tests=tests)

    assert result.returncode == 0, result.stdout
    assert "route coverage: 4 of 4 route methods requested (100.0%)" in result.stdout
    assert "Not requested" not in result.stdout


def test_requests_to_any_app_in_process_count_and_factory_apps_are_one(tmp_path: Path) -> None:
    tests = """
        from myapp import create_app

        def start_response(status, headers):
            pass

        def test_home_without_a_client():
            body = create_app()({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, start_response)
            assert b"".join(body) == b"home"

        def test_user_from_another_app_of_the_factory():
            environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/users/5"}
            create_app()(environ, start_response)
    """

    result = run_pytest(tmp_path, "--route-coverage", tests=tests)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "route coverage: 2 of 4 route methods requested (50.0%)" in result.stdout


def test_a_module_loaded_afresh_for_each_test_counts_as_the_named_app(tmp_path: Path) -> None:
    tests = """
        import importlib.util
        from framework.testing import TestClient

        def fresh_app():
            spec = importlib.util.spec_from_file_location("fresh_copy", "myapp.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.app

        def test_home():
            TestClient(fresh_app()).get("/")

        def test_user():
            TestClient(fresh_app()).get("/users/1")
    """

    result = run_pytest(tmp_path, "--route-coverage-app=myapp:app", tests=tests)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "route coverage: 2 of 4 route methods requested (50.0%)" in result.stdout


def test_an_app_made_during_the_run_is_measured_without_requests(tmp_path: Path) -> None:
    tests = "import myapp\n\ndef test_nothing():\n    pass\n"

    result = run_pytest(tmp_path, "--route-coverage", tests=tests)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "route coverage: 0 of 4 route methods requested (0.0%)" in result.stdout


def test_a_named_app_is_measured_even_if_no_test_reached_it(tmp_path: Path) -> None:
    tests = "def test_nothing():\n    pass\n"

    default = run_pytest(tmp_path, "--route-coverage", tests=tests)
    named = run_pytest(tmp_path, "--route-coverage-app=myapp:app", tests=tests)

    assert "route coverage: 0 of 0 route methods requested (100.0%)" in default.stdout
    assert named.returncode == 0
    assert "route coverage: 0 of 4 route methods requested (0.0%)" in named.stdout


def test_a_named_app_that_cannot_be_imported_fails_the_run(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--route-coverage-app=nowhere:app")

    assert result.returncode == 1
    assert "route coverage: cannot import 'nowhere'" in result.stdout


def test_without_the_option_nothing_is_imported_wrapped_or_printed(tmp_path: Path) -> None:
    tests = """
        import sys

        def test_the_framework_is_not_imported_by_the_plugin():
            assert "framework_pytest" in sys.modules
            assert "framework" not in sys.modules

        def test_app_match_is_not_wrapped():
            from framework import App
            assert App.match.__qualname__ == "App.match"
    """

    result = run_pytest(tmp_path, tests=tests)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "route coverage" not in result.stdout


def test_the_plugin_loads_without_webtest(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "webtest.py").write_text("raise ImportError('No module named webtest')\n")
    (tmp_path / "myapp.py").write_text(APP)
    (tmp_path / "test_app.py").write_text(
        "from myapp import app\n"
        "def test_home():\n"
        "    body = app({'REQUEST_METHOD': 'GET', 'PATH_INFO': '/'}, lambda *a: None)\n"
        "    assert b''.join(body) == b'home'\n"
    )
    env = environment()
    env["PYTHONPATH"] = f"{blocker}:{env['PYTHONPATH']}"

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--route-coverage"],
        cwd=tmp_path,
        env={**env, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "route coverage: 1 of 4 route methods requested (25.0%)" in result.stdout


@pytest.mark.parametrize("plugin", ["framework.testing", "framework_pytest"])
def test_the_plugin_loads_with_dash_p_when_autoload_is_off(tmp_path: Path, plugin: str) -> None:
    (tmp_path / "myapp.py").write_text(APP)
    (tmp_path / "test_app.py").write_text("def test_nothing():\n    pass\n")
    env = {**environment(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", plugin]
        + ["-W", "ignore::DeprecationWarning", "--route-coverage-app=myapp:app"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "route coverage: 0 of 4 route methods requested (0.0%)" in result.stdout


# The measure


def test_measured_methods_are_the_handlers_not_automatic_head_and_options() -> None:
    class Page(TemplateView):
        template_name = "page.html"

    class Form(View):
        def get(self, request: object) -> str:
            return "form"

        def post(self, request: object) -> str:
            return "posted"

    class Explicit(View):
        def head(self, request: object) -> str:
            return ""

        def options(self, request: object) -> str:
            return ""

    class Empty(View):
        pass

    assert measured_methods(Page) == ["GET"]
    assert measured_methods(Form) == ["GET", "POST"]
    assert measured_methods(Explicit) == ["HEAD", "OPTIONS"]
    assert measured_methods(Empty) == ["OPTIONS"]


def test_coverage_counts_each_route_once_and_head_for_get() -> None:
    class Item(View):
        def get(self, request: object, id: int) -> str:
            return "item"

        def put(self, request: object, id: int) -> str:
            return "put"

    app = App()
    item = app.add_route("/items/{id:d}", Item)

    none = Coverage.of([item, item], set())
    head = Coverage.of(app.router.routes, {(item, "HEAD")})
    full = Coverage.of(app.router.routes, {(item, "GET"), (item, "PUT"), (item, "DELETE")})

    assert none.measured == [(item, "GET"), (item, "PUT")]
    assert none.percent == 0.0
    assert head.missing == [(item, "PUT")]
    assert head.percent == 50.0
    assert full.missing == []
    assert full.percent == 100.0
    assert Coverage.of([], set()).percent == 100.0
