"""Router unit tests: pattern validation, matching order and types, url_for, and properties."""

from __future__ import annotations

import itertools
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import parse
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from framework import App, View
from framework.routing import (
    URL_TYPES,
    CharRepeat,
    Match,
    Route,
    RouteError,
    Router,
    URLBuildError,
    URLType,
    _anchored_regex,
    _search,
)
from framework.testing import TestClient

# The router never calls its views, so plain classes (typed Any) stand in for View subclasses.
V: Any = type("V", (), {})
W: Any = type("W", (), {})


def make_router(*patterns: str) -> Router:
    """A router with each pattern registered under itself as its name."""
    router = Router()
    for pattern in patterns:
        router.add(pattern, V, name=pattern)
    return router


def matched(router: Router, path: str) -> tuple[str, dict[str, Any]] | None:
    """The matched route's name and params, or None."""
    match = router.match(path)
    if match is None:
        return None
    route, params = match
    return route.name, params


# Matching


def test_static_route_matches_exact_path_only() -> None:
    router = make_router("/", "/about")
    assert matched(router, "/") == ("/", {})
    assert matched(router, "/about") == ("/about", {})
    assert router.match("/about/") is None
    assert router.match("/abou") is None
    assert router.match("") is None


def test_match_returns_the_route_and_converted_params() -> None:
    router = Router()
    route = router.add("/users/{id:d}", V, name="user")
    match = router.match("/users/42")
    assert type(match) is tuple
    assert match == (route, {"id": 42})
    assert match[0] is route
    assert route == Route(
        pattern="/users/{id:d}",
        view=V,
        name="user",
        fields={"id": "d"},
        is_static=False,
        segments=route.segments,
        _url_literals=(),
        _url_types=(),
    )
    assert {route} == {router.route_named("user")}


def test_route_segments_split_the_pattern_at_its_literal_slashes() -> None:
    router = make_router("/files/{name}.{ext}/v{n:d}/", "/about")
    route = router.routes[1]
    assert [
        [part if isinstance(part, str) else (part.name, part.type.name) for part in segment]
        for segment in route.segments
    ] == [["files"], [("name", "str"), ".", ("ext", "str")], ["v", ("n", "d")], []]
    assert route.segments[2][1].type is URL_TYPES["d"]
    assert route.segments[1][0].type.regex != URL_TYPES["str"].regex  # narrowed: no "."
    assert router.routes[0].segments == (("about",),)


def test_url_types_state_their_own_facts() -> None:
    str_repeat, slug_repeat = URL_TYPES["str"].repeat, URL_TYPES["slug"].repeat
    assert str_repeat is not None and slug_repeat is not None
    for name in ("d", "int", "slug", "uuid"):
        within = URL_TYPES[name].within
        assert within is not None and str_repeat.includes(within)
        assert name == "slug" or slug_repeat.includes(within)
    assert not slug_repeat.includes(str_repeat)
    assert URL_TYPES["uuid"].repeat is None  # not one class repeated: compared by its within
    assert URL_TYPES["uuid"].fixed_length and not URL_TYPES["uuid"].narrowable
    assert [name for name, url_type in URL_TYPES.items() if url_type.spans_segments] == ["path"]
    assert URL_TYPES["slug"].may_contain("-") and not URL_TYPES["d"].may_contain("-")
    assert URL_TYPES["d"].matches("12") and not URL_TYPES["d"].matches("-1")
    custom = URLType("hex", "[0-9a-f]+", str)
    assert custom.may_contain("/") and not custom.spans_segments
    assert custom.repeat == CharRepeat.parse("[0-9a-f]+")
    assert URLType("pair", "[0-9]+/[0-9]+", str).spans_segments  # a "/" in its regex, as Werkzeug


@pytest.mark.parametrize(
    ("regex", "low", "high", "members", "excluded"),
    [
        ("[0-9]+", 1, None, "0123456789", None),
        ("[0-9]{1,5}", 1, 5, "0123456789", None),
        ("[a-c]{3}", 3, 3, "abc", None),
        ("[a-c]{2,}?", 2, None, "abc", None),
        ("x{,4}", 0, 4, "x", None),
        ("[a\\-c]*", 0, None, "a-c", None),  # an escaped "-" is no range
        ("[-a]", 1, 1, "-a", None),
        ("[]a]+", 1, None, "]a", None),
        ("\\.?", 0, 1, ".", None),
        ("[\\t ]+", 1, None, "\t ", None),
        ("[^/]+", 1, None, None, "/"),
        ("[^/.]*", 0, None, None, "/."),
        (".+", 1, None, None, ""),  # DOTALL, as the router compiles it: every character
        ("\\d+", 1, None, None, None),  # a class, but its characters are not listed
        ("[\\w.]+", 1, None, None, None),
        ("[\\x41]+", 1, None, None, None),  # escapes but \\n, \\t...: left to the regex
    ],
)
def test_a_regex_that_is_one_class_repeated_is_read_as_such(
    regex: str, low: int, high: int | None, members: str | None, excluded: str | None
) -> None:
    repeat = URLType("t", regex, str).repeat

    assert repeat is not None
    assert (repeat.min, repeat.max) == (low, high)
    assert repeat.members == (None if members is None else frozenset(members))
    assert repeat.excluded == (None if excluded is None else frozenset(excluded))
    for code in range(0x300):  # what the class says about a character, its regex says too
        char = chr(code)
        assert repeat.has(char) == bool(re.fullmatch(repeat.char, char, re.DOTALL))


@pytest.mark.parametrize(
    "regex",
    ["(?:a|b)", "[a-z]+(?:-[a-z]+)*", "[0-9]+/[0-9]+", "[a-z]{}", "[a-z]+(?!x)", "a|b"],
)
def test_a_regex_of_another_form_has_no_repeat(regex: str) -> None:
    assert URLType("t", regex, str).repeat is None


def test_repeats_include_by_class_and_length() -> None:
    def repeat(regex: str) -> CharRepeat:
        parsed = CharRepeat.parse(regex)
        assert parsed is not None
        return parsed

    assert repeat("[0-9]+").includes(repeat("[0-9]{1,4300}"))
    assert not repeat("[0-9]{1,4300}").includes(repeat("[0-9]+"))
    assert repeat("\\d+").includes(repeat("[0-9]+"))  # listed members tried on the regex
    assert not repeat("[0-9]+").includes(repeat("\\d+"))  # unproven
    assert repeat("[^/]+").includes(repeat("\\d+"))  # no "/" is a \d
    assert not repeat("[^/]+").includes(repeat(".+"))
    assert repeat("[^/]+").includes(repeat(".+").without("/"))
    assert repeat("[a-z]*").includes(repeat("[a-z]+")) and not repeat("[a-z]+").includes(
        repeat("[a-z]*")
    )


def test_a_custom_one_segment_type_with_the_regex_of_path_is_another_shape() -> None:
    router = Router()
    router.add_type("anything", ".+", str)  # no "/" in the regex: one segment
    router.add("/u/{a:anything}", View, name="one")
    router.add("/u/{p:path}", View, name="rest")  # not "the same paths"
    assert matched(router, "/u/a/b") == ("rest", {"p": "a/b"})
    assert matched(router, "/u/a") == ("one", {"a": "a"})


