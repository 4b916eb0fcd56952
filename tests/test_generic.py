"""framework.generic: each generic view's contract, through the public API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from framework import (
    App,
    CreateView,
    DeleteView,
    DetailView,
    FormView,
    ListView,
    UpdateView,
    errors,
    redirect,
)
from framework.checks import check_app
from framework.forms import Form
from framework.testing import TestClient

TEMPLATES = {
    "404.html": "site 404: {{ error.detail }}",
    "detail.html": "<h1>{{ object.name }}</h1>{{ extra }}",
    "list.html": (
        "{% for item in items %}[{{ item }}]{% endfor %}"
        " page {{ page.number }}/{{ page.num_pages }} of {{ page.count }}"
        " next={{ page.next_url }} previous={{ page.previous_url }}"
        " {{ page.has_next }} {{ page.has_previous }}"
    ),
    "form.html": (
        '{% from "framework/forms.html" import field %}{{ object.name if object }}'
        '<form id="thing" method="post">{{ csrf_input() }}{{ field(form.name) }}'
        "{{ field(form.size) }}</form>"
    ),
    "confirm.html": (
        '<form id="confirm" method="post">{{ csrf_input() }}Delete {{ object.name }}?</form>'
    ),
}


@dataclass
class Thing:
    name: str
    size: int


class ThingForm(Form):
    name = StringField("Name", [DataRequired(), Length(max=20)])
    size = IntegerField("Size", [NumberRange(min=0)], default=1)


def make_app(  # noqa: C901 (one route per generic view)
    tmp_path: Path, things: dict[str, Thing], sequence: list[int]
) -> App:
    for name, source in TEMPLATES.items():
        (tmp_path / name).write_text(source)
    app = App(templates=tmp_path, secret_key="test")

    @app.route("/things/{name}", name="thing")
    class ThingDetail(DetailView):
        template_name = "detail.html"

        def get_object(self, name: str) -> Thing | None:
            return things.get(name)

        def get_context(self, **params: Any) -> dict[str, Any]:
            return {"extra": f"for {params['name']}"}

    @app.route("/numbers/", name="numbers")
    class Numbers(ListView):
        template_name = "list.html"
        paginate_by = 3

        def get_items(self) -> list[int]:
            return sequence

    @app.route("/all-numbers/")
    class AllNumbers(ListView):
        template_name = "list.html"

        def get_items(self) -> list[int]:
            return sequence

    @app.route("/search/", name="search")
    class Search(FormView):
        template_name = "form.html"
        form_class = ThingForm
        success_url = "numbers"

        def get_initial(self) -> dict[str, Any]:
            return {"name": "initial"}

    @app.route("/search-422/")
    class Search422(Search):
        invalid_status = 422

    @app.route("/new/", name="new")
    class ThingCreate(CreateView):
        template_name = "form.html"
        form_class = ThingForm

        def save(self, form: ThingForm) -> Thing:
            thing = Thing(form.name.data, form.size.data)
            things[thing.name] = thing
            return thing

        def get_success_url(self, obj: Thing) -> str:
            return self.request.url_for("thing", name=obj.name)

    @app.route("/things/{name}/edit", name="edit")
    class ThingUpdate(UpdateView):
        template_name = "form.html"
        form_class = ThingForm
        success_url = "/numbers/"

        def get_object(self, name: str) -> Thing | None:
            return things.get(name)

        def save(self, form: ThingForm, obj: Thing) -> Thing:
            form.populate_obj(obj)
            return obj

    @app.route("/things/{name}/delete", name="delete")
    class ThingDelete(DeleteView):
        template_name = "confirm.html"
        success_url = "numbers"

        def get_object(self, name: str) -> Thing | None:
            return things.get(name)

        def delete(self, obj: Thing) -> None:
            del things[obj.name]

    return app


@pytest.fixture
def things() -> dict[str, Thing]:
    return {"pen": Thing("pen", 3)}


@pytest.fixture
def sequence() -> list[int]:
    return list(range(1, 8))  # 7 items: pages of 3, 3 and 1


@pytest.fixture
def client(tmp_path: Path, things: dict[str, Thing], sequence: list[int]) -> TestClient:
    return TestClient(make_app(tmp_path, things, sequence))


def token(client: TestClient) -> str:
    """The session's CSRF token, from a page with a form."""
    page = client.get("/search/")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def post(client: TestClient, url: str, params: Any = None, **kwargs: Any) -> Any:
    headers = {"X-CSRF-Token": token(client)}
    return client.post(url, params or {}, headers=headers, **kwargs)


