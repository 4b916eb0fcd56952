"""framework/checks.py on small apps, the demo site and the examples, and ``framework check``."""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from processes import ROOT, run_command

from framework import App, TemplateView, View
from framework.checks import (
    Problem,
    annotation_problems,
    check_app,
    template_literal_problems,
    template_name_problems,
    template_url_problems,
    unreachable_routes,
    views_without_handlers,
)
from framework.routing import URL_TYPES, RouteError, RouteField

EXAMPLES = ROOT / "examples"


class Page(View):
    def get(self, request: object, **params: Any) -> str:
        return "page"


#: Custom types the shadowing analysis compares (one class repeated) or cannot (alt, words).
CUSTOM_TYPES = {
    "num": "[0-9]+",
    "small": "[0-9]{1,5}",
    "digits": r"\d+",
    "lower": "[a-z]+",
    "dotted": "[a-z.]+",
    "hex": "[0-9A-Fa-f-]+",
    "anything": ".+",
    "alt": "(?:a|b)",
    "words": "[a-z]+(?:-[a-z]+)*",
}


def app_with(*patterns: str, templates: Path | None = None) -> App:
    """An app with one route per pattern, in order, named r0, r1..., with a ``year`` type."""
    app = App(templates=templates) if templates is not None else App()
    app.route_type("year", r"[0-9]{4}", int)
    app.route_type("optional", r"[a-z]*", str)
    for name, regex in CUSTOM_TYPES.items():
        app.route_type(name, regex, str)
    for index, pattern in enumerate(patterns):
        app.add_route(pattern, Page, name=f"r{index}")
    return app


# Unreachable routes