def test_matching_is_case_sensitive() -> None:
    router = make_router("/about", "/users/{id:d}", "/tags/{tag:slug}")
    assert router.match("/ABOUT") is None
    assert router.match("/Users/1") is None
    assert matched(router, "/tags/MiXed") == ("/tags/{tag:slug}", {"tag": "MiXed"})


def test_bare_field_matches_exactly_one_segment() -> None:
    router = make_router("/u/{name}")
    assert matched(router, "/u/a b.c") == ("/u/{name}", {"name": "a b.c"})
    assert matched(router, "/u/ü") == ("/u/{name}", {"name": "ü"})
    assert router.match("/u/a/b") is None
    assert router.match("/u/") is None


@pytest.mark.parametrize("type_name", ["d", "int"])
@pytest.mark.parametrize(
    "text", ["-1", "+1", " 1", "0x1f", "0b1", "0o7", "1.0", "1_000", "١٢", "", "1 "]
)
def test_int_types_reject_anything_but_ascii_digits(type_name: str, text: str) -> None:
    router = make_router(f"/n/{{id:{type_name}}}")
    assert router.match(f"/n/{text}") is None


@pytest.mark.parametrize("type_name", ["d", "int"])
def test_int_types_convert_ascii_digits(type_name: str) -> None:
    router = make_router(f"/n/{{id:{type_name}}}")
    assert matched(router, "/n/0") == (f"/n/{{id:{type_name}}}", {"id": 0})
    assert matched(router, "/n/007") == (f"/n/{{id:{type_name}}}", {"id": 7})


def test_int_longer_than_4300_digits_is_not_a_match() -> None:
    router = make_router("/n/{id:d}", "/n/{text}")
    assert matched(router, "/n/" + "9" * 4300) == ("/n/{id:d}", {"id": int("9" * 4300)})
    assert matched(router, "/n/" + "9" * 4301) == ("/n/{text}", {"text": "9" * 4301})


def test_slug_type() -> None:
    router = make_router("/tags/{tag:slug}")
    assert matched(router, "/tags/a-b_C9") == ("/tags/{tag:slug}", {"tag": "a-b_C9"})
    for text in ["a.b", "a b", "é", "a%20"]:
        assert router.match(f"/tags/{text}") is None


def test_uuid_type_accepts_canonical_form_in_any_case() -> None:
    router = make_router("/things/{key:uuid}")
    key = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
    for text in [str(key), str(key).upper()]:
        assert matched(router, f"/things/{text}") == ("/things/{key:uuid}", {"key": key})
    for text in [key.hex, f"{{{key}}}", key.urn, str(key)[:-1], str(key) + "0"]:
        assert router.match(f"/things/{text}") is None


def test_path_type_spans_segments() -> None:
    router = make_router("/files/{file:path}/raw", "/docs/{page:path}")
    assert matched(router, "/files/a/b.txt/raw") == ("/files/{file:path}/raw", {"file": "a/b.txt"})
    assert matched(router, "/docs/a/b/") == ("/docs/{page:path}", {"page": "a/b/"})
    assert router.match("/docs/") is None


def test_literal_braces_in_patterns() -> None:
    router = make_router("/{{literal}}", "/set/{{{item}}}")
    assert matched(router, "/{literal}") == ("/{{literal}}", {})
    assert matched(router, "/set/{x}") == ("/set/{{{item}}}", {"item": "x"})
    assert router.url_for("/set/{{{item}}}", item="y") == "/set/%7By%7D"


def test_non_ascii_literal_text_matches_decoded_path() -> None:
    router = make_router("/café/{item}")
    assert matched(router, "/café/thé") == ("/café/{item}", {"item": "thé"})
    assert router.url_for("/café/{item}", item="thé") == "/caf%C3%A9/th%C3%A9"


def test_trailing_newline_is_not_matched() -> None:
    router = make_router("/about", "/users/{id:d}")
    assert router.match("/about\n") is None
    assert router.match("/users/5\n") is None


# Order


def test_static_route_wins_over_parameterised_registered_earlier() -> None:
    router = make_router("/users/{name}", "/users/new")
    assert matched(router, "/users/new") == ("/users/new", {})
    assert matched(router, "/users/old") == ("/users/{name}", {"name": "old"})


def test_the_more_literal_route_wins_segment_by_segment() -> None:
    router = make_router("/{lang}/about", "/en/{page}", "/en/{page:slug}x", "/{a}/{b}/{c}")
    router.add("/{name:path}/edit", V, name="edit")
    assert matched(router, "/en/about") == ("/en/{page}", {"page": "about"})  # first segment
    assert matched(router, "/de/about") == ("/{lang}/about", {"lang": "de"})
    assert matched(router, "/en/ax") == ("/en/{page}", {"page": "ax"})  # both: fields, order
    assert matched(router, "/x/y/edit") == ("edit", {"name": "x/y"})  # third segment
    assert matched(router, "/x/y/z") == ("/{a}/{b}/{c}", {"a": "x", "b": "y", "c": "z"})
    reverse = make_router("/en/{page}", "/{lang}/about")
    assert matched(reverse, "/en/about") == ("/en/{page}", {"page": "about"})


def test_the_first_registered_wins_between_routes_as_literal() -> None:
    router = make_router("/p/{id:d}", "/p/{name}", "/q/{name}", "/q/{id:d}")
    assert matched(router, "/p/12") == ("/p/{id:d}", {"id": 12})
    assert matched(router, "/p/x") == ("/p/{name}", {"name": "x"})
    assert matched(router, "/q/12") == ("/q/{name}", {"name": "12"})
    mixed = make_router("/f/{name}.{ext}", "/f/{name}", "/f/{p:path}")
    assert matched(mixed, "/f/a.b") == ("/f/{name}.{ext}", {"name": "a", "ext": "b"})
    assert matched(mixed, "/f/a") == ("/f/{name}", {"name": "a"})
    assert matched(mixed, "/f/a/b") == ("/f/{p:path}", {"p": "a/b"})


def test_a_literal_segment_beats_a_field_whatever_follows() -> None:
    router = make_router("/{a}/x/y", "/a/{b}/{c}", "/{p:path}/y")
    assert matched(router, "/a/x/y") == ("/a/{b}/{c}", {"b": "x", "c": "y"})
    assert matched(router, "/b/x/y") == ("/{a}/x/y", {"a": "b"})
    assert matched(router, "/b/z/y") == ("/{p:path}/y", {"p": "b/z"})
    # A mixed segment is matched with a field, a literal one is not.
    files = make_router("/files/{name}.txt", "/files/readme.{ext}", "/files/readme.txt/{x}")
    assert matched(files, "/files/readme.txt") == ("/files/{name}.txt", {"name": "readme"})
    files.add("/files/readme.txt", V, name="static")
    assert matched(files, "/files/readme.txt") == ("static", {})


def test_routes_lists_static_routes_then_registration_order() -> None:
    router = make_router("/{x}", "/a/{y}", "/b", "/{z}/c", "/a")
    assert [route.pattern for route in router.routes] == ["/b", "/a", "/{x}", "/a/{y}", "/{z}/c"]
    assert [route.is_static for route in router.routes] == [True, True, False, False, False]


