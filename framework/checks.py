"""``framework check``: find what would otherwise break only when a user follows a link.

Routes that another route always wins over, ``url_for`` calls in templates that name no route or
pass the wrong parameters, templates that do not parse, missing ``template_name`` templates (and
generic views missing what they need), views with no handlers, handler annotations that disagree
with their fields' types, templates named by literals in view code that do not exist, and access
rules that cannot work (a ``login_required`` view exempt from CSRF, a missing login route).
``check_app`` returns the problems; the command prints them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import jinja2
from jinja2 import nodes

from .csrf import UNSAFE_METHODS
from .forms import Form
from .generic import CreateView, DeleteView, DetailView, FormView, ListView, UpdateView
from .routing import (
    QUERY_KEYWORD,
    CharRepeat,
    Route,
    RouteField,
    Router,
    Segment,
    URLBuildError,
    URLType,
)
from .signatures import annotation_mismatches
from .views import TemplateView, View
from .viewsource import is_framework_class, template_references

if TYPE_CHECKING:
    from .app import App

__all__ = [
    "Problem",
    "access_problems",
    "annotation_problems",
    "check_app",
    "generic_view_problems",
    "mount_shadowed_routes",
    "template_literal_problems",
    "template_name_problems",
    "template_url_problems",
    "unreachable_routes",
    "views_without_handlers",
]


@dataclass(frozen=True)
class Problem:
    """One thing ``framework check`` found: its kind and a message naming where it is."""

    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def check_app(app: App) -> list[Problem]:
    """Run every check on ``app``; an empty list means it passed."""
    routes = app.router.routes
    return [
        *unreachable_routes(routes),
        *mount_shadowed_routes(app),
        *template_url_problems(app),
        *template_name_problems(app),
        *generic_view_problems(routes),
        *views_without_handlers(routes),
        *annotation_problems(app),
        *template_literal_problems(app),
        *access_problems(app),
    ]


# Access


def access_problems(app: App) -> list[Problem]:
    """A ``login_required`` view that takes unsafe methods without the CSRF check (a session
    cookie is its only credential, so any site can make the browser send it), a
    ``login_route`` that names no route, and ``login_required`` without a ``user_loader``."""
    problems = []
    names = {route.name for route in app.router.routes}
    if app.login_route is not None and app.login_route not in names:
        problems.append(
            Problem("login route", f"App(login_route={app.login_route!r}) names no route")
        )
    needs_user = False
    for route in app.router.routes:
        if not app.route_access(route).login_required:
            continue
        needs_user = True
        unsafe = sorted(UNSAFE_METHODS.intersection(route.view.allowed_methods))
        if route.view.csrf_exempt and unsafe:
            problems.append(
                Problem(
                    "csrf hole",
                    f"{_describe(route)} is login_required and csrf_exempt: its "
                    f"{', '.join(unsafe)} can be forged by any site the user visits",
                )
            )
    if needs_user and app.user_loader is None:
        problems.append(
            Problem("login", "views are login_required but App(user_loader=...) is not set")
        )
    return problems


# Unreachable routes
#
# A route B is unreachable when, on every path it matches, another route wins: a route A that
# matches every path B matches, with literal text in the same segments as B (else B, more
# literal somewhere, wins there), registered before B. Static routes match one path each and
# win over every parameterised one, so only parameterised routes can shadow or be shadowed.
# Patterns are compared segment by segment (Route.segments), field types by what their regexes
# are (URLType.repeat: one character class repeated, as every built-in type but uuid is). The
# comparison is conservative: "covers" is only answered True when it is certain, so every
# report is real, but an overlap it cannot prove (a custom regex of another form, several routes
# that together cover one) is not reported. Like the built-in types, a custom type's converter
# is assumed to accept whatever its regex matches.


def unreachable_routes(routes: Iterable[Route]) -> list[Problem]:
    """Report each parameterised route that an earlier one always wins over."""
    problems = []
    earlier: list[Route] = []
    for route in routes:
        if route.is_static:
            continue
        shadow = next((first for first in earlier if _shadows(first, route)), None)
        if shadow is not None:
            problems.append(
                Problem(
                    "unreachable route",
                    f"{_describe(route)} can never be reached: {_describe(shadow)}, registered"
                    " before it, matches every path it matches, with literal text in the same"
                    " segments",
                )
            )
        earlier.append(route)
    return problems


def _shadows(first_route: Route, second_route: Route) -> bool:
    """Whether ``first`` matches every path ``second`` matches, with fields in the same segments.

    The first registered of two such routes wins every path they both match.
    """
    first, second = _placed(first_route), _placed(second_route)
    last = first[-1][0]
    if len(last) == 1 and isinstance(last[0], RouteField) and _any_text(last[0].type):
        # A trailing {p:path} (.+) takes whatever non-empty rest follows its literal prefix,
        # matching each of its segments with a field.
        head = len(first) - 1
        return (
            len(second) >= len(first)
            and all(map(_segment_covers, first[:head], second[:head]))
            and [_has_fields(s) for s, _ in first[:head]]
            == [_has_fields(s) for s, _ in second[:head]]
            and all(_has_fields(segment) for segment, _ in second[head:])
            and (len(second) > len(first) or _never_empty(second[head][0]))
        )
    return (
        len(first) == len(second)
        and all(map(_segment_covers, first, second))
        and [_has_fields(s) for s, _ in first] == [_has_fields(s) for s, _ in second]
    )


#: A segment of a route, and whether it is in the route's tail: at or after its first field
#: that spans segments, where the route matches the rest of the path as one regex.
_Placed = tuple[Segment, bool]


def _placed(route: Route) -> list[_Placed]:
    placed = []
    in_tail = False
    for segment in route.segments:
        in_tail = in_tail or any(
            isinstance(part, RouteField) and part.type.spans_segments for part in segment
        )
        placed.append((segment, in_tail))
    return placed


def _has_fields(segment: Segment) -> bool:
    return any(isinstance(part, RouteField) for part in segment)


def _any_text(url_type: URLType) -> bool:
    """Whether a type matches any non-empty text, "/" included (``path``)."""
    repeat = url_type.repeat
    return (
        url_type.spans_segments
        and repeat is not None
        and repeat.excluded == frozenset()
        and repeat.min <= 1
        and repeat.max is None
    )


def _never_empty(segment: Segment) -> bool:
    """Whether a segment always has text: literal text or a field that cannot be empty."""
    return any(isinstance(part, str) or not part.type.matches("") for part in segment)


def _shape(segment: Segment) -> tuple[str | URLType, ...]:
    """A segment without its field names, which do not change which paths match."""
    return tuple(part if isinstance(part, str) else part.type for part in segment)


def _segment_covers(first_placed: _Placed, second_placed: _Placed) -> bool:
    """Whether every text matching segment ``second`` also matches segment ``first``."""
    (first, first_tail), (second, second_tail) = first_placed, second_placed
    if _shape(first) == _shape(second):
        return True
    if all(isinstance(part, str) for part in second):
        return _segment_regex(first).fullmatch("".join(map(str, second))) is not None
    if len(first) != 1 or not isinstance(first[0], RouteField):
        return False
    whole = _as_matched(first[0].type, first[0].type.repeat, first_tail)
    if whole is None:
        return False
    # A whole field covers a segment when the segment's texts are runs of its characters, of
    # lengths it takes: the fields' values (each within a repeat) and the literal text between.
    parts = [
        _covered(part.type, second_tail)
        if isinstance(part, RouteField)
        else CharRepeat.literal(part)
        for part in second
    ]
    repeats = [repeat for repeat in parts if repeat is not None]
    if len(repeats) < len(parts):
        return False
    maxima = [repeat.max for repeat in repeats]
    longest = None if None in maxima else sum(filter(None, maxima))
    return (
        all(whole.includes_class(repeat) for repeat in repeats if repeat.max != 0)
        and whole.min <= sum(repeat.min for repeat in repeats)
        and (whole.max is None or (longest is not None and longest <= whole.max))
    )


# What any field matching within one segment takes, whatever its regex.
_ONE_SEGMENT = CharRepeat("[^/]", 0, None, excluded=frozenset("/"))


def _covered(url_type: URLType, in_tail: bool) -> CharRepeat | None:
    """A repeat taking every text a field of this type matches where it is, or None."""
    within = url_type.within
    if within is None and not url_type.spans_segments and not in_tail:
        # Whatever its regex, such a field takes (part of) one segment.
        return _ONE_SEGMENT if url_type.matches("") else replace(_ONE_SEGMENT, min=1)
    return _as_matched(url_type, within, in_tail)


def _as_matched(url_type: URLType, repeat: CharRepeat | None, in_tail: bool) -> CharRepeat | None:
    """The repeat a field of this type matches where it is, or None when unknown.

    Outside a tail, a field that does not span segments matches within one segment, so never a
    "/" (a custom ``.+`` takes one segment); in a tail it may take one, and splitting the rest of
    the path among such fields is not compared.
    """
    if repeat is None or url_type.spans_segments:
        return repeat
    if not repeat.has("/"):
        return repeat
    return None if in_tail else repeat.without("/")


def _segment_regex(segment: Segment) -> re.Pattern[str]:
    """The regex a segment matches with."""
    return re.compile(
        "".join(
            re.escape(part) if isinstance(part, str) else f"(?:{part.type.regex})"
            for part in segment
        ),
        re.DOTALL,
    )


def _describe(route: Route) -> str:
    return f"route {route.pattern!r} (name {route.name!r})"


def mount_shadowed_routes(app: App) -> list[Problem]:
    """Report each route whose paths all lie under a mount: the mounted app gets them first."""
    problems = []
    for prefix, mounted in app.mounts.items():
        for route in app.router.routes:
            literal_start = route.pattern.split("{", 1)[0]
            if route.pattern == prefix or literal_start.startswith(prefix + "/"):
                problems.append(
                    Problem(
                        "unreachable route",
                        f"{_describe(route)} can never be reached: every path it matches is "
                        f"under the mount {prefix!r} ({mounted!r}), tried before the routes",
                    )
                )
    return problems


# Templates


def template_url_problems(app: App) -> list[Problem]:
    """Parse every template and check each ``url_for('name', ...)`` call against the routes.

    Also reports templates that do not parse or cannot be read.
    """
    environment = app.templates.environment
    loader = environment.loader
    if loader is None:
        return []
    problems = []
    for template_name in environment.list_templates():
        if any(part.startswith(".") for part in template_name.split("/")):
            continue  # editor swap files, .DS_Store and the like are not templates
        where = template_name
        try:
            source, filename, _ = loader.get_source(environment, template_name)
            where = _relative(filename) if filename else template_name
            tree = environment.parse(source, template_name, filename)
        except jinja2.TemplateSyntaxError as error:
            message = f"{where}, line {error.lineno}: {error.message}"
            problems.append(Problem("template syntax error", message))
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem("unreadable template", f"{where}: {error}"))
            continue
        for call in tree.find_all(nodes.Call):
            problem = _url_for_problem(app.router, call)
            if problem is not None:
                message = f"{where}, line {call.lineno}: {problem}"
                problems.append(Problem("broken url_for", message))
    return problems


def _url_for_problem(router: Router, call: nodes.Call) -> str | None:
    """Say what is wrong with a ``url_for(...)`` call, or None (also for calls to other names)."""
    if not (isinstance(call.node, nodes.Name) and call.node.name == "url_for"):
        return None
    # A computed route name, *args or **params are only known when the template renders:
    # such calls are skipped rather than guessed at.
    if call.dyn_args is not None or call.dyn_kwargs is not None:
        return None
    if not call.args:
        return "url_for() needs a route name"
    name_node = call.args[0]
    if not (isinstance(name_node, nodes.Const) and isinstance(name_node.value, str)):
        return None
    shown = f"url_for({name_node.value!r}, ...)"
    if len(call.args) > 1:
        return f"{shown}: route parameters must be passed by name, e.g. url_for('user', id=1)"
    try:
        route = router.route_named(name_node.value)
    except URLBuildError as error:
        return f"{shown}: {error}"
    given = [keyword.key for keyword in call.kwargs if keyword.key != QUERY_KEYWORD]
    missing = [field_name for field_name in route.fields if field_name not in given]
    unexpected = [key for key in given if key not in route.fields]
    complaints = []
    if missing:
        complaints.append(f"missing parameters {', '.join(missing)}")
    if unexpected:
        complaints.append(f"unexpected parameters {', '.join(unexpected)}")
    if not complaints:
        return None
    return f"{shown}: {_describe(route)} takes {_parameters(route)}; {'; '.join(complaints)}"


def _parameters(route: Route) -> str:
    return ", ".join(route.fields) if route.fields else "no parameters"


def _relative(filename: str) -> str:
    """A template's file name relative to the working directory when it is below it."""
    relative = os.path.relpath(filename)
    return filename if relative.startswith("..") else relative


