"""URL routing: compile ``parse`` patterns once, match request paths to views, build URLs back.

The router only matches and builds; the App turns "no match" into 404s and slash redirects.
Which route wins a path: see Router. Finding it costs the depth of a tree of segments, not the
number of routes (see "The index"), and time linear in the path for built-in types, whatever the
path (see _narrow_fields).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import uuid
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import quote, urlencode

import parse

from .security import CONTROL_CHARACTERS

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
    prove one route shadows another) know about the type; a custom type leaves them unknown,
    except ``repeat``, which is read from every type's regex.
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
    #: The regex as one character class repeated, when it is one (see CharRepeat): computed.
    repeat: CharRepeat | None = field(init=False, repr=False, compare=False)
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
        object.__setattr__(self, "repeat", CharRepeat.parse(self.regex))

    @property
    def spans_segments(self) -> bool:
        """Whether a value may hold "/"; other types match within one segment of the path.

        A custom type may when its regex has a "/", as Werkzeug decides ``part_isolating``.
        """
        return self.may_contain("/") if self.char is not None else "/" in self.regex

    @property
    def within(self) -> CharRepeat | None:
        """A repeat matching every value: the regex's own, else any run of ``char``; or None."""
        if self.repeat is not None or self.char is None:
            return self.repeat
        return CharRepeat.parse(f"{self.char}+")

    def may_contain(self, char: str) -> bool:
        """Whether a value of this type can contain ``char``; a custom type is assumed to."""
        return self.char is None or re.fullmatch(self.char, char, re.DOTALL) is not None

    def matches(self, text: str) -> bool:
        """Whether ``text`` is a whole value of this type (before conversion)."""
        return self._fullmatch(text) is not None


# A regex that is one character class and a quantifier: the class, then the quantifier.
_REPEAT = re.compile(
    r"(?P<char>\.|\\[^A-Za-z0-9]|\\[dDwWsS]|[^\\^$*+?{}\[\]|().]|\[\^?\]?(?:\\.|[^\\\]\[])*\])"
    r"(?:(?P<op>[*+?])|\{(?P<min>[0-9]*)(?P<comma>,?)(?P<max>[0-9]*)\})?[?+]?",
    re.DOTALL,
)
# The escapes CharRepeat reads as the character they stand for.
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
# The characters a parsed class is checked against its compiled regex on, besides those it names.
_CHECKED = 0x250
# A class naming more characters than this is not listed (its members stay unknown).
_MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class CharRepeat:
    """What a regex such as ``[0-9]{1,5}``, ``[^/]+`` or ``\\d*`` is: one character class,
    repeated ``min`` to ``max`` times (``max`` None: no limit).

    ``framework check`` compares these to prove that one type matches every value of another.
    The class is kept as its regex for one character, with its characters listed
    (``members``) or the characters it lacks listed (``excluded``) where the regex says so.
    """

    char: str
    min: int
    max: int | None
    members: frozenset[str] | None = None
    excluded: frozenset[str] | None = None

    @classmethod
    def parse(cls, regex: str) -> CharRepeat | None:
        """Read ``regex`` as a class repeated, or return None for any other form."""
        found = _REPEAT.fullmatch(regex)
        if found is None:
            return None
        char = found["char"]
        if found["op"] is not None:
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[found["op"]]
        elif found["comma"] is None:  # no quantifier
            low, high = 1, 1
        elif not found["min"] and not found["max"] and not found["comma"]:
            return None  # "{}" is literal text
        else:
            low = int(found["min"] or 0)
            high = int(found["max"]) if found["max"] else None if found["comma"] else low
            if high is not None and high < low:
                return None
        listed = _class_characters(char)
        if listed is None:
            return cls(char, low, high)
        negated, characters = listed
        repeat = cls(
            char,
            low,
            high,
            members=None if negated else characters,
            excluded=characters if negated else None,
        )
        return repeat if repeat._agrees_with_its_regex() else None

    def has(self, char: str) -> bool:
        """Whether the class matches the one character ``char``."""
        if self.members is not None:
            return char in self.members
        if self.excluded is not None:
            return char not in self.excluded
        return re.fullmatch(self.char, char, re.DOTALL) is not None

    def without(self, char: str) -> CharRepeat:
        """The same repeat of the class less ``char`` (as a one-segment field excludes "/")."""
        if not self.has(char):
            return self
        if self.members is not None:
            return replace(self, members=self.members - {char})
        if self.excluded is not None:
            return replace(self, excluded=self.excluded | {char})
        return replace(self, char=f"(?:(?!{re.escape(char)}){self.char})")

    @classmethod
    def literal(cls, text: str) -> CharRepeat:
        """The text as a repeat of its characters, exactly as long (for comparing, not matching)."""
        return cls(f"[{re.escape(text)}]", len(text), len(text), members=frozenset(text))

    def includes(self, other: CharRepeat) -> bool:
        """Whether every text ``other`` matches, this matches too (False when unproven)."""
        if self.min > other.min or (
            self.max is not None and (other.max is None or other.max > self.max)
        ):
            return False
        return other.max == 0 or self.includes_class(other)

    def includes_class(self, other: CharRepeat) -> bool:
        """Whether every character of ``other``'s class is in this class (False when unproven)."""
        if other.members is not None:
            return all(map(self.has, other.members))
        if self.excluded is not None:
            return not any(map(other.has, self.excluded))
        return self.char == other.char

    def _agrees_with_its_regex(self) -> bool:
        """Whether the listed characters agree with the class's regex, where it can be tried."""
        tried = {chr(code) for code in range(_CHECKED)}
        tried |= self.members or self.excluded or set()
        single = re.compile(self.char, re.DOTALL)
        listed = self.members if self.members is not None else self.excluded
        inside = self.members is not None
        return all(
            (single.fullmatch(char) is not None) == ((char in (listed or ())) == inside)
            for char in tried
        )


