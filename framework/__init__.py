"""framework: class-based views on ``parse`` URL patterns, Jinja2 templates, WebOb, plain WSGI."""

from __future__ import annotations

from . import errors
from .app import App
from .requests import Request
from .responses import Response
from .views import RedirectView, TemplateView, View

__all__ = ["App", "RedirectView", "Request", "Response", "TemplateView", "View", "errors"]
__version__ = "0.1.0"
