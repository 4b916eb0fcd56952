"""URL routing: compile ``parse`` patterns once, match request paths to views, build URLs back.

The router only matches and builds; the App turns "no match" into 404s and slash redirects.
Matching takes time linear in the path for built-in types, whatever the path: see _narrow_fields.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import quote

import parse

if TYPE_CHECKING:
    from framework.views import View


class RouteError(ValueError):
    """A route or URL type cannot be registered."""


class URLBuildError(ValueError):
    """``url_for`` cannot build a URL from this name and these parameters."""


@dataclass(frozen=True)
class URLType:
    """A URL parameter type: the text its regex matches, converted to a value and formatted back.

    The other fields are what the router (to keep matching linear) and ``framework check`` (to
    prove one route shadows another) know about the type; a custom type leaves them unknown.
    """

    name: str
    regex: str
    convert: Callable[[str], Any]
    format: Callable[[Any], str] = str
    #: A regex for one character of a value, when every value is made of such characters.
    char: str | None = None
    #: Whether every non-empty run of ``char`` is a value (no length limit, no fixed form).
    runs: bool = False
    #: Whether every value has the same length.
    fixed_length: bool = False
    #: Whether the router may narrow the type in a shared segment (see _narrow_fields).
    narrowable: bool = False
    #: Names of the other types whose every value this type also matches.
    covers: frozenset[str] = frozenset()
    _fullmatch: Callable[[str], re.Match[str] | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise RouteError(f"URL type name {self.name!r} is not an identifier")
        try:
            # Wrapped in a group as parse will wrap it, so misplaced global flags fail here too
            # (an error since Python 3.11, only a DeprecationWarning on 3.10: made an error here).
            with warnings.catch_warnings():
                warnings.simplefilter("error", DeprecationWarning)
                compiled = re.compile(f"(?:{self.regex})", re.DOTALL)
        except (re.error, DeprecationWarning) as error:
            raise RouteError(f"URL type {self.name!r}: bad regex {self.regex!r}: {error}") from None
        if compiled.groups:
            raise RouteError(
                f"URL type {self.name!r}: regex {self.regex!r} has capturing groups;"
                " use non-capturing (?:...) groups"
            )
        object.__setattr__(self, "_fullmatch", compiled.fullmatch)

    @property
    def spans_segments(self) -> bool:
        """Whether a value may hold "/"; other types match within one segment of the path.

        A custom type may when its regex has a "/", as Werkzeug decides ``part_isolating``.
        """
        return self.may_contain("/") if self.char is not None else "/" in self.regex

    def may_contain(self, char: str) -> bool:
        """Whether a value of this type can contain ``char``; a custom type is assumed to."""
        return self.char is None or re.fullmatch(self.char, char, re.DOTALL) is not None

    def matches(self, text: str) -> bool:
        """Whether ``text`` is a whole value of this type (before conversion)."""
        return self._fullmatch(text) is not None


_MAX_INT_DIGITS = 4300  # CPython's int() limit; longer digit runs are a non-match, not a 500.
_HEX = "[0-9A-Fa-f]"

_ONE_SEGMENT = frozenset({"str", "d", "int", "slug", "uuid"})
URL_TYPES: dict[str, URLType] = {
    url_type.name: url_type
    for url_type in (
        URLType("str", r"[^/]+", str, char="[^/]", runs=True, narrowable=True, covers=_ONE_SEGMENT),
        URLType(
            "d",
            rf"[0-9]{{1,{_MAX_INT_DIGITS}}}",
            int,
            char="[0-9]",
            narrowable=True,
            covers=frozenset({"int"}),
        ),
        URLType(
            "int",
            rf"[0-9]{{1,{_MAX_INT_DIGITS}}}",
            int,
            char="[0-9]",
            narrowable=True,
            covers=frozenset({"d"}),
        ),
        URLType(
            "slug",
            r"[A-Za-z0-9_-]+",
            str,
            char="[A-Za-z0-9_-]",
            runs=True,
            narrowable=True,
            covers=frozenset({"d", "int", "uuid"}),  # UUIDs are hex digits and "-"
        ),
        URLType(
            "uuid",
            f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}",
            uuid.UUID,
            char="[-0-9A-Fa-f]",
            fixed_length=True,
        ),
        URLType(
            "path",
            r".+",
            str,
            char=".",
            runs=True,
            narrowable=True,
            covers=_ONE_SEGMENT,
        ),
    )
}

# A literal part of a pattern percent-encodes like a value, but keeps RFC 3986 path punctuation.
_SAFE_IN_LITERALS = "/:@!$&'()*+,;=~"
_TOKEN = re.compile(r"(\{\{|\}\}|\{[^{}]*\})")


@dataclass(frozen=True)
class RouteField:
    """A field of a route's pattern: its name, and the type it matches with.

    The type is the declared one, or a narrowed copy of it (same name) where fields share a
    segment (see _narrow_fields).
    """

    name: str
    type: URLType


#: One segment of a pattern (the text between two literal slashes): literal texts and fields.
Segment: TypeAlias = tuple[str | RouteField, ...]


@dataclass(frozen=True)
class Route:
    """A registered pattern: which view serves it, under which name, with which typed fields."""

    pattern: str
    view: type[View]
    name: str
    # Derived from the pattern, so left out of equality to keep routes hashable.
    fields: dict[str, str] = field(compare=False)
    is_static: bool
    #: The pattern split at its literal slashes (after the leading one), for ``framework check``.
    segments: tuple[Segment, ...] = field(compare=False)
    _match: Callable[[str], re.Match[str] | None] = field(repr=False, compare=False)
    _conversions: tuple[tuple[str, Callable[[str], Any]], ...] = field(repr=False, compare=False)
    _url_literals: tuple[str, ...] = field(repr=False, compare=False)
    _url_types: tuple[tuple[str, URLType], ...] = field(repr=False, compare=False)


#: What ``Router.match`` returns: the route, and its parameters converted. A plain tuple (as
#: Werkzeug's ``MapAdapter.match`` returns): every request builds one, and a NamedTuple took
#: twice as long to build.
Match: TypeAlias = tuple[Route, dict[str, Any]]


def _anchored_regex(parser: parse.Parser) -> re.Pattern[str]:
    """Return the parser's compiled ``\\A...\\Z`` regex, compiling it now rather than on first use.

    ``_match_re`` is private to parse: we match with it directly because ``Parser.parse`` costs
    ~5 µs per call. test_anchored_regex_agrees_with_parser guards against parse changing it.
    """
    return parser._match_re  # type: ignore[attr-defined,no-any-return]


def _parse_type(url_type: URLType) -> Any:
    """Wrap a URL type as a parse extra type, which carries its regex as ``pattern``."""

    def convert(string: str) -> Any:
        return url_type.convert(string)

    return parse.with_pattern(url_type.regex)(convert)


def _is_field_name(name: str) -> bool:
    """Whether parse makes ``name`` a named group and Python can pass it as a keyword argument."""
    return (
        name.isidentifier()
        and name[0].isalpha()  # parse makes `_x` a positional field
        and unicodedata.normalize("NFKC", name) == name  # keyword names are NFKC-normalised
    )


def _split_pattern(
    pattern: str, types: dict[str, URLType]
) -> tuple[list[str], list[tuple[str, URLType]]]:
    """Split a pattern into its literal texts and its (name, type) fields, rejecting bad ones."""
    if not pattern.startswith("/"):
        raise RouteError(f"route pattern {pattern!r} must start with '/'")
    literals = [""]
    fields: list[tuple[str, URLType]] = []
    for index, part in enumerate(_TOKEN.split(pattern)):
        if index % 2 == 0:
            if "{" in part or "}" in part:
                raise RouteError(f"{pattern!r}: unmatched brace; write '{{{{' or '}}}}' for one")
            literals[-1] += part
        elif part in ("{{", "}}"):
            literals[-1] += part[0]
        else:
            name, colon, type_name = part[1:-1].partition(":")
            problem = _field_problem(name, type_name if colon else "str", fields, literals, types)
            if problem:
                raise RouteError(f"{pattern!r}: field {part}: {problem}")
            fields.append((name, types[type_name if colon else "str"]))
            literals.append("")
    if sum(url_type.name == "path" for _, url_type in fields) > 1:
        raise RouteError(f"{pattern!r}: only one path field is allowed")
    return literals, fields


def _field_problem(
    name: str,
    type_name: str,
    fields: list[tuple[str, URLType]],
    literals: list[str],
    types: dict[str, URLType],
) -> str | None:
    """Say what is wrong with a field, or return None."""
    if not name:
        return "fields must be named, e.g. {id:d}"
    if not _is_field_name(name):
        return "the name must be an identifier starting with a letter (no '.', '[', '-')"
    if name in dict(fields):
        return "repeated field name"
    if fields and not literals[-1]:
        return "two fields need literal text between them"
    if type_name not in types:
        known = ", ".join(sorted(types))
        return f"unknown type {type_name!r} (known: {known}; format specs are not supported)"
    return None


def _segments(literals: list[str], fields: list[tuple[str, URLType]]) -> tuple[Segment, ...]:
    """Split a pattern's literal texts and fields at the literal slashes."""
    segments: list[list[str | RouteField]] = [[]]
    for index, literal in enumerate(literals):
        for position, piece in enumerate(literal.split("/")):
            if position:
                segments.append([])
            if piece:
                segments[-1].append(piece)
        if index < len(fields):
            segments[-1].append(RouteField(*fields[index]))
    return tuple(map(tuple, segments[1:]))  # segments[0] is the nothing before the leading "/"