def _class_characters(char: str) -> tuple[bool, frozenset[str]] | None:
    """``(negated, characters)`` for a class that lists its characters, such as ``[^/]``,
    ``[A-Za-z0-9_-]``, ``.`` (all but none: DOTALL) or ``x``; None for ``\\d``, ``[\\w.]``..."""
    if char == ".":
        return True, frozenset()
    if not char.startswith("["):
        if char.startswith("\\"):
            return None if char[1].isalnum() else (False, frozenset(char[1]))
        return False, frozenset(char)
    body = char[1:-1]
    negated = body.startswith("^")
    body = body[1:] if negated else body
    items: list[str] = []  # characters; a range's "-" is the empty string
    index = 0
    while index < len(body):
        if body[index] == "\\":
            escaped = body[index + 1]
            if escaped.isalnum() and escaped not in _ESCAPES:
                return None  # a category (\\d), \\x41, \\u00e9...: not listed here
            items.append(_ESCAPES.get(escaped, escaped))
            index += 2
        else:
            if body[index] in "&~|-" and body[index : index + 2] == body[index] * 2:
                return None  # reserved for set operations
            items.append("" if body[index] == "-" else body[index])
            index += 1
    characters: set[str] = set()
    position = 0
    while position < len(items):
        if position + 2 < len(items) and items[position + 1] == "" and items[position]:
            start, end = ord(items[position]), ord(items[position + 2])
            if end - start > _MAX_MEMBERS:
                return None
            characters.update(map(chr, range(start, end + 1)))
            position += 3
        else:
            characters.add(items[position] or "-")
            position += 1
    if len(characters) > _MAX_MEMBERS:
        return None
    return negated, frozenset(characters)


_MAX_INT_DIGITS = 4300  # CPython's int() limit; longer digit runs are a non-match, not a 500.
_HEX = "[0-9A-Fa-f]"

