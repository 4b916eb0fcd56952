"""Request hooks: functions run before and after the views of an app or of a group of routes.

``before_request(request)`` may return a response (anything a handler may return) to answer
instead of the view; ``after_request(request, response)`` returns the response to send;
``teardown_request(request, error)`` always runs once the response is built, with the exception
that made the request fail (None otherwise). The names and semantics are Flask's, and so are the
shorter signatures Flask users write: ``before()``, ``after(response)``, ``teardown(error)``.

The App resolves each route's chain (the app's hooks, then its groups' from the outermost in) once,
at its first request, so a route no hook applies to pays nothing for hooks.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import webob

if TYPE_CHECKING:
    from .requests import Request
    from .responses import HandlerResult

__all__ = ["AfterHook", "BeforeHook", "HookChain", "RequestHooks", "TeardownHook"]

logger = logging.getLogger("framework")

BeforeHook = Callable[["Request"], "HandlerResult | None"]
AfterHook = Callable[["Request", "webob.Response"], "webob.Response"]
TeardownHook = Callable[["Request", "BaseException | None"], None]

Before = TypeVar("Before", bound=BeforeHook)
After = TypeVar("After", bound=AfterHook)
Teardown = TypeVar("Teardown", bound=TeardownHook)


class RequestHooks:
    """The three hook lists and their decorators, shared by the App and route groups."""

    def __init__(self) -> None:
        self.before_request_hooks: list[BeforeHook] = []
        self.after_request_hooks: list[AfterHook] = []
        self.teardown_request_hooks: list[TeardownHook] = []
        self._listeners: list[Callable[[], None]] = []

    def before_request(self, hook: Before) -> Before:
        """Run ``hook(request)`` (or ``hook()``) before the view; a value it returns answers
        instead of the view."""
        self.before_request_hooks.append(_taking_request(hook, 1))
        self.hooks_changed()
        return hook

    def after_request(self, hook: After) -> After:
        """Run ``hook(request, response)`` (or ``hook(response)``) on the response; it returns
        the response to send."""
        self.after_request_hooks.append(_taking_request(hook, 2))
        self.hooks_changed()
        return hook

    def teardown_request(self, hook: Teardown) -> Teardown:
        """Run ``hook(request, error)`` (or ``hook(error)``) after every request, even a failed
        one (``error``)."""
        self.teardown_request_hooks.append(_taking_request(hook, 2))
        self.hooks_changed()
        return hook

    def notify_on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` whenever a hook is added here (an App that included this group)."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def hooks_changed(self) -> None:
        """Called when a hook is added: the App resolves its routes' hook chains again."""
        for listener in self._listeners:
            listener()


def _taking_request(hook: Any, arguments: int) -> Any:
    """``hook`` as the App calls it, with the request first: a hook written as Flask's are, with
    one argument fewer (no request), is wrapped to drop it. Decided once, at registration."""
    try:
        parameters = inspect.signature(hook).parameters.values()
    except (TypeError, ValueError):  # no signature to read (some builtins): call it as given
        return hook
    if any(parameter.kind is parameter.VAR_POSITIONAL for parameter in parameters):
        return hook
    positional = [
        parameter
        for parameter in parameters
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    ]
    required = [parameter for parameter in positional if parameter.default is parameter.empty]
    # Only a hook that cannot take the request too, but can without it, is Flask-style.
    if len(positional) >= arguments or len(required) > arguments - 1:
        return hook

    @functools.wraps(hook)
    def without_request(request: Request, *rest: Any) -> Any:
        return hook(*rest)

    return without_request


@dataclass(frozen=True)
class HookChain:
    """The hooks that apply to one route, in the order they run."""

    before: tuple[BeforeHook, ...]
    after: tuple[AfterHook, ...]
    teardown: tuple[TeardownHook, ...]

    @classmethod
    def of(cls, registries: Iterable[RequestHooks]) -> HookChain:
        """The chain of ``registries`` (outermost first).

        Before hooks run outermost first, in registration order; after and teardown hooks in
        the reverse order (the innermost group's last hook first, the app's first hook last).
        """
        registries = list(registries)
        before = tuple(hook for hooks in registries for hook in hooks.before_request_hooks)
        after = tuple(
            hook for hooks in reversed(registries) for hook in reversed(hooks.after_request_hooks)
        )
        teardown = tuple(
            hook
            for hooks in reversed(registries)
            for hook in reversed(hooks.teardown_request_hooks)
        )
        return cls(before, after, teardown)

    @property
    def any(self) -> bool:
        """Whether the chain has a hook at all."""
        return bool(self.before or self.after or self.teardown)

    def run_before(self, request: Request) -> HandlerResult | None:
        """The first value a before hook returns (the rest do not run), or None."""
        for hook in self.before:
            result = hook(request)
            if result is not None:
                return result
        return None

    def run_after(self, request: Request, response: webob.Response) -> webob.Response:
        """Pass the response through every after hook; each must return a response."""
        for hook in self.after:
            response = hook(request, response)
            if not isinstance(response, webob.Response):
                raise TypeError(f"after_request hook {hook!r} returned {response!r}, no response")
        return response

    def run_teardown(self, request: Request, error: BaseException | None) -> None:
        """Run every teardown hook; one that raises is logged and the others still run."""
        for hook in self.teardown:
            try:
                hook(request, error)
            except Exception:
                logger.exception("Teardown hook %r failed", hook)
