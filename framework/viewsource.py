"""What a view's source code names, read with ``ast`` (never run): the templates it renders.

Seen: a string literal assigned in a class body to ``template_name`` or to an attribute ending in
``_template_name``, and a string literal as first argument of ``self.render(...)``, in the view
class and in each base class outside the framework. Not seen: computed names (variables,
f-strings, ``"a" if x else "b"``), templates rendered by helper functions, and classes whose
source Python cannot find (made with ``type()`` or in a REPL).
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from dataclasses import dataclass

__all__ = ["TemplateReference", "is_framework_class", "template_references"]


@dataclass(frozen=True)
class TemplateReference:
    """A template named by a literal: where (the class, the file and line) and how."""

    template_name: str
    owner: type  # the class whose source names it
    filename: str
    lineno: int
    attribute: str | None  # "template_name" for an attribute, None for a self.render() call
    method: str | None  # the method that calls self.render(), None for an attribute

    def __str__(self) -> str:
        """Where, e.g. ``Login.get() renders 'login.html'``."""
        owner = self.owner.__qualname__.rpartition("<locals>.")[2]
        if self.method is not None:
            return f"{owner}.{self.method}() renders {self.template_name!r}"
        return f"{owner}.{self.attribute} is {self.template_name!r}"


def template_references(view: type) -> list[TemplateReference]:
    """The templates ``view`` names by a literal, in its class and its own base classes."""
    references: list[TemplateReference] = []
    for owner in view.__mro__:
        if owner is not object and not is_framework_class(owner):
            references.extend(_class_references(owner))
    return references


def is_framework_class(owner: type) -> bool:
    """Whether a class is the framework's own (View, TemplateView, the generic views...)."""
    return owner.__module__ == "framework" or owner.__module__.startswith("framework.")


@functools.lru_cache(maxsize=512)
def _class_references(owner: type) -> tuple[TemplateReference, ...]:
    """The references in one class's own source, parsed once per class."""
    try:
        lines, first_line = inspect.getsourcelines(owner)
        filename = inspect.getsourcefile(owner) or "<unknown>"
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):  # no source to read: nothing is seen
        return ()
    class_node = tree.body[0] if tree.body else None
    if not isinstance(class_node, ast.ClassDef):
        return ()
    return tuple(
        TemplateReference(name, owner, filename, first_line + lineno - 1, attribute, method)
        for name, attribute, method, lineno in _literals(class_node)
    )


def _literals(class_node: ast.ClassDef) -> list[tuple[str, str | None, str | None, int]]:
    """(template name, attribute, method, line in the class source) for each literal."""
    found: list[tuple[str, str | None, str | None, int]] = []
    for statement in class_node.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        for target in targets:
            if (
                isinstance(target, ast.Name)
                and _is_template_attribute(target.id)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                found.append((value.value, target.id, None, statement.lineno))
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.extend(
                (name, None, statement.name, lineno) for name, lineno in _render_calls(statement)
            )
    return found


def _is_template_attribute(name: str) -> bool:
    return name == "template_name" or name.endswith("_template_name")


def _render_calls(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, int]]:
    """``self.render("literal", ...)`` calls in a method (``self`` being its first parameter)."""
    arguments = function.args.posonlyargs + function.args.args
    if not arguments:
        return []
    instance = arguments[0].arg
    calls = []
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "render"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == instance
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            calls.append((node.args[0].value, node.lineno))
    return calls