def _narrow_fields(
    literals: list[str], fields: list[tuple[str, URLType]]
) -> list[tuple[str, URLType]]:
    """Narrow the fields' types where needed for every segment to split in one way only.

    A field followed in its segment by a character ``c`` could end at any ``c``; with several
    fields in a segment, trying every split takes polynomial time (minutes for ``/{a}.{b}.{c}``
    on a crafted 8 KB path). So a ``str``, ``slug``, ``d``, ``int`` or ``path`` field followed
    by a ``c`` it could contain cannot contain ``c``, and ends at the first ``c`` (a ``path``:
    the first ``c`` of its last segment), when

    - a later field in its segment could contain ``c`` too: a ``str``, ``path`` or custom one, or
      a built-in one whose characters include ``c``;
    - and those later fields are not all ``uuid``, whose length is fixed.

    ``/{name}.{ext}`` reads ``/archive.tar.gz`` as ``archive`` and ``tar.gz``, and url_for refuses
    a name with a dot. Otherwise the number of ``c`` after the field, or the length of the rest of
    its segment, is fixed: one split only can match, and the field keeps its type.
    ``/{name}.html``, ``/{a}.{b:d}.txt``, ``/{title:slug}-{id:d}`` and ``/{title}-{key:uuid}``
    take ``/a.b.html``, ``/a.b.1.txt``, ``/a-b-1`` and ``/a-b-<uuid>``.

    Custom types are used as given: making one end in one place only (``[^/.]+`` rather than
    ``.+`` before a ``.``) is up to its author. Narrowing depends on the pattern alone, so
    duplicate routes still have equal shapes.
    """
    narrowed = []
    for index, (field_name, url_type) in enumerate(fields):
        stop = literals[index + 1][:1]
        later = []  # the types of the fields after this one in its segment
        for literal, (_, later_type) in zip(
            literals[index + 1 : -1], fields[index + 1 :], strict=True
        ):
            if "/" in literal:
                break
            later.append(later_type)
        if (
            url_type.narrowable
            and url_type.may_contain(stop)
            and any(later_type.may_contain(stop) for later_type in later)
            and not all(later_type.fixed_length for later_type in later)
        ):
            url_type = replace(url_type, regex=_narrowed_regex(url_type, stop))
        narrowed.append((field_name, url_type))
    return narrowed