def test_a_str_route_before_an_int_route_makes_it_unreachable_naming_both() -> None:
    app = App()
    app.add_route("/users/{name}", Page, name="user_by_name")
    app.add_route("/users/{id:d}", Page, name="user")

    assert unreachable_routes(app.router.routes) == [
        Problem(
            "unreachable route",
            "route '/users/{id:d}' (name 'user') can never be reached: route '/users/{name}'"
            " (name 'user_by_name'), registered before it, matches every path it matches, with"
            " literal text in the same segments",
        )
    ]


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("/users/{name}", "/users/{id:d}"),
        ("/users/{name}", "/users/{id:int}"),
        ("/users/{name}", "/users/{key:uuid}"),
        ("/posts/{slug:slug}", "/posts/{id:int}"),
        ("/posts/{slug:slug}", "/posts/{key:uuid}"),
        ("/users/{id:d}/{tab}", "/users/{id:d}/{tab:slug}"),
        ("/files/{name}", "/files/v{version:d}"),  # a mixed segment under a str field
        ("/files/{name:slug}", "/files/v{version:d}-{key:slug}"),
        ("/files/{rest:path}", "/files/{folder}/{name}"),  # path takes any non-empty rest
        ("/files/{rest:path}", "/files/{folder}/{name}.txt"),
        ("/{rest:path}", "/{section}/{id:d}"),
        ("/files/{a}/{rest:path}", "/files/{b}/{c:d}/{rest:path}"),
        ("/archive/{y:year}/{name}", "/archive/{when:year}/{id:d}"),  # custom type, same type
        ("/f/{name}/{tab}", "/f/{a}.{b}.txt/{id:d}"),  # a mixed segment under a field
        ("/p/{p:path}/edit", "/p/{a}/edit"),
    ],
)
def test_a_route_an_earlier_one_always_matches_is_reported(earlier: str, later: str) -> None:
    problems = unreachable_routes(app_with(earlier, later).router.routes)

    assert len(problems) == 1
    assert problems[0].message.startswith(f"route {later!r} (name 'r1') can never be reached")
    assert f"route {earlier!r} (name 'r0')" in problems[0].message


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("/users/{id:d}", "/users/{name}"),  # the more specific one first: both reachable
        ("/users/{name}", "/users/me"),  # static routes always win
        # A route more literal in some segment wins the paths it matches there.
        ("/{section}/{name}", "/users/{name}"),
        ("/users/{name}/{tab}", "/users/me/{tab}"),
        ("/{rest:path}", "/users/{id:d}"),
        ("/files/{rest:path}", "/files/{name}/"),  # the trailing "" segment is literal
        ("/files/{name}.txt/{tab}", "/files/readme.txt/{id:d}"),
        ("/{a}/{b}/{c}", "/{name:path}/edit"),
        ("/posts/{id:int}", "/posts/{slug:slug}"),
        ("/users/{id:d}", "/users/{key:uuid}"),
        ("/users/{name}", "/users/{name}/edit"),  # more segments
        ("/users/{name}", "/users/{name}/"),  # a trailing slash is one more (empty) segment
        ("/users/{name}/", "/users/{name}"),
        ("/users/{name}", "/people/{name:slug}"),
        ("/{name}", "/{rest:path}"),  # a one-segment field never covers a path
        ("/files/{name:slug}", "/files/{other}.txt"),  # {other} may hold characters slugs do not
        ("/files/{name:slug}", "/files/x.{ext:slug}"),  # "." is not a slug character
        ("/files/{name}/{rest:path}", "/files/{name}"),  # path needs a non-empty rest
        ("/archive/{y:year}", "/archive/{name}"),
        ("/archive/{y:year}", "/archive/{n:d}"),
        ("/notes/{rest:path}", "/notes/{maybe:optional}"),  # may be empty; path may not
    ],
)
def test_routes_that_stay_reachable_are_not_reported(earlier: str, later: str) -> None:
    assert unreachable_routes(app_with(earlier, later).router.routes) == []


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("/counts/{n:num}", "/counts/{id:d}"),  # the example: [0-9]+ covers d
        ("/counts/{n:num}", "/counts/{id:int}"),
        ("/counts/{id:d}", "/counts/{n:small}"),  # d covers [0-9]{1,5}
        ("/counts/{n:num}", "/counts/{n:small}"),
        ("/counts/{n:digits}", "/counts/{id:d}"),  # \d holds 0-9 (and other digits)
        ("/users/{name}", "/users/{n:num}"),  # str covers any class without "/"
        ("/users/{name}", "/users/{w:lower}"),
        ("/users/{name}", "/users/{a:anything}"),  # .+ takes one segment: as str
        ("/users/{a:anything}", "/users/{name}"),
        ("/users/{s:slug}", "/users/{w:lower}"),
        ("/keys/{k:hex}", "/keys/{u:uuid}"),  # UUIDs are runs of hex digits and "-"
        ("/notes/{m:optional}", "/notes/{w:lower}"),  # [a-z]* covers [a-z]+
        ("/files/{f:dotted}", "/files/{a:lower}.{b:lower}"),  # a mixed segment
        ("/files/{f:dotted}", "/files/{a:lower}.txt"),
        ("/files/{name}", "/files/{n:num}.{w:words}"),  # any field without "/" in a str one
        ("/users/{name}", "/users/{x:alt}"),  # ... whatever its regex, if it cannot be empty
        ("/{rest:path}", "/{a:anything}/{w:lower}"),
        ("/c/{w:lower}/{n:num}", "/c/{x:lower}/{id:d}"),
    ],
)
def test_a_custom_type_that_covers_or_is_covered_is_compared_by_its_regex(
    earlier: str, later: str
) -> None:
    problems = unreachable_routes(app_with(earlier, later).router.routes)

    assert len(problems) == 1
    assert problems[0].message.startswith(f"route {later!r} (name 'r1') can never be reached")


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("/counts/{id:d}", "/counts/{n:num}"),  # d stops at 4300 digits, num does not
        ("/counts/{n:small}", "/counts/{id:d}"),  # bounded: 123456 goes to d
        ("/counts/{n:num}", "/counts/{n:digits}"),  # \d also has other scripts' digits
        ("/users/{w:lower}", "/users/{s:slug}"),
        ("/users/{w:lower}", "/users/{name}"),
        ("/users/{w:lower}", "/users/{m:optional}"),  # "" (as in /users/) is not [a-z]+
        ("/users/{a:anything}", "/users/{p:path}"),  # a one-segment field never covers a path
        ("/users/{n:num}", "/users/{x:alt}"),  # alternations are not compared: silent
        ("/users/{x:alt}", "/users/{y:alt}"),  # two fields of one type: covered, but
        ("/files/{f:lower}", "/files/{a:lower}.txt"),  # "." is not in [a-z]
        ("/files/{f:dotted}", "/files/{a:lower}.{b:d}"),  # digits are not in [a-z.]
        ("/keys/{k:lower}", "/keys/{u:uuid}"),
        ("/{w:lower}/{n:num}", "/users/{id:d}"),  # literal text first: more literal wins
        ("/{n:num}/x", "/12/{name}"),
    ],
)
def test_a_custom_type_it_cannot_prove_covers_is_not_reported(earlier: str, later: str) -> None:
    if earlier == "/users/{x:alt}":
        # The same pattern shape twice is refused at registration instead.
        with pytest.raises(RouteError, match="matches the same paths as"):
            app_with(earlier, later)
        return
    assert unreachable_routes(app_with(earlier, later).router.routes) == []