_DIGITS = URLType(
    "d",
    rf"[0-9]{{1,{_MAX_INT_DIGITS}}}",
    int,
    char="[0-9]",
    narrowable=True,
)
URL_TYPES: dict[str, URLType] = {
    url_type.name: url_type
    for url_type in (
        URLType("str", r"[^/]+", str, char="[^/]", runs=True, narrowable=True),
        _DIGITS,
        replace(_DIGITS, name="int"),
        URLType(
            "slug",
            r"[A-Za-z0-9_-]+",
            str,
            char="[A-Za-z0-9_-]",
            runs=True,
            narrowable=True,
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
        ),
    )
}

# Patterns beyond these are refused: they are mistakes, and registering and matching them would
# cost time and stack in proportion.
MAX_FIELDS = 100
MAX_SEGMENTS = 255

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
    check_pattern(pattern)
    literals = [""]
    fields: list[tuple[str, URLType]] = []
    for index, part in enumerate(_TOKEN.split(pattern)):
        if index % 2 == 0:
            if "{" in part or "}" in part:
                raise RouteError(f"{pattern!r}: unmatched brace; write '{{{{' or '}}}}' for one")
            literals[-1] += part
        elif part in ("{{", "}}"):
            literals[-1] += part[0]
        elif len(fields) == MAX_FIELDS:
            raise RouteError(f"{pattern[:80]!r}...: more than {MAX_FIELDS} fields")
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


def check_pattern(pattern: str) -> None:
    """Refuse what is wrong with a pattern as a whole, before reading its fields."""
    if not isinstance(pattern, str):
        raise TypeError(f"a route pattern must be a str, not {type(pattern).__name__}")
    if not pattern.startswith("/"):
        raise RouteError(f"route pattern {pattern!r} must start with '/'")
    if pattern.count("/") > MAX_SEGMENTS:
        raise RouteError(f"{pattern[:80]!r}...: more than {MAX_SEGMENTS} segments")
    control = CONTROL_CHARACTERS.search(pattern)
    if control:
        raise RouteError(
            f"{pattern!r}: the control character {control[0]!r} can be in no request's path"
        )


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


# The index: a tree of segments, searched the more literal route first.
#
# Each node holds the routes whose first segments lead to it: by their next segment's literal
# text (a dict), by their next segment with fields (shared by routes whose segments match and
# convert alike, whatever the field names), or from a segment-spanning field on (a "tail",
# matched as one regex on the rest of the path). A request walks down from the root, one path
# segment per level, so its cost depends on the depth of the tree, not on how many routes share
# a prefix or begin with a field. Falcon's compiled router and Werkzeug's state machine walk
# segments the same way, literal text first, backtracking to fields.

#: A match below a node: (field mask, registration order, entry, values in pattern order).
#: The mask has a bit per remaining path segment, the first segment's highest, set where the
#: route matched the segment with a field: the smallest (mask, order) is the more literal
#: route segment by segment from the left, then the first registered.
_Found: TypeAlias = "tuple[int, int, _Entry, tuple[Any, ...]]"


class _Entry:
    """A parameterised route as the index keeps it: with its order and its field names."""

    __slots__ = ("names", "order", "route")

    def __init__(self, route: Route, order: int) -> None:
        self.route = route
        self.order = order
        self.names = tuple(route.fields)


class _Node:
    """The routes whose first segments lead here, by what their next segment is."""

    __slots__ = ("closed", "entry", "fields", "literals", "only_field", "tails")

    def __init__(self) -> None:
        self.literals: dict[str, _Node] = {}
        self.fields: list[_FieldSegment] = []
        self.tails: list[_Tail] = []
        self.entry: _Entry | None = None  # the route whose segments end here
        # The only way on when the next segment is not literal text: no fork to search.
        self.only_field: _FieldSegment | None = None
        # Reached by literal text only, with no field or tail here or above: a walk that stops
        # here has nothing else to try (set by Router.match, see _mark_closed).
        self.closed = False


