"""The contenders: one module `<name>_app` each, exposing `app` (most scenarios), the
variants some scenarios need (`app_404`, `hosts_app`, `csrf_app`: absent where the contender
has no equivalent, which makes it n/a there) and `make_app(n_routes, shape)` (route scaling).
Shared data lives in `common.py`."""

import importlib

from ..harness import describe

# contender -> the libraries it needs.  If one of them cannot be imported, the contender
# is a SKIP; if they import but the contender's app cannot be built, it is a FAIL.
CONTENDERS = {
    "raw": (),
    "falcon": ("falcon",),
    "bottle": ("bottle",),
    "flask": ("flask",),
    "webob_parse": ("webob", "parse"),
    "framework": ("framework",),
}


class Unavailable(Exception):
    """A contender that cannot be benchmarked; `kind` is "SKIP", "FAIL" or "n/a"."""

    def __init__(self, kind, reason):
        super().__init__(f"{kind}: {reason}")
        self.kind, self.reason = kind, reason


def _require(library):
    try:
        module = importlib.import_module(library)
    except Exception as exc:
        raise Unavailable("SKIP", f"`import {library}` failed: {describe(exc)}") from None
    if getattr(module, "__file__", None) is None:  # a bare folder: a namespace package
        raise Unavailable("SKIP", f"`{library}` has no __init__.py yet")
    return module


def load(name):
    """The contender's module; raises Unavailable when it cannot be used."""
    for library in CONTENDERS[name]:
        _require(library)
    try:
        return importlib.import_module(f"{__name__}.{name}_app")
    except Exception as exc:
        raise Unavailable("FAIL", f"building the app raised {describe(exc)}") from None


def library_file(name):
    """Where the contender's main library was imported from (to show what was benched)."""
    libraries = CONTENDERS[name]
    return _require(libraries[0]).__file__ if libraries else None


def wsgi_app(name, attribute="app"):
    """The contender's app for a scenario: `app`, or a variant such as `csrf_app`."""
    module = load(name)
    if not hasattr(module, attribute):
        raise Unavailable("n/a", f"no equivalent ({name} has no `{attribute}`)")
    return getattr(module, attribute)


def scaled_app(name, n_routes, shape="plain"):
    module = load(name)
    try:
        return module.make_app(n_routes, shape)
    except Exception as exc:
        raise Unavailable(
            "FAIL", f"make_app({n_routes}, {shape!r}) raised {describe(exc)}"
        ) from None