def test_framework_check_passes_an_app_whose_custom_types_leave_every_route_reachable() -> None:
    app = app_with(
        "/counts/{n:small}", "/counts/{id:d}", "/counts/{w:lower}", "/counts/{rest:path}"
    )

    assert check_app(app) == []


def test_framework_check_reports_a_custom_type_shadowing_a_later_route() -> None:
    app = App()
    app.route_type("num", "[0-9]+", int)
    app.add_route("/counts/{n:num}", Page, name="count")
    app.add_route("/counts/{id:d}", Page, name="count_by_id")

    assert [str(problem) for problem in check_app(app)] == [
        "unreachable route: route '/counts/{id:d}' (name 'count_by_id') can never be reached:"
        " route '/counts/{n:num}' (name 'count'), registered before it, matches every path it"
        " matches, with literal text in the same segments"
    ]


def test_each_unreachable_route_is_reported_once_against_the_first_route_that_covers_it() -> None:
    app = app_with("/users/{name}", "/users/{slug:slug}", "/users/{id:d}", "/users/{key:uuid}")

    messages = [problem.message for problem in unreachable_routes(app.router.routes)]

    assert len(messages) == 3
    assert all("route '/users/{name}' (name 'r0')" in message for message in messages)


# Every reported route really is unreachable: each path it would match goes to the earlier one.

PATTERNS = [
    "/users/{name}",
    "/users/{id:d}",
    "/users/{slug:slug}",
    "/users/{key:uuid}",
    "/users/v{version:d}",
    "/users/{name}/{tab}",
    "/users/me/{tab:slug}",
    "/{section}/{name}",
    "/{rest:path}",
    "/users/{rest:path}",
    "/users/{id:d}/",
    "/users/{name}/",
    "/{section}/{id:d}",
    "/users/{id:d}/{tab}",
    "/users/{name}/{tab:slug}",
    "/users/{a}.{b}",
    "/{p:path}/edit",
    "/{a}/{b}/edit",
    "/{a}/{b}/{c}",
    "/users/{n:num}",
    "/users/{n:small}",
    "/users/{w:lower}",
    "/users/{a:anything}",
    "/users/{k:hex}",
    "/users/{f:dotted}",
    "/users/{a:lower}.{b:lower}",
    "/users/{x:alt}",
]


def _reported_pairs() -> list[tuple[str, str]]:
    pairs = []
    for earlier, later in itertools.permutations(PATTERNS, 2):
        try:
            app = app_with(earlier, later)
        except RouteError:
            continue
        if unreachable_routes(app.router.routes):
            pairs.append((earlier, later))
    return pairs


REPORTED_PAIRS = _reported_pairs()


def test_the_soundness_property_below_has_pairs_to_try() -> None:
    assert ("/users/{name}", "/users/{id:d}") in REPORTED_PAIRS
    assert ("/{section}/{name}", "/users/{name}/{tab}") not in REPORTED_PAIRS
    assert ("/{rest:path}", "/{section}/{name}") in REPORTED_PAIRS
    assert ("/users/{n:num}", "/users/{id:d}") in REPORTED_PAIRS  # custom types too
    assert ("/users/{id:d}", "/users/{n:small}") in REPORTED_PAIRS
    assert ("/users/{name}", "/users/{a:anything}") in REPORTED_PAIRS
    assert len(REPORTED_PAIRS) >= 8


