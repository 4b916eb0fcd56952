"""Content negotiation: whether a client would rather read JSON than HTML.

The App answers errors in JSON to clients that prefer it (see ``App.error_response``);
``Request.json`` reads a body only when its media type is JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webob.acceptparse import create_accept_header

__all__ = ["is_json_media_type", "media_type", "prefers_json"]

# The two answers an error can take, JSON first: it wins a tie only when the body is JSON.
_OFFERS = ("application/json", "text/html")


def prefers_json(environ: Mapping[str, Any]) -> bool:
    """Whether the client would rather read JSON than HTML (an error page, say).

    By the quality values of ``Accept`` for ``application/json`` and ``text/html``; when they
    tie (``*/*``, or no ``Accept`` at all), by whether the request body is JSON.
    """
    accept = environ.get("HTTP_ACCEPT")
    if not accept or accept == "*/*":
        # PERF(S5): no preference (curl's */*, or no Accept) and no body: two lookups.
        content_type: str = environ.get("CONTENT_TYPE") or ""
        return bool(content_type) and is_json_media_type(media_type(content_type))
    # PERF(S5): an Accept that never names JSON and either has no wildcard or names text/html
    # first (at q=1, as browsers do) is answered without parsing it.
    if "json" not in accept and (accept[:10] == "text/html," or "*" not in accept):
        return False
    qualities = dict(create_accept_header(accept).acceptable_offers(_OFFERS))
    json_quality, html_quality = (qualities.get(offer, 0.0) for offer in _OFFERS)
    if json_quality != html_quality:
        return bool(json_quality > html_quality)
    if not json_quality:
        return False  # neither is acceptable: the HTML page, as before
    return is_json_media_type(media_type(environ.get("CONTENT_TYPE", "")))


def media_type(content_type: str) -> str:
    """The media type of a ``Content-Type`` value, lower case and without parameters."""
    return content_type.partition(";")[0].strip().lower()


def is_json_media_type(media_type: str) -> bool:
    """Whether a media type (lower case, no parameters) is ``application/json`` or ``+json``."""
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )
