"""Handlers and hooks against their routes' fields: refused at registration, annotations checked."""

from __future__ import annotations

import functools
import uuid
from decimal import Decimal
from typing import Any, NewType, Optional

import pytest

from framework import App, RedirectView, TemplateView, View
from framework.routing import RouteError
from framework.signatures import SignatureError, annotation_mismatches


def register(view: type[View], pattern: str) -> None:
    App().add_route(pattern, view)


def error_for(view: type[View], pattern: str) -> str:
    with pytest.raises(SignatureError) as caught:
        register(view, pattern)
    return str(caught.value)


# Registration


def test_a_handler_taking_another_name_is_refused_naming_view_method_field_and_pattern() -> None:
    class UserDetail(View):
        def get(self, request, user_id):
            return "user"

    message = error_for(UserDetail, "/users/{id:d}")

    assert message == "UserDetail.get() takes 'user_id' but /users/{id:d} gives 'id'"


def test_the_error_is_both_a_route_error_and_a_type_error() -> None:
    class UserDetail(View):
        def get(self, request, user_id):
            return "user"

    with pytest.raises(RouteError):
        register(UserDetail, "/users/{id:d}")
    with pytest.raises(TypeError):
        register(UserDetail, "/users/{id:d}")


def test_the_route_decorator_refuses_too() -> None:
    app = App()
    with pytest.raises(SignatureError, match=r"Post\.get\(\) takes 'slug' but /posts/{id:d}"):

        @app.route("/posts/{id:d}")
        class Post(View):
            def get(self, request, slug):
                return slug


def test_a_refused_view_leaves_no_route_behind() -> None:
    app = App()

    class Post(View):
        def get(self, request, slug):
            return slug

    with pytest.raises(SignatureError):
        app.add_route("/posts/{id:d}", Post, name="post")

    assert app.router.routes == []
    assert app.test_client().get("/posts/1", status=404).status_int == 404
    app.add_route("/posts/{slug}", Post, name="post")  # the name and the shape are still free
    assert app.test_client().get("/posts/hello").text == "hello"


def test_a_handler_that_takes_no_field_of_a_parameterised_route_is_refused() -> None:
    class UserList(View):
        def get(self, request):
            return "users"

    message = error_for(UserList, "/users/{id:d}")

    assert message == (
        "UserList.get() takes no parameters but /users/{id:d} gives 'id'"
        " (take them by name, or **params)"
    )


def test_a_required_parameter_the_route_does_not_give_is_refused() -> None:
    class Archive(View):
        def get(self, request, year, month):
            return "archive"

    message = error_for(Archive, "/archive/{year:d}")

    assert message == "Archive.get() takes 'year', 'month' but /archive/{year:d} gives 'year'"


def test_each_handler_is_checked_not_only_get() -> None:
    class Comments(View):
        def get(self, request, post_id):
            return "comments"

        def post(self, request, id):
            return "created"

    message = error_for(Comments, "/posts/{post_id:d}/comments")

    assert message.startswith("Comments.post() takes 'id' but /posts/{post_id:d}/comments")


@pytest.mark.parametrize("method", ["put", "patch", "delete", "head", "options"])
def test_every_handler_name_is_checked(method: str) -> None:
    def handler(self: View, request: Any, wrong: str) -> str:
        return wrong

    view = type("Thing", (View,), {method: handler})

    assert error_for(view, "/things/{id}").startswith(f"Thing.{method}() takes 'wrong'")


def test_signatures_that_take_the_fields_are_accepted() -> None:
    class ByName(View):
        def get(self, request, id, slug):
            return "ok"

    class ByKeywordOnly(View):
        def get(self, request, *, id, slug):
            return "ok"

    class ByParams(View):
        def get(self, request, **params):
            return "ok"

    class WithOptional(View):
        def get(self, request, id, slug, page=1):
            return "ok"

    class ByPositionalOnlyRequest(View):
        def get(self, request, /, id, **rest):
            return "ok"

    for view in (ByName, ByKeywordOnly, ByParams, WithOptional, ByPositionalOnlyRequest):
        register(view, "/{id:d}/{slug:slug}")


def test_a_static_route_takes_handlers_without_parameters() -> None:
    class Home(View):
        def get(self, request):
            return "home"

        def post(self, request, **params):
            return "posted"

    register(Home, "/")


def test_a_handler_must_take_the_request() -> None:
    class NoRequest(View):
        def get(self):
            return "x"

    class FieldsFirst(View):
        def get(self, id):
            return "x"

    assert error_for(NoRequest, "/") == (
        "NoRequest.get() must take the request as its first argument,"
        " e.g. (self, request, **params)"
    )
    assert error_for(FieldsFirst, "/{id}") == (
        "FieldsFirst.get() must take the request before the fields, e.g. (self, request, id)"
    )