def template_name_problems(app: App) -> list[Problem]:
    """Report TemplateViews whose ``template_name`` is missing or names no loadable template."""
    problems = []
    for view, routes in _views(app.router.routes).items():
        if not issubclass(view, TemplateView):
            continue
        where = f"{_view_name(view)} ({', '.join(map(_describe, routes))})"
        if view.template_name is None:
            if _renders_template_name(view):  # an overridden get may not need a template
                problems.append(Problem("missing template", f"{where} has no template_name"))
        elif not _template_exists(app, view.template_name):
            searched = ", ".join(map(str, app.templates.directories)) or "no template directories"
            problems.append(
                Problem(
                    "missing template",
                    f"{where}: template_name {view.template_name!r} not found in {searched}",
                )
            )
    return problems


# The framework's handlers that render a view's template_name.
_TEMPLATE_HANDLERS = (
    TemplateView.get,
    DetailView.get,
    ListView.get,
    FormView.get,
    FormView.post,
    DeleteView.get,
)


def _renders_template_name(view: type[View]) -> bool:
    return getattr(view, "get", None) in _TEMPLATE_HANDLERS or (
        getattr(view, "post", None) in _TEMPLATE_HANDLERS
    )


# (generic view, the methods that lead to a hook, the hook): a subclass that keeps those
# methods as they are must define the hook. "get/post" means either handler.
_REQUIRED_HOOKS = (
    (DetailView, ("get",), "get_object"),
    (ListView, ("get",), "get_items"),
    (CreateView, ("post", "form_valid"), "save"),
    (UpdateView, ("get/post", "get_form"), "get_object"),
    (UpdateView, ("post", "form_valid"), "save"),
    (DeleteView, ("get/post",), "get_object"),
    (DeleteView, ("post",), "delete"),
)


