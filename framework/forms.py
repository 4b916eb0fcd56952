"""HTML forms with WTForms, bound to a request in one call.

WTForms does the fields, validation, per-field errors and re-display of what the user typed;
this module binds a form to a ``Request``: its form data and uploaded files on POST, PUT and
PATCH, nothing on GET (initial values show). CSRF stays the framework's own check, so forms
carry no second token.

class PostForm(Form):
    title = StringField("Title", [DataRequired(), Length(max=200)])

form = PostForm.from_request(request, obj=post)   # post's attributes fill the fields
if form.is_submitted() and form.validate(): ...
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import wtforms
from wtforms.validators import StopValidation, ValidationError

from .parsing import UploadedFile

if TYPE_CHECKING:
    from .requests import Request

__all__ = [
    "BINDING_METHODS",
    "FileAllowed",
    "FileRequired",
    "FileSize",
    "Form",
    "FormData",
]

#: The methods whose body a form reads; on any other (GET, HEAD) the form shows initial values.
BINDING_METHODS = frozenset({"POST", "PUT", "PATCH"})

# Fields that take every value sent under their name; any other field takes one.
_MULTIPLE_VALUE_FIELDS = (wtforms.SelectMultipleField, wtforms.MultipleFileField)

_FormT = TypeVar("_FormT", bound="Form")


def _no_file_chosen(value: object) -> bool:
    """Whether ``value`` is the empty file part a browser sends when no file was chosen."""
    return isinstance(value, UploadedFile) and not value.raw_filename


class FormData:
    """A request's form fields as WTForms reads them: files for file fields, text for the rest.

    A file sent to a text field, or text sent to a file field, never reaches the field; `Form`
    reports it as an error, as it does several values sent to a single-value field. An empty
    file part (no file chosen) counts as no file.
    """

    def __init__(self, fields: Any, file_fields: Collection[str]) -> None:
        self.fields = fields  # a WebOb MultiDict (request.POST) or anything with getall()
        self.file_fields = frozenset(file_fields)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(self.fields))

    def __len__(self) -> int:
        return len(dict.fromkeys(self.fields))

    def __contains__(self, name: object) -> bool:
        return name in self.fields

    def getlist(self, name: str) -> list[Any]:
        """The values a field named ``name`` may take (WTForms' multidict interface)."""
        values = self.fields.getall(name)
        if name in self.file_fields:
            return [
                value
                for value in values
                if isinstance(value, UploadedFile) and not _no_file_chosen(value)
            ]
        return [value for value in values if isinstance(value, str)]

    def problem(self, field: wtforms.Field) -> str | None:
        """What is wrong with the values sent for ``field`` beyond its validators, or None."""
        values = self.fields.getall(field.name)
        if field.name in self.file_fields:
            if any(isinstance(value, str) and value for value in values):
                return field.gettext(
                    "Expected a file upload (the form must be sent as multipart/form-data)."
                )
        elif any(isinstance(value, UploadedFile) for value in values):
            return field.gettext("Expected text, not a file.")
        if len(values) > 1 and not isinstance(field, _MULTIPLE_VALUE_FIELDS):
            return field.gettext("This field was sent more than once.")
        return None


def _non_finite_number(field: wtforms.Field) -> str | None:
    """An error for a number field given NaN or infinity, which WTForms lets through.

    Its data becomes None: validators such as ``NumberRange`` fail on a signalling NaN.
    """
    data = field.data
    if (isinstance(data, float) and not math.isfinite(data)) or (
        isinstance(data, Decimal) and not data.is_finite()
    ):
        field.data = None
        return field.gettext("Not a valid number.")
    return None


def _file_fields(form: wtforms.Form) -> set[str]:
    return {field.name for field in form if isinstance(field, wtforms.FileField)}


class Form(wtforms.Form):
    """A WTForms form that reads the framework's requests; subclass it and declare fields.

    ``Form.from_request(request, obj)`` binds it; ``Form(request.POST)`` works as well. Uploaded
    files are `UploadedFile` values of ``wtforms.FileField`` / ``MultipleFileField`` fields;
    check them with `FileRequired`, `FileAllowed` and `FileSize`.
    """

    class Meta:
        # The framework checks its own CSRF token before any handler runs: no second one here.
        csrf = False

        def wrap_formdata(self, form: wtforms.Form, formdata: Any) -> Any:
            if formdata is None:
                return None
            if isinstance(formdata, FormData):  # a nested form: add its file fields
                return FormData(formdata.fields, formdata.file_fields | _file_fields(form))
            if hasattr(formdata, "getall"):
                return FormData(formdata, _file_fields(form))
            return formdata

    _submitted = False

    @classmethod
    def from_request(
        cls: type[_FormT],
        request: Request,
        obj: object = None,
        *,
        data: Mapping[str, Any] | None = None,
        prefix: str = "",
        **kwargs: Any,
    ) -> _FormT:
        """Bind a form to ``request``: its form data and files on POST, PUT and PATCH.

        Otherwise the form shows initial values: ``obj``'s attributes (or its keys, if it is a
        mapping) and ``data``. A submission holds only what was sent, as a Django bound form
        does: a field left out is empty (an error if required), never the object's value.
        """
        formdata = request.POST if request.method in BINDING_METHODS else None
        if formdata is not None:
            obj = data = None
        elif isinstance(obj, Mapping):
            data = {**obj, **(data or {})}
            obj = None
        return cls(formdata, obj=obj, prefix=prefix, data=data, **kwargs)

    def process(
        self,
        formdata: Any = None,
        obj: object | None = None,
        data: Mapping[str, Any] | None = None,
        extra_filters: Mapping[str, Sequence[Any]] | None = None,
        **kwargs: object,
    ) -> None:
        """WTForms' processing, plus an error on each field sent a value it cannot take:
        a file for text or text for a file, several values for one, NaN or infinity."""
        formdata = self.meta.wrap_formdata(self, formdata)
        super().process(formdata, obj, data, extra_filters, **kwargs)
        self._submitted = formdata is not None
        if isinstance(formdata, FormData):
            for field in self:
                problem = formdata.problem(field) or _non_finite_number(field)
                if problem is not None:
                    field.process_errors = [*field.process_errors, problem]

    def is_submitted(self) -> bool:
        """Whether the form was bound to submitted form data (a POST, PUT or PATCH)."""
        return self._submitted


def _uploads(field: wtforms.Field) -> list[UploadedFile]:
    """The files a ``FileField`` (one) or ``MultipleFileField`` (a list) received."""
    data = field.data if isinstance(field.data, list) else [field.data]
    return [item for item in data if isinstance(item, UploadedFile)]


class FileRequired:
    """A file must have been uploaded (an empty file part, sent when none was chosen, is none).

    Unlike ``DataRequired``, a value the form was filled with from an object does not count.
    """

    def __init__(self, message: str | None = None) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        if not _uploads(field):
            # An error from processing (text sent instead of a file) says more: keep it alone.
            message = self.message or field.gettext("Choose a file.")
            raise StopValidation("" if field.errors else message)


class FileAllowed:
    """Uploaded files must have one of ``extensions`` (``["png", "jpg"]``, any case).

    Fields without an upload pass: add `FileRequired` to require one.
    """

    def __init__(self, extensions: Iterable[str], message: str | None = None) -> None:
        self.extensions = frozenset(extension.lower().lstrip(".") for extension in extensions)
        self.message = message

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        for upload in _uploads(field):
            extension = upload.filename.rpartition(".")[2].lower() if "." in upload.filename else ""
            if extension not in self.extensions:
                message = self.message or field.gettext("Allowed file types: %(types)s.")
                raise ValidationError(message % {"types": ", ".join(sorted(self.extensions))})


class FileSize:
    """Uploaded files must be at most ``max_size`` bytes (and at least ``min_size``)."""

    def __init__(self, max_size: int, min_size: int = 0, message: str | None = None) -> None:
        self.max_size = max_size
        self.min_size = min_size
        self.message = message

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        for upload in _uploads(field):
            if not self.min_size <= upload.size <= self.max_size:
                message = self.message or field.gettext(
                    "The file must be %(min)d to %(max)d bytes long."
                )
                raise ValidationError(message % {"min": self.min_size, "max": self.max_size})