# DetailView


def test_detail_view_renders_the_object_and_get_context(client: TestClient) -> None:
    page = client.get("/things/pen")

    assert page.status_int == 200
    assert page.text == "<h1>pen</h1>for pen"


def test_detail_view_answers_none_with_the_sites_404_page(client: TestClient) -> None:
    page = client.get("/things/nothing", status=404)

    assert page.text.startswith("site 404: ")


def test_detail_view_answers_head_and_options(client: TestClient) -> None:
    assert client.head("/things/pen").body == b""
    assert client.options("/things/pen").headers["Allow"] == "GET, HEAD, OPTIONS"
    client.post("/things/pen", status=405)


# ListView


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "[1][2][3] page 1/3 of 7 next=/numbers/?page=2 previous=None True False"),
        (
            "?page=2",
            "[4][5][6] page 2/3 of 7 next=/numbers/?page=3 previous=/numbers/?page=1 True True",
        ),
        ("?page=3", "[7] page 3/3 of 7 next=None previous=/numbers/?page=2 False True"),
    ],
)
def test_list_view_pages(client: TestClient, query: str, expected: str) -> None:
    assert client.get("/numbers/" + query).text == expected


@pytest.mark.parametrize(
    "page", ["0", "4", "-1", "1.5", "abc", "", "+2", " 1", "%C2%B2", "9" * 40, "1&page=2"]
)
def test_list_view_bad_or_past_the_end_pages_are_404(client: TestClient, page: str) -> None:
    response = client.get(f"/numbers/?page={page}", status=404)

    assert response.text.startswith("site 404: ")


def test_list_view_page_urls_keep_the_other_query_parameters(client: TestClient) -> None:
    page = client.get("/numbers/?q=a+b&page=2&tag=x&tag=y")

    assert "next=/numbers/?q=a+b&amp;tag=x&amp;tag=y&amp;page=3" in page.text
    assert "previous=/numbers/?q=a+b&amp;tag=x&amp;tag=y&amp;page=1" in page.text


def test_list_view_urls_include_the_mount_point(client: TestClient) -> None:
    page = client.get("/numbers/", extra_environ={"SCRIPT_NAME": "/blog"})

    assert "next=/blog/numbers/?page=2" in page.text


def test_list_view_page_one_of_an_empty_list(client: TestClient, sequence: list[int]) -> None:
    sequence.clear()

    assert client.get("/numbers/").text == " page 1/1 of 0 next=None previous=None False False"
    assert client.get("/numbers/?page=1").status_int == 200
    client.get("/numbers/?page=2", status=404)


def test_list_view_exactly_full_pages(client: TestClient, sequence: list[int]) -> None:
    del sequence[6:]

    assert client.get("/numbers/?page=2").text.startswith("[4][5][6] page 2/2 of 6 next=None")
    client.get("/numbers/?page=3", status=404)


def test_list_view_without_paginate_by_shows_everything(client: TestClient) -> None:
    page = client.get("/all-numbers/?page=9")

    assert page.text.startswith("[1][2][3][4][5][6][7] page 1/1 of 7 next=None")


def test_list_view_takes_one_slice_of_a_lazy_sequence(tmp_path: Path) -> None:
    calls: list[object] = []

    class Lazy:
        def __len__(self) -> int:
            calls.append("len")
            return 1000

        def __getitem__(self, index: slice) -> list[int]:
            calls.append(index)
            return list(range(index.start, index.stop))

    app = make_app(tmp_path, {}, Lazy())  # type: ignore[arg-type]

    page = TestClient(app).get("/numbers/?page=100")

    assert page.text.startswith("[297][298][299] page 100/334 of 1000")
    assert calls == ["len", slice(297, 300)]


# FormView


def test_form_view_get_shows_the_initial_values(client: TestClient) -> None:
    page = client.get("/search/")

    assert page.status_int == 200
    assert 'name="name" required type="text" value="initial"' in page.text


def test_form_view_valid_post_redirects_303_to_success_url(client: TestClient) -> None:
    page = client.get("/search/")
    form = page.forms["thing"]
    form["size"] = "5"

    response = form.submit()

    assert response.status_int == 303
    assert response.headers["Location"] == "/numbers/"


