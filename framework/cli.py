"""The ``framework`` command: ``framework run [APP]`` serves a WSGI app."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING
from wsgiref.simple_server import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["import_app", "main"]


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
    except ImportError as error:
        raise CommandError(f"cannot import {module_name!r}: {error}") from error
    try:
        app: WSGIApplication = getattr(module, attribute)
    except AttributeError:
        raise CommandError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(app):
        raise CommandError(f"{target} is not a WSGI application")
    return app


def _run(arguments: argparse.Namespace) -> None:
    app = import_app(arguments.app)
    try:
        server = make_server(arguments.host, arguments.port, app)
    except OSError as error:
        raise CommandError(
            f"cannot listen on {arguments.host}:{arguments.port}: {error}"
        ) from error
    print(f"Serving {arguments.app} on http://{arguments.host}:{server.server_port}", flush=True)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="framework", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve a WSGI app")
    run.add_argument("app", nargs="?", default="views:app", help="module:attribute (views:app)")
    run.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
    run.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    run.set_defaults(handler=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        arguments.handler(arguments)
    except CommandError as error:
        print(f"framework: {error}", file=sys.stderr)
        return 1
    return 0
