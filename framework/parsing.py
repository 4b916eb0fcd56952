"""Query strings and request bodies, read and parsed with limits: bad input is a 4xx, never a 500.

Closes gaps measured in WebOb's own parsing: undecodable UTF-8 raised, ``;`` split fields like
``&`` (parameter cloaking), multipart had no part limit and passed ``../`` filenames through,
and a body cut off mid-upload raised. Here every field is strict UTF-8, only ``&`` separates
(the WHATWG rule), field and part counts are bounded, the body is read at most to its limit,
and uploads carry a safe basename.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from itertools import accumulate
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import multipart

from . import errors

if TYPE_CHECKING:
    from _typeshed import SupportsRead
    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_MAX_FORM_FIELDS",
    "MAX_JSON_DEPTH",
    "UploadedFile",
    "declared_length",
    "decode_wsgi_text",
    "json_depth",
    "parse_json",
    "parse_multipart",
    "parse_query",
    "parse_urlencoded",
    "read_body",
    "read_exactly",
    "safe_filename",
]

#: ``App(max_body_size=...)``'s default: 10 MiB.
DEFAULT_MAX_BODY_SIZE = 10 * 2**20
#: ``App(max_form_fields=...)``'s default: fields of a query or a form, parts of a multipart body.
DEFAULT_MAX_FORM_FIELDS = 1000
#: Request JSON nested deeper is a 400 on every Python version (how deep ``json.loads`` itself
#: goes depends on the interpreter: about 1,000 levels on 3.11, far more on 3.12).
MAX_JSON_DEPTH = 512

_READ_SIZE = 64 * 1024
# Multipart text fields and small files stay in memory up to this size each; larger are spooled.
_PART_MEMORY_SIZE = 64 * 1024
_MAX_FILENAME_LENGTH = 255
_UNSAFE_FILENAME_CHARACTERS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
# bytes.translate arguments: keep brackets and quotes; brackets as +1 and -1 steps (signed).
_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'"[{]}')))
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_INNERMOST_PAIR = b"\x01\xff"


@dataclass(frozen=True)
class UploadedFile:
    """A file from a ``multipart/form-data`` body: ``request.POST["field"]``.

    ``filename`` is a safe basename (no directories, no control characters, no leading dots),
    usable in a path below a directory you choose; ``raw_filename`` is what the client sent.
    ``file`` is positioned at the start of the content.
    """

    name: str
    filename: str
    raw_filename: str
    content_type: str
    size: int
    file: IO[bytes]

    def read(self) -> bytes:
        """Return the whole content (mind ``size`` first)."""
        self.file.seek(0)
        return self.file.read()


def decode_wsgi_text(text: str, what: str) -> str:
    """Read a PEP 3333 string (``PATH_INFO``, ``QUERY_STRING``) as the UTF-8 a URL is.

    PEP 3333 hands the raw bytes over as latin-1 characters; ASCII needs no decoding.
    Bytes that are not UTF-8 are a 400 naming ``what``.
    """
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise errors.BadRequest(f"The {what} is not valid UTF-8.") from None


def parse_query(query_string: str, max_fields: int) -> list[tuple[str, str]]:
    """Split a PEP 3333 ``QUERY_STRING`` into decoded pairs; 400 if undecodable or too many."""
    if not query_string:
        return []
    if not query_string.isascii():  # spares the usual query a call
        query_string = decode_wsgi_text(query_string, "query string")
    return _split_fields(query_string, max_fields, "query string", errors.BadRequest)


def parse_urlencoded(body: bytes, max_fields: int) -> list[tuple[str, str]]:
    """Split an ``application/x-www-form-urlencoded`` body; 400 if undecodable, 413 if too many."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.BadRequest("The form data is not valid UTF-8.") from None
    return _split_fields(text, max_fields, "form", errors.PayloadTooLarge)


def _split_fields(
    text: str, max_fields: int, what: str, too_many: type[errors.HTTPError]
) -> list[tuple[str, str]]:
    if "%" not in text and "+" not in text:
        # PERF(S6): nothing to decode: what parse_qsl returns, from plain splits at a fraction of
        # its cost (tests/test_parsing.py compares the two).
        if text.count("&") >= max_fields:
            raise too_many(f"The {what} has more than {max_fields} fields.")
        fields = []
        for field in text.split("&"):  # a plain loop: twice as fast as a generator here
            if field:
                name, _, value = field.partition("=")
                fields.append((name, value))
        return fields
    try:
        return parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=max_fields, separator="&"
        )
    except UnicodeDecodeError:
        raise errors.BadRequest(f"The {what} is not valid UTF-8 once percent-decoded.") from None
    except ValueError:  # parse_qsl counts the separators before parsing anything
        raise too_many(f"The {what} has more than {max_fields} fields.") from None