def test_route_fields_give_user_facing_type_names_in_pattern_order() -> None:
    router = make_router("/{b}/{a:int}/{c:d}/{d:path}")
    assert list(router.routes[0].fields.items()) == [
        ("b", "str"),
        ("a", "int"),
        ("c", "d"),
        ("d", "path"),
    ]


def test_a_converter_value_error_tries_the_next_route() -> None:
    def even(text: str) -> int:
        if int(text) % 2:
            raise ValueError("odd")
        return int(text)

    router = Router()
    router.add_type("even", "[0-9]+", even)
    router.add("/n/{number:even}", V, name="even")
    router.add("/n/{number:d}", V, name="int")
    router.add("/n/{text}", V, name="text")
    router.add("/m/{number:even}/{rest:path}", V, name="even rest")
    router.add("/m/{rest:path}", V, name="rest")
    assert matched(router, "/n/4") == ("even", {"number": 4})
    assert matched(router, "/n/3") == ("int", {"number": 3})
    assert matched(router, "/n/x") == ("text", {"text": "x"})
    assert matched(router, "/m/4/a") == ("even rest", {"number": 4, "rest": "a"})
    assert matched(router, "/m/3/a") == ("rest", {"rest": "3/a"})


def test_any_other_converter_error_propagates() -> None:
    def broken(text: str) -> int:
        raise RuntimeError("a bug in the converter")

    router = Router()
    router.add_type("broken", "[0-9]+", broken)
    router.add("/n/{number:broken}", V, name="broken")
    router.add("/n/{text}", V, name="text")
    with pytest.raises(RuntimeError, match="a bug in the converter"):
        router.match("/n/4")
    assert matched(router, "/n/x") == ("text", {"text": "x"})


def test_untyped_fields_do_not_backtrack_across_slashes() -> None:
    # Fields matching across "/" would make this take minutes; one-segment fields answer at once.
    router = make_router("/a/{x}/{y}/{z}/end")
    assert router.match("/a/" + "/" * 8000) is None
    assert router.match("/a" + "/x" * 4000) is None


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("/f/{a}.{b}/x", "/f/" + "." * 8000 + "/y"),
        ("/{a}.{b}.{c}", "/" + "." * 8000 + "/y"),
        ("/{a}.{b}.{c}", "/" + "a." * 4000 + "/y"),
        ("/f/{p:path}.{ext}", "/f/" + "." * 8000 + "/y"),
        ("/f/{p:path}.{a}.{b}", "/f/" + "./" * 4000 + "y"),
        ("/f/{a:slug}-{b:slug}-{c:slug}", "/f/" + "-" * 8000 + "!"),
        ("/f/{a:d}0{b:d}0{c:d}", "/f/" + "0" * 8000 + "!"),
        ("/f/{a}-{b:slug}-{c:d}", "/f/" + "-1" * 4000 + "!"),
    ],
)
def test_fields_sharing_a_segment_do_not_backtrack(pattern: str, path: str) -> None:
    # Trying every split of these would take seconds to hours; a hang here is the failure.
    assert make_router(pattern).match(path) is None


