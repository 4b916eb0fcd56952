"""Views' handlers and hooks against their routes' fields: checked once, when a route is added.

A handler (``get``, ``post``...) is called as ``handler(request, **params)`` and a parameter hook
(``get_context``, ``get_object``...) as ``hook(**params)``, where ``params`` are the route's
fields. A name that differs between the two is a ``TypeError`` on the first request; here it is a
``SignatureError`` at registration. Annotations that disagree with a field's type are only
reported by ``framework check`` (``annotation_mismatches``): they do not break a request.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from .routing import URL_TYPES, Route, RouteError

if TYPE_CHECKING:
    from .routing import URLType
    from .views import View

__all__ = [
    "HANDLERS",
    "PARAMETER_HOOKS",
    "REQUEST_HOOKS",
    "AnnotationMismatch",
    "SignatureError",
    "annotation_mismatches",
    "check_view",
]

#: Methods called as ``method(request, **params)``: the handlers, then the hooks that run before
#: every handler (``allow`` decides access, ``prepare`` loads what every handler needs).
HANDLERS = ("get", "head", "post", "put", "patch", "delete", "options")
REQUEST_HOOKS = ("allow", "prepare")
#: Methods called as ``method(**params)``, by TemplateView, RedirectView and the generic views.
PARAMETER_HOOKS = ("get_context", "get_redirect_url", "get_object", "get_items", "get_initial")


class SignatureError(RouteError, TypeError):
    """A view's handler or hook cannot take the fields of the route it is registered for.

    A ``RouteError`` (registration failed) and a ``TypeError`` (what calling it would raise).
    """


@dataclass(frozen=True)
class AnnotationMismatch:
    """A parameter annotated with a type other than the one its route field converts to."""

    method: str  # "UserDetail.get"
    field: str
    annotation: Any
    expected: type

    def __str__(self) -> str:
        return (
            f"{self.method}() annotates {self.field!r} as {_type_name(self.annotation)}"
            f" but the route gives {_type_name(self.expected)}"
        )


def check_view(view: type[View], route: Route) -> None:
    """Raise ``SignatureError`` if a handler or hook of ``view`` cannot take ``route``'s fields."""
    for method in _methods(view):
        problem = _problem(method, route)
        if problem is not None:
            raise SignatureError(f"{_class_name(view)}.{method.name}() {problem}")


def annotation_mismatches(
    view: type[View], route: Route, types_by_name: Mapping[str, URLType] = URL_TYPES
) -> list[AnnotationMismatch]:
    """The parameters of ``view``'s handlers and hooks annotated against ``route``'s field types.

    ``types_by_name`` maps the route's type names to URL types (the built-ins by default); a
    custom type is checked when its converter is a class or has a return annotation. Annotations
    that cannot be resolved, and those that are not classes (``Any``, a ``TypeVar``...), pass.
    """
    mismatches = []
    for method in _methods(view):
        hints = _type_hints(method.function)
        named = {p.name: p for p in method.parameters[method.positional :]}
        var_keyword = next((p.name for p in named.values() if p.kind is _VAR_KEYWORD), None)
        for field_name, type_name in route.fields.items():
            url_type = types_by_name.get(type_name)
            expected = _converted_type(url_type.convert) if url_type is not None else None
            parameter = named.get(field_name)
            if parameter is not None and parameter.kind in _KEYWORD:
                annotation = hints.get(field_name)
            else:  # taken by **params: annotated as each value's type, if at all
                annotation = hints.get(var_keyword) if var_keyword else None
            if expected is None or annotation is None or _agrees(annotation, expected):
                continue
            mismatches.append(
                AnnotationMismatch(
                    f"{_class_name(view)}.{method.name}", field_name, annotation, expected
                )
            )
    return mismatches


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
_VAR_POSITIONAL = inspect.Parameter.VAR_POSITIONAL
_VAR_KEYWORD = inspect.Parameter.VAR_KEYWORD


@dataclass(frozen=True)
class _Method:
    """A handler or hook as the view calls it."""

    name: str
    function: Callable[..., Any]  # the function that holds the annotations
    parameters: list[inspect.Parameter]  # of the function, the instance included if it takes one
    binds_instance: bool  # called on an instance: its first parameter is ``self``
    takes_request: bool

    @property
    def positional(self) -> int:
        """How many leading arguments the call passes by position (self, request)."""
        return self.binds_instance + self.takes_request


def _methods(view: type[View]) -> Iterator[_Method]:
    """Each handler and hook ``view`` has, with its signature; callables Python cannot read pass.

    A handler counts only if its method is in ``allowed_methods``: a view that takes a name such
    as ``delete`` for a hook of its own (DeleteView's ``delete(obj)``) leaves it out there.
    """
    handlers = tuple(name for name in HANDLERS if name.upper() in view.allowed_methods)
    for names, takes_request in (
        (handlers, True),
        (REQUEST_HOOKS, True),
        (PARAMETER_HOOKS, False),
    ):
        for name in names:
            # The attribute as the class holds it (a function, a staticmethod...), unbound.
            attribute = next((vars(c)[name] for c in view.__mro__ if name in vars(c)), None)
            if isinstance(attribute, (staticmethod, classmethod)):
                function, binds_instance = attribute.__func__, isinstance(attribute, classmethod)
            elif inspect.isfunction(attribute):
                function, binds_instance = attribute, True
            elif callable(attribute) and not hasattr(attribute, "__get__"):
                function, binds_instance = attribute, False
            else:
                continue  # absent, not callable, or a descriptor that binds in its own way
            parameters = _parameters(function)
            if parameters is not None:
                yield _Method(name, function, list(parameters), binds_instance, takes_request)