class _FieldSegment:
    """A segment with fields, such as ``{id:d}`` or ``{name}.{ext}``, and the node after it."""

    __slots__ = ("converts", "digits", "key", "match", "node")

    def __init__(self, key: Hashable, segment: Segment, pattern: str) -> None:
        self.key = key
        literals, fields = _flatten([segment])
        whole = fields[0][1] if len(fields) == 1 and literals == ["", ""] else None
        # PERF(S2): a whole-segment {name} (any non-empty segment), {id:d} or {id:int} (ASCII
        # digits) is checked without its regex, here and in Router.match.
        self.digits = whole is URL_TYPES["d"] or whole is URL_TYPES["int"]
        quick = self.digits or whole is URL_TYPES["str"]
        self.match = None if quick else _compile(pattern, literals, fields)
        self.converts = _conversions(fields)
        self.node = _Node()

    def values(self, segment: str) -> tuple[Any, ...] | None:
        """The converted values of the fields, or None if the segment does not match."""
        if self.match is not None:
            found = self.match(segment)
            if found is None:
                return None
            return _convert(found.groups(), self.converts) if self.converts else found.groups()
        if self.digits:
            return (int(segment),) if _is_digits(segment) else None
        return (segment,) if segment else None


def _is_digits(text: str) -> bool:
    """Whether ``text`` is a value of ``d`` and ``int`` (``[0-9]{1,4300}``)."""
    return text.isdigit() and text.isascii() and len(text) <= _MAX_INT_DIGITS


class _Tail:
    """A route from its first segment-spanning field (``{p:path}``) on, matched as one regex.

    As in Werkzeug, the fields after that one match with it as one regex on the rest of the
    path: each with its own regex, so a custom type there may take a "/" if its regex can.
    """

    __slots__ = ("converts", "entry", "match")

    def __init__(self, entry: _Entry, segments: tuple[Segment, ...], pattern: str) -> None:
        literals, fields = _flatten(segments)
        self.entry = entry
        self.match = _compile(pattern, literals, fields)
        self.converts = _conversions(fields)

    def found(self, segments: list[str], index: int) -> _Found | None:
        """The match of the path's segments from ``index`` on, or None."""
        text = "/".join(segments[index:])
        found = self.match(text)
        if found is None:
            return None
        texts = found.groups()
        values = _convert(texts, self.converts)
        if values is None:
            return None
        # Every segment a field's text touches was matched with a field.
        last = len(segments) - index - 1
        mask = 0
        for group in range(1, len(texts) + 1):
            start, end = found.span(group)
            for segment in range(text.count("/", 0, start), text.count("/", 0, end) + 1):
                mask |= 1 << (last - segment)
        return mask, self.entry.order, self.entry, values


def _search(node: _Node, segments: list[str], index: int) -> _Found | None:
    """The winning match of ``segments[index:]`` among the routes below ``node``, or None."""
    if index == len(segments):
        entry = node.entry
        return None if entry is None else (0, entry.order, entry, ())
    segment = segments[index]
    child = node.literals.get(segment)
    if child is not None:
        found = _search(child, segments, index + 1)
        if found is not None:
            return found  # literal text here beats a field here, whatever follows
    best: _Found | None = None
    for edge in node.fields:
        values = edge.values(segment)
        if values is None:
            continue
        found = _search(edge.node, segments, index + 1)
        if found is not None:
            mask = found[0] | 1 << (len(segments) - 1 - index)
            if best is None or (mask, found[1]) < (best[0], best[1]):
                best = (mask, found[1], found[2], values + found[3])
    for tail in node.tails:
        found = tail.found(segments, index)
        if found is not None and (best is None or (found[0], found[1]) < (best[0], best[1])):
            best = found
    return best