def generic_view_problems(routes: Iterable[Route]) -> list[Problem]:
    """Report generic views that would fail on their first request: a ``FormView`` (or
    ``CreateView``, ``UpdateView``) without a ``form_class``, one that redirects to a
    ``success_url`` it lacks (``DeleteView`` too), or a hook such as ``get_object`` undefined.

    Methods a view overrides are trusted: they may not need what the generic ones do.
    """
    problems = []
    for view, view_routes in _views(routes).items():
        where = f"{_view_name(view)} ({', '.join(map(_describe, view_routes))})"
        if issubclass(view, FormView) and _keeps(view, FormView, "get/post", "get_form"):
            form_class = view.form_class
            if form_class is None:
                problems.append(Problem("missing form class", f"{where} has no form_class"))
            elif not (isinstance(form_class, type) and issubclass(form_class, Form)):
                message = f"{where}: form_class {form_class!r} is not a framework.forms.Form"
                problems.append(Problem("missing form class", message))
        if _redirects_to_success_url(view) and getattr(view, "success_url", None) is None:
            problems.append(
                Problem(
                    "missing success_url",
                    f"{where} has no success_url (a route name or a path) and does not"
                    " override get_success_url",
                )
            )
        missing = {
            hook
            for base, methods, hook in _REQUIRED_HOOKS
            if issubclass(view, base) and _keeps(view, base, *methods, hook)
        }
        problems.extend(
            Problem("missing hook", f"{where} does not define {hook}()") for hook in sorted(missing)
        )
    return problems


