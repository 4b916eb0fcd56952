"""Forms and bodies: strict UTF-8, ``&`` only, bounded fields and parts, bounded bodies."""

from __future__ import annotations

import io
import json
import urllib.parse
from typing import Any
from urllib.parse import parse_qsl

import pytest
import webob.request
from hypothesis import given, settings
from hypothesis import strategies as st
from wsgi_calls import call_app, make_environ

from framework import App, Request, UploadedFile, View, errors, parsing
from framework.parsing import parse_urlencoded, safe_filename
from framework.testing import TestClient

LIMIT = 1000  # max_body_size of form_app


def form_app(**options: Any) -> App:
    """Views that echo what the request parsed; CSRF is off, it is tested in test_csrf.py."""
    options.setdefault("max_body_size", LIMIT)
    app = App(secret_key="key", **options)

    @app.route("/echo")
    class Echo(View):
        csrf_exempt = True

        def get(self, request: Request) -> dict[str, Any]:
            return {"GET": list(request.GET.items())}

        def post(self, request: Request) -> dict[str, Any]:
            return {
                "GET": list(request.GET.items()),
                "POST": [
                    [name, value if isinstance(value, str) else describe(value)]
                    for name, value in request.POST.items()
                ],
                "params": list(request.params.keys()),
            }

        def put(self, request: Request) -> dict[str, Any]:
            return {"body": len(request.body)}

    @app.route("/json")
    class Json(View):
        csrf_exempt = True

        def post(self, request: Request) -> dict[str, Any]:
            return {"received": request.json}

    @app.route("/ignore-body")
    class IgnoreBody(View):
        csrf_exempt = True

        def post(self, request: Request) -> str:
            return "did not read the body"

    return app


def describe(upload: UploadedFile) -> dict[str, Any]:
    return {
        "name": upload.name,
        "filename": upload.filename,
        "raw_filename": upload.raw_filename,
        "content_type": upload.content_type,
        "size": upload.size,
        "content": upload.read().decode("latin-1"),
    }


class RecordingInput:
    """A wsgi.input that records how much was read, and can fail or run dry early."""

    def __init__(
        self,
        data: bytes,
        fail_after: int | None = None,
        failure: Exception | None = None,
    ) -> None:
        self.stream = io.BytesIO(data)
        self.bytes_read = 0
        self.fail_after = fail_after
        self.failure = failure or webob.request.DisconnectionError("client went away")

    def read(self, size: int = -1) -> bytes:
        if self.fail_after is not None and self.bytes_read >= self.fail_after:
            raise self.failure
        chunk = self.stream.read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        raise AssertionError("not used")

    def readlines(self, hint: int = -1) -> list[bytes]:
        raise AssertionError("not used")

    def __iter__(self) -> Any:
        raise AssertionError("not used")


def call(
    app: App,
    path: str = "/echo",
    *,
    method: str = "POST",
    query: str = "",
    body: RecordingInput | None = None,
    content_type: str = "application/x-www-form-urlencoded",
    content_length: str | None = None,
    extra: dict[str, Any] | None = None,
    validate: bool = True,
) -> tuple[int, bytes]:
    """Call the app through the PEP 3333 validator (unless told not to) with an exact environ."""
    environ = make_environ(
        path,
        method,
        query,
        CONTENT_TYPE=content_type,
        **{"wsgi.input": body if body is not None else RecordingInput(b"")},
        **(extra or {}),
    )
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    status, _, response_body = call_app(app, environ, validate=validate)
    return int(status[:3]), response_body


# Query strings and urlencoded bodies


def test_urlencoded_fields_work_as_in_webob() -> None:
    response = TestClient(form_app()).post("/echo?q=1&q=2&blank=", "a=1&b=two+words&a=%C3%A9&c=")

    assert response.status_int == 200
    assert response.json == {
        "GET": [["q", "1"], ["q", "2"], ["blank", ""]],
        "POST": [["a", "1"], ["b", "two words"], ["a", "é"], ["c", ""]],
        "params": ["q", "q", "blank", "a", "b", "a", "c"],
    }