def parse_json(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode a JSON body; 400 if it is not JSON or nests lists and objects over ``max_depth``.

    The depth is measured on the bytes before decoding (see `json_depth`), so a deep body is
    refused without building anything, and a large shallow one costs little more than the decode.
    """
    too_deep = f"The JSON body is nested deeper than {max_depth} levels."
    if body.count(b"[") + body.count(b"{") > max_depth and json_depth(body) > max_depth:
        raise errors.BadRequest(too_deep)
    try:
        return json.loads(body)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise errors.BadRequest(f"The body is not valid JSON: {error}") from None
    except RecursionError:  # this interpreter's parser goes less deep than max_depth
        raise errors.BadRequest(too_deep) from None


def json_depth(body: bytes) -> int:
    """How deep the lists and objects of a JSON document nest (0 for a scalar), from its bytes.

    Linear and at C speed: escaped backslashes and quotes go (``bytes.replace``), every byte
    but brackets and quotes goes (``bytes.translate``), then the text of strings, and innermost
    pairs (one level); what is left is summed as +1/-1 steps. Exact for valid JSON; for invalid
    JSON it is some number, and the decode refuses the body anyway.
    """
    encoding = json.detect_encoding(body)
    if encoding not in ("utf-8", "utf-8-sig"):  # UTF-16/32: bytes are not ASCII-compatible
        try:
            body = body.decode(encoding).encode("utf-8")
        except UnicodeError:
            return 0  # not JSON: the decode says so
    if b"\\" in body:
        # Escapes, in the order the decoder reads them: escaped backslashes, then escaped quotes.
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    structure = body.translate(None, _NOT_STRUCTURE)
    if b'"' in structure:
        # Strings hold only their brackets now. Adjacent quotes (an empty string, or the end of
        # one and the start of the next) go in one C pass; the quotes left still alternate
        # open/close, so every other piece between them is outside the strings.
        structure = structure.replace(b'""', b"")
        if b'"' in structure:
            structure = b"".join(structure.split(b'"')[::2])
    steps = structure.translate(_BRACKET_STEPS)
    # Most brackets are usually innermost pairs ("{}", or "[]" once scalars are gone): one C
    # pass drops them (one level), so the Python-level sum below sees far fewer steps.
    inner = steps.replace(_INNERMOST_PAIR, b"")
    deepest = max(accumulate(memoryview(inner).cast("b")), default=0)
    return max(deepest, 0) + (len(inner) < len(steps))


def declared_length(environ: WSGIEnvironment) -> int | None:
    """The ``CONTENT_LENGTH`` of a request, None if absent; 400 unless it is ASCII digits."""
    value = environ.get("CONTENT_LENGTH")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise errors.BadRequest("The Content-Length is not a number.")
    return int(value)


def read_body(
    stream: SupportsRead[bytes], content_length: int | None, limit: int, memory_size: int
) -> tuple[IO[bytes], int]:
    """Read a whole body into a seekable file, never more than ``limit`` bytes.

    A ``content_length`` over the limit is refused before reading anything (413); without
    one (chunked) at most ``limit + 1`` bytes are read (413 if there are that many). A body
    shorter than its ``Content-Length``, or a read failing, means the client went away (400).
    Bodies up to ``memory_size`` stay in memory; larger ones go to a temporary file.
    """
    if content_length is not None:
        if content_length < 0:
            raise errors.BadRequest("The Content-Length is negative.")
        if content_length > limit:
            raise errors.PayloadTooLarge(f"The body is larger than {limit} bytes.")
        if content_length <= memory_size:
            return io.BytesIO(read_exactly(stream, content_length)), content_length
        remaining = content_length
    else:
        remaining = limit + 1
    # Returned to the caller, which replaces wsgi.input with it: no `with` here.
    buffer = tempfile.SpooledTemporaryFile(max_size=memory_size)  # noqa: SIM115
    received = 0
    try:
        while remaining > 0:
            chunk = _read(stream, min(remaining, _READ_SIZE))
            if not chunk:
                break
            buffer.write(chunk)
            received += len(chunk)
            remaining -= len(chunk)
        if content_length is None and received > limit:
            raise errors.PayloadTooLarge(f"The body is larger than {limit} bytes.")
        if content_length is not None and received < content_length:
            raise _cut_off(received, content_length)
    except errors.HTTPError:
        buffer.close()
        raise
    buffer.seek(0)
    return buffer, received


def read_exactly(stream: SupportsRead[bytes], length: int) -> bytes:
    """Read a body of ``length`` bytes in one read; 400 if it ends sooner or the read fails.

    One read is enough: a file-like ``read(n)`` returns fewer than n bytes only at the end.
    """
    data = _read(stream, length)
    if len(data) < length:
        raise _cut_off(len(data), length)
    return data


def _read(stream: SupportsRead[bytes], size: int) -> bytes:
    """Read from the server's ``wsgi.input``: whatever it raises is about the client's bytes.

    Servers raise their own types: waitress and WebOb an ``OSError`` when the client goes away,
    gunicorn its ``InvalidChunkSize`` or ``ChunkMissingTerminator`` for a malformed chunked body.
    """
    try:
        return stream.read(size)
    except Exception:
        raise errors.BadRequest(
            "The body could not be read (malformed, or the client went away)."
        ) from None


def _cut_off(received: int, expected: int) -> errors.HTTPError:
    return errors.BadRequest(
        f"The body ended after {received} of {expected} bytes (the client went away)."
    )


def parse_multipart(
    stream: IO[bytes], content_type: str, content_length: int, max_parts: int
) -> list[tuple[str, Any]]:
    """Parse a ``multipart/form-data`` body into ``(name, str or UploadedFile)`` pairs.

    More than ``max_parts`` parts (or more than 8 headers of 4 KB in one part) is a 413;
    a missing or bad boundary, a malformed or cut-off body, or a text field that is not
    UTF-8 is a 400.
    """
    _, options = multipart.parse_options_header(content_type)
    boundary = options.get("boundary")
    if not boundary:
        raise errors.BadRequest("The multipart body has no boundary in its Content-Type.")
    fields: list[tuple[str, Any]] = []
    try:
        parser = multipart.MultipartParser(
            stream,
            boundary,
            content_length,
            charset="utf-8",
            part_limit=max_parts,
            spool_limit=_PART_MEMORY_SIZE,
            memory_limit=max(content_length, 1),
        )
        for part in parser:
            fields.append((part.name or "", _field_value(part)))
    except (multipart.MultipartError, UnicodeDecodeError) as error:
        for _, value in fields:
            if isinstance(value, UploadedFile):
                value.file.close()
        raise _multipart_error(error) from None
    return fields


def _multipart_error(error: Exception) -> errors.HTTPError:
    if isinstance(error, multipart.ParserLimitReached):
        # Too many parts (more than max_parts), or too many or too long part headers.
        return errors.PayloadTooLarge(f"The multipart body exceeds a limit: {error}.")
    if isinstance(error, UnicodeDecodeError):
        return errors.BadRequest("The form data is not valid UTF-8.")
    return errors.BadRequest(f"The multipart body is malformed: {error}")


def _field_value(part: Any) -> Any:
    """A text field's value as a string, a file part as an ``UploadedFile``."""
    if part.filename is None:
        try:
            return str(part.raw.decode("utf-8"))
        finally:
            part.close()
    return UploadedFile(
        name=part.name or "",
        filename=safe_filename(part.filename),
        raw_filename=part.filename,
        content_type=part.content_type,
        size=part.size,
        file=part.file,
    )


def safe_filename(raw_filename: str) -> str:
    """Reduce a client's filename to a basename that cannot leave the directory it is saved in.

    Directories (``/`` and ``\\``), control and Windows-reserved characters and leading dots
    go; what is left is NFC-normalised and cut to 255 characters. A filename with nothing
    usable left becomes ``"upload"``; an empty one (no file chosen) stays empty.
    """
    name = raw_filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME_CHARACTERS.sub("", unicodedata.normalize("NFC", name))
    name = name.strip().lstrip(".").strip()[:_MAX_FILENAME_LENGTH]
    if not name and raw_filename:
        return "upload"
    return name