def test_no_combination_of_built_in_types_backtracks() -> None:
    # Three fields of built-in types in one segment, on 8,000 characters of separators and type
    # characters: a pattern that backtracks over them makes this hang.
    types = ["", ":slug", ":d", ":path", ":uuid"]
    for (a, b, c), (first, second) in itertools.product(
        itertools.product(types, repeat=3), itertools.product([".", "-", "0"], repeat=2)
    ):
        try:
            router = make_router(f"/f/{{a{a}}}{first}{{b{b}}}{second}{{c{c}}}/x")
        except RouteError:  # two path fields
            continue
        for unit in {first, second, first + "a", second + "0", first + second + "/"}:
            hostile = "/f/" + unit * (8000 // len(unit))
            assert router.match(hostile + "/y") is None  # the pattern ends in /x
            router.match(hostile + "!/x")  # may match or not; it must only finish


def test_a_field_ends_at_the_first_separator_when_more_could_follow() -> None:
    router = make_router(
        "/{name}.{ext}",
        "/p/{p:path}.{ext}",
        "/s/{a:slug}-{b:slug}",
        "/t/{a}.{b}.{c}",
        "/n/{a:d}0{b:d}.txt",
    )
    assert matched(router, "/archive.tar.gz") == (
        "/{name}.{ext}",
        {"name": "archive", "ext": "tar.gz"},
    )
    assert matched(router, "/p/a.b/c.tar.gz") == (
        "/p/{p:path}.{ext}",
        {"p": "a.b/c", "ext": "tar.gz"},
    )
    assert matched(router, "/s/a-b-c") == ("/s/{a:slug}-{b:slug}", {"a": "a", "b": "b-c"})
    assert matched(router, "/t/w.x.y.z") == ("/t/{a}.{b}.{c}", {"a": "w", "b": "x", "c": "y.z"})
    assert matched(router, "/n/1000.txt") == ("/n/{a:d}0{b:d}.txt", {"a": 1, "b": 0})
    assert router.match("/.tar.gz") is None  # the name would be empty
    assert router.match("/p/a/.gz") is None  # so would the path's last segment


def test_a_field_keeps_its_type_when_only_one_split_can_match() -> None:
    key = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
    router = make_router(
        "/{name}.html",
        "/posts/{title:slug}-{id:d}",
        "/k/{title}-{key:uuid}",
        "/src/{file:path}.{ext:slug}",
        "/v/{version}.{patch:d}",
        "/t/{a}.{b:d}.txt",
        "/n/{a:d}0.txt",
    )
    assert matched(router, "/a.b.html") == ("/{name}.html", {"name": "a.b"})
    assert matched(router, "/posts/my-first-post-42") == (
        "/posts/{title:slug}-{id:d}",
        {"title": "my-first-post", "id": 42},
    )
    assert matched(router, f"/k/a-b-{key}") == (
        "/k/{title}-{key:uuid}",
        {"title": "a-b", "key": key},
    )
    assert matched(router, "/src/a.b/c.d.py") == (
        "/src/{file:path}.{ext:slug}",
        {"file": "a.b/c.d", "ext": "py"},
    )
    assert matched(router, "/v/1.2.3") == ("/v/{version}.{patch:d}", {"version": "1.2", "patch": 3})
    assert matched(router, "/n/1000.txt") == ("/n/{a:d}0.txt", {"a": 100})
    assert matched(router, "/t/a.b.1.txt") == ("/t/{a}.{b:d}.txt", {"a": "a.b", "b": 1})


def test_narrowing_keeps_type_names_and_duplicate_detection() -> None:
    router = make_router("/u/{a}.{b}", "/u/{a}.{b:d}", "/n/{a:d}0{b}")
    assert router.route_named("/u/{a}.{b}").fields == {"a": "str", "b": "str"}
    assert matched(router, "/u/x.y.1") == ("/u/{a}.{b}", {"a": "x", "b": "y.1"})
    reverse = make_router("/u/{a}.{b:d}", "/u/{a}.{b}")
    assert matched(reverse, "/u/x.y.1") == ("/u/{a}.{b:d}", {"a": "x.y", "b": 1})
    with pytest.raises(RouteError, match=r"same paths as route '/u/\{a\}\.\{b\}'"):
        router.add("/u/{x:str}.{y}", V, name="second")
    with pytest.raises(RouteError, match=r"same paths as route '/n/\{a:d\}0\{b\}'"):
        router.add("/n/{x:int}0{y}", V, name="second")


def test_custom_types_are_not_narrowed() -> None:
    router = Router()
    router.add_type("segment", "[^/]+", str)
    router.add("/c/{a:segment}.{b}", V, name="custom")
    router.add("/s/{a}.{b:segment}", V, name="before custom")
    assert matched(router, "/c/x.y.z") == ("custom", {"a": "x.y", "b": "z"})
    assert matched(router, "/s/x.y.z") == ("before custom", {"a": "x", "b": "y.z"})
    assert router.url_for("custom", a="x.y", b="z") == "/c/x.y.z"


@pytest.mark.parametrize("prefix", ["/api", "/{lang}"])
def test_routes_sharing_a_prefix_are_one_lookup_per_segment(prefix: str) -> None:
    router = Router()
    for index in range(1000):
        router.add(f"{prefix}/r{index}/{{id:d}}", V, name=f"r{index}")
    lang = {"lang": "en"} if prefix == "/{lang}" else {}
    path = "/en" if lang else "/api"
    assert matched(router, f"{path}/r0/7") == ("r0", {**lang, "id": 7})
    assert matched(router, f"{path}/r999/7") == ("r999", {**lang, "id": 7})
    assert router.match(f"{path}/zz/7") is None
    # One node per segment: the 1,000 routes are 1,000 keys of one dict, not a list to scan.
    top = router._root.literals[""]
    top = top.literals["api"] if not lang else top.fields[0].node
    assert len(top.literals) == 1000 and not top.fields and not top.tails
    assert all(len(node.fields) == 1 for node in top.literals.values())


def test_fields_that_match_alike_share_one_segment_of_the_index() -> None:
    router = make_router("/{lang}/a", "/{country}/b", "/{n:d}/c", "/{m:int}/d", "/x{a}/e")
    assert len(router._root.literals[""].fields) == 3  # {lang}/{country}, {n:d}/{m:int}, x{a}
    assert matched(router, "/en/b") == ("/{country}/b", {"country": "en"})
    assert matched(router, "/7/d") == ("/{m:int}/d", {"m": 7})


@pytest.mark.parametrize("type_name", ["str", "d", "int"])
def test_whole_segment_fields_checked_without_their_regex_match_as_it_would(
    type_name: str,
) -> None:
    # PERF(S2) in the index: {name}, {id:d} and {id:int} alone in a segment skip their regex.
    router = make_router(f"/u/{{x:{type_name}}}", f"/v/{{x:{type_name}}}.x")
    top = router._root.literals[""]
    fast, slow = top.literals["u"].fields[0], top.literals["v"].fields[0]
    assert fast.match is None and slow.match is not None
    texts = ["a", "", " ", "é", "a.b", "%2F", "\n", "\x00", "0", "007", "-1", "+1", "1 ", "١٢"]
    for text in [*texts, "²", "0x1", "9" * 4300, "9" * 4301]:
        expected = slow.values(text + ".x")
        assert fast.values(text) == expected
        assert matched(router, f"/u/{text}") == (
            None if expected is None else (f"/u/{{x:{type_name}}}", {"x": expected[0]})
        )


def test_anchored_regex_agrees_with_parser() -> None:
    @parse.with_pattern("[0-9]+")
    def digits(string: str) -> str:
        return string

    parser = parse.compile("/u/{name}/{id:digits}.{ext}", {"digits": digits}, case_sensitive=True)
    regex = _anchored_regex(parser)
    assert regex.pattern.startswith(r"\A") and regex.pattern.endswith(r"\Z")
    for path in ["/u/a/12.txt", "/u/a/b/12.tar.gz", "/u/a/x.txt", "/U/a/1.t", "/u/a/1.t/"]:
        result = parser.parse(path)
        found = regex.match(path)
        assert (found and found.groupdict()) == (result and result.named)


# Registration errors


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("users/{id:d}", "must start with '/'"),
        ("", "must start with '/'"),
        ("/x/{id:zz}", "unknown type 'zz'"),
        ("/x/{}", "must be named"),
        ("/x/{:d}", "must be named"),
        ("/x/{0}", "identifier"),
        ("/x/{user-id}", "identifier"),
        ("/x/{a.b}", "identifier"),
        ("/x/{c[d]}", "identifier"),
        ("/x/{a!r}", "identifier"),
        ("/x/{_a}", "identifier"),
        ("/x/{ﬁle}", "identifier"),
        ("/x/{id:>d}", "format specs are not supported"),
        ("/x/{id:3d}", "format specs are not supported"),
        ("/x/{id:}", "unknown type ''"),
        ("/x/{a}/{a}", "repeated"),
        ("/x/{a}/{a:d}", "repeated"),
        ("/x/{a}{b}", "literal text between"),
        ("/x/{a:d}{b:slug}", "literal text between"),
        ("/x/{a:path}/{b:path}", "one path field"),
        ("/x/{", "unmatched brace"),
        ("/x}", "unmatched brace"),
    ],
)
def test_invalid_patterns_are_rejected(pattern: str, message: str) -> None:
    with pytest.raises(RouteError, match=re.escape(message)):
        make_router(pattern)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/u/{a:d}", "/u/{a:d}"),
        ("/u/{a:d}", "/u/{b:d}"),
        ("/u/{a:d}", "/u/{b:int}"),
        ("/u/{a}", "/u/{b:str}"),
        ("/about", "/about"),
    ],
)
def test_same_pattern_twice_names_both_routes(first: str, second: str) -> None:
    router = Router()
    router.add(first, V, name="first")
    with pytest.raises(RouteError) as error:
        router.add(second, W, name="second")
    for text in (repr(first), repr(second), "'first'", "'second'"):
        assert text in str(error.value)


def test_one_name_for_two_patterns_names_both_routes() -> None:
    router = Router()
    router.add("/a", V, name="page")
    with pytest.raises(RouteError, match=r"'/b' \(name 'page'\).*'/a' \(name 'page'\)"):
        router.add("/b", V, name="page")
    with pytest.raises(RouteError, match=r"'/a' \(name 'page'\).*'/a' \(name 'page'\)"):
        router.add("/a", V, name="page")
    assert [route.pattern for route in router.routes] == ["/a"]


def test_different_types_in_the_same_place_are_not_duplicates() -> None:
    router = make_router("/u/{id:d}", "/u/{name}", "/u/{slug:slug}/x", "/u/{name}/x")
    assert matched(router, "/u/1") == ("/u/{id:d}", {"id": 1})
    assert matched(router, "/u/a.b/x") == ("/u/{name}/x", {"name": "a.b"})


# Custom types


def test_custom_type_matches_and_builds() -> None:
    router = Router()
    router.add_type("hex", "[0-9a-f]+", lambda text: int(text, 16), lambda value: f"{value:x}")
    router.add("/colors/{color:hex}", V, name="color")
    assert matched(router, "/colors/ff") == ("color", {"color": 255})
    assert router.match("/colors/FF") is None  # patterns are case-sensitive, custom ones too
    assert router.url_for("color", color=255) == "/colors/ff"
    assert router.routes[0].fields == {"color": "hex"}
    with pytest.raises(URLBuildError, match="'hex'"):
        router.url_for("color", color=-1)


