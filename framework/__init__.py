"""framework: class-based views on ``parse`` URL patterns, Jinja2 templates, WebOb, plain WSGI."""

from __future__ import annotations

from . import errors
from .access import login, logout
from .app import App
from .generic import CreateView, DeleteView, DetailView, FormView, ListView, UpdateView
from .groups import Routes
from .parsing import UploadedFile
from .requests import Request
from .responses import RedirectError, Response, redirect, safe_next
from .sessions import Session
from .views import RedirectView, TemplateView, View

__all__ = [
    "App",
    "CreateView",
    "DeleteView",
    "DetailView",
    "FormView",
    "ListView",
    "RedirectError",
    "RedirectView",
    "Request",
    "Response",
    "Routes",
    "Session",
    "TemplateView",
    "UpdateView",
    "UploadedFile",
    "View",
    "errors",
    "login",
    "logout",
    "redirect",
    "safe_next",
]
__version__ = "0.1.0"