def test_getall_and_indexing_work_on_the_parsed_multidicts() -> None:
    request = Request.blank("/?tag=a&tag=b", POST={"name": "Ada", "x": "1"})

    assert request.GET.getall("tag") == ["a", "b"]
    assert request.GET["tag"] == "b"
    assert request.POST["name"] == "Ada"
    assert request.params["x"] == "1"
    assert request.GET is request.GET  # parsed once per request


def test_changing_get_updates_the_query_string_as_in_webob() -> None:
    request = Request.blank("/?a=1")

    request.GET["b"] = "2"

    assert request.query_string == "a=1&b=2"
    assert request.GET.getall("b") == ["2"]


@pytest.mark.parametrize(
    ("query", "body"), [("a=1;b=2", "c=3"), ("c=3", "a=1;b=2")], ids=["query", "body"]
)
def test_semicolons_do_not_separate_fields(query: str, body: str) -> None:
    """WHATWG: only & separates; WebOb also split on ; (parameter cloaking)."""
    response = TestClient(form_app()).post(f"/echo?{query}", body)

    fields = response.json["GET"] + response.json["POST"]
    assert ["a", "1;b=2"] in fields
    assert ["c", "3"] in fields
    assert all(name != "b" for name, _ in fields)


@pytest.mark.parametrize("query", ["name=%ff", "name=%C3%28", "%ff=x", "name=\xff", "a=\xc3\x28"])
def test_undecodable_query_strings_are_400(query: str) -> None:
    status, body = call(form_app(), method="GET", query=query)

    assert status == 400
    assert b"not valid UTF-8" in body


def test_raw_utf8_in_the_query_string_is_decoded() -> None:
    status, body = call(form_app(), method="GET", query="name=\xc3\xa9t\xc3\xa9")

    assert status == 200
    assert "été".encode() in body


@pytest.mark.parametrize("data", [b"name=%ff", b"name=\xff", b"%C3%28=x", b"a=\xc3\x28"])
def test_undecodable_form_bodies_are_400(data: bytes) -> None:
    status, body = call(form_app(), body=RecordingInput(data), content_length=str(len(data)))

    assert status == 400
    assert b"not valid UTF-8" in body