@pytest.mark.parametrize("pair", REPORTED_PAIRS, ids="  before  ".join)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_path_of_a_reported_route_is_matched_by_the_earlier_route(
    pair: tuple[str, str], data: st.DataObject
) -> None:
    app = app_with(*pair)
    earlier, later = app.router.routes[-2:]
    types = {  # the declared types (a built-in one may be narrowed in the route's segments)
        part.name: URL_TYPES.get(part.type.name, part.type)
        for segment in later.segments
        for part in segment
        if isinstance(part, RouteField)
    }
    values = {
        field_name: url_type.convert(
            data.draw(st.from_regex(url_type.regex, fullmatch=True), field_name)
        )
        for field_name, url_type in types.items()
    }
    try:
        path = unquote(app.url_for(later.name, **values))
    except ValueError:  # a value url_for refuses ("", ".", "..") is no path of this route
        return
    alone = app_with(later.pattern)
    if alone.router.match(path) is None:  # e.g. a "/" in a one-segment custom field's value
        return

    match = app.router.match(path)

    assert match is not None
    assert match[0] is earlier, f"{path!r} reached {match[0].pattern!r}"


# Templates


@pytest.fixture
def site(templates_dir: Path) -> App:
    """An app over the conftest templates, with a parameterless and a parameterised route."""
    app = App(templates=templates_dir)
    app.add_route("/", Page, name="home")
    app.add_route("/users/{id:d}", Page, name="user")
    return app


def write(templates_dir: Path, name: str, text: str) -> Path:
    (templates_dir / name).write_text(text)
    return templates_dir / name


def test_url_for_naming_no_route_is_reported_with_file_and_line(
    site: App, templates_dir: Path
) -> None:
    links = write(templates_dir, "links.html", "<p>\n{{ url_for('nowhere') }}\n</p>")

    [problem] = template_url_problems(site)

    assert problem.kind == "broken url_for"
    assert problem.message.startswith(
        f"{links}, line 2: url_for('nowhere', ...): no route is named 'nowhere'"
    )


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        ("url_for('user')", "takes id; missing parameters id"),
        (
            "url_for('user', name='ada')",
            "takes id; missing parameters id; unexpected parameters name",
        ),
        ("url_for('user', id=1, tab='x')", "takes id; unexpected parameters tab"),
        ("url_for('home', id=1)", "takes no parameters; unexpected parameters id"),
    ],
)
def test_url_for_with_the_wrong_parameters_is_reported(
    site: App, templates_dir: Path, call: str, complaint: str
) -> None:
    write(templates_dir, "links.html", f"{{% set link = {call} %}}")

    [problem] = template_url_problems(site)

    assert problem.message.endswith(complaint)
    route_name = call.split("'")[1]
    assert f"line 1: url_for({route_name!r}, ...): route " in problem.message


def test_url_for_with_a_positional_parameter_is_reported(site: App, templates_dir: Path) -> None:
    write(templates_dir, "links.html", "{{ url_for('user', 1) }}")

    [problem] = template_url_problems(site)

    assert "route parameters must be passed by name" in problem.message


def test_url_for_with_no_arguments_is_reported(site: App, templates_dir: Path) -> None:
    write(templates_dir, "links.html", "{% macro link() %}{{ url_for() }}{% endmacro %}")

    [problem] = template_url_problems(site)

    assert problem.message.endswith("line 1: url_for() needs a route name")


def test_correct_and_uncheckable_url_for_calls_are_not_reported(
    site: App, templates_dir: Path
) -> None:
    write(
        templates_dir,
        "links.html",
        "{{ url_for('home') }} {{ url_for('user', id=7) }}"
        "{{ url_for('home', _query={'page': 2}) }} {{ url_for('user', id=7, _query=q) }}"
        "{% for id in ids %}{{ url_for('user', id=id) }}{% endfor %}"
        # Only known when the template renders, so skipped:
        "{{ url_for(route_name) }} {{ url_for('user', **params) }} {{ url_for(*arguments) }}"
        # Not the url_for global:
        "{{ request.url_for('nowhere') }} {{ links.url_for('nowhere') }}",
    )

    assert template_url_problems(site) == []


def test_a_template_that_does_not_parse_is_reported_with_its_line(
    site: App, templates_dir: Path
) -> None:
    broken = write(templates_dir, "broken.html", "<p>\n{% if %}\n</p>")

    [problem] = template_url_problems(site)

    assert problem == Problem(
        "template syntax error",
        f"{broken}, line 2: Expected an expression, got 'end of statement block'",
    )


