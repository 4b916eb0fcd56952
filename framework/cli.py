"""The ``framework`` command: ``run`` serves an app, ``routes`` lists its routes, ``check`` checks.

Every command takes the app as ``module:attribute`` (default ``views:app``), imported from the
working directory. Problems are one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import ipaddress
import json
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import servers
from .app import App
from .checks import check_app
from .csrf import UNSAFE_METHODS
from .routing import Route
from .viewsource import template_references

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["CommandError", "import_app", "main"]


class CommandError(Exception):
    """A problem to report as one line on stderr, with exit status 1."""


def import_app(target: str) -> WSGIApplication:
    """Import ``module:attribute`` (default attribute: ``app``) from the working directory."""
    module_name, _, attribute = target.partition(":")
    attribute = attribute or "app"
    # Console scripts do not have the working directory on sys.path; `views:app` lives there.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # the user's module may raise anything while it runs
        raise CommandError(f"cannot import {module_name!r}: {_describe(error)}") from error
    try:
        app: WSGIApplication = getattr(module, attribute)
    except AttributeError:
        raise CommandError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(app):
        raise CommandError(f"{target} is not a WSGI application")
    return app


def _describe(error: BaseException) -> str:
    """One line saying what went wrong and where: ``ModuleNotFoundError: ...`` or a file:line."""
    if isinstance(error, ImportError):
        return str(error)
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} ({error.filename}, line {error.lineno})"
    # Point at the innermost line of the user's project (below the cwd), not at the stdlib.
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename]
    project = [frame for frame in frames if frame.filename.startswith(os.getcwd() + os.sep)]
    where = ""
    if project or frames:
        innermost = (project or frames)[-1]
        where = f" ({innermost.filename}, line {innermost.lineno})"
    return f"{type(error).__name__}: {error}{where}"


def _run(arguments: argparse.Namespace) -> int:
    """Serve the app until Ctrl-C; with ``--reload``, from a worker restarted on changes."""
    if arguments.debug and not is_loopback(arguments.host):
        raise CommandError(
            f"--debug shows tracebacks to anyone who can connect: refused on host "
            f"{arguments.host!r}; use 127.0.0.1, ::1 or localhost"
        )
    try:
        options = servers.ServerOptions(
            server=arguments.server,
            host=arguments.host,
            port=arguments.port,
            threads=arguments.threads,
            access_log=arguments.access_log,
            connection_limit=arguments.connection_limit,
            channel_timeout=arguments.channel_timeout,
        )
        if arguments.reload:
            options = replace(options, port=servers.reserve_port(options.host, options.port))
            servers.start_reloader(
                "framework.cli._serve_reloading", arguments.app, options, arguments.debug
            )
        else:
            app = _in_debug_mode(arguments.app) if arguments.debug else import_app(arguments.app)
            servers.serve(app, options, name=arguments.app)
    except ValueError as error:  # bad options or a busy port
        raise CommandError(str(error)) from error
    return 0


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine: 127.0.0.0/8, ::1 or localhost."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _in_debug_mode(target: str) -> App:
    """Import a framework App and switch its debug mode on (``run --debug``)."""
    app = _framework_app(target)
    app.debug = True
    return app


def _serve_reloading(target: str, options: servers.ServerOptions, debug: bool = False) -> None:
    """The hupper worker: import and serve; an error is one line, then wait for a fixed file."""
    try:
        app = _in_debug_mode(target) if debug else import_app(target)
    except CommandError as error:
        servers.watch_files_of(error.__cause__)
        print(f"framework: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    servers.watch_templates(app)
    try:
        servers.serve(app, options, name=target)
    except ValueError as error:
        print(f"framework: {error}", file=sys.stderr, flush=True)
        sys.exit(1)


def _routes(arguments: argparse.Namespace) -> int:
    """Print the mounts, then the route table: static routes, then registration order (which
    decides between routes as literal as each other; ``--json``: for tools)."""
    app = _framework_app(arguments.app)
    mounts = [_mount_record(prefix, mounted) for prefix, mounted in app.mounts.items()]
    records = [_route_record(app, route) for route in app.router.routes]
    if arguments.json:
        records = [*mounts, *records]
        print(json.dumps(records, indent=2))
        return 0
    columns = ("pattern", "name", "view", "access", "csrf")
    rows = [(*(column.upper() for column in columns), "METHODS")]
    rows += [
        (str(mount["pattern"]), "(mount)", str(mount["app"]), "-", "-", "*") for mount in mounts
    ]
    rows += [
        (*(str(record[column]) for column in columns), ", ".join(map(str, record["methods"])))
        for record in records
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(columns))]
    for *cells, methods in rows:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        print("  ".join([*padded, methods]))
    return 0


def _route_record(app: App, route: Route) -> dict[str, Any]:
    """One route as ``framework routes --json`` prints it."""
    view = route.view
    if getattr(view, "csrf_exempt", False):
        csrf_stance = "exempt"
    elif UNSAFE_METHODS.intersection(view.allowed_methods):
        csrf_stance = "checked"
    else:
        csrf_stance = "safe methods only"
    return {
        "pattern": route.pattern,
        "name": route.name,
        "view": _view_path(view),
        "methods": list(view.allowed_methods),
        "fields": dict(route.fields),
        "template": _known_template(view),
        "csrf": csrf_stance,
        "access": app.route_access(route).label,
    }


def _mount_record(prefix: str, app: object) -> dict[str, object]:
    """One mount as ``framework routes --json`` prints it: every path under ``prefix``."""
    return {"pattern": f"{prefix}/...", "mount": prefix, "app": _view_path(app)}


def _known_template(view: type) -> str | None:
    """The view's ``template_name``, else the one template its source renders by name, if one."""
    template_name = getattr(view, "template_name", None)
    if isinstance(template_name, str):
        return template_name
    names = {reference.template_name for reference in template_references(view)}
    return names.pop() if len(names) == 1 else None


def _view_path(view: object) -> str:
    """``module.Name`` of a class, function or instance (a mounted app may be any of them)."""
    named = view if hasattr(view, "__qualname__") else type(view)
    return f"{named.__module__}.{named.__qualname__}"


def _check(arguments: argparse.Namespace) -> int:
    """Print each problem the checks find; exit status 1 if there is any."""
    app = _framework_app(arguments.app)
    problems = check_app(app)
    for problem in problems:
        print(problem)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        print(f"framework check: {arguments.app}: {count} found", file=sys.stderr)
        return 1
    routes = len(app.router.routes)
    templates = len(app.templates.environment.list_templates())
    print(f"{arguments.app}: no problems found ({routes} routes, {templates} templates checked)")
    return 0


def _framework_app(target: str) -> App:
    app = import_app(target)
    if not isinstance(app, App):
        raise CommandError(f"{target} is a WSGI application but not a framework App")
    return app


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="framework", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    app_help = "the app as module:attribute (views:app)"

    run_command = commands.add_parser("run", help="serve an app (waitress by default)")
    run_command.add_argument("app", nargs="?", default="views:app", help=app_help)
    run_command.add_argument(
        "--server",
        choices=servers.SERVERS,
        default=servers.SERVERS[0],
        help="the WSGI server (waitress)",
    )
    run_command.add_argument("--host", default="127.0.0.1", help="interface (127.0.0.1)")
    run_command.add_argument("--port", type=int, default=8000, help="port, 0 for any free (8000)")
    run_command.add_argument("--threads", type=int, help="waitress worker threads (4)")
    run_command.add_argument(
        "--connection-limit",
        type=int,
        help=f"waitress: most connections open at once ({servers.DEFAULT_CONNECTION_LIMIT})",
    )
    run_command.add_argument(
        "--channel-timeout",
        type=int,
        help="waitress: seconds a connection may send nothing before it is closed "
        f"({servers.DEFAULT_CHANNEL_TIMEOUT})",
    )
    run_command.add_argument(
        "--reload", action="store_true", help="restart when a source file or template changes"
    )
    run_command.add_argument(
        "--debug",
        action="store_true",
        help="tracebacks in the browser, templates reloaded (only on a loopback --host)",
    )
    run_command.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="do not log one line per request",
    )
    run_command.set_defaults(handler=_run)

    routes_command = commands.add_parser(
        "routes", help="list the routes: static ones, then in registration order"
    )
    routes_command.add_argument("app", nargs="?", default="views:app", help=app_help)
    routes_command.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list: pattern, name, view, methods, fields, template, csrf, access",
    )
    routes_command.set_defaults(handler=_routes)

    check_command = commands.add_parser(
        "check", help="find unreachable routes, broken url_for links and missing templates"
    )
    check_command.add_argument("app", nargs="?", default="views:app", help=app_help)
    check_command.set_defaults(handler=_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        status: int = arguments.handler(arguments)
    except CommandError as error:
        print(f"framework: {error}", file=sys.stderr)
        return 1
    return status