@pytest.fixture
def decoded_fields(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every name or value urllib.parse percent-decodes while the test runs."""
    decoded: list[str] = []
    unquote = urllib.parse.unquote

    def recording_unquote(text: str, *args: Any, **kwargs: Any) -> str:
        decoded.append(text)
        return unquote(text, *args, **kwargs)

    monkeypatch.setattr(urllib.parse, "unquote", recording_unquote)
    return decoded


@pytest.mark.parametrize("separator", ["=v", "%20=v%20"])  # plain split, then parse_qsl
def test_ten_thousand_form_fields_are_refused_before_any_is_decoded(
    decoded_fields: list[str], separator: str
) -> None:
    data = "&".join(f"f{index}{separator}" for index in range(10_000)).encode()

    status, body = call(
        form_app(max_body_size=2**20), body=RecordingInput(data), content_length=str(len(data))
    )

    assert status == 413
    assert b"more than 1000 fields" in body
    assert decoded_fields == []


def test_ten_thousand_query_fields_are_400_before_any_is_decoded(
    decoded_fields: list[str],
) -> None:
    status, body = call(form_app(), method="GET", query="&".join(["f%20=v"] * 10_000))

    assert status == 400
    assert b"more than 1000 fields" in body
    assert decoded_fields == []


def test_the_field_limit_is_configurable() -> None:
    client = TestClient(form_app(max_form_fields=3))

    assert client.post("/echo", "a=1&b=2&c=3").status_int == 200
    response = client.post("/echo", "a=1&b=2&c=3&d=4", status=413)
    assert "more than 3 fields" in response.text


# Body size and broken bodies


def test_a_body_over_the_limit_is_413_before_anything_is_read() -> None:
    body = RecordingInput(b"a=" + b"x" * 5000)

    status, response_body = call(form_app(), body=body, content_length="5002")

    assert status == 413
    assert b"larger than 1000 bytes" in response_body
    assert body.bytes_read == 0


def test_a_view_that_ignores_the_body_is_not_refused() -> None:
    body = RecordingInput(b"x" * 5000)

    status, response_body = call(form_app(), "/ignore-body", body=body, content_length="5000")

    assert (status, response_body) == (200, b"did not read the body")
    assert body.bytes_read == 0


def test_a_chunked_body_is_read_at_most_one_byte_past_the_limit() -> None:
    body = RecordingInput(b"a=" + b"x" * 50_000)

    status, _ = call(form_app(), body=body, extra={"wsgi.input_terminated": True})

    assert status == 413
    assert body.bytes_read == LIMIT + 1


def test_a_chunked_body_within_the_limit_is_read() -> None:
    status, response_body = call(
        form_app(), body=RecordingInput(b"a=1"), extra={"wsgi.input_terminated": True}
    )

    assert status == 200
    assert b'"POST":[["a","1"]]' in response_body


def test_request_body_and_json_enforce_the_limit_too() -> None:
    client = TestClient(form_app())

    assert client.put("/echo", b"x" * LIMIT).json == {"body": LIMIT}
    client.put("/echo", b"x" * (LIMIT + 1), status=413)
    client.post("/json", b"[" + b"1," * LIMIT + b"1]", content_type="application/json", status=413)


def test_a_body_cut_off_before_its_content_length_is_400() -> None:
    status, body = call(form_app(), body=RecordingInput(b"a=1&b=2"), content_length="500")

    assert status == 400
    assert b"the client went away" in body


def test_a_client_disconnecting_mid_body_is_400() -> None:
    body = RecordingInput(b"a=" + b"x" * 900, fail_after=0)

    status, response_body = call(form_app(), body=body, content_length="902")

    assert status == 400
    assert b"the client went away" in response_body


class InvalidChunkSize(Exception):
    """Like gunicorn's own: a server's parse error that is neither OSError nor ValueError."""


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("POST", "/echo", "application/x-www-form-urlencoded"),  # request.POST
        ("PUT", "/echo", "application/octet-stream"),  # request.body
        ("POST", "/json", "application/json"),  # request.json
    ],
    ids=["POST", "body", "json"],
)
@pytest.mark.parametrize("content_length", ["902", None], ids=["content-length", "chunked"])
def test_any_exception_from_the_servers_input_is_400(
    method: str, path: str, content_type: str, content_length: str | None
) -> None:
    failing = RecordingInput(b"a=" + b"x" * 900, fail_after=0, failure=InvalidChunkSize("zz"))
    # gunicorn marks a chunked body readable to its end with wsgi.input_terminated.
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}

    status, response_body = call(
        form_app(),
        path,
        method=method,
        body=failing,
        content_type=content_type,
        content_length=content_length,
        extra=chunked if content_length is None else {},
    )

    assert status == 400
    assert b"The body could not be read (malformed, or the client went away)." in response_body


def test_a_negative_content_length_is_400() -> None:
    # wsgiref's validator refuses such an environ itself, so call the app bare.
    status, _ = call(form_app(), body=RecordingInput(b"a=1"), content_length="-5", validate=False)

    assert status == 400


@pytest.mark.parametrize("content_length", ["abc", "1e3", "١"])
def test_a_content_length_that_is_not_digits_is_400(content_length: str) -> None:
    status, body = call(
        form_app(), body=RecordingInput(b"a=1"), content_length=content_length, validate=False
    )

    assert status == 400
    assert b"Content-Length is not a number" in body


@pytest.mark.parametrize(
    "body",
    [b'{"a": ', b"[" * 1000 + b"]" * 1000, b"\xff\xfe", b"", b"NaN-ish"],
    ids=["truncated", "1000-deep", "not-utf8", "empty", "garbage"],
)
def test_bad_json_bodies_are_400(body: bytes) -> None:
    response = TestClient(form_app(max_body_size=10_000)).post(
        "/json", body, content_type="application/json", status=400
    )

    # A JSON body with no Accept: the error is JSON too.
    assert response.json["error"]["status"] == 400


def nesting_depth(value: Any) -> int:
    """The depth json_depth must find, from the decoded value (recursively: tests stay shallow)."""
    children = value.values() if isinstance(value, dict) else value
    if not isinstance(value, (dict, list)):
        return 0
    return 1 + max((nesting_depth(child) for child in children), default=0)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=40,
)


@settings(deadline=None)  # a loaded machine must not fail it
@given(JSON_VALUES, st.sampled_from(["utf-8", "utf-16", "utf-32-be"]), st.booleans())
def test_json_depth_reads_the_nesting_from_the_bytes(
    value: Any, encoding: str, ascii: bool
) -> None:
    body = json.dumps(value, ensure_ascii=ascii).encode(encoding)

    assert parsing.json_depth(body) == nesting_depth(value)


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('["[[[", {"{{": "]"}]', 2),
        (r'["\\", ["\"[["], "\\\"]"]', 2),
        ('[{"a": [[], {}]}, [[[]]]]', 4),
        ("[" * 100_000 + "]" * 100_000, 100_000),
    ],
    ids=["scalar", "empty-list", "brackets-in-strings", "escapes", "mixed", "100000-deep"],
)
def test_json_depth_examples(text: str, depth: int) -> None:
    assert parsing.json_depth(text.encode()) == depth


def test_ten_megabytes_of_empty_objects_are_parsed() -> None:
    """The issue's amplifier: 3 million ``{}`` under the default limit, decoded right."""
    app = App()

    @app.route("/count")
    class Count(View):
        csrf_exempt = True

        def post(self, request: Request) -> dict[str, Any]:
            items = request.json
            return {"items": len(items), "all_empty_objects": all(item == {} for item in items)}

    body = b"[" + b",".join([b"{}"] * 3_000_000) + b"]"
    assert 9 * 2**20 > len(body) > 8 * 2**20

    response = TestClient(app).post("/count", body, content_type="application/json")

    assert response.json == {"items": 3_000_000, "all_empty_objects": True}


# Multipart


def multipart_body(parts: list[tuple[str, str | None, bytes]], boundary: str = "XyZ") -> bytes:
    lines = []
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        lines.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode())
        lines.append(content + b"\r\n")
    lines.append(f"--{boundary}--\r\n".encode())
    return b"".join(lines)


