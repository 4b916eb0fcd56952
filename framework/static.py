"""Static files under ``/static/``, served by WhiteNoise, and the ``static(path)`` URL helper.

WhiteNoise brings caching headers, conditional GET and HEAD, and serves only the files it
found under the directory, so no path (``../``, ``%2e%2e/``, absolute) can reach outside it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from whitenoise import WhiteNoise

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "STATIC_PREFIX",
    "StaticSetting",
    "resolve_static_directory",
    "static_files",
    "static_url",
]

#: The URL path (below the app's mount point) that static files are served under.
STATIC_PREFIX = "/static/"

#: What ``App(static=...)`` accepts: a directory, relative to the module creating the App.
StaticSetting = str | os.PathLike[str]


def static_url(path: str, script_name: str = "") -> str:
    """The URL of static file ``path`` (``css/site.css``) for an app mounted at ``script_name``."""
    return f"{quote(script_name)}{STATIC_PREFIX}{quote(path.lstrip('/'))}"


def resolve_static_directory(setting: StaticSetting, base: Path) -> Path:
    """The absolute static directory; a relative one is below ``base``. It must exist."""
    directory = (base / Path(setting)).resolve()
    if not directory.is_dir():
        raise ValueError(f"static directory does not exist: {directory}")
    return directory


def static_files(
    directory: Path, fallback: WSGIApplication, *, autorefresh: bool = False
) -> WSGIApplication:
    """A WSGI app serving ``directory`` at ``/static/`` to GET and HEAD; the rest goes to
    ``fallback`` (the routes), as do paths that name no file.

    ``autorefresh`` (the App's debug mode) looks files up on each request, so new files
    appear without a restart; otherwise the directory is scanned once, at startup.
    """
    whitenoise = WhiteNoise(
        fallback, root=str(directory), prefix=STATIC_PREFIX, autorefresh=autorefresh
    )

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return fallback(environ, start_response)
        files: Iterable[bytes] = whitenoise(environ, _with_content_type(start_response))
        return files

    return serve


def _with_content_type(start_response: StartResponse) -> StartResponse:
    """Add the Content-Type PEP 3333 validators demand to WhiteNoise's empty 416 answer."""

    def start(
        status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
    ) -> Callable[[bytes], object]:
        if status.startswith("416"):
            headers = [*headers, ("Content-Type", "text/plain; charset=utf-8")]
        return start_response(status, headers, exc_info)

    return start
