"""Generic views: show one object, a paginated list, a form; create, update and delete objects.

Each is one class over `TemplateView`, readable top to bottom. The database is yours: a view
asks its hooks (``get_object``, ``get_items``, ``save``, ``delete``...), plain methods to
override, none of which needs ``super()``. Route parameters arrive as keyword arguments;
``get_context(**params)`` adds to each template's context, as in ``TemplateView``.

@app.route("/posts/{slug:slug}", name="post")
class PostDetail(DetailView):
    template_name = "post.html"

    def get_object(self, slug):
        return posts.get(slug)          # None -> 404
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from . import errors
from .forms import Form
from .responses import HandlerResult, Response, redirect
from .views import TemplateView

if TYPE_CHECKING:
    from .requests import Request

__all__ = [
    "CreateView",
    "DeleteView",
    "DetailView",
    "FormView",
    "ListView",
    "Page",
    "UpdateView",
    "paginate",
]

#: The query parameter that selects a page of a `ListView`.
PAGE_PARAMETER = "page"
# Page numbers longer than this are past any real list's end (and never reach int()).
_MAX_PAGE_DIGITS = 18


def _render(view: TemplateView, status: int, context: dict[str, Any]) -> Response:
    """Render the view's ``template_name`` with ``context`` plus its ``get_context``."""
    if view.template_name is None:
        raise TypeError(f"{type(view).__name__} is a generic view without a template_name")
    context.update(view.get_context(**view.params))
    return view.render(view.template_name, status=status, **context)


def _found(obj: Any) -> Any:
    """``obj``, unless it is None: then the request is a 404 (the site's 404 page)."""
    if obj is None:
        raise errors.NotFound("There is nothing at this address.")
    return obj


def _success_url(view: FormView | DeleteView) -> str:
    if view.success_url is None:
        raise TypeError(
            f"{type(view).__name__} has no success_url: set it (a route name or a path)"
            " or override get_success_url"
        )
    return view.success_url


class DetailView(TemplateView):
    """Show one object: ``get_object(**params)`` returns it, or None for a 404.

    Context: ``object``, and what ``get_context`` adds.
    """

    def get_object(self, **params: Any) -> Any:
        """Return the object the route's parameters name, or None if there is none."""
        raise NotImplementedError(f"{type(self).__name__} must define get_object(**params)")

    object: Any = None

    def get(self, request: Request, /, **params: Any) -> HandlerResult:
        self.object = _found(self.get_object(**params))
        return _render(self, 200, {"object": self.object})


@dataclass(frozen=True)
class Page:
    """Where a page sits in a paginated list; ``next_url``/``previous_url`` are None at the ends.

    The URLs are this request's path and query string with only ``page`` changed.
    """

    number: int
    count: int  # items in all pages
    num_pages: int
    per_page: int
    next_url: str | None
    previous_url: str | None

    @property
    def has_next(self) -> bool:
        return self.next_url is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_url is not None


