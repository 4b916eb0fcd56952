"""Route groups: routes declared apart from the app, then included under a prefix and a namespace.

blog = Routes()

@blog.route("/{slug}", name="post")
class Post(View): ...

app.include(blog, prefix="/blog", namespace="blog")  # /blog/<slug>, named "blog.post"

A group knows nothing of the app: it only records its routes, URL types, hooks, included groups
and access default. ``App.include`` registers every route through ``App.add_route``, so the app
keeps one route table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .hooks import RequestHooks
from .routing import RouteError, check_pattern

if TYPE_CHECKING:
    from .views import View

__all__ = ["GroupRoute", "RouteDeclarations", "Routes", "normalise_prefix"]

ViewClass = TypeVar("ViewClass", bound="type[View]")


@dataclass(frozen=True)
class GroupRoute:
    """A route of a group as the app registers it: full pattern, full name, enclosing groups."""

    pattern: str
    view: type[View]
    name: str
    #: The groups the route was declared in, outermost first.
    groups: tuple[Routes, ...]


class RouteDeclarations(RequestHooks):
    """What an App and a group declare alike: request hooks, and routes with ``@route``."""

    def route(self, pattern: str, *, name: str | None = None) -> Callable[[ViewClass], ViewClass]:
        """Register the decorated view class for ``pattern``; the class is returned unchanged."""
        check_pattern(pattern)  # a bad pattern fails here, not when the class is decorated

        def declare(view: ViewClass) -> ViewClass:
            self.add_route(pattern, view, name=name)
            return view

        return declare

    def add_route(self, pattern: str, view: type[View], *, name: str | None = None) -> object:
        """Register ``view`` for ``pattern``; ``name`` defaults to the view class's name."""
        raise NotImplementedError


class Routes(RouteDeclarations):
    """A group of routes, declared as on an App (``route``, ``add_route``, ``route_type``).

    ``login_required=True`` makes its views (and those of the groups it includes) require a
    logged-in user unless a view says ``login_required = False``.
    """

    def __init__(self, *, login_required: bool | None = None) -> None:
        super().__init__()
        self.login_required = login_required
        #: Routes and included groups, in declaration order:
        #: ("route", pattern, view, name) or ("include", group, prefix, namespace).
        self.entries: list[tuple[Any, ...]] = []
        #: URL types: (name, regex, convert, format).
        self.types: list[tuple[str, str, Callable[[str], Any], Callable[[Any], str]]] = []

    def add_route(self, pattern: str, view: type[View], *, name: str | None = None) -> None:
        """Declare ``view`` for ``pattern``; ``name`` defaults to the view class's name.

        The pattern and view are checked when the group is included in an app.
        """
        check_pattern(pattern)
        self.entries.append(("route", pattern, view, name or getattr(view, "__name__", "")))

    def route_type(
        self,
        name: str,
        regex: str,
        convert: Callable[[str], Any],
        format: Callable[[Any], str] = str,
    ) -> None:
        """Declare a URL parameter type for this group's patterns (added to the app's types)."""
        self.types.append((name, regex, convert, format))

    def include(self, routes: Routes, *, prefix: str = "", namespace: str | None = None) -> None:
        """Include another group in this one, as ``App.include`` does in an app."""
        if routes is self:
            raise ValueError("a group cannot include itself")
        self.entries.append(("include", routes, normalise_prefix(prefix), namespace))

    def flatten(
        self, prefix: str, namespace: str | None, outer: tuple[Routes, ...] = ()
    ) -> Iterator[GroupRoute]:
        """Every route of this group and the groups it includes, with full patterns and names."""
        groups = (*outer, self)
        if len(groups) > 32 or self in outer:
            raise ValueError("route groups include each other in a cycle")
        for entry in self.entries:
            if entry[0] == "route":
                _, pattern, view, name = entry
                # "/blog" + "/" is "/blog/", "/blog" + "/{slug}" is "/blog/{slug}".
                yield GroupRoute(prefix + pattern, view, _qualify(namespace, name) or name, groups)
            else:
                _, group, inner_prefix, inner_namespace = entry
                yield from group.flatten(
                    prefix + inner_prefix, _qualify(namespace, inner_namespace), groups
                )

    def all_types(
        self,
    ) -> Iterator[tuple[str, str, Callable[[str], Any], Callable[[Any], str]]]:
        """The URL types of this group and of the groups it includes."""
        yield from self.types
        for entry in self.entries:
            if entry[0] == "include":
                yield from entry[1].all_types()


def normalise_prefix(prefix: str) -> str:
    """A prefix as joined to patterns: ``""`` or ``"/blog"`` (no trailing slash)."""
    if not isinstance(prefix, str) or (prefix and not prefix.startswith("/")):
        raise RouteError(f"a group prefix must be empty or start with '/', not {prefix!r}")
    return prefix.rstrip("/")


def _qualify(namespace: str | None, name: str | None) -> str | None:
    """``name`` in ``namespace``: ``blog`` and ``post`` make ``blog.post``."""
    if namespace is None:
        return name
    if not isinstance(namespace, str) or not all(namespace.split(".")):
        raise RouteError(f"a namespace must be a non-empty name, not {namespace!r}")
    return f"{namespace}.{name}" if name is not None else namespace