def test_a_custom_type_matches_in_one_segment_unless_its_regex_has_a_slash() -> None:
    router = Router()
    router.add_type("anything", ".+", str)
    router.add_type("pair", "[0-9]+/[0-9]+", str)
    router.add("/a/{x:anything}", V, name="anything")
    router.add("/p/{x:pair}/{y:pair}/end", V, name="pairs")
    router.add("/p/{x:pair}/{rest:path}", V, name="pair and path")
    assert matched(router, "/a/x.y z") == ("anything", {"x": "x.y z"})
    assert router.match("/a/x/y") is None
    assert matched(router, "/p/1/2/3/4/end") == ("pairs", {"x": "1/2", "y": "3/4"})
    # Both match with fields only in every segment: the first registered wins.
    assert matched(router, "/p/1/2/3/4/x") == ("pair and path", {"x": "1/2", "rest": "3/4/x"})
    assert router.url_for("pairs", x="1/2", y="3/4") == "/p/1/2/3/4/end"


def test_custom_types_are_per_router() -> None:
    router = Router()
    router.add_type("hex", "[0-9a-f]+", str)
    assert "hex" not in URL_TYPES
    with pytest.raises(RouteError, match="unknown type 'hex'"):
        make_router("/c/{color:hex}")


@pytest.mark.parametrize(
    ("name", "regex", "message"),
    [
        ("d", "[0-9]+", "already exists"),
        ("path", ".+", "already exists"),
        ("bad", "(", "bad regex"),
        ("flags", "a(?i)b", "bad regex"),
        ("group", "([a-z]+)-x", "(?:...)"),
        ("named", "(?P<x>a)", "(?:...)"),
        ("not-a-name", "a", "not an identifier"),
    ],
)
def test_bad_custom_types_are_rejected(name: str, regex: str, message: str) -> None:
    router = Router()
    router.add_type("hex", "[0-9a-f]+", str)
    with pytest.raises(RouteError, match=re.escape(message)):
        router.add_type(name, regex, str)
    with pytest.raises(RouteError, match="already exists"):
        router.add_type("hex", "[0-9a-f]+", str)


# url_for


def test_url_for_builds_static_and_parameterised_urls() -> None:
    router = make_router("/", "/users/{id:d}/posts/{slug:slug}", "/things/{key:uuid}")
    key = uuid.uuid4()
    assert router.url_for("/") == "/"
    assert (
        router.url_for("/users/{id:d}/posts/{slug:slug}", id=3, slug="a-b") == "/users/3/posts/a-b"
    )
    assert router.url_for("/things/{key:uuid}", key=key) == f"/things/{key}"
    assert (
        router.url_for("/things/{key:uuid}", key=str(key).upper()) == f"/things/{str(key).upper()}"
    )


def test_url_for_percent_encodes_values() -> None:
    router = make_router("/u/{name}", "/files/{file:path}")
    assert router.url_for("/u/{name}", name="a b?c#d%e") == "/u/a%20b%3Fc%23d%25e"
    assert router.url_for("/u/{name}", name="é€") == "/u/%C3%A9%E2%82%AC"
    assert router.url_for("/files/{file:path}", file="a b/c?.txt") == "/files/a%20b/c%3F.txt"


def test_url_for_accepts_a_field_called_name() -> None:
    router = Router()
    router.add("/u/{name}", V, name="user")
    assert router.url_for("user", name="bob") == "/u/bob"


def test_url_for_unknown_name_suggests_known_names() -> None:
    router = make_router("/a", "/b")
    router.add("/users", V, name="users")
    with pytest.raises(URLBuildError, match=r"no route is named 'user'.*'users'"):
        router.url_for("user")
    with pytest.raises(URLBuildError, match=r"no route is named 'zzz'.*'/a', '/b', 'users'"):
        router.route_named("zzz")
    with pytest.raises(URLBuildError, match="no route is named 'x'$"):
        Router().url_for("x")


def test_url_for_names_missing_and_extra_params() -> None:
    router = Router()
    router.add("/u/{id:d}/{tab}", V, name="user")
    with pytest.raises(
        URLBuildError, match=r"'user' \(/u/\{id:d\}/\{tab\}\): missing parameters tab$"
    ):
        router.url_for("user", id=1)
    with pytest.raises(URLBuildError, match="missing parameters id, tab; unexpected parameters x"):
        router.url_for("user", x=1)


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        ("/u/{id:d}", -1),
        ("/u/{id:d}", 1.5),
        ("/u/{id:d}", True),
        ("/u/{id:d}", "0x1"),
        ("/u/{name}", "a/b"),
        ("/u/{name}", ""),
        ("/u/{name}", "."),
        ("/u/{name}", ".."),
        ("/u/{tag:slug}", "a b"),
        ("/u/{key:uuid}", "not-a-uuid"),
        ("/f/{file:path}", "a//b"),
        ("/f/{file:path}", "/a"),
        ("/f/{file:path}", "a/"),
        ("/f/{file:path}", "./a"),
        ("/f/{file:path}", "a/../b"),
        ("/f/{file:path}", ".."),
        ("/f/{file:path}", ""),
        ("/u/{name}", "\ud800"),
    ],
)
def test_url_for_rejects_values_the_route_would_not_match(pattern: str, value: Any) -> None:
    router = make_router(pattern)
    field_name, type_name = next(iter(router.routes[0].fields.items()))
    with pytest.raises(URLBuildError) as error:
        router.url_for(pattern, **{field_name: value})
    for text in (repr(field_name), repr(type_name), repr(value)):
        assert text in str(error.value)


def test_url_for_reports_a_failing_format() -> None:
    router = Router()
    router.add_type("hex", "[0-9a-f]+", str, lambda value: f"{value:x}")
    router.add("/c/{color:hex}", V, name="color")
    with pytest.raises(
        URLBuildError, match="'color' of type 'hex' cannot format str value: Unknown"
    ):
        router.url_for("color", color="red")
    with pytest.raises(URLBuildError, match="'id' of type 'int' cannot format int value: Exceeds"):
        make_router("/n/{id:int}").url_for("/n/{id:int}", id=10**4301)


# Properties

