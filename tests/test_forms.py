"""framework.forms: WTForms forms bound to a request, uploads as UploadedFiles, the field macro."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from wtforms import (
    BooleanField,
    DecimalField,
    FileField,
    FloatField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from framework import App, UploadedFile, View
from framework.forms import FileAllowed, FileRequired, FileSize, Form
from framework.requests import Request
from framework.testing import TestClient


class NoteForm(Form):
    title = StringField("Title", [DataRequired(), Length(max=20)])
    body = TextAreaField("Body")
    count = IntegerField("Count", [NumberRange(min=0)], default=1)


class UploadForm(Form):
    caption = StringField("Caption")
    photo = FileField("Photo", [FileRequired(), FileAllowed(["png", "JPG"]), FileSize(100)])


@dataclass
class Note:
    title: str
    body: str
    count: int


def request(method: str = "GET", POST: Any = None) -> Request:
    """A request as the App would build it: ``POST`` a dict or a list of pairs, urlencoded,
    or multipart if a value is a ``(filename, content)`` upload."""
    fields = list(POST.items()) if isinstance(POST, dict) else POST
    if fields is None or all(isinstance(value, str) for _, value in fields):
        return Request.blank("/", method=method, POST=fields)
    body = b""
    for name, value in fields:
        if isinstance(value, str):
            disposition, content = f'form-data; name="{name}"', value.encode()
        else:
            disposition = f'form-data; name="{name}"; filename="{value[0]}"'
            content = value[1]
        body += f"--XyZ\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += content + b"\r\n"
    blank = Request.blank("/", method=method, body=body + b"--XyZ--\r\n")
    blank.content_type = "multipart/form-data; boundary=XyZ"
    return blank


def upload(name: str, filename: str, content: bytes) -> tuple[str, tuple[str, bytes]]:
    return (name, (filename, content))


# Binding


def test_get_binds_nothing_and_shows_initial_values_from_an_object() -> None:
    form = NoteForm.from_request(request("GET"), Note("Hello", "text", 3))

    assert not form.is_submitted()
    assert form.data == {"title": "Hello", "body": "text", "count": 3}
    assert form.errors == {}


def test_initial_values_from_a_dict_or_a_mapping_object() -> None:
    from_data = NoteForm.from_request(request("GET"), data={"title": "From data"})
    from_mapping = NoteForm.from_request(request("GET"), {"title": "From mapping"})

    assert from_data.title.data == "From data"
    assert from_mapping.title.data == "From mapping"
    assert from_mapping.count.data == 1  # the field's default


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_post_put_and_patch_bind_the_form_data(method: str) -> None:
    form = NoteForm.from_request(
        request(method, POST={"title": "Typed", "body": "b", "count": "7"}),
        Note("Old", "old", 1),
    )

    assert form.is_submitted()
    assert form.validate()
    assert form.data == {"title": "Typed", "body": "b", "count": 7}


@pytest.mark.parametrize("method", ["HEAD", "DELETE", "OPTIONS"])
def test_other_methods_bind_nothing(method: str) -> None:
    form = NoteForm.from_request(request(method), data={"title": "Initial"})

    assert not form.is_submitted()
    assert form.title.data == "Initial"


def test_an_invalid_submission_keeps_what_the_user_typed() -> None:
    form = NoteForm.from_request(request("POST", POST={"title": "x" * 21, "count": "many"}))

    assert not form.validate()
    assert form.errors == {
        "title": ["Field cannot be longer than 20 characters."],
        "count": ["Not a valid integer value.", "Number must be at least 0."],
    }
    assert form.title._value() == "x" * 21
    assert form.count._value() == "many"


def test_the_form_has_no_csrf_field_of_its_own() -> None:
    form = NoteForm.from_request(request("POST", POST={"title": "t", "csrf_token": "abc"}))

    assert "csrf_token" not in form
    assert form.validate()


def test_a_plain_webob_multidict_binds_too() -> None:
    form = NoteForm(request("POST", POST={"title": "Direct"}).POST)

    assert form.validate()
    assert form.title.data == "Direct"


# Bad input: a form error, never an exception


def test_missing_fields_are_errors_where_the_form_requires_them() -> None:
    form = NoteForm.from_request(request("POST", POST={}))

    assert not form.validate()
    assert form.errors == {"title": ["This field is required."]}


def test_a_submission_holds_only_what_was_sent_not_the_initial_values() -> None:
    form = NoteForm.from_request(
        request("POST", POST={"body": "new"}), Note("Old", "old", 5), data={"title": "Data"}
    )

    assert not form.validate()
    assert form.errors == {"title": ["This field is required."]}
    assert form.data == {"title": None, "body": "new", "count": 1}  # count: the field default


def test_extra_fields_are_ignored() -> None:
    form = NoteForm.from_request(request("POST", POST={"title": "t", "admin": "1", "id": "9"}))

    assert form.validate()
    assert form.data == {"title": "t", "body": None, "count": 1}


def test_a_field_sent_twice_is_an_error() -> None:
    form = NoteForm.from_request(request("POST", POST=[("title", "one"), ("title", "two")]))

    assert not form.validate()
    assert form.errors == {"title": ["This field was sent more than once."]}


def test_fields_that_take_several_values_take_them() -> None:
    class TagsForm(Form):
        tags = SelectMultipleField(choices=["a", "b", "c"])

    form = TagsForm.from_request(request("POST", POST=[("tags", "a"), ("tags", "c")]))

    assert form.validate()
    assert form.tags.data == ["a", "c"]


@pytest.mark.parametrize("value", ["seven", "7.5", "", "9" * 5000, "\x00"])
def test_a_wrong_type_in_an_integer_field_is_an_error(value: str) -> None:
    form = NoteForm.from_request(request("POST", POST={"title": "t", "count": value}))

    assert not form.validate()
    assert "count" in form.errors


@pytest.mark.parametrize("value", ["NaN", "sNaN", "-Infinity", "inf"])
def test_nan_and_infinity_are_not_numbers(value: str) -> None:
    class PriceForm(Form):
        price = DecimalField(validators=[NumberRange(min=0)])
        weight = FloatField(validators=[NumberRange(min=0)])
        ratio = FloatField()

    form = PriceForm.from_request(
        request("POST", POST={"price": value, "weight": value, "ratio": value})
    )

    assert not form.validate()
    assert set(form.errors) == {"price", "weight", "ratio"}
    assert form.price.data is None


def test_a_file_where_text_is_expected_is_an_error() -> None:
    form = NoteForm.from_request(
        request("POST", POST=[("title", "t"), upload("body", "a.txt", b"x"), ("count", "1")])
    )

    assert not form.validate()
    assert form.errors == {"body": ["Expected text, not a file."]}
    assert form.body.data is None


def test_a_file_in_a_required_number_field_is_an_error() -> None:
    form = NoteForm.from_request(
        request("POST", POST=[("title", "t"), upload("count", "n.txt", b"12")])
    )

    assert not form.validate()
    assert form.errors["count"][0] == "Expected text, not a file."


# Uploads


def test_an_upload_arrives_as_an_uploaded_file() -> None:
    form = UploadForm.from_request(
        request("POST", POST=[("caption", "c"), upload("photo", "../cat.PNG", b"\x89PNG")])
    )

    assert form.validate(), form.errors
    photo = form.photo.data
    assert isinstance(photo, UploadedFile)
    assert photo.filename == "cat.PNG"
    assert photo.read() == b"\x89PNG"


def test_an_empty_file_part_counts_as_no_file() -> None:
    form = UploadForm.from_request(request("POST", POST=[upload("photo", "", b"")]))

    assert not form.validate()
    assert form.photo.data is None
    assert form.errors == {"photo": ["Choose a file."]}


def test_wtforms_own_required_validators_see_an_empty_file_part_as_no_file() -> None:
    class Required(Form):
        data = FileField(validators=[DataRequired()])
        input = FileField(validators=[InputRequired()])

    empty = Required.from_request(request("POST", POST=[upload("data", "", b""), ("input", "")]))
    full = Required.from_request(
        request("POST", POST=[upload("data", "a.txt", b"a"), upload("input", "b.txt", b"b")])
    )

    assert not empty.validate()
    assert set(empty.errors) == {"data", "input"}
    assert full.validate()


def test_file_required_is_not_satisfied_by_a_value_from_the_object() -> None:
    form = UploadForm.from_request(request("POST", POST={"caption": "c"}), {"photo": "old.png"})

    assert not form.validate()
    assert form.errors == {"photo": ["Choose a file."]}


@pytest.mark.parametrize(
    ("filename", "content", "error"),
    [
        ("cat.gif", b"GIF", "Allowed file types: jpg, png."),
        ("no-extension", b"x", "Allowed file types: jpg, png."),
        ("big.jpg", b"x" * 101, "The file must be 0 to 100 bytes long."),
    ],
)
def test_file_allowed_and_file_size(filename: str, content: bytes, error: str) -> None:
    form = UploadForm.from_request(request("POST", POST=[upload("photo", filename, content)]))

    assert not form.validate()
    assert form.errors == {"photo": [error]}


def test_text_sent_to_a_file_field_asks_for_multipart() -> None:
    # A form without enctype="multipart/form-data" sends the chosen file's name as text.
    form = UploadForm.from_request(request("POST", POST={"photo": "cat.png"}))

    assert not form.validate()
    assert form.errors["photo"] == [
        "Expected a file upload (the form must be sent as multipart/form-data)."
    ]


def test_multiple_file_field_gets_every_file_but_empty_parts() -> None:
    class Gallery(Form):
        photos = MultipleFileField(validators=[FileRequired(), FileAllowed(["png"])])

    form = Gallery.from_request(
        request(
            "POST",
            POST=[
                upload("photos", "a.png", b"a"),
                upload("photos", "", b""),
                upload("photos", "b.png", b"b"),
            ],
        )
    )
    none = Gallery.from_request(request("POST", POST=[upload("photos", "", b"")]))

    assert form.validate(), form.errors
    assert [photo.filename for photo in form.photos.data] == ["a.png", "b.png"]
    assert not none.validate()


def test_uploads_through_an_app_are_usable_in_the_handler() -> None:
    app = App(templates=[])

    @app.route("/upload")
    class Upload(View):
        csrf_exempt = True

        def post(self, request: Request) -> dict[str, Any]:
            form = UploadForm.from_request(request)
            if not form.validate():
                return {"errors": form.errors}
            return {"name": form.photo.data.filename, "size": len(form.photo.data.read())}

    client = TestClient(app)

    ok = client.post("/upload", upload_files=[("photo", "me.jpg", b"jpeg!")])
    empty = client.post("/upload", params={"caption": "c"}, upload_files=[("photo", "", b"")])

    assert ok.json == {"name": "me.jpg", "size": 5}
    assert empty.json == {"errors": {"photo": ["Choose a file."]}}


# The field macro


@pytest.fixture
def macro_client(tmp_path: Path) -> TestClient:
    (tmp_path / "form.html").write_text(
        '{% from "framework/forms.html" import field, form_errors %}'
        "{{ form_errors(form) }}{{ field(form.title, class_='wide') }}{{ field(form.secret) }}"
        "{{ field(form.agree) }}"
    )
    app = App(templates=tmp_path)

    class MacroForm(Form):
        title = StringField("Title", [DataRequired()], description="A short title")
        secret = HiddenField()
        agree = BooleanField("I agree")

    @app.route("/form")
    class FormPage(View):
        csrf_exempt = True

        def get(self, request: Request) -> Any:
            return self.render(
                "form.html", form=MacroForm.from_request(request, data={"secret": "s"})
            )

        def post(self, request: Request) -> Any:
            form = MacroForm.from_request(request)
            form.validate()
            form.form_errors.append("Something is off <b>")
            return self.render("form.html", form=form)

    return TestClient(app)


def test_the_field_macro_renders_label_input_and_description(macro_client: TestClient) -> None:
    page = macro_client.get("/form")

    assert '<div class="field" id="title-field">' in page.text
    assert '<label for="title">Title</label>' in page.text
    assert 'class="wide" id="title" name="title" required type="text" value=""' in page.text
    assert '<small class="field-description">A short title</small>' in page.text
    assert '<input id="secret" name="secret" type="hidden" value="s">' in page.text
    assert 'id="secret-field"' not in page.text  # hidden fields are only their input
    checkbox = page.text.index('type="checkbox"')
    assert checkbox < page.text.index('<label for="agree">')  # checkbox before its label
    assert "form-errors" not in page.text


def test_the_field_macro_shows_errors_and_the_escaped_input(macro_client: TestClient) -> None:
    page = macro_client.post("/form", {"title": "", "secret": '"><script>'})

    assert '<div class="field field-invalid" id="title-field">' in page.text
    assert 'aria-describedby="title-errors" aria-invalid="true"' in page.text
    assert '<ul class="field-errors" id="title-errors">' in page.text
    assert "<li>This field is required.</li>" in page.text
    assert 'value="&#34;&gt;&lt;script&gt;"' in page.text
    assert "<script>" not in page.text
    assert "<li>Something is off &lt;b&gt;</li>" in page.text


def test_an_app_template_named_like_the_macro_file_wins(tmp_path: Path) -> None:
    (tmp_path / "framework").mkdir()
    (tmp_path / "framework" / "forms.html").write_text("{% macro field(f) %}mine{% endmacro %}")
    (tmp_path / "page.html").write_text(
        '{% from "framework/forms.html" import field %}{{ field(1) }}'
    )
    app = App(templates=tmp_path)

    assert app.templates.render("page.html") == "mine"


def test_the_macro_is_there_for_an_app_without_template_directories() -> None:
    app = App(templates=[])

    assert app.templates.exists("framework/forms.html")
    assert not app.templates.exists("404.html")