def test_form_view_invalid_post_re_renders_with_errors_and_input(client: TestClient) -> None:
    page = client.get("/search/")
    form = page.forms["thing"]
    form["name"] = "x" * 21
    form["size"] = "big"

    response = form.submit()

    assert response.status_int == 200
    assert "Field cannot be longer than 20 characters." in response.text
    assert "Not a valid integer value." in response.text
    assert 'value="' + "x" * 21 + '"' in response.text
    assert 'value="big"' in response.text


def test_form_view_invalid_status_is_a_class_attribute(client: TestClient) -> None:
    response = post(client, "/search-422/", {"name": ""}, status=422)

    assert "This field is required." in response.text


def test_form_view_post_without_csrf_token_is_403(client: TestClient) -> None:
    client.post("/search/", {"name": "a"}, status=403)


# CreateView


def test_create_view_saves_and_redirects_to_the_new_object(
    client: TestClient, things: dict[str, Thing]
) -> None:
    page = client.get("/new/")
    form = page.forms["thing"]
    form["name"] = "cup"
    form["size"] = "2"

    response = form.submit()

    assert response.status_int == 303
    assert response.headers["Location"] == "/things/cup"
    assert things["cup"] == Thing("cup", 2)
    assert response.follow().text.startswith("<h1>cup</h1>")


def test_create_view_invalid_post_saves_nothing(
    client: TestClient, things: dict[str, Thing]
) -> None:
    response = post(client, "/new/", {"name": "", "size": "-1"})

    assert response.status_int == 200
    assert "This field is required." in response.text
    assert "Number must be at least 0." in response.text
    assert list(things) == ["pen"]


# UpdateView


def test_update_view_fills_the_form_from_the_object(client: TestClient) -> None:
    page = client.get("/things/pen/edit")

    assert page.text.startswith("pen<form")
    assert 'value="pen"' in page.text
    assert 'name="size" type="number" value="3"' in page.text


def test_update_view_saves_and_redirects(client: TestClient, things: dict[str, Thing]) -> None:
    form = client.get("/things/pen/edit").forms["thing"]
    form["size"] = "9"

    response = form.submit()

    assert response.status_int == 303
    assert response.headers["Location"] == "/numbers/"
    assert things["pen"] == Thing("pen", 9)


def test_update_view_invalid_post_keeps_object_and_input(
    client: TestClient, things: dict[str, Thing]
) -> None:
    response = post(client, "/things/pen/edit", {"name": "pen", "size": "nine"})

    assert response.status_int == 200
    assert response.text.startswith("pen<form")
    assert 'value="nine"' in response.text
    assert things["pen"] == Thing("pen", 3)


def test_update_view_unknown_object_is_404_on_get_and_post(client: TestClient) -> None:
    client.get("/things/nothing/edit", status=404)
    post(client, "/things/nothing/edit", {"name": "a"}, status=404)


# DeleteView


def test_delete_view_confirms_then_deletes(client: TestClient, things: dict[str, Thing]) -> None:
    page = client.get("/things/pen/delete")
    assert "Delete pen?" in page.text
    assert "pen" in things

    response = page.forms["confirm"].submit()

    assert response.status_int == 303
    assert response.headers["Location"] == "/numbers/"
    assert things == {}


def test_delete_view_unknown_object_is_404_on_get_and_post(client: TestClient) -> None:
    client.get("/things/nothing/delete", status=404)
    post(client, "/things/nothing/delete", status=404)


def test_delete_view_http_delete_method_is_405(
    client: TestClient, things: dict[str, Thing]
) -> None:
    response = client.delete("/things/pen/delete", status=405)

    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert client.options("/things/pen/delete").headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert "pen" in things


# Hooks


def test_a_handler_the_user_writes_wins(tmp_path: Path) -> None:
    app = make_app(tmp_path, {}, [])

    @app.route("/custom/")
    class Custom(CreateView):
        template_name = "form.html"
        form_class = ThingForm

        def post(self, request: Any) -> Any:
            return "my own post"

    client = TestClient(app)

    assert post(client, "/custom/").text == "my own post"


def test_form_valid_and_get_form_can_be_overridden(tmp_path: Path) -> None:
    app = make_app(tmp_path, {}, [])

    @app.route("/hooks/")
    class Hooks(FormView):
        template_name = "form.html"
        form_class = ThingForm

        def form_valid(self, form: ThingForm) -> Any:
            return redirect("thing", name=form.name.data)

        def form_invalid(self, form: ThingForm) -> Any:
            raise errors.BadRequest("no")

    client = TestClient(app)

    assert post(client, "/hooks/", {"name": "x y"}).headers["Location"] == "/things/x%20y"
    post(client, "/hooks/", {"name": ""}, status=400)