URL_SPECIAL = st.sampled_from(["%", "%41", "%2F", "?", "#", " ", ".", "+", "&", "é", "€", "😀"])
SEGMENT = (
    st.lists(st.one_of(URL_SPECIAL, st.characters(codec="utf-8")), min_size=1)
    .map("".join)
    .filter(lambda text: "/" not in text and text not in (".", ".."))
)
PATH_VALUE = st.lists(SEGMENT, min_size=1, max_size=4).map("/".join)
SLUG = st.from_regex(r"[A-Za-z0-9_-]+", fullmatch=True)
ROUND_TRIP_PARAMS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "/users/{name}": {"name": SEGMENT},
    "/posts/{post:d}/comments/{comment:int}": {
        "post": st.integers(min_value=0),
        "comment": st.integers(min_value=0, max_value=10**30),
    },
    "/tags/{tag:slug}": {"tag": SLUG},
    "/things/{key:uuid}": {"key": st.uuids()},
    "/files/{file:path}/raw": {"file": PATH_VALUE},
    "/dl/{stem}.{ext:slug}": {"stem": SEGMENT, "ext": st.from_regex(r"[a-z0-9]+", fullmatch=True)},
    "/~{user}/profile": {"user": SEGMENT},
    "/colors/{color:hex}": {"color": st.integers(min_value=0)},
    "/{lang}/": {"lang": SEGMENT.filter(lambda text: not text.startswith("~"))},
    "/café/ü": {},
    # Several fields in a segment: narrowed where a split is ambiguous, else left as they are.
    "/archive/{stem}.{ext}": {"stem": SEGMENT.filter(lambda text: "." not in text), "ext": SEGMENT},
    "/pair/{a:slug}-{b:slug}": {"a": SLUG.filter(lambda text: "-" not in text), "b": SLUG},
    "/raw/{file:path}.{ext}": {
        "file": PATH_VALUE.filter(lambda text: "." not in text.rsplit("/", 1)[-1]),
        "ext": SEGMENT,
    },
    "/v/{major:d}.{minor:d}.{rest}": {
        "major": st.integers(min_value=0),
        "minor": st.integers(min_value=0),
        "rest": SEGMENT,
    },
    "/posts/{title:slug}-{id:d}": {"title": SLUG, "id": st.integers(min_value=0)},
    "/k/{title}-{key:uuid}": {"title": SEGMENT, "key": st.uuids()},
    "/src/{file:path}.{ext:slug}": {"file": PATH_VALUE, "ext": SLUG},
}
ROUND_TRIP_CASES = st.sampled_from(sorted(ROUND_TRIP_PARAMS)).flatmap(
    lambda pattern: st.tuples(st.just(pattern), st.fixed_dictionaries(ROUND_TRIP_PARAMS[pattern]))
)


@settings(max_examples=300, deadline=None)
@given(ROUND_TRIP_CASES)
def test_url_for_round_trips_through_match(case: tuple[str, dict[str, Any]]) -> None:
    pattern, params = case
    router = Router()
    router.add_type("hex", "[0-9a-f]+", lambda text: int(text, 16), lambda value: f"{value:x}")
    for each in ROUND_TRIP_PARAMS:
        router.add(each, V, name=each)
    url = router.url_for(pattern, **params)
    assert url.isascii()
    assert matched(router, unquote(url)) == (pattern, params)


def test_url_for_refuses_values_a_narrowed_field_cannot_hold() -> None:
    router = make_router("/{a}.{b}", "/p/{p:path}.{ext}", "/s/{a:slug}-{b}", "/n/{a:d}0{b}")
    cases: list[tuple[str, dict[str, Any]]] = [
        ("/{a}.{b}", {"a": "x.y", "b": "z"}),
        ("/p/{p:path}.{ext}", {"p": "a/b.c", "ext": "z"}),
        ("/p/{p:path}.{ext}", {"p": "a/", "ext": "z"}),
        ("/s/{a:slug}-{b}", {"a": "x-y", "b": "z"}),
        ("/n/{a:d}0{b}", {"a": 10, "b": "z"}),
    ]
    for name, params in cases:
        with pytest.raises(URLBuildError, match="does not accept"):
            router.url_for(name, **params)
    assert router.url_for("/{a}.{b}", a="x", b="y.z") == "/x.y.z"
    assert router.url_for("/p/{p:path}.{ext}", p="a.b/c", ext="d.e") == "/p/a.b/c.d.e"
    assert router.url_for("/n/{a:d}0{b}", a=19, b="0") == "/n/1900"


def _even(text: str) -> int:
    if int(text) % 2:
        raise ValueError("odd")
    return int(text)


# The reference router: each route compiled by parse on its own, with types stated again here.
REFERENCE_TYPES: dict[str, tuple[str, Any]] = {  # type: (regex, conversion)
    "str": (r"[^/]+", str),
    "d": (r"[0-9]+", int),
    "slug": (r"[A-Za-z0-9_-]+", str),
    "uuid": (
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        uuid.UUID,
    ),
    "path": (r".+", str),
    "even": (r"[0-9]+", _even),
    "pair": (r"[0-9]+/[0-9]+", str),  # a custom type whose regex has a "/": it spans segments
}
REFERENCE_CHARS = {"str": "[^/]", "d": "[0-9]", "slug": "[A-Za-z0-9_-]", "path": "."}
REFERENCE_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")


def reference_regex(pattern: str, field: re.Match[str]) -> str:
    """The regex of one field of ``pattern``, by the rule of routing._narrow_fields.

    A field of a built-in type but uuid, followed by ``stop`` in its segment, cannot contain
    ``stop`` if a later field in that segment can, unless all those later fields are uuids.
    """
    type_name = field[2] or "str"
    regex, _ = REFERENCE_TYPES[type_name]
    stop = pattern[field.end() : field.end() + 1]
    later = [
        later or "str" for _, later in REFERENCE_FIELD.findall(pattern[field.end() :].split("/")[0])
    ]

    def may_contain(type_name: str) -> bool:
        one = REFERENCE_CHARS.get(type_name, "[-0-9a-fA-F]" if type_name == "uuid" else ".")
        return re.fullmatch(one, stop, re.DOTALL) is not None

    if (
        type_name in REFERENCE_CHARS
        and may_contain(type_name)
        and any(map(may_contain, later))
        and not all(later_type == "uuid" for later_type in later)
    ):
        one = f"(?!{re.escape(stop)})" + (
            "[^/]" if type_name == "path" else REFERENCE_CHARS[type_name]
        )
        regex = f"(?:.*/)?(?:{one})+" if type_name == "path" else f"(?:{one})+"
    return regex


def reference_type(regex: str, convert: Callable[[str], Any]) -> Any:
    """A parse extra type (parse reads its regex from ``.pattern``)."""

    @parse.with_pattern(regex)
    def reference(string: str) -> Any:
        return convert(string)

    return reference


def reference_parser(route: Route) -> parse.Parser:
    """The route compiled by parse on its own, with its types stated again here."""
    text, types, done = "", {}, 0
    for index, field in enumerate(REFERENCE_FIELD.finditer(route.pattern)):
        convert = REFERENCE_TYPES[field[2] or "str"][1]
        types[f"ref{index}"] = reference_type(reference_regex(route.pattern, field), convert)
        text += route.pattern[done : field.start()] + f"{{{field[1]}:ref{index}}}"
        done = field.end()
    return parse.compile(text + route.pattern[done:], extra_types=types, case_sensitive=True)


def with_fields(path: str, spans: Iterable[tuple[int, int]]) -> list[bool]:
    """For each segment of ``path``, whether a field matched some of it (or nothing, in it)."""
    kinds = []
    start = 1
    for segment in path[1:].split("/"):
        end = start + len(segment)
        kinds.append(any(first <= end and last >= start for first, last in spans))
        start = end + 1
    return kinds


def reference_match(routes: list[Route], path: str) -> Match | None:
    """Try every route with parse's own Parser.parse, then apply the precedence rule literally.

    Walk the segments from the left: at the first one that one route matched with literal text
    only and the other with a field, the literal one wins; otherwise the first registered wins.
    """
    matches = []
    for order, route in enumerate(routes):
        try:
            result = reference_parser(route).parse(path)
        except ValueError:
            continue
        if result is not None:
            matches.append((order, route, result.named, with_fields(path, result.spans.values())))

    def beats(one: tuple[Any, ...], other: tuple[Any, ...]) -> bool:
        for one_field, other_field in zip(one[3], other[3], strict=True):
            if one_field != other_field:
                return other_field
        return bool(one[0] < other[0])

    winners = [
        one for one in matches if all(beats(one, other) for other in matches if other != one)
    ]
    assert len(winners) <= 1
    return (winners[0][1], winners[0][2]) if winners else None