def _params(names: tuple[str, ...], values: Sequence[Any]) -> dict[str, Any]:
    """The route's parameters: its field names with their values (one per name)."""
    # PERF(S2): for one or two fields, a dict display costs a third of dict(zip()), and
    # zip(strict=True) would add 0.15 µs.
    if len(names) == 2:
        return {names[0]: values[0], names[1]: values[1]}
    if len(names) == 1:
        return {names[0]: values[0]}
    return dict(zip(names, values))  # noqa: B905


def _flatten(segments: Iterable[Segment]) -> tuple[list[str], list[tuple[str, URLType]]]:
    """Join segments back into literal texts (with their "/") and (name, type) fields."""
    literals = [""]
    fields: list[tuple[str, URLType]] = []
    for number, segment in enumerate(segments):
        if number:
            literals[-1] += "/"
        for part in segment:
            if isinstance(part, str):
                literals[-1] += part
            else:
                fields.append((part.name, part.type))
                literals.append("")
    return literals, fields


def _conversions(fields: list[tuple[str, URLType]]) -> tuple[Callable[[str], Any], ...]:
    """Each field's converter (``str``: keeps the text), or () when every field keeps its text."""
    converts = tuple(url_type.convert for _, url_type in fields)
    return () if all(convert is str for convert in converts) else converts


def _convert(
    texts: tuple[str, ...], converts: tuple[Callable[[str], Any], ...]
) -> tuple[Any, ...] | None:
    """Convert matched texts; None when a converter refuses its text with ValueError.

    Any other exception is a bug in the converter: it propagates (a 500, logged).
    """
    if not converts:
        return texts
    try:
        if len(converts) == 1:
            return (converts[0](texts[0]),)
        return tuple(
            text if convert is str else convert(text)
            for convert, text in zip(converts, texts, strict=True)
        )
    except ValueError:
        return None


def _compile(
    pattern: str, literals: list[str], fields: list[tuple[str, URLType]]
) -> Callable[[str], re.Match[str] | None]:
    """Compile part of a route with parse, each field with its own internal parse type.

    Renaming stops parse's own handling of specs such as ``d``, which accepts signs and 0x;
    one type per field because narrowing gives two ``str`` fields different regexes.
    """
    text = literals[0].replace("{", "{{").replace("}", "}}")
    for index, ((field_name, _), literal) in enumerate(zip(fields, literals[1:], strict=True)):
        text += f"{{{field_name}:url{index}}}"
        text += literal.replace("{", "{{").replace("}", "}}")
    try:
        types = {f"url{index}": _parse_type(url_type) for index, (_, url_type) in enumerate(fields)}
        parser = parse.compile(text, extra_types=types, case_sensitive=True)
        regex = _anchored_regex(parser)
    except (ValueError, NotImplementedError, re.error) as error:
        raise RouteError(f"{pattern!r}: cannot compile: {error}") from None
    if list(regex.groupindex) != [field_name for field_name, _ in fields] or (
        regex.groups != len(fields)
    ):
        raise RouteError(f"{pattern!r}: parse does not read the field names as names")
    return regex.match


def _segment_key(segment: Segment) -> Hashable:
    """What decides which texts a segment matches, and as which values: not the field names."""
    return tuple(
        part
        if isinstance(part, str)
        else (part.type.regex, id(part.type.convert), part.type.spans_segments)
        for part in segment
    )


def _shape(segments: tuple[Segment, ...]) -> Hashable:
    """The paths a route matches: routes of one shape conflict (d and int give the same)."""
    return tuple(map(_segment_key, segments))