def _keeps(view: type[View], base: type[View], *names: str) -> bool:
    """Whether ``view`` has ``base``'s own version of each method (``"get/post"``: of either)."""

    def kept(name: str) -> bool:
        return getattr(view, name, None) is getattr(base, name)

    return all(kept("get") or kept("post") if name == "get/post" else kept(name) for name in names)


def _redirects_to_success_url(view: type[View]) -> bool:
    """Whether the view's valid POST ends in the generic ``get_success_url``."""
    for base in (CreateView, UpdateView, FormView):
        if issubclass(view, base):
            return _keeps(view, base, "post", "form_valid", "get_success_url")
    return issubclass(view, DeleteView) and _keeps(view, DeleteView, "post", "get_success_url")


def _template_exists(app: App, template_name: str) -> bool:
    try:
        return app.templates.exists(template_name)
    except jinja2.TemplateError:  # it exists but does not parse: reported with the templates
        return True


# Views


def views_without_handlers(routes: Iterable[Route]) -> list[Problem]:
    """Report views that define no handler, so every request but OPTIONS answers 405."""
    return [
        Problem(
            "no handlers",
            f"{_view_name(view)} ({', '.join(map(_describe, view_routes))}) defines no handler"
            " method (get, post, put, patch, delete): every request but OPTIONS is a 405",
        )
        for view, view_routes in _views(routes).items()
        if set(view.allowed_methods) <= {"OPTIONS"}
    ]