# Segments of generated patterns; each @ becomes a field name.
SIMPLE_SEGMENTS = ["a", "b", "", "a.txt", "{@}", "{@:d}", "{@:slug}", "{@:even}", "x{@}", "{@}.txt"]
SIMPLE_SEGMENTS += ["{@:path}", "x{@:path}", "{@:path}.txt"]
MULTI_FIELD_SEGMENTS = ["{@}.{@}", "{@}.{@}.{@}", "{@:slug}-{@:d}", "{@:slug}-{@:slug}"]
MULTI_FIELD_SEGMENTS += ["{@}-{@:uuid}", "{@:path}.{@}", "{@:path}.{@:slug}", "{@:d}.{@}"]
MULTI_FIELD_SEGMENTS += ["{@:even}.{@}", "{@}.{@:even}", "{@:pair}", "x{@:pair}.{@}"]
PATTERN_SEGMENTS = st.sampled_from(SIMPLE_SEGMENTS + MULTI_FIELD_SEGMENTS)
KEY = "12345678-1234-1234-1234-123456789abc"
PATH_SEGMENTS = st.sampled_from(
    ["a", "b", "x", "8", "7", "-1", "xa", "7.txt", "a.txt", "", "a.b", "a.b.c", "a-8", f"a-{KEY}"]
)
FIELD_VALUES = st.sampled_from(
    ["a", "x", "8", "7", "-1", "a.txt", "", "a/8", "7/x/", "a.b", "a-b", "8-7", "a.8", "8/7", KEY]
)


def generated_pattern(segments: list[str]) -> str:
    """Join generated segments into a pattern, naming the fields f0, f1... in order."""
    names = (f"f{index}" for index in itertools.count())
    return "/" + re.sub("@", lambda _: next(names), "/".join(segments))


@settings(max_examples=400, deadline=None)
@given(
    tables=st.lists(st.lists(PATTERN_SEGMENTS, min_size=1, max_size=4), min_size=1, max_size=16),
    paths=st.lists(st.lists(PATH_SEGMENTS, min_size=1, max_size=3).map("/".join), max_size=20),
    data=st.data(),
)
def test_index_agrees_with_the_precedence_rule_applied_to_every_route(
    tables: list[list[str]], paths: list[str], data: st.DataObject
) -> None:
    router = Router()
    router.add_type("even", "[0-9]+", _even)
    router.add_type("pair", "[0-9]+/[0-9]+", str)
    registered = []
    for index, segments in enumerate(tables):
        try:
            registered.append(router.add(generated_pattern(segments), V, name=f"route{index}"))
        except RouteError as error:
            assert "same paths" in str(error) or "one path field" in str(error)
    assert router.routes == sorted(registered, key=lambda route: not route.is_static)
    # Paths filled in from the patterns, so that routes match and overlap often.
    for route in registered:
        paths.append(re.sub(r"\{[^}]*\}", lambda _: data.draw(FIELD_VALUES), route.pattern[1:]))
    for path in paths:
        match = router.match("/" + path)
        assert match == reference_match(registered, "/" + path)
        # PERF(S2, scaling): Router.match walks down without _search where the way is certain.
        found = _search(router._root, f"/{path}".split("/"), 0)
        searched = found and (found[2].route, dict(zip(found[2].names, found[3], strict=True)))
        assert match == searched or (match is not None and match[0].is_static)


VALUES: dict[str, st.SearchStrategy[Any]] = {
    "str": st.text("a.-0/é", min_size=1, max_size=6),
    "d": st.integers(min_value=0, max_value=10**6),
    "slug": st.text("a_0-.", min_size=1, max_size=6),
    "uuid": st.uuids(),
    "path": st.text("a.-0/", min_size=1, max_size=8),
    "even": st.integers(min_value=0, max_value=10**6).map(lambda number: 2 * number),
    "pair": st.from_regex(r"[0-9]{1,3}/[0-9]{1,3}", fullmatch=True),
}


@settings(max_examples=300, deadline=None)
@given(segments=st.lists(PATTERN_SEGMENTS, min_size=1, max_size=3), data=st.data())
def test_url_for_refuses_or_builds_a_url_that_routes_back(
    segments: list[str], data: st.DataObject
) -> None:
    router = Router()
    router.add_type("even", "[0-9]+", _even)
    router.add_type("pair", "[0-9]+/[0-9]+", str)
    try:
        route = router.add(generated_pattern(segments), V, name="route")
    except RouteError:
        assume(False)  # two path fields
    params = {name: data.draw(VALUES[type_name]) for name, type_name in route.fields.items()}
    try:
        url = router.url_for("route", **params)
    except URLBuildError:
        return
    assert matched(router, unquote(url)) == ("route", params)


# A real API's table: GitHub's REST API, registered in the order its client library lists it.

GITHUB_PATHS = [
    re.sub(r"\{([^}]+)\}", lambda field: "{" + field[1].replace("-", "_") + "}", line)
    for line in (Path(__file__).parent / "data" / "github_paths.txt").read_text().splitlines()
    if line and not line.startswith("#")
]


def github_router() -> tuple[Router, dict[str, str]]:
    """The GitHub table, and for each pattern the pattern that serves its paths."""
    router = Router()
    serves = {}
    for pattern in GITHUB_PATHS:
        try:
            serves[pattern] = router.add(pattern, V, name=pattern).pattern
        except RouteError as error:  # the same paths under another field name: the first wins
            serves[pattern] = re.findall(r"as route '([^']+)'", str(error))[0]
    return router, serves


def github_paths() -> list[str]:
    """Each pattern with "v1" for its fields, and with every literal word that routes sharing
    its first segment have at that position (the collisions a precedence rule must settle)."""
    words: dict[tuple[str, int], set[str]] = {}
    for pattern in GITHUB_PATHS:
        segments = pattern.split("/")
        for position, segment in enumerate(segments):
            if "{" not in segment:
                words.setdefault((segments[1], position), set()).add(segment)
    paths = []
    for pattern in GITHUB_PATHS:
        segments = pattern.split("/")
        paths.append(re.sub(r"\{\w+\}", "v1", pattern))
        for position, segment in enumerate(segments):
            for word in sorted(words.get((segments[1], position), ())) if "{" in segment else ():
                filled = [*segments[:position], word, *segments[position + 1 :]]
                paths.append(re.sub(r"\{\w+\}", "v1", "/".join(filled)))
    return paths