def _narrowed_regex(url_type: URLType, stop: str) -> str:
    """The regex of a narrowable type, for values that cannot contain ``stop``."""
    char = re.escape(stop)
    if url_type.spans_segments:  # any whole segments, then a last one without `stop`
        return f"(?:.*/)?[^/{char}]+"
    if url_type.runs:
        return f"(?:(?!{char}){url_type.char})+"
    # As many characters as the type allows, none of them `stop`.
    return url_type.regex.replace(str(url_type.char), f"(?:(?!{char}){url_type.char})", 1)


class Router:
    """Map paths to routes: static routes first, then parameterised ones in registration order."""

    def __init__(self) -> None:
        self._types = dict(URL_TYPES)
        self._static: dict[str, Route] = {}
        self._dynamic: list[Route] = []
        self._named: dict[str, Route] = {}
        self._shapes: dict[tuple[tuple[str, ...], tuple[tuple[str, int], ...]], Route] = {}
        # Dynamic routes by literal first segment; each list already has the "any" routes merged in.
        self._buckets: dict[str, list[Route]] = {}
        self._any: list[Route] = []

    def add_type(
        self,
        name: str,
        regex: str,
        convert: Callable[[str], Any],
        format: Callable[[Any], str] = str,
    ) -> None:
        """Add a URL parameter type usable as ``{field:name}`` in patterns added from now on.

        ``regex`` is used as given, never narrowed (see _narrow_fields): one that can end at
        several places in a segment, like ``.+`` before ``.``, makes crafted paths match slowly.
        """
        if name in self._types:
            raise RouteError(f"URL type {name!r} already exists")
        url_type = URLType(name, regex, convert, format)
        self._types[name] = url_type

    def add(self, pattern: str, view: type[View], *, name: str) -> Route:
        """Register ``view`` for ``pattern`` under ``name``; conflicts raise RouteError."""
        literals, declared = _split_pattern(pattern, self._types)
        fields = _narrow_fields(literals, declared)
        # Fields that match and convert alike (d and int) give the same shape, whatever their names.
        shape = (tuple(literals), tuple((t.regex, id(t.convert)) for _, t in fields))
        self._check_conflicts(pattern, name, shape)
        route = Route(
            pattern=pattern,
            view=view,
            name=name,
            fields={field_name: url_type.name for field_name, url_type in fields},
            is_static=not fields,
            segments=_segments(literals, fields),
            _match=self._compile(pattern, literals, fields),
            _conversions=tuple(
                (field_name, url_type.convert)
                for field_name, url_type in fields
                if url_type.convert is not str
            ),
            _url_literals=tuple(quote(literal, safe=_SAFE_IN_LITERALS) for literal in literals),
            _url_types=tuple(fields),
        )
        self._shapes[shape] = self._named[name] = route
        if route.is_static:
            self._static[literals[0]] = route
        else:
            self._index(route, literals[0])
        return route

    def _check_conflicts(
        self, pattern: str, name: str, shape: tuple[tuple[str, ...], tuple[tuple[str, int], ...]]
    ) -> None:
        """Reject a route that an earlier one would always shadow, or that reuses a name."""
        for existing, reason in (
            (self._shapes.get(shape), "matches the same paths as"),
            (self._named.get(name), "has the same name as"),
        ):
            if existing is not None:
                raise RouteError(
                    f"route {pattern!r} (name {name!r}) {reason}"
                    f" route {existing.pattern!r} (name {existing.name!r})"
                )

    def _compile(
        self, pattern: str, literals: list[str], fields: list[tuple[str, URLType]]
    ) -> Callable[[str], re.Match[str] | None]:
        """Compile a route with parse, each field with its own internal parse type.

        Renaming stops parse's own handling of specs such as ``d``, which accepts signs and 0x;
        one type per field because narrowing gives two ``str`` fields different regexes.
        """
        text = literals[0].replace("{", "{{").replace("}", "}}")
        for index, ((field_name, _), literal) in enumerate(zip(fields, literals[1:], strict=True)):
            text += f"{{{field_name}:url{index}}}"
            text += literal.replace("{", "{{").replace("}", "}}")
        try:
            types = {
                f"url{index}": _parse_type(url_type) for index, (_, url_type) in enumerate(fields)
            }
            parser = parse.compile(text, extra_types=types, case_sensitive=True)
            regex = _anchored_regex(parser)
        except (ValueError, NotImplementedError, re.error) as error:
            raise RouteError(f"{pattern!r}: cannot compile: {error}") from None
        if list(regex.groupindex) != [field_name for field_name, _ in fields] or (
            regex.groups != len(fields)
        ):
            raise RouteError(f"{pattern!r}: parse does not read the field names as names")
        return regex.match

    def _index(self, route: Route, prefix: str) -> None:
        """File a route under its literal first segment, or under "any" if that has a field."""
        self._dynamic.append(route)
        end = prefix.find("/", 1)
        if end == -1:
            self._any.append(route)
            for candidates in self._buckets.values():
                candidates.append(route)
        else:
            key = prefix[1:end]
            if key not in self._buckets:
                self._buckets[key] = list(self._any)
            self._buckets[key].append(route)

    def match(self, path: str) -> Match | None:
        """Return ``(route, params)`` for the first route matching the decoded ``path``, or None."""
        route = self._static.get(path)
        if route is not None:
            return route, {}
        end = path.find("/", 1)
        candidates = self._any if end == -1 else self._buckets.get(path[1:end], self._any)
        for route in candidates:
            found = route._match(path)
            if found is None:
                continue
            params = found.groupdict()
            try:
                for field_name, convert in route._conversions:
                    params[field_name] = convert(params[field_name])
            except Exception:  # A converter rejecting its text means this route does not match.
                continue
            return route, params
        return None

    @property
    def routes(self) -> list[Route]:
        """All routes in the order ``match`` tries them."""
        return [*self._static.values(), *self._dynamic]

    def route_named(self, name: str) -> Route:
        """Return the route called ``name``; unknown names raise URLBuildError."""
        route = self._named.get(name)
        if route is None:
            known = difflib.get_close_matches(name, self._named, n=5) or list(self._named)[:5]
            hint = f"; known names include {', '.join(map(repr, known))}" if known else ""
            raise URLBuildError(f"no route is named {name!r}{hint}")
        return route

    def url_for(self, name: str, /, **params: Any) -> str:
        """Build the percent-encoded path of route ``name``; it matches that route again."""
        route = self.route_named(name)
        missing = [field_name for field_name in route.fields if field_name not in params]
        extra = [key for key in params if key not in route.fields]
        problems = [
            f"{problem} parameters {', '.join(names)}"
            for problem, names in (("missing", missing), ("unexpected", extra))
            if names
        ]
        if problems:
            raise URLBuildError(f"route {name!r} ({route.pattern}): {'; '.join(problems)}")
        parts = [route._url_literals[0]]
        for (field_name, url_type), literal in zip(
            route._url_types, route._url_literals[1:], strict=True
        ):
            parts.append(_url_value(route, field_name, url_type, params[field_name]))
            parts.append(literal)
        return "".join(parts)


def _url_value(route: Route, field_name: str, url_type: URLType, value: Any) -> str:
    """Format and percent-encode one value, checking that its type would match it back."""
    where = (
        f"route {route.name!r} ({route.pattern}): field {field_name!r} of type {url_type.name!r}"
    )
    try:
        text = url_type.format(value)
        if not isinstance(text, str):
            raise TypeError(f"format returned {text!r}, not a str")
    except Exception as error:
        # Not repr(value): for the huge ints str() refuses, repr() raises too.
        raise URLBuildError(
            f"{where} cannot format {type(value).__name__} value: {error}"
        ) from error
    # Empty, "." and ".." segments would be merged or resolved away by clients and servers.
    if url_type._fullmatch(text) is None or {"", ".", ".."} & set(text.split("/")):
        raise URLBuildError(
            f"{where} does not accept {value!r}: its text {text!r} must match {url_type.regex}"
            " with no empty, '.' or '..' segment"
        )
    try:
        return quote(text, safe="/")
    except UnicodeEncodeError as error:
        raise URLBuildError(f"{where}: {value!r} is not encodable as UTF-8: {error}") from None