def test_a_field_named_request_is_refused_where_it_would_collide() -> None:
    class Inbox(View):
        def get(self, request, **params):
            return "inbox"

    message = error_for(Inbox, "/inbox/{request}")

    assert message == (
        "Inbox.get() takes the request as 'request' but /inbox/{request} gives a field of that"
        " name too: rename the field, or make the request positional-only (request, /)"
    )


def test_a_field_named_request_is_fine_with_a_positional_only_request() -> None:
    class Inbox(View):
        def get(self, request, /, **params):
            return params["request"]

    app = App()
    app.add_route("/inbox/{request}", Inbox)

    assert app.test_client().get("/inbox/42").text == "42"


def test_a_field_named_self_is_refused_where_it_would_collide() -> None:
    class Odd(View):
        def get(self, request, **params):
            return "odd"

    assert "takes the instance as 'self'" in error_for(Odd, "/odd/{self}")


def test_a_parameter_only_by_position_is_refused() -> None:
    class Odd(View):
        def get(self, request, id, /):
            return "odd"

    assert error_for(Odd, "/odd/{id}") == (
        "Odd.get() takes 'id' by position only, but /odd/{id} passes its fields by name"
    )


def test_inherited_handlers_are_checked_against_the_subclass_route() -> None:
    class Base(View):
        def get(self, request, slug):
            return slug

    class Child(Base):
        pass

    register(Base, "/base/{slug}")
    assert error_for(Child, "/child/{id:d}").startswith("Child.get() takes 'slug'")


def test_static_and_class_methods_are_read_as_called() -> None:
    class Static(View):
        @staticmethod
        def get(request, id):
            return "static"

    class Class(View):
        @classmethod
        def get(cls, request, id):
            return "class"

    register(Static, "/s/{id}")
    register(Class, "/c/{id}")
    assert error_for(Static, "/s/{slug}").startswith("Static.get() takes 'id'")


def log_calls(handler: Any) -> Any:
    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return handler(*args, **kwargs)

    return wrapper


