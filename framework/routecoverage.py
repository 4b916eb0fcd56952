"""Route coverage for a test run: which routes and methods no request reached.

Loaded by the pytest plugin (``framework_pytest``) only when ``--route-coverage`` (or one of its
options) is given: only then are ``App.match`` wrapped, to record each matched route with the
request's method, and ``App.add_route``, to know the apps made meanwhile; a run without the
option is untouched. A route counts by its pattern, name and view class (``route_key``), never by
URL text: ``/users/1`` and ``/users/2`` cover ``/users/{id:d}`` once, and the same route of two
apps from one factory is one route.

What is measured for a view is each method it has a handler for. ``HEAD`` answered by ``get``
and the framework's own ``OPTIONS`` are not measured (a ``HEAD`` request counts for ``GET``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from .app import App
from .cli import CommandError, import_app
from .views import View

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .routing import Match, Route

__all__ = ["Coverage", "RouteCoverage", "measured_methods", "route_key"]

RouteMethod = tuple["Route", str]


def measured_methods(view: type[View]) -> list[str]:
    """The methods of ``view`` a test suite should request: those it has a handler for."""
    methods = [
        method
        for method in view.allowed_methods
        if not (method == "HEAD" and getattr(view, "head", None) is None)
        and not (method == "OPTIONS" and getattr(view, "options", None) is View.options)
    ]
    return methods or list(view.allowed_methods)


def route_key(route: Route) -> tuple[str, str, str]:
    """What makes two routes the same one: pattern, name and view class name.

    Not the ``Route`` object: apps made by one factory, or by a module a test suite imports
    afresh for each test, have their own objects (and view classes) for the same route.
    """
    return (route.pattern, route.name, route.view.__qualname__)


@dataclass(frozen=True)
class Coverage:
    """Which of the measured route methods were requested."""

    measured: list[RouteMethod]
    missing: list[RouteMethod]

    @classmethod
    def of(cls, routes: Iterable[Route], requested: Iterable[RouteMethod]) -> Coverage:
        """Measure ``routes`` (the same route twice counts once) against the requested ones."""
        seen = {(route_key(route), method) for route, method in requested}
        measured = list(
            {
                (route_key(route), method): (route, method)
                for route in routes
                for method in measured_methods(route.view)
            }.values()
        )
        missing = [
            (route, method)
            for route, method in measured
            if (route_key(route), method) not in seen
            and not (method == "GET" and (route_key(route), "HEAD") in seen)
        ]
        return cls(measured, missing)

    @property
    def percent(self) -> float:
        if not self.measured:
            return 100.0
        return 100.0 * (len(self.measured) - len(self.missing)) / len(self.measured)


class RouteCoverage:
    """The pytest plugin object: records requests while registered, reports at the end."""

    PLUGIN_NAME = "framework-route-coverage"

    def __init__(self, apps: list[str], fail_under: float | None) -> None:
        self.targets = apps
        self.fail_under = fail_under
        self.requested: set[RouteMethod] = set()
        # Every App that registered a route or matched a request meanwhile, kept alive.
        self.apps: dict[int, App] = {}
        self.coverage: Coverage | None = None
        self.error: str | None = None
        self._original_match = App.match
        self._original_add_route = App.add_route
        setattr(App, "match", self._recording_match(self._original_match))  # noqa: B010
        setattr(App, "add_route", self._recording_add_route(self._original_add_route))  # noqa: B010

    def _recording_add_route(self, add_route: Any) -> Any:
        apps = self.apps

        def recording_add_route(app: App, *args: Any, **kwargs: Any) -> Route:
            route: Route = add_route(app, *args, **kwargs)
            apps.setdefault(id(app), app)
            return route

        return recording_add_route

    def _recording_match(self, match: Any) -> Any:
        requested, apps = self.requested, self.apps

        def recording_match(app: App, environ: WSGIEnvironment) -> Match | None:
            found: Match | None = match(app, environ)
            if found is not None:
                requested.add((found[0], environ.get("REQUEST_METHOD", "")))
                apps.setdefault(id(app), app)
            return found

        return recording_match

    def measured_routes(self) -> list[Route]:
        """The named apps' routes, or those of every app that registered or matched one."""
        if not self.targets:
            return [route for app in self.apps.values() for route in app.router.routes]
        routes = []
        for target in self.targets:
            app = import_app(target)
            if not isinstance(app, App):
                raise CommandError(f"{target} is a WSGI application but not a framework App")
            routes += app.router.routes
        return routes

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        try:
            self.coverage = Coverage.of(self.measured_routes(), self.requested)
        except CommandError as error:
            self.error = f"route coverage: {error}"
        failed = self.error is not None or (
            self.fail_under is not None
            and self.coverage is not None
            and self.coverage.percent < self.fail_under
        )
        if failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.error is not None:
            terminalreporter.write_sep("-", "route coverage", red=True)
            terminalreporter.write_line(self.error, red=True)
            return
        coverage = self.coverage
        if coverage is None:
            return
        requested = len(coverage.measured) - len(coverage.missing)
        terminalreporter.write_sep(
            "-",
            f"route coverage: {requested} of {len(coverage.measured)} route methods requested"
            f" ({coverage.percent:.1f}%)",
        )
        if coverage.missing:
            terminalreporter.write_line("Not requested by any test:")
            width = max(len(route.pattern) for route, _ in coverage.missing)
            for route, method in coverage.missing:
                view = f"{route.view.__module__}.{route.view.__qualname__}"
                terminalreporter.write_line(
                    f"  {method:<7} {route.pattern:<{width}}  {route.name}  {view}"
                )
        if self.fail_under is not None and coverage.percent < self.fail_under:
            terminalreporter.write_line(
                f"FAIL: route coverage {coverage.percent:.1f}% is below"
                f" --route-coverage-fail-under={self.fail_under:g}",
                red=True,
            )

    def pytest_unconfigure(self) -> None:
        setattr(App, "match", self._original_match)  # noqa: B010
        setattr(App, "add_route", self._original_add_route)  # noqa: B010