def post_multipart(
    app: App, data: bytes, content_type: str = "multipart/form-data; boundary=XyZ", **kw: Any
) -> tuple[int, bytes]:
    return call(
        app, body=RecordingInput(data), content_type=content_type, content_length=str(len(data))
    )


def test_uploaded_files_carry_a_safe_basename_and_the_raw_name() -> None:
    response = TestClient(form_app()).post(
        "/echo",
        {"title": "Zoë's notes"},
        upload_files=[("doc", "../../etc/passwd", b"not really", "text/plain")],
    )

    assert response.status_int == 200
    assert response.json["POST"] == [
        ["title", "Zoë's notes"],
        [
            "doc",
            {
                "name": "doc",
                "filename": "passwd",
                "raw_filename": "../../etc/passwd",
                "content_type": "text/plain",
                "size": 10,
                "content": "not really",
            },
        ],
    ]


def test_a_large_upload_is_spooled_and_read_back() -> None:
    content = bytes(range(256)) * 1000
    response = TestClient(form_app(max_body_size=2**20)).post(
        "/echo", upload_files=[("blob", "data.bin", content)]
    )

    [[name, upload]] = response.json["POST"]
    assert name == "blob"
    assert upload["size"] == len(content)
    assert upload["content"] == content.decode("latin-1")