def paginate(request: Request, items: Sequence[Any], per_page: int) -> tuple[Sequence[Any], Page]:
    """Return the items of the page ``?page=`` asks for (1-based; 1 if absent) and the `Page`.

    A page that is not a positive integer, or past the last page, is a 404; page 1 always
    exists, even of an empty list. Only ``len(items)`` and one slice are taken.
    """
    values = request.GET.getall(PAGE_PARAMETER)
    if not values:
        number = 1
    elif len(values) == 1 and values[0].isdecimal() and len(values[0]) <= _MAX_PAGE_DIGITS:
        number = int(values[0])
    else:
        number = 0
    count = len(items)
    num_pages = max(1, -(-count // per_page))
    if not 1 <= number <= num_pages:
        raise errors.NotFound(f"There is no page {values[0]!r} of this list.")
    page = Page(
        number=number,
        count=count,
        num_pages=num_pages,
        per_page=per_page,
        next_url=_page_url(request, number + 1) if number < num_pages else None,
        previous_url=_page_url(request, number - 1) if number > 1 else None,
    )
    start = (number - 1) * per_page
    return items[start : start + per_page], page


def _page_url(request: Request, number: int) -> str:
    """This request's path and query with ``page`` set to ``number`` (kept last)."""
    path = request.path  # script name and path, percent-encoded
    if path.startswith("//"):
        path = "/%2F" + path[2:]  # else a protocol-relative URL to another host
    query = [(name, value) for name, value in request.GET.items() if name != PAGE_PARAMETER]
    query.append((PAGE_PARAMETER, str(number)))
    return f"{path}?{urlencode(query)}"


class ListView(TemplateView):
    """Show a list: ``get_items(**params)`` returns a sequence (``len()`` and slicing suffice).

    With ``paginate_by = N``, ``?page=`` picks a page of N items (see `paginate`). Context:
    ``items`` (this page's) and ``page`` (a `Page`; one page of everything if not paginated).
    """

    #: Items per page; None shows them all.
    paginate_by: ClassVar[int | None] = None

    def get_items(self, **params: Any) -> Sequence[Any]:
        """Return the whole list; a lazy sequence pages without loading it all."""
        raise NotImplementedError(f"{type(self).__name__} must define get_items(**params)")

    def get(self, request: Request, /, **params: Any) -> HandlerResult:
        items = self.get_items(**params)
        if self.paginate_by is not None:
            items, page = paginate(request, items, self.paginate_by)
        else:
            count = len(items)
            page = Page(1, count, 1, count, next_url=None, previous_url=None)
        return _render(self, 200, {"items": items, "page": page})


class FormView(TemplateView):
    """Show ``form_class`` on GET; on POST validate it and call ``form_valid`` or ``form_invalid``.

    A valid form redirects (303) to ``success_url``, a route name or a path; an invalid one is
    shown again with its errors and the user's input, with status ``invalid_status``. Context:
    ``form``.
    """

    form_class: ClassVar[type[Form] | None] = None
    #: Where a valid form redirects: a route name or a path (see `framework.redirect`).
    success_url: ClassVar[str | None] = None
    #: The status of a page showing an invalid form: 200 as Django does; 422 suits htmx or Turbo.
    invalid_status: ClassVar[int] = 200

    def get_initial(self, **params: Any) -> Mapping[str, Any]:
        """Return the form's initial values by field name."""
        return {}

    def get_form(self, **params: Any) -> Form:
        """Return the form bound to this request (its data on POST, initial values on GET)."""
        if self.form_class is None:
            raise TypeError(f"{type(self).__name__} is a FormView without a form_class")
        return self.form_class.from_request(self.request, data=self.get_initial(**params))

    def get(self, request: Request, /, **params: Any) -> HandlerResult:
        return self.render_form(self.get_form(**params))

    def post(self, request: Request, /, **params: Any) -> HandlerResult:
        form = self.get_form(**params)
        if form.validate():
            return self.form_valid(form)
        return self.form_invalid(form)

    def form_valid(self, form: Any) -> HandlerResult:
        """Act on a valid form; by default redirect (303) to ``get_success_url()``."""
        return redirect(self.get_success_url())

    def form_invalid(self, form: Any) -> HandlerResult:
        """Show the form again, with its errors, with status ``invalid_status``."""
        return self.render_form(form, self.invalid_status)

    def get_success_url(self, obj: Any = None) -> str:
        """Where a valid form redirects: ``success_url`` by default (``obj``: what was saved)."""
        return _success_url(self)

    def render_form(self, form: Any, status: int = 200) -> Response:
        """Render ``template_name`` with ``form``."""
        return _render(self, status, {"form": form})


class CreateView(FormView):
    """A `FormView` whose valid POST calls ``save(form)``, which returns the new object, then
    redirects (303) to ``get_success_url(obj)``."""

    def save(self, form: Any) -> Any:
        """Create the object from the valid ``form.data`` and return it."""
        raise NotImplementedError(f"{type(self).__name__} must define save(form)")

    def form_valid(self, form: Any) -> HandlerResult:
        obj = self.save(form)
        return redirect(self.get_success_url(obj))


class UpdateView(FormView):
    """Edit an object: ``get_object(**params)`` (None: 404) fills the form; a valid POST calls
    ``save(form, obj)``, then redirects (303) to ``get_success_url(obj)``.

    Context: ``form`` and ``object``.
    """

    object: Any = None

    def get_object(self, **params: Any) -> Any:
        """Return the object the route's parameters name, or None if there is none."""
        raise NotImplementedError(f"{type(self).__name__} must define get_object(**params)")

    def get_form(self, **params: Any) -> Form:
        """Find the object (404 if there is none); return the form filled from it."""
        self.object = _found(self.get_object(**params))
        if self.form_class is None:
            raise TypeError(f"{type(self).__name__} is an UpdateView without a form_class")
        return self.form_class.from_request(
            self.request, self.object, data=self.get_initial(**params)
        )

    def save(self, form: Any, obj: Any) -> Any:
        """Update ``obj`` from the valid ``form.data``; return it (or its new version)."""
        raise NotImplementedError(f"{type(self).__name__} must define save(form, obj)")

    def form_valid(self, form: Any) -> HandlerResult:
        obj = self.save(form, self.object)
        return redirect(self.get_success_url(obj if obj is not None else self.object))

    def render_form(self, form: Any, status: int = 200) -> Response:
        return _render(self, status, {"form": form, "object": self.object})


class DeleteView(TemplateView):
    """GET shows a confirmation page with ``object``; POST calls ``delete(obj)``, then redirects
    (303) to ``get_success_url(obj)``. ``get_object(**params)`` returning None is a 404 on both.

    Here ``delete`` is the hook that deletes the object, so the HTTP ``DELETE`` method is a 405:
    browsers confirm with a form, which POSTs.
    """

    #: Where to go once the object is deleted: a route name or a path.
    success_url: ClassVar[str | None] = None
    object: Any = None

    #: ``delete`` is the hook that deletes, not the handler of the HTTP ``DELETE`` method (405).
    not_handlers = frozenset({"DELETE"})

    def get_object(self, **params: Any) -> Any:
        """Return the object the route's parameters name, or None if there is none."""
        raise NotImplementedError(f"{type(self).__name__} must define get_object(**params)")

    def delete(self, obj: Any) -> None:
        """Delete ``obj``."""
        raise NotImplementedError(f"{type(self).__name__} must define delete(obj)")

    def get_success_url(self, obj: Any = None) -> str:
        """Where to go after deleting ``obj``: ``success_url`` by default."""
        return _success_url(self)

    def get(self, request: Request, /, **params: Any) -> HandlerResult:
        self.object = _found(self.get_object(**params))
        return _render(self, 200, {"object": self.object})

    def post(self, request: Request, /, **params: Any) -> HandlerResult:
        obj = _found(self.get_object(**params))
        self.delete(obj)
        return redirect(self.get_success_url(obj))