def _views(routes: Iterable[Route]) -> dict[type[View], list[Route]]:
    """Each view class with the routes that serve it, in the order of Router.routes."""
    views: dict[type[View], list[Route]] = {}
    for route in routes:
        views.setdefault(route.view, []).append(route)
    return views


def _view_name(view: type[View]) -> str:
    return f"view {view.__module__}.{view.__qualname__}"


# Handler annotations


def annotation_problems(app: App) -> list[Problem]:
    """Report handler and hook parameters annotated with another type than their field's.

    Registration already refused names that do not match; a wrong annotation does not break a
    request, but it misleads type checkers and readers (``id: str`` receives an ``int``).
    """
    return [
        Problem("wrong annotation", f"{_view_name(route.view)} ({_describe(route)}): {mismatch}")
        for route in app.router.routes
        for mismatch in annotation_mismatches(route.view, route, _field_types(route))
    ]


def _field_types(route: Route) -> dict[str, URLType]:
    """The URL types of a route's fields (custom ones included), by type name."""
    return {
        part.type.name: part.type
        for segment in route.segments
        for part in segment
        if isinstance(part, RouteField)
    }


# Templates named in view code


def template_literal_problems(app: App) -> list[Problem]:
    """Report templates named by a literal in a view's source that no template directory has.

    The source is read with ``ast`` (see ``framework.viewsource`` for what is seen). Attributes
    that a framework base class declares, such as a TemplateView's ``template_name``, are left to
    ``template_name_problems``, which reads their value.
    """
    problems = []
    seen = set()
    for view in _views(app.router.routes):
        for reference in template_references(view):
            key = (reference.filename, reference.lineno, reference.template_name)
            if key in seen or _template_exists(app, reference.template_name):
                continue
            seen.add(key)
            if reference.attribute is not None and _declared_by_framework(
                view, reference.attribute
            ):
                continue
            where = f"{_relative(reference.filename)}, line {reference.lineno}"
            problems.append(
                Problem("missing template", f"{where}: {reference}, not found in {_searched(app)}")
            )
    return problems


def _declared_by_framework(view: type[View], attribute: str) -> bool:
    return any(attribute in vars(base) for base in view.__mro__ if is_framework_class(base))


def _searched(app: App) -> str:
    return ", ".join(map(str, app.templates.directories)) or "no template directories"