def opaque(handler: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return handler(*args, **kwargs)

    return wrapper


def test_decorated_handlers_are_read_through_functools_wraps() -> None:
    class Wrapped(View):
        @log_calls
        def get(self, request, slug):
            return slug

    class Opaque(View):
        @opaque
        def get(self, request, slug):
            return slug

    assert error_for(Wrapped, "/w/{id}").startswith("Wrapped.get() takes 'slug'")
    register(Opaque, "/o/{id}")  # (*args, **kwargs) takes anything: nothing to check


# Hooks


def test_template_view_get_context_is_checked_without_the_request() -> None:
    class Profile(TemplateView):
        template_name = "profile.html"

        def get_context(self, username):
            return {"username": username}

    register(Profile, "/people/{username}")
    assert error_for(Profile, "/people/{id:d}") == (
        "Profile.get_context() takes 'username' but /people/{id:d} gives 'id'"
    )


def test_redirect_view_get_redirect_url_is_checked() -> None:
    class Old(RedirectView):
        def get_redirect_url(self, slug):
            return f"/new/{slug}"

    register(Old, "/old/{slug}")
    assert error_for(Old, "/old/{id:d}").startswith("Old.get_redirect_url() takes 'slug'")


@pytest.mark.parametrize("hook", ["get_object", "get_items", "get_initial"])
def test_generic_view_hooks_take_only_the_fields(hook: str) -> None:
    def good(self: View, slug: str) -> None:
        return None

    def takes_request(self: View, request: Any, slug: str) -> None:
        return None

    register(type("Good", (View,), {"get": View.options, hook: good}), "/p/{slug}")
    message = error_for(type("Bad", (View,), {hook: takes_request}), "/p/{slug}")
    assert message == f"Bad.{hook}() takes 'request', 'slug' but /p/{{slug}} gives 'slug'"


@pytest.mark.parametrize("hook", ["prepare", "allow"])
def test_prepare_and_allow_take_the_request_then_the_fields(hook: str) -> None:
    def good(self: View, request: Any, **params: Any) -> None:
        return None

    def wrong(self: View, request: Any, slug: str) -> None:
        return None

    register(type("Good", (View,), {hook: good}), "/p/{id:d}")
    assert error_for(type("Bad", (View,), {hook: wrong}), "/p/{id:d}") == (
        f"Bad.{hook}() takes 'slug' but /p/{{id:d}} gives 'id'"
    )


def test_the_framework_views_own_handlers_take_any_fields() -> None:
    class Page(TemplateView):
        template_name = "page.html"

    class Away(RedirectView):
        url = "/"

    register(Page, "/a/{x}/{y:d}")
    register(Away, "/b/{x:uuid}")


def test_a_method_the_view_does_not_dispatch_is_not_a_handler() -> None:
    class Remove(View):
        """As DeleteView: ``delete(obj)`` is its own hook, and the DELETE method a 405."""

        def get(self, request, slug):
            return "confirm?"

        def delete(self, obj):
            return None

    Remove.allowed_methods = ("GET", "HEAD", "OPTIONS")

    register(Remove, "/posts/{slug}/delete")


# Annotations (reported by `framework check`, not at registration)


def mismatches(view: type[View], pattern: str) -> list[str]:
    app = App()
    route = app.add_route(pattern, view)
    return [str(mismatch) for mismatch in annotation_mismatches(view, route)]


def test_annotations_matching_the_field_types_pass() -> None:
    class Good(View):
        def get(self, request, id: int, key: uuid.UUID, name: str, rest: str) -> str:
            return name

    assert mismatches(Good, "/{id:d}/{key:uuid}/{name:slug}/{rest:path}") == []


def test_an_annotation_other_than_the_field_type_is_a_mismatch() -> None:
    class UserDetail(View):
        def get(self, request, id: str) -> str:
            return id

    class ByKey(View):
        def get(self, request, key: int) -> str:
            return "x"

    assert mismatches(UserDetail, "/users/{id:d}") == [
        "UserDetail.get() annotates 'id' as str but the route gives int"
    ]
    assert mismatches(ByKey, "/k/{key:uuid}") == [
        "ByKey.get() annotates 'key' as int but the route gives uuid.UUID"
    ]


def test_registration_does_not_refuse_a_mismatched_annotation() -> None:
    class UserDetail(View):
        def get(self, request, id: str) -> str:
            return str(id)

    app = App()
    app.add_route("/users/{id:d}", UserDetail)

    assert app.test_client().get("/users/7").text == "7"


UserId = NewType("UserId", int)


def test_wider_optional_and_unjudged_annotations_pass() -> None:
    class Lenient(View):
        def get(
            self,
            request,
            a: object,
            b: Optional[int],  # noqa: UP045 (the spelling is what is tested)
            c: int | None,
            d: Any,
            e: UserId,
        ) -> str:
            return "ok"

    assert mismatches(Lenient, "/{a:d}/{b:d}/{c:d}/{d:d}/{e:d}") == []


def test_string_annotations_are_resolved_and_unresolvable_ones_skipped() -> None:
    # `from __future__ import annotations` (at the top of this module) makes every one a string.
    class Mixed(View):
        def get(self, request, id: int, slug: NotImportedAnywhere) -> str:  # type: ignore[name-defined]  # noqa: F821
            return "x"

    class Wrong(View):
        def get(self, request, id: str, slug: NotImportedAnywhere) -> str:  # type: ignore[name-defined]  # noqa: F821
            return "x"

    assert mismatches(Mixed, "/{id:d}/{slug}") == []
    assert mismatches(Wrong, "/{id:d}/{slug}") == [
        "Wrong.get() annotates 'id' as str but the route gives int"
    ]


def test_params_annotation_applies_to_each_field_it_takes() -> None:
    class Loose(View):
        def get(self, request, **params: str) -> str:
            return "x"

    assert mismatches(Loose, "/{name}/{id:d}") == [
        "Loose.get() annotates 'id' as str but the route gives int"
    ]


def test_hooks_annotations_are_checked_too() -> None:
    class Profile(TemplateView):
        template_name = "profile.html"

        def get_context(self, id: str) -> dict[str, Any]:
            return {}

    assert mismatches(Profile, "/p/{id:d}") == [
        "Profile.get_context() annotates 'id' as str but the route gives int"
    ]


def to_decimal(text: str) -> Decimal:
    return Decimal(text)


def test_a_custom_type_is_checked_by_its_converter_return_annotation() -> None:
    app = App()
    app.route_type("money", r"[0-9]+\.[0-9]{2}", to_decimal)
    app.route_type("anything", r"[a-z]+", lambda text: text)

    class Price(View):
        def get(self, request, amount: float, word: int) -> str:
            return "x"

    route = app.add_route("/{amount:money}/{word:anything}", Price)
    from framework.checks import annotation_problems

    assert [problem.message for problem in annotation_problems(app)] == [
        f"view {__name__}.{Price.__qualname__} (route '/{{amount:money}}/{{word:anything}}'"
        " (name 'Price')): Price.get() annotates 'amount' as float but the route gives"
        " decimal.Decimal"
    ]
    assert route.fields == {"amount": "money", "word": "anything"}
