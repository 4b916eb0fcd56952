"""Content negotiation: the JSON-or-HTML choice of error answers, and JSON media types."""

from __future__ import annotations

import pytest
from webob.acceptparse import create_accept_header

from framework.negotiation import is_json_media_type, media_type, prefers_json


def prefers_json_parsing_always(accept: str, content_type: str) -> bool:
    """prefers_json without its PERF(S5) shortcut: every Accept parsed."""
    offers = dict(create_accept_header(accept).acceptable_offers(["application/json", "text/html"]))
    json_quality, html_quality = offers.get("application/json", 0), offers.get("text/html", 0)
    if json_quality != html_quality:
        return json_quality > html_quality
    return bool(json_quality) and is_json_media_type(media_type(content_type))


@pytest.mark.parametrize(
    "accept",
    [
        "*/*",
        "text/html",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
        "image/png",
        "text/plain, text/html;q=0.2",
        "application/xml",
    ],
)
@pytest.mark.parametrize(
    "content_type", ["", "application/json", "application/json; charset=utf-8", "text/plain"]
)
def test_the_shortcut_answers_as_the_full_parse(accept: str, content_type: str) -> None:
    environ = {"HTTP_ACCEPT": accept, "CONTENT_TYPE": content_type}

    assert prefers_json(environ) is prefers_json_parsing_always(accept, content_type)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/json", True),
        ("Application/JSON; charset=utf-8", True),
        ("application/vnd.api+json", True),
        ("text/json", False),
        ("", False),
    ],
)
def test_json_media_types(value: str, expected: bool) -> None:
    assert is_json_media_type(media_type(value)) is expected


def test_an_invalid_accept_header_counts_as_accepting_anything() -> None:
    assert prefers_json({"HTTP_ACCEPT": "a;;;json", "CONTENT_TYPE": "application/json"})
    assert not prefers_json({"HTTP_ACCEPT": "a;;;json"})