def test_hidden_files_in_template_directories_are_skipped(site: App, templates_dir: Path) -> None:
    write(templates_dir, ".links.html.swp", "{% if")

    assert template_url_problems(site) == []


def test_template_paths_below_the_working_directory_are_shown_relative(
    site: App, templates_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(templates_dir, "links.html", "{{ url_for('nowhere') }}")
    monkeypatch.chdir(templates_dir.parent)

    [problem] = template_url_problems(site)

    assert problem.message.startswith("templates/links.html, line 1: ")


# template_name and handlers


def test_a_template_view_whose_template_does_not_exist_is_reported(templates_dir: Path) -> None:
    class Missing(TemplateView):
        template_name = "missing.html"

    app = App(templates=templates_dir)
    app.add_route("/a/", Missing, name="a")
    app.add_route("/b/", Missing, name="b")

    [problem] = template_name_problems(app)

    assert problem.kind == "missing template"
    assert problem.message == (
        f"view {Missing.__module__}.{Missing.__qualname__} (route '/a/' (name 'a'),"
        f" route '/b/' (name 'b')): template_name 'missing.html' not found in {templates_dir}"
    )


def test_a_template_view_without_a_template_name_is_reported(templates_dir: Path) -> None:
    class Nameless(TemplateView):
        pass

    app = App(templates=templates_dir)
    app.add_route("/", Nameless, name="home")

    [problem] = template_name_problems(app)

    assert problem.message.endswith("(route '/' (name 'home')) has no template_name")


def test_template_views_that_can_render_are_not_reported(templates_dir: Path) -> None:
    class Existing(TemplateView):
        template_name = "page.html"

    class OwnGet(TemplateView):  # no template_name, but it does not render one
        def get(self, request: Any, /, **params: Any) -> str:
            return "own"

    write(templates_dir, "broken.html", "{% if %}")

    class Broken(TemplateView):  # exists; its syntax error is the template check's to report
        template_name = "broken.html"

    app = App(templates=templates_dir)
    for index, view in enumerate([Existing, OwnGet, Broken]):
        app.add_route(f"/{index}/", view, name=f"r{index}")

    assert template_name_problems(app) == []


def test_a_view_with_no_handlers_is_reported_once_with_its_routes() -> None:
    class Empty(View):
        pass

    app = App()
    app.add_route("/a/", Empty, name="a")
    app.add_route("/b/{id:d}", Empty, name="b")
    app.add_route("/c/", Page, name="c")

    [problem] = views_without_handlers(app.router.routes)

    assert problem.kind == "no handlers"
    assert problem.message.startswith(
        f"view {Empty.__module__}.{Empty.__qualname__} (route '/a/' (name 'a'),"
        " route '/b/{id:d}' (name 'b')) defines no handler method"
    )


def test_check_app_runs_every_check(templates_dir: Path) -> None:
    class Empty(View):
        pass

    class Missing(TemplateView):
        template_name = "missing.html"

    write(templates_dir, "links.html", "{{ url_for('nowhere') }}")
    app = App(templates=templates_dir)
    app.add_route("/users/{name}", Empty, name="user_by_name")
    app.add_route("/users/{id:d}", Missing, name="user")

    kinds = [problem.kind for problem in check_app(app)]

    assert kinds == ["unreachable route", "broken url_for", "missing template", "no handlers"]


# The demo site and the examples pass


def test_the_demo_site_passes_every_check() -> None:
    from views import app

    assert check_app(app) == []


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.py")), ids=lambda path: path.stem)
def test_every_example_passes_every_check(example: Path) -> None:
    spec = importlib.util.spec_from_file_location(f"example_{example.stem}", example)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    assert check_app(module.app) == []


# framework check, as a subprocess


def check_command(target: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_command("check", target, cwd=cwd)


def test_framework_check_passes_the_demo_site() -> None:
    result = check_command("views:app", ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    # The site's 11 templates and the framework's own framework/forms.html.
    assert result.stdout == "views:app: no problems found (7 routes, 13 templates checked)\n"
    assert result.stderr == ""


def test_framework_check_passes_the_examples() -> None:
    result = check_command("hello:app", EXAMPLES)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("hello:app: no problems found")


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A copy of the demo site (views/, templates/ and static/) to break on purpose."""
    shutil.copytree(
        ROOT / "views", tmp_path / "views", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "static", tmp_path / "static")
    return tmp_path


def test_framework_check_catches_a_broken_template_link_in_the_demo_site(demo_copy: Path) -> None:
    index = demo_copy / "templates" / "index.html"
    source = index.read_text()
    line = source[: source.index("url_for('user', id=id)")].count("\n") + 1
    index.write_text(source.replace("url_for('user', id=id)", "url_for('users', id=id)"))

    result = check_command("views:app", demo_copy)

    assert result.returncode == 1
    assert result.stdout.startswith(
        f"broken url_for: templates/index.html, line {line}: url_for('users', ...):"
        " no route is named 'users'; known names include 'user'"
    )
    assert result.stdout.count("\n") == 1
    assert result.stderr == "framework check: views:app: 1 problem found\n"


def test_framework_check_catches_an_unreachable_route_in_the_demo_site(demo_copy: Path) -> None:
    with (demo_copy / "views" / "__init__.py").open("a") as views:
        views.write(
            "\n\n@app.route('/hello/{number:d}', name='hello_number')\n"
            "class HelloNumber(View):\n"
            "    def get(self, request, number):\n"
            "        return str(number)\n"
        )

    result = check_command("views:app", demo_copy)

    assert result.returncode == 1
    assert result.stdout == (
        "unreachable route: route '/hello/{number:d}' (name 'hello_number') can never be"
        " reached: route '/hello/{name}' (name 'hello'), registered before it, matches every"
        " path it matches, with literal text in the same segments\n"
    )
    assert result.stderr == "framework check: views:app: 1 problem found\n"


def test_framework_check_of_an_unimportable_app_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = check_command("nothing_here:app", tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("framework: cannot import 'nothing_here'")
    assert result.stderr.count("\n") == 1


def test_problems_print_as_kind_and_message() -> None:
    assert str(Problem("no handlers", "view x")) == "no handlers: view x"


# Handler annotations (the names were checked at registration)


def test_check_reports_an_annotation_that_disagrees_with_the_field_type() -> None:
    app = App()

    class UserDetail(View):
        def get(self, request: object, id: str) -> str:
            return id

    app.add_route("/users/{id:d}", UserDetail, name="user")

    assert check_app(app) == [
        Problem(
            "wrong annotation",
            f"view {__name__}.{UserDetail.__qualname__} (route '/users/{{id:d}}' (name 'user')):"
            " UserDetail.get() annotates 'id' as str but the route gives int",
        )
    ]


def test_check_passes_annotations_that_agree() -> None:
    app = App()

    class UserDetail(View):
        def get(self, request: object, id: int) -> str:
            return str(id)

    app.add_route("/users/{id:d}", UserDetail, name="user")

    assert annotation_problems(app) == []
    assert check_app(app) == []


def edit_demo_views(demo_copy: Path, old: str, new: str) -> int:
    """Replace the one ``old`` in the demo copy's views with ``new``; return its line number."""
    views = demo_copy / "views" / "__init__.py"
    source = views.read_text()
    assert source.count(old) == 1
    views.write_text(source.replace(old, new))
    return source[: source.index(old)].count("\n") + 1


def test_framework_check_catches_a_wrong_annotation_in_the_demo_site(demo_copy: Path) -> None:
    edit_demo_views(demo_copy, "def get(self, request, id: int)", "def get(self, request, id: str)")

    result = check_command("views:app", demo_copy)

    assert result.returncode == 1
    assert result.stdout == (
        "wrong annotation: view views.UserDetail (route '/users/{id:d}' (name 'user')):"
        " UserDetail.get() annotates 'id' as str but the route gives int\n"
    )


def test_framework_check_of_a_handler_that_misnames_a_field_names_it(demo_copy: Path) -> None:
    edit_demo_views(
        demo_copy, "def get(self, request, id: int)", "def get(self, request, user_id: int)"
    )

    result = check_command("views:app", demo_copy)

    assert result.returncode == 1
    assert result.stderr.startswith(
        "framework: cannot import 'views': SignatureError: UserDetail.get() takes 'user_id'"
        " but /users/{id:d} gives 'id'"
    )


# Templates named in view code


def test_a_render_call_naming_a_missing_template_is_reported_with_file_and_line(
    templates_dir: Path,
) -> None:
    class Profile(View):
        def get(self, request: Any, **params: Any) -> Any:
            return self.render("profle.html", **params)

    app = App(templates=templates_dir)
    app.add_route("/profile/{name}", Profile, name="profile")
    line = Profile.get.__code__.co_firstlineno + 1

    assert check_app(app) == [
        Problem(
            "missing template",
            f"tests/test_checks.py, line {line}: Profile.get() renders 'profle.html',"
            f" not found in {templates_dir}",
        )
    ]


def test_a_template_name_attribute_on_a_plain_view_is_reported(templates_dir: Path) -> None:
    class Report(View):
        template_name = "report.html"
        confirm_template_name = "confirm.html"
        template_name_suffix = "_form.html"  # not a template name

        def get(self, request: Any) -> Any:
            return self.render(self.template_name)

    app = App(templates=templates_dir)
    app.add_route("/report/", Report)

    assert [problem.message.split(": ", 1)[1] for problem in template_literal_problems(app)] == [
        f"Report.template_name is 'report.html', not found in {templates_dir}",
        f"Report.confirm_template_name is 'confirm.html', not found in {templates_dir}",
    ]


def test_templates_that_exist_and_computed_names_are_not_reported(templates_dir: Path) -> None:
    class Fine(View):
        template_name = "page.html"

        def get(self, request: Any, **params: Any) -> Any:
            name = "computed.html"
            if params:
                return self.render(f"{name}")
            if request.GET:
                return self.render(name)
            return self.render("page.html", message="hi")

        def post(self, request: Any, **params: Any) -> Any:
            return self.render("a.html" if params else "b.html")

    app = App(templates=templates_dir)
    app.add_route("/fine/", Fine)

    assert template_literal_problems(app) == []
    assert check_app(app) == []


def test_a_template_view_missing_its_template_is_reported_once(templates_dir: Path) -> None:
    class Missing(TemplateView):
        template_name = "missing.html"

    app = App(templates=templates_dir)
    app.add_route("/", Missing, name="home")

    assert [problem.message for problem in check_app(app)] == [
        f"view {Missing.__module__}.{Missing.__qualname__} (route '/' (name 'home')):"
        f" template_name 'missing.html' not found in {templates_dir}"
    ]


class RendersMissing(View):
    """A base class outside the framework: what its methods render is checked for subclasses."""

    def render_page(self) -> Any:
        return self.render("base-missing.html")


def test_base_classes_are_read_and_each_literal_reported_once(templates_dir: Path) -> None:
    class First(RendersMissing):
        def get(self, request: Any) -> Any:
            return self.render_page()

    class Second(RendersMissing):
        def get(self, request: Any) -> Any:
            return self.render_page()

    app = App(templates=templates_dir)
    app.add_route("/1/", First)
    app.add_route("/2/", Second)

    [problem] = template_literal_problems(app)

    assert "RendersMissing.render_page() renders 'base-missing.html'" in problem.message


def test_a_view_without_readable_source_is_skipped(templates_dir: Path) -> None:
    def get(self: View, request: Any) -> Any:
        return self.render("nowhere.html")

    app = App(templates=templates_dir)
    app.add_route("/made/", type("Made", (View,), {"get": get}))

    assert template_literal_problems(app) == []


def test_framework_check_catches_a_template_typo_in_view_code(demo_copy: Path) -> None:
    line = edit_demo_views(demo_copy, 'self.render("login.html"', 'self.render("logn.html"')

    result = check_command("views:app", demo_copy)

    assert result.returncode == 1
    assert result.stdout == (
        f"missing template: views/__init__.py, line {line}: Login.get() renders 'logn.html',"
        f" not found in {demo_copy / 'templates'}\n"
    )


def test_a_route_under_a_mount_is_reported() -> None:
    def legacy(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"legacy"]

    app = App()
    for pattern in ("/legacy", "/legacy/", "/legacy/{id:d}", "/legacyx", "/{name}", "/legacy{x}"):
        app.add_route(pattern, Page, name=pattern)
    app.mount("/legacy", legacy)

    problems = check_app(app)

    assert sorted(p.message.split("'")[1] for p in problems if "mount" in p.message) == [
        "/legacy",
        "/legacy/",
        "/legacy/{id:d}",
    ]
    assert all(p.kind == "unreachable route" for p in problems if "mount" in p.message)