@pytest.mark.parametrize(
    ("base", "attributes", "message"),
    [
        (DetailView, {}, "must define get_object"),
        (ListView, {"template_name": "list.html"}, "must define get_items"),
        (FormView, {"template_name": "form.html"}, "without a form_class"),
        (DetailView, {"get_object": lambda self: 1}, "without a template_name"),
    ],
)
def test_missing_hooks_and_attributes_fail_loudly_in_debug(
    tmp_path: Path, base: type[Any], attributes: dict[str, Any], message: str
) -> None:
    app = make_app(tmp_path, {}, [])
    app.debug = True
    app.add_route("/broken/", type("Broken", (base,), attributes))

    response = TestClient(app).get("/broken/", status=500)

    assert message in response.text


def test_form_view_without_success_url_fails_loudly(tmp_path: Path) -> None:
    app = make_app(tmp_path, {}, [])
    app.debug = True

    @app.route("/nowhere/")
    class Nowhere(FormView):
        template_name = "form.html"
        form_class = ThingForm

    response = post(TestClient(app), "/nowhere/", {"name": "a"}, status=500)

    assert "has no success_url" in response.text


# framework check (framework/checks.py; kept here, beside the views it checks)


def test_check_passes_complete_generic_views(tmp_path: Path) -> None:
    assert check_app(make_app(tmp_path, {}, [])) == []


@pytest.mark.parametrize(
    ("base", "attributes", "kind", "message"),
    [
        (DetailView, {"get_object": lambda self: None}, "missing template", "has no template_name"),
        (ListView, {"get_items": lambda self: []}, "missing template", "has no template_name"),
        (DeleteView, {"success_url": "/", "get_object": 1, "delete": 1}, "missing template", ""),
        (FormView, {"template_name": "form.html", "success_url": "/"}, "missing form class", ""),
        (
            FormView,
            {"template_name": "form.html", "success_url": "/", "form_class": dict},
            "missing form class",
            "is not a framework.forms.Form",
        ),
        (
            FormView,
            {"template_name": "form.html", "form_class": ThingForm},
            "missing success_url",
            "",
        ),
        (
            DeleteView,
            {"template_name": "c.html", "get_object": 1, "delete": 1},
            "missing success_url",
            "",
        ),
        (DetailView, {"template_name": "detail.html"}, "missing hook", "get_object()"),
        (ListView, {"template_name": "list.html"}, "missing hook", "get_items()"),
        (
            CreateView,
            {"template_name": "form.html", "form_class": ThingForm, "success_url": "/"},
            "missing hook",
            "save()",
        ),
        (
            DeleteView,
            {"template_name": "confirm.html", "success_url": "/", "get_object": 1},
            "missing hook",
            "delete()",
        ),
    ],
)
def test_check_reports_what_a_generic_view_lacks(
    tmp_path: Path, base: type[Any], attributes: dict[str, Any], kind: str, message: str
) -> None:
    app = make_app(tmp_path, {}, [])
    app.add_route("/broken/", type("Broken", (base,), {"__module__": "site", **attributes}))

    problems = [problem for problem in check_app(app) if problem.kind == kind]

    assert len(problems) == 1, check_app(app)
    assert "view site.Broken (route '/broken/' (name 'Broken'))" in problems[0].message
    assert message in problems[0].message


def test_check_accepts_generic_views_whose_hooks_are_overridden(tmp_path: Path) -> None:
    app = make_app(tmp_path, {}, [])

    @app.route("/own/")
    class Own(CreateView):
        def get(self, request: Any) -> str:
            return "no template"

        def post(self, request: Any) -> str:
            return "no form, no save, no success_url"

    @app.route("/computed/")
    class Computed(UpdateView):
        template_name = "form.html"
        form_class = ThingForm

        def get_object(self) -> Thing:
            return Thing("a", 1)

        def save(self, form: Any, obj: Thing) -> Thing:
            return obj

        def get_success_url(self, obj: Any = None) -> str:
            return "/"

    assert check_app(app) == []


def test_form_view_post_that_is_not_a_form_re_renders_with_errors(client: TestClient) -> None:
    response = post(client, "/search/", '{"name": "json"}', content_type="application/json")

    assert response.status_int == 200
    assert "This field is required." in response.text