class Router:
    """Map paths to routes: the more literal route wins, segment by segment from the left.

    When several routes match a path, the first segment one route matched with literal text
    only and the other with a field decides for the literal one; otherwise the first
    registered wins. A route with only literal text wins over every parameterised one.
    """

    def __init__(self) -> None:
        self._types = dict(URL_TYPES)
        self._static: dict[str, Route] = {}
        self._dynamic: list[Route] = []
        self._named: dict[str, Route] = {}
        self._shapes: dict[Hashable, Route] = {}
        # The tree starts before the leading "/" of the path: at the empty text, then its "/".
        self._root = _Node()
        self._root.literals[""] = _Node()
        # Whether the nodes' `closed` flags are up to date with the routes registered.
        self._closed_known = False

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
        It matches within one segment, unless it has a ``/`` (see URLType.spans_segments).
        ``convert`` raising ValueError means "no match"; any other exception is a 500.
        """
        if name in self._types:
            raise RouteError(f"URL type {name!r} already exists")
        url_type = URLType(name, regex, convert, format)
        self._types[name] = url_type

    def url_type(self, name: str) -> URLType | None:
        """The URL type called ``name``, or None."""
        return self._types.get(name)

    def add(self, pattern: str, view: type[View], *, name: str) -> Route:
        """Register ``view`` for ``pattern`` under ``name``; conflicts raise RouteError."""
        route = self.build(pattern, view, name=name)
        self.register(route)
        return route

    def build(self, pattern: str, view: type[View], *, name: str) -> Route:
        """Make the route ``add`` would register, without registering it: refuse a bad pattern
        or a conflict with a registered route (RouteError), so a caller can check more first."""
        literals, declared = _split_pattern(pattern, self._types)
        fields = _narrow_fields(literals, declared)
        segments = _segments(literals, fields)
        self._check_conflicts(pattern, name, _shape(segments))
        return Route(
            pattern=pattern,
            view=view,
            name=name,
            fields={field_name: url_type.name for field_name, url_type in fields},
            is_static=not fields,
            segments=segments,
            _url_literals=tuple(quote(literal, safe=_SAFE_IN_LITERALS) for literal in literals),
            _url_types=tuple(fields),
        )

    def register(self, route: Route) -> None:
        """Add a route from `build` to the table (RouteError if one registered since conflicts)."""
        shape = _shape(route.segments)
        self._check_conflicts(route.pattern, route.name, shape)
        if route.is_static:
            # Its segments are literal text only (`{{` already unescaped): the one path it matches.
            path = "/" + "/".join("".join(map(str, segment)) for segment in route.segments)
            self._static[path] = route
        else:
            self._index(route)
            self._dynamic.append(route)
            self._closed_known = False
        self._shapes[shape] = self._named[route.name] = route

    def _check_conflicts(self, pattern: str, name: str, shape: Hashable) -> None:
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

    def _index(self, route: Route) -> None:
        """File a parameterised route in the tree, one level per segment (compiling may fail)."""
        entry = _Entry(route, len(self._dynamic))
        node = self._root.literals[""]
        for number, segment in enumerate(route.segments):
            fields = [part for part in segment if isinstance(part, RouteField)]
            if any(part.type.spans_segments for part in fields):
                node.tails.append(_Tail(entry, route.segments[number:], route.pattern))
                node.only_field = None
                return
            if not fields:
                node = node.literals.setdefault("".join(map(str, segment)), _Node())
                continue
            key = _segment_key(segment)
            edge = next((edge for edge in node.fields if edge.key == key), None)
            if edge is None:
                edge = _FieldSegment(key, segment, route.pattern)
                node.fields.append(edge)
                node.only_field = edge if len(node.fields) == 1 and not node.tails else None
            node = edge.node
        node.entry = entry

    def match(self, path: str) -> Match | None:
        """Return ``(route, params)`` for the route that wins the decoded ``path``, or None."""
        route = self._static.get(path)
        if route is not None:
            return route, {}
        segments = path.split("/")
        # PERF(S2, scaling): walk down without backtracking while the way is certain: literal
        # text (which beats any field if a route below it matches), or the node's only field
        # segment. At a fork or a dead end, _search does the whole search from the top.
        node = self._root
        values: list[Any] = []
        for segment in segments:
            child = node.literals.get(segment)
            if child is not None:
                node = child
                continue
            edge = node.only_field
            if edge is None:
                break
            if edge.match is not None:
                found = edge.values(segment)
                if found is None:
                    break
                values.extend(found)
            elif edge.digits:  # PERF(S2): _FieldSegment.values and _is_digits, inlined
                if not segment.isdigit() or not segment.isascii() or len(segment) > _MAX_INT_DIGITS:
                    break
                values.append(int(segment))
            elif segment:
                values.append(segment)
            else:
                break
            node = edge.node
        else:
            entry = node.entry
            if entry is not None:
                return entry.route, _params(entry.names, values)
        return self._search(node, segments)

    def _search(self, stopped_at: _Node, segments: list[str]) -> Match | None:
        """The winner once the walk in `match` stopped at a node without a route: the whole
        search from the top, unless nothing else could match."""
        if not self._closed_known:
            self._mark_closed()
        if stopped_at.closed:
            # PERF(S5, scaling): the walk only followed literal text past nodes without fields:
            # no other route can match (the reference tests in test_routing.py cover misses).
            return None
        best = _search(self._root, segments, 0)
        return None if best is None else (best[2].route, _params(best[2].names, best[3]))

    def _mark_closed(self) -> None:
        """Set every node's ``closed`` flag: reached by literal text only, no field above."""
        pending = [(self._root, True)]
        while pending:
            node, closed = pending.pop()
            node.closed = closed = closed and not node.fields and not node.tails
            pending.extend((child, closed) for child in node.literals.values())
            pending.extend((edge.node, False) for edge in node.fields)
        self._closed_known = True

    @property
    def routes(self) -> list[Route]:
        """All routes: static ones, then parameterised ones in registration order.

        That order decides between routes as literal as each other (see Router).
        """
        return [*self._static.values(), *self._dynamic]

    def route_named(self, name: str) -> Route:
        """Return the route called ``name``; unknown names raise URLBuildError."""
        route = self._named.get(name)
        if route is None:
            known = difflib.get_close_matches(name, self._named, n=5) or list(self._named)[:5]
            hint = f"; known names include {', '.join(map(repr, known))}" if known else ""
            raise URLBuildError(f"no route is named {name!r}{hint}")
        return route

    def url_for(self, name: str, /, *, _query: QueryParams | None = None, **params: Any) -> str:
        """Build the percent-encoded path of route ``name``; it matches that route again.

        ``_query`` adds a query string: ``{"page": 2, "tag": ["a", "b"]}`` gives
        ``?page=2&tag=a&tag=b``; None values are left out.
        """
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
        if _query:
            query = query_string(_query)
            if query:
                parts.append("?" + query)
        return "".join(parts)


#: The keyword of ``url_for`` that adds a query string: never a route field (fields cannot
#: start with ``_``).
QUERY_KEYWORD = "_query"

#: What ``url_for(..., _query=)`` takes: a mapping (or pairs) of names to a value or a list.
QueryParams: TypeAlias = Mapping[str, Any] | Iterable[tuple[str, Any]]


def query_string(params: QueryParams) -> str:
    """Percent-encode ``params`` as a query string: lists repeat the name, None is left out."""
    pairs = params.items() if isinstance(params, Mapping) else params
    kept: list[tuple[str, Any]] = []
    for key, value in pairs:
        if isinstance(value, (list, tuple)):
            kept.extend((key, item) for item in value if item is not None)
        elif value is not None:
            kept.append((key, value))
    return urlencode(kept, quote_via=quote)


def _url_value(route: Route, field_name: str, url_type: URLType, value: Any) -> str:
    """Format and percent-encode one value, checking that its type would match it back."""
    where = (
        f"route {route.name!r} ({route.pattern}): field {field_name!r} of type {url_type.name!r}"
    )
    if value is None:
        raise URLBuildError(f"{where} does not accept None")
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
