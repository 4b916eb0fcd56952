"""Jinja2 templates: one Environment per app, directories resolved beside the caller's module."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2

from .static import static_url

__all__ = ["AUTOESCAPE_EXTENSIONS", "Templates", "TemplateSetting", "resolve_directories"]

AUTOESCAPE_EXTENSIONS = ("html", "htm", "xml", "jinja")

#: What ``App(templates=...)`` accepts: one directory or a list of them.
TemplateSetting = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def resolve_directories(setting: TemplateSetting | None, base: Path) -> list[Path]:
    """Turn the ``templates`` setting into absolute directories; relative ones are below ``base``.

    ``None`` means "``templates/`` beside the caller if it exists, else no templates".
    A directory that was asked for by name but does not exist is an error, not a silent 404 later.
    """
    if setting is None:
        default = base / "templates"
        return [default] if default.is_dir() else []
    names = [setting] if isinstance(setting, (str, os.PathLike)) else list(setting)
    directories = [(base / Path(name)).resolve() for name in names]
    missing = [str(directory) for directory in directories if not directory.is_dir()]
    if missing:
        raise ValueError(f"template directory does not exist: {', '.join(missing)}")
    return directories


class Templates:
    """Render templates from a list of directories, with autoescape for HTML and XML."""

    def __init__(
        self,
        directories: Sequence[Path],
        *,
        url_for: Callable[..., str],
        auto_reload: bool = False,
    ) -> None:
        self.directories = list(directories)
        self._app_url_for = url_for
        self._exists: dict[str, bool] = {}
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.directories),
            autoescape=jinja2.select_autoescape(AUTOESCAPE_EXTENSIONS),
            auto_reload=auto_reload,
        )
        self.environment.globals.update(request=None, url_for=self._url_for, static=self._static)

    def render(self, template_name: str, /, **context: Any) -> str:
        """Render ``template_name``; a missing one raises ``TemplateNotFound`` naming the dirs."""
        try:
            template = self.environment.get_template(template_name)
        except jinja2.TemplateNotFound:
            searched = ", ".join(str(directory) for directory in self.directories) or "nowhere"
            raise jinja2.TemplateNotFound(
                template_name,
                f"template {template_name!r} not found (searched: {searched})",
            ) from None
        return template.render(context)

    def exists(self, template_name: str) -> bool:
        """Whether ``template_name`` can be loaded (error pages use it to pick ``404.html``...)."""
        known = self._exists.get(template_name)
        if known is not None:
            return known
        try:
            self.environment.get_template(template_name)
            found = True
        except jinja2.TemplateNotFound:
            found = False
        if not self.environment.auto_reload:  # else a template may appear at any time
            self._exists[template_name] = found
        return found

    @jinja2.pass_context
    def _url_for(self, context: jinja2.runtime.Context, route_name: str, /, **params: Any) -> str:
        request = context.get("request")
        if request is not None:
            return str(request.url_for(route_name, **params))
        return self._app_url_for(route_name, **params)

    @jinja2.pass_context
    def _static(self, context: jinja2.runtime.Context, path: str) -> str:
        request = context.get("request")
        return static_url(path, request.script_name if request is not None else "")