def test_the_github_table_sends_each_path_to_its_own_route() -> None:
    router, serves = github_router()
    assert len(GITHUB_PATHS) == 678 and len(router.routes) == 676
    assert GITHUB_PATHS[0] == "/orgs/{org}/actions/runners/{runner_id}/labels"
    for pattern in GITHUB_PATHS:
        names = re.findall(r"\{(\w+)\}", serves[pattern])
        path = re.sub(r"\{\w+\}", "v1", pattern)
        match = router.match(path)
        assert match is not None, path
        assert (match[0].pattern, match[1]) == (serves[pattern], dict.fromkeys(names, "v1")), path
    # The ones the issue found answered by the wrong view when only static routes came first.
    for path, pattern in [
        ("/repos/o/r/issues/comments", "/repos/{owner}/{repo}/issues/comments"),
        ("/repos/o/r/issues/7", "/repos/{owner}/{repo}/issues/{issue_number}"),
        ("/repos/o/r/releases/latest", "/repos/{owner}/{repo}/releases/latest"),
        ("/repos/o/r/check-suites/preferences", "/repos/{owner}/{repo}/check-suites/preferences"),
        ("/repos/o/r/compare/main...dev", "/repos/{owner}/{repo}/compare/{base}...{head}"),
        ("/repos/o/r/compare/main", "/repos/{owner}/{repo}/compare/{basehead}"),
    ]:
        assert matched(router, path)[0] == pattern  # type: ignore[index]


def test_the_github_table_routes_as_werkzeug_and_falcon_do() -> None:
    werkzeug_routing = pytest.importorskip("werkzeug.routing")
    werkzeug_exceptions = pytest.importorskip("werkzeug.exceptions")
    router, serves = github_router()
    rules = werkzeug_routing.Map(
        [
            werkzeug_routing.Rule(re.sub(r"\{(\w+)\}", r"<\1>", pattern), endpoint=pattern)
            for pattern in GITHUB_PATHS
        ]
    ).bind("api.github.com")
    paths = github_paths()
    assert len(paths) > 10_000
    for path in paths:
        try:
            flask_choice = serves[rules.match(path)[0]]
        except werkzeug_exceptions.NotFound:
            flask_choice = None
        match = router.match(path)
        assert (match and match[0].pattern) == flask_choice, path
    falcon_routing = pytest.importorskip("falcon.routing")
    falcon = falcon_routing.CompiledRouter()
    refused = []
    for pattern in GITHUB_PATHS:
        try:
            falcon.add_route(pattern, pattern)
        except ValueError:  # Falcon refuses other field names at the same place
            refused.append(pattern)
    assert len(refused) == 8
    for path in paths:
        found = falcon.find(path)
        match = router.match(path)
        if match is not None and match[0].pattern not in refused:
            assert found is not None and serves[found[0]] == match[0].pattern, path


# Hardening (#9): each of these registered or built before, and failed only on a request.


def test_url_for_refuses_none() -> None:
    router = make_router("/flob/{flub}", "/n/{id:d}", "/f/{file:path}")
    for name, field_name in [
        ("/flob/{flub}", "flub"),
        ("/n/{id:d}", "id"),
        ("/f/{file:path}", "file"),
    ]:
        with pytest.raises(URLBuildError, match=f"field {field_name!r} .* does not accept None"):
            router.url_for(name, **{field_name: None})


@pytest.mark.parametrize("literal", ["\t", "\n", "\r", "\x00", "\x1b", "\x7f"])
def test_a_literal_with_a_control_character_is_refused(literal: str) -> None:
    for pattern in [f"/a{literal}b", f"/a{literal}/{{id:d}}", f"/{{name}}.{literal}"]:
        with pytest.raises(RouteError, match=re.escape(f"control character {literal!r}")):
            make_router(pattern)


@pytest.mark.parametrize("pattern", [{}, None, b"/about", 1, ["/about"]])
def test_a_pattern_that_is_not_a_str_is_a_type_error(pattern: Any) -> None:
    with pytest.raises(TypeError, match=f"must be a str, not {type(pattern).__name__}"):
        Router().add(pattern, V, name="x")
    with pytest.raises(TypeError, match="must be a str"):
        App().route(pattern)  # refused by the decorator factory, before any class is decorated


def test_patterns_with_absurdly_many_fields_or_segments_are_refused_at_once() -> None:
    # 10,000 fields took seconds to register (quadratic); now refused before any of that work.
    many = "/" + ".".join(f"{{f{index}}}" for index in range(10_000))
    with pytest.raises(RouteError, match="more than 100 fields"):
        make_router(many)
    with pytest.raises(RouteError, match="more than 255 segments"):
        make_router("/a" * 10_000 + "/{x}")
    most = "/" + "/".join(f"{{f{index}}}" for index in range(100))
    router = make_router(most, "/a" * 254 + "/{x}")
    path = "/" + "/".join(map(str, range(100)))
    assert matched(router, path) == (most, {f"f{index}": str(index) for index in range(100)})
    assert matched(router, "/a" * 254 + "/x") == ("/a" * 254 + "/{x}", {"x": "x"})
    assert router.match("/a" * 254 + "/") is None  # searched to the depth of the tree


def test_a_converter_bug_is_a_logged_500_not_a_404(caplog: pytest.LogCaptureFixture) -> None:
    class Page(View):
        def get(self, request: object, **params: Any) -> str:
            return "page"

    def broken(text: str) -> str:
        raise KeyError(text)

    app = App()
    app.route_type("broken", "[a-z]+", broken)
    app.add_route("/b/{word:broken}", Page, name="broken")
    with caplog.at_level(logging.ERROR, logger="framework"):
        response = TestClient(app).get("/b/word", status=500)
    assert "Traceback" not in response.text
    assert "KeyError: 'word'" in caplog.text


# url_for(..., _query=)


def query_app(templates: Path | None = None) -> App:
    app = App(templates=templates)

    @app.route("/posts/", name="posts")
    class Posts(View):
        def get(self, request: Any) -> Any:
            return {"url": request.url_for("posts", _query={"page": 2})}

    @app.route("/posts/{slug}", name="post")
    class Post(View):
        def get(self, request: Any, slug: str) -> Any:
            return self.render("post.html", slug=slug)

    return app


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"page": 2}, "/posts/?page=2"),
        ({"tag": ["a", "b"]}, "/posts/?tag=a&tag=b"),
        ({"q": "a b&c=d/é", "page": None}, "/posts/?q=a%20b%26c%3Dd%2F%C3%A9"),
        ({"page": None}, "/posts/"),
        ({}, "/posts/"),
        ([("a", 1), ("a", 2)], "/posts/?a=1&a=2"),
        ({"tag": ["a", None], "n": 0}, "/posts/?tag=a&n=0"),
    ],
)
def test_url_for_adds_a_percent_encoded_query(query: Any, expected: str) -> None:
    assert query_app().url_for("posts", _query=query) == expected


def test_url_for_with_a_query_still_refuses_unknown_parameters() -> None:
    with pytest.raises(URLBuildError, match="unexpected parameters page"):
        query_app().url_for("posts", page=2, _query={"x": 1})


def test_url_for_query_in_the_request_and_in_templates(tmp_path: Path) -> None:
    (tmp_path / "post.html").write_text(
        "{{ url_for('post', slug=slug, _query={'tag': ['x', 'y z']}) }}"
    )
    client = TestClient(query_app(tmp_path))

    assert client.get("/posts/", extra_environ={"SCRIPT_NAME": "/blog"}).json == {
        "url": "/blog/posts/?page=2"
    }
    # Autoescaped, as an href needs it.
    assert client.get("/posts/hello").text == "/posts/hello?tag=x&amp;tag=y%20z"
