"""framework's pytest plugin: ``pytest --route-coverage`` lists the routes no test requested.

Registered through the ``pytest11`` entry point, so it loads wherever framework is installed
alongside pytest; ``-p framework_pytest`` (or ``-p framework.testing``) loads it explicitly. It
lives outside the ``framework`` package on purpose: importing this module imports nothing but
pytest's hooks, and the framework itself (``framework.routecoverage``) only when an option asks
for route coverage. Without the options it does nothing else, and costs the tests nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("framework", "framework route coverage")
    group.addoption(
        "--route-coverage",
        action="store_true",
        help="after the run, list every route and method no test requested from a framework App",
    )
    group.addoption(
        "--route-coverage-fail-under",
        type=float,
        metavar="PERCENT",
        help="fail the run if fewer than PERCENT of the route methods were requested"
        " (implies --route-coverage)",
    )
    group.addoption(
        "--route-coverage-app",
        action="append",
        default=[],
        metavar="MODULE:ATTRIBUTE",
        help="measure this app's routes (repeatable; implies --route-coverage); by default,"
        " those of every App that handled a request during the run",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not (
        config.getoption("route_coverage")
        or config.getoption("route_coverage_fail_under") is not None
        or config.getoption("route_coverage_app")
    ):
        return
    from framework.routecoverage import RouteCoverage

    config.pluginmanager.register(
        RouteCoverage(
            apps=config.getoption("route_coverage_app"),
            fail_under=config.getoption("route_coverage_fail_under"),
        ),
        RouteCoverage.PLUGIN_NAME,
    )