def test_fifty_thousand_parts_are_refused_at_the_part_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = multipart_body([(f"f{index}", None, b"v") for index in range(50_000)])
    parts_read = []
    field_value = parsing._field_value
    monkeypatch.setattr(
        parsing, "_field_value", lambda part: parts_read.append(1) or field_value(part)
    )

    status, body = post_multipart(form_app(max_body_size=10 * 2**20), data)

    assert status == 413
    assert b"exceeds a limit" in body
    assert len(parts_read) <= 1000  # the parser stopped at max_form_fields, not after 50,000


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("multipart/form-data", multipart_body([("a", None, b"1")])),
        ("multipart/form-data; boundary=", multipart_body([("a", None, b"1")])),
        ("multipart/form-data; boundary=Other", multipart_body([("a", None, b"1")])),
        ("multipart/form-data; boundary=XyZ", b"garbage without boundaries"),
        ("multipart/form-data; boundary=XyZ", multipart_body([("a", None, b"1")])[:-12]),
        ("multipart/form-data; boundary=XyZ", multipart_body([("a", None, b"\xff\xfe")])),
        ("multipart/form-data; boundary=XyZ", b"--XyZ\r\nNo-Disposition: x\r\n\r\n1\r\n--XyZ--"),
    ],
    ids=[
        "no-boundary",
        "empty-boundary",
        "wrong-boundary",
        "no-parts",
        "cut-off",
        "text-not-utf8",
        "no-disposition",
    ],
)
def test_broken_multipart_bodies_are_400(content_type: str, data: bytes) -> None:
    status, body = post_multipart(form_app(), data, content_type)

    assert status == 400
    assert b"400 Bad Request" in body


def test_a_multipart_body_cut_off_mid_upload_is_400() -> None:
    data = multipart_body([("doc", "a.txt", b"x" * 500)])

    status, body = call(
        form_app(),
        body=RecordingInput(data[:300]),
        content_type="multipart/form-data; boundary=XyZ",
        content_length=str(len(data)),
    )

    assert status == 400
    assert b"the client went away" in body


def test_a_multipart_body_over_the_limit_is_413_before_reading() -> None:
    data = multipart_body([("doc", "a.txt", b"x" * 5000)])
    body = RecordingInput(data)

    status, _ = call(
        form_app(),
        body=body,
        content_type="multipart/form-data; boundary=XyZ",
        content_length=str(len(data)),
    )

    assert status == 413
    assert body.bytes_read == 0


def test_a_non_form_body_has_no_post_fields() -> None:
    response = TestClient(form_app()).post("/echo", b"plain", content_type="text/plain")

    assert response.json["POST"] == []


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\ada\\notes.txt", "notes.txt"),
        ("/absolute/path.txt", "path.txt"),
        ("..", "upload"),
        ("../", "upload"),
        (".htaccess", "htaccess"),
        ("a\x00b\r\n.txt", "ab.txt"),
        ('what?<is>"this"|*.txt', "whatisthis.txt"),
        ("  spaced  .txt ", "spaced  .txt"),
        ("e\u0301te\u0301.txt", "été.txt"),
        ("x" * 300, "x" * 255),
        ("", ""),
    ],
)
def test_safe_filename(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="%+"), max_size=40),
    st.integers(min_value=1, max_value=8),
)
def test_fields_without_escapes_split_exactly_as_parse_qsl_does(text: str, max_fields: int) -> None:
    expected: list[tuple[str, str]] | None
    try:
        expected = parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=max_fields, separator="&"
        )
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(errors.PayloadTooLarge):
            parse_urlencoded(text.encode("utf-8"), max_fields)
    else:
        assert parse_urlencoded(text.encode("utf-8"), max_fields) == expected


def test_an_urlencoded_media_type_in_capitals_is_still_a_form() -> None:
    status, body = call(
        form_app(),
        body=RecordingInput(b"a=1"),
        content_length="3",
        content_type="Application/X-WWW-Form-URLEncoded; charset=UTF-8",
    )

    assert status == 200
    assert b'"POST":[["a","1"]]' in body