@functools.lru_cache(maxsize=1024)
def _parameters(function: Callable[..., Any]) -> tuple[inspect.Parameter, ...] | None:
    """A function's parameters, read once (the framework's own handlers serve many views)."""
    try:
        return tuple(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):  # some C callables have no signature
        return None


def _problem(method: _Method, route: Route) -> str | None:
    """Say why ``method(request, **fields)`` (or ``method(**fields)``) would fail, or None."""
    pattern, fields = route.pattern, list(route.fields)
    example = "(self, request, **params)" if method.takes_request else "(self, **params)"
    parameters = method.parameters
    for index, role in enumerate(
        ["instance"] * method.binds_instance + ["request"] * method.takes_request
    ):
        if index >= len(parameters) or parameters[index].kind not in (
            *_POSITIONAL,
            _VAR_POSITIONAL,
        ):
            return f"must take the {role} as its first argument, e.g. {example}"
        parameter = parameters[index]
        if parameter.kind is _VAR_POSITIONAL:
            parameters = parameters[index:]  # *args takes the rest too
            break
        if role == "request" and parameter.name in fields and parameter.name != "request":
            return (
                f"must take the request before the fields, e.g. (self, request, {parameter.name})"
            )
        if parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and parameter.name in fields:
            return (
                f"takes the {role} as {parameter.name!r} but {pattern} gives a field of that"
                f" name too: rename the field, or make the {role} positional-only"
                f" ({parameter.name}, /)"
            )
    else:
        parameters = parameters[method.positional :]
    accepts_any = any(p.kind is _VAR_KEYWORD for p in parameters)
    keywords = [p.name for p in parameters if p.kind in _KEYWORD]
    required = [
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty and p.kind not in (_VAR_POSITIONAL, _VAR_KEYWORD)
    ]
    by_position = [
        p.name
        for p in parameters
        if p.kind is inspect.Parameter.POSITIONAL_ONLY and p.default is inspect.Parameter.empty
    ]
    if by_position:
        return (
            f"takes {_names(by_position)} by position only, but {pattern} passes its fields by name"
        )
    missing = [name for name in required if name not in fields]
    extra = [] if accepts_any else [name for name in fields if name not in keywords]
    if not missing and not extra:
        return None
    gives = _names(fields) if fields else "no fields"
    hint = "" if missing else " (take them by name, or **params)"
    return f"takes {_names(keywords or required)} but {pattern} gives {gives}{hint}"


def _class_name(view: type) -> str:
    """``UserDetail``, or ``Outer.UserDetail``; never ``make_app.<locals>.UserDetail``."""
    return view.__qualname__.rpartition("<locals>.")[2]


def _names(names: list[str]) -> str:
    return ", ".join(map(repr, names)) if names else "no parameters"


def _type_hints(method: Callable[..., Any]) -> dict[str, Any]:
    """The method's resolved annotations; string ones that cannot be resolved are left out."""
    function = inspect.unwrap(method)
    try:
        return typing.get_type_hints(function)
    except Exception:  # one unresolvable annotation: resolve the others one by one
        pass
    annotations: dict[str, Any] = getattr(function, "__annotations__", None) or {}
    namespace = getattr(function, "__globals__", {})
    hints = {}
    for name, annotation in annotations.items():
        if not isinstance(annotation, str):
            hints[name] = annotation
            continue
        try:
            hints[name] = eval(annotation, namespace)  # what get_type_hints does for each
        except Exception:  # e.g. a name imported only under TYPE_CHECKING
            continue
    return hints


def _converted_type(convert: Callable[[str], Any]) -> type | None:
    """What a URL type's converter returns: the class itself, or its return annotation."""
    if isinstance(convert, type):
        return convert
    returned = _type_hints(convert).get("return")
    return returned if isinstance(returned, type) else None


def _agrees(annotation: Any, expected: type) -> bool:
    """Whether a value of type ``expected`` fits ``annotation``; True for what cannot be judged."""
    if annotation is Any:  # a class since Python 3.11, but no value's superclass
        return True
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return any(_agrees(member, expected) for member in typing.get_args(annotation))
    supertype = getattr(annotation, "__supertype__", None)  # typing.NewType
    if supertype is not None:
        return _agrees(supertype, expected)
    origin = typing.get_origin(annotation)
    if isinstance(origin, type):  # list[int], type[X]...
        return issubclass(expected, origin)
    if not isinstance(annotation, type):  # Any, a TypeVar, Literal[...]: not judged
        return True
    return issubclass(expected, annotation)


def _type_name(value: Any) -> str:
    if isinstance(value, type) and not typing.get_args(value):
        return (
            value.__name__
            if value.__module__ == "builtins"
            else f"{value.__module__}.{value.__qualname__}"
        )
    return repr(value).replace("typing.", "")
