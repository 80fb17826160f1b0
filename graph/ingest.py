"""Find, parse, validate and normalize news records (the only module that reads them).

A record is a file whose text opens with a YAML front-matter block between two
``---`` lines (``.yaml``/``.yml`` files may hold the YAML alone). Parsing uses
PyYAML's C safe loader with YAML 1.1 surprises switched off: ``no``/``on``/``yes``
stay strings, ``017`` stays a string, floats and dates stay strings (a date is
parsed only where a date is expected, so a bad one is reported under its field).
Anchors and aliases, explicit tags other than the plain ones (``!!python/...``,
``!!binary``, ...), duplicate keys, deep nesting and oversized files are refused.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.md").write_text(
...     "---\\ntitle: Hello &amp; welcome\\npublishedDateTime: 2023-05-07T13:00:00Z\\n"
...     "webUrl: https://www.example.com/a/?utm_source=x\\n"
...     "provider: {name: Example, domain: www.example.com}\\ntopics: [No, AI]\\n---\\n")
>>> record = parse_file(folder / "a.md", "a.md")
>>> record.article.title, record.article.urls, record.article.topics
('Hello & welcome', ('https://example.com/a',), ('No', 'AI'))
>>> _ = (folder / "b.md").write_text("---\\ntitle: [unclosed\\n---\\n")
>>> print(parse_file(folder / "b.md", "b.md"))
b.md: yaml: line 3, column 1: did not find expected ',' or ']'

"""

from __future__ import annotations

import gc
import hashlib
import os
import re
import stat
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import NewsgraphError, RecordError
from .records import Image, Listing, Record
from .text import clean_text
from .urls import URLError, canonical_domain, canonical_url

#: File name endings that hold records.
RECORD_SUFFIXES = (".txt", ".md", ".yaml", ".yml")
#: Files larger than this are refused without being parsed.
MAX_FILE_BYTES = 1_048_576
#: Deepest nesting of YAML collections a record may use (the format needs 4).
MAX_DEPTH = 32
#: URL fields of a listing, most preferred first.
URL_FIELDS = ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl")
#: Oldest and newest publication years taken as real.
YEAR_RANGE = (1900, 2200)

# --------------------------------------------------------------------------- YAML


class _Resolver(yaml.resolver.BaseResolver):
    """YAML implicit types without the 1.1 surprises: only what records need."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_INT_FORM = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_Resolver.add_implicit_resolver("tag:yaml.org,2002:int", _INT_FORM, list("-+0123456789"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
# No implicit timestamps: a date stays a string until a field that wants a date parses
# it (parse_datetime), so ``title: 2023-05-07`` is a title and ``2023-02-30`` is an
# error of the field that holds it, not of the whole file.

#: The only tags a record's nodes may carry (what the resolver above produces).
ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool", "null", "seq", "map")
)
_STR, _INT, _BOOL, _NULL, _SEQ, _MAP = (
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool", "null", "seq", "map")
)
#: The implicit resolvers above by the first character they apply to (``""``: the empty value).
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: [(tag, pattern) for tag, pattern in resolvers]
    for first, resolvers in _Resolver.yaml_implicit_resolvers.items()
    if first is not None
}
assert None not in _Resolver.yaml_implicit_resolvers and not _Resolver.yaml_path_resolvers


def _resolve(self: Any, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
    """:meth:`BaseResolver.resolve` for :class:`_Resolver` (no path or wildcard resolvers), minus
    its generality: libyaml's composer calls this once per node, it must be cheap."""
    if kind is ScalarNode:
        if implicit[0]:
            resolvers = _IMPLICIT.get(value[0] if value else "")
            if resolvers is not None:
                for tag, pattern in resolvers:
                    if pattern.match(value):  # type: ignore[arg-type]
                        return tag
        return _STR
    return _SEQ if kind is SequenceNode else _MAP

if yaml.__with_libyaml__:
    _Parser: Any = yaml.cyaml.CParser
    PARSER = "libyaml (C)"
else:  # pragma: no cover - depends on how PyYAML was built
    warnings.warn(
        "PyYAML has no libyaml support: records parse with the pure-Python loader, ~10x slower",
        RuntimeWarning,
        stacklevel=1,
    )
    _Parser = yaml.parser.Parser
    PARSER = "pure Python"


if yaml.__with_libyaml__:

    class _Loader(yaml.cyaml.CParser, yaml.constructor.SafeConstructor, _Resolver):  # type: ignore[misc]
        resolve = _resolve
        # libyaml's composer calls these path-resolver hooks around every node; without
        # path resolvers (asserted above) they do nothing: take the cheapest callables that
        # accept their arguments (node, index) and () and ignore them.
        descend_resolver = slice  # type: ignore[assignment]
        ascend_resolver = tuple  # type: ignore[assignment]

        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)

else:  # pragma: no cover

    class _Loader(  # type: ignore[no-redef]
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        yaml.constructor.SafeConstructor,
        _Resolver,
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)


def _keep_text_if_malformed(construct: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Wrap a scalar constructor: a malformed value (``!!int ''``, ``!!bool maybe``,
    an integer of 5,000 digits) stays a string, so the field check reports it by name."""

    def build(loader: Any, node: Any) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, IndexError, KeyError):
            return loader.construct_scalar(node)

    return build


_construct_int = _keep_text_if_malformed(yaml.constructor.SafeConstructor.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor(
    "tag:yaml.org,2002:bool", _keep_text_if_malformed(yaml.constructor.SafeConstructor.construct_yaml_bool)
)
_TIMESTAMPS = yaml.constructor.SafeConstructor()


_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
# The same line after a line break: a literal first character lets the regex engine skip
# ahead instead of trying ``^`` at every position (10x faster on a typical record).
_FENCE_AFTER_BREAK = re.compile(r"\n(?:---|\.\.\.)[ \t]*$", re.M)


def split_front_matter(text: str, path: str, require_fence: bool = True) -> str:
    """Return the YAML of a record's front-matter block.

    >>> split_front_matter("---\\na: 1\\n---\\nbody", "x.md")
    'a: 1\\n'
    >>> split_front_matter("a: 1\\n", "x.md")
    Traceback (most recent call last):
    ...
    graph.errors.RecordError: x.md: -: no YAML front matter: the file must start with a '---' line
    """
    if not text.startswith("---"):
        if require_fence:
            raise RecordError(path, "-", "no YAML front matter: the file must start with a '---' line")
        return text
    first_break = text.find("\n")
    if first_break == -1 or text[3:first_break].strip():
        raise RecordError(path, "-", "the opening '---' line must stand alone")
    body = text[first_break + 1 :]
    if _FENCE.match(body):
        return ""
    end = _FENCE_AFTER_BREAK.search(body)
    if end is None:
        if require_fence:
            raise RecordError(path, "-", "front matter has no closing '---' line")
        return body
    return body[: end.start() + 1]


def _max_collection_depth(text: str) -> int:
    """Nesting depth from the event stream (iterative: safe for any depth)."""
    parser = _Parser(text)
    depth = deepest = 0
    try:
        while True:
            event = parser.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return deepest
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
                if deepest > MAX_DEPTH:
                    return deepest
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        parser.dispose()


def _check_tree(root: Node, path: str) -> None:
    """Refuse aliases (a node met twice), other tags, duplicate keys and deep nesting.

    Nodes are visited in document order, so an alias is reported where it is used.
    """
    seen: set[int] = set()
    stack: list[tuple[Node, int, str]] = [(root, 0, "")]
    while stack:
        node, depth, where = stack.pop()
        if id(node) in seen:
            raise RecordError(path, where or "-", "YAML anchors and aliases are not allowed in records")
        seen.add(id(node))
        if node.tag not in ALLOWED_TAGS:
            raise RecordError(path, where or "-", f"YAML tag {node.tag[:80]!r} is not allowed in records")
        if depth > MAX_DEPTH:
            raise RecordError(path, where or "-", f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, MappingNode):
            keys: set[str] = set()
            children: list[tuple[Node, int, str]] = []
            for key, value in node.value:
                if id(key) in seen:
                    raise RecordError(path, where or "-", "YAML anchors and aliases are not allowed in records")
                seen.add(id(key))
                if not isinstance(key, ScalarNode) or key.tag not in ALLOWED_TAGS:
                    raise RecordError(path, where or "-", "mapping keys must be plain strings")
                name = f"{where}.{key.value}" if where else key.value
                if key.value in keys:
                    raise RecordError(path, name, "duplicate key")
                keys.add(key.value)
                children.append((value, depth + 1, name))
            stack.extend(reversed(children))
        elif isinstance(node, SequenceNode):
            stack.extend((item, depth + 1, f"{where}[{index}]") for index, item in reversed(list(enumerate(node.value))))


class _Unusual(Exception):
    """Raised by :func:`_build` on anything but a plain, well-formed record tree."""


_BOOL_VALUES: dict[str, bool] = yaml.constructor.SafeConstructor.bool_values


def _scalar(node: Node) -> Any:
    """What PyYAML's safe constructor makes of a scalar node with an allowed scalar tag."""
    tag = node.tag
    value: str = node.value
    if tag == _STR:
        return value
    if tag == _INT:
        if _INT_FORM.match(value):  # the resolver's form: int() reads it as PyYAML does
            try:
                return int(value)
            except ValueError:  # more digits than int() converts: kept as text (see above)
                return value
        return _construct_int(_TIMESTAMPS, node)
    if tag == _NULL:
        return None
    if tag == _BOOL:
        flag = _BOOL_VALUES.get(value.lower())
        return value if flag is None else flag
    raise _Unusual  # a collection tag on a scalar, or a tag records may not use


def _build(node: Node, depth: int) -> Any:
    """The Python value of a composed tree in one pass: what ``_check_tree`` then
    ``construct_document`` give for a record without aliases (the caller makes sure).

    Raises :class:`_Unusual` on whatever ``_check_tree`` or the constructor would refuse
    (a tag, a duplicate key, a non-scalar key, a tag that does not fit its node, depth):
    the caller then takes the slow path, which reports it exactly as before.
    """
    if depth > MAX_DEPTH:
        raise _Unusual
    if node.__class__ is MappingNode:
        if node.tag != _MAP:
            raise _Unusual
        mapping: dict[Any, Any] = {}
        names: set[str] = set()  # duplicates are told by the key's text ('null' and null are)
        for key, value in node.value:
            if key.__class__ is not ScalarNode:
                raise _Unusual
            name = key.value
            if name in names:
                raise _Unusual
            names.add(name)
            mapping[name if key.tag == _STR else _scalar(key)] = (
                value.value
                if value.__class__ is ScalarNode and value.tag == _STR
                else _build(value, depth + 1)
            )
        return mapping
    if node.__class__ is SequenceNode:
        if node.tag != _SEQ:
            raise _Unusual
        return [
            item.value if item.__class__ is ScalarNode and item.tag == _STR else _build(item, depth + 1)
            for item in node.value
        ]
    return _scalar(node)


def parse_yaml(text: str, path: str, *, first_line: int = 1) -> Any:
    """Parse one YAML document safely; errors become :class:`RecordError`.

    ``first_line`` is the file line the text starts on, so that positions in error
    messages point into the file (front matter starts on line 2, after ``---``).

    >>> parse_yaml("topics: [No, 017, 1.5]\\nquality: 5", "a.md")
    {'topics': ['No', '017', '1.5'], 'quality': 5}
    >>> parse_yaml("title: [oops", "a.md", first_line=2)
    Traceback (most recent call last):
    ...
    graph.errors.RecordError: a.md: yaml: line 3, column 1: did not find expected ',' or ']'
    """
    # Composing is recursive in libyaml's binding: measure the depth first when the
    # text could possibly nest deeply (indentation alone cannot within MAX_FILE_BYTES).
    try:
        loader = _Loader(text)
    except UnicodeEncodeError as exc:  # lone surrogates cannot be encoded for libyaml
        raise RecordError(path, "yaml", f"text cannot be encoded as UTF-8: {exc.reason}") from None
    try:
        if text.count("[") + text.count("{") + text.count("- ") + text.count("? ") > 2000:
            if _max_collection_depth(text) > MAX_DEPTH:
                raise RecordError(path, "-", f"nested deeper than {MAX_DEPTH} levels")
        node = loader.get_single_node()
        if node is None:
            raise RecordError(path, "-", "empty front matter")
        if "*" not in text:  # no alias without a '*': one pass builds and checks
            try:
                return _build(node, 0)
            except _Unusual:
                pass  # the two passes below report the problem
        _check_tree(node, path)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + first_line}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise RecordError(path, "yaml", f"{where}{problem}") from None
    except yaml.YAMLError as exc:
        raise RecordError(path, "yaml", str(exc).splitlines()[0]) from None
    except (ValueError, OverflowError) as exc:  # a safety net: constructors are lenient
        raise RecordError(path, "yaml", f"bad value: {exc}") from None
    finally:
        loader.dispose()


# ---------------------------------------------------------------- field checks

#: Records list the same articles again and again (``related``): canonical forms are
#: remembered per process (a pure function; errors are not cached and raise again).
_canonical_url = lru_cache(maxsize=262_144)(canonical_url)
_canonical_domain = lru_cache(maxsize=65_536)(canonical_domain)


_WHITE_SPACE = re.compile(r"\s")  # the characters str.isspace() is true for


def _type_name(value: object) -> str:
    return {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "integer", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _string(data: dict[str, Any], key: str, path: str, where: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value.__class__ is not str:  # the common case first
        if value is None:
            if required:
                raise RecordError(path, where + key, "missing (required)")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise RecordError(path, where + key, f"expected a string, got {_type_name(value)}")
        value = str(value)
    text = clean_text(value)
    if required and not text:
        raise RecordError(path, where + key, "empty (required)")
    return text or None


def _integer(data: dict[str, Any], key: str, path: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(path, where + key, f"expected an integer, got {_type_name(value)} {value!r:.40}")
    if not -(2**53) <= value <= 2**53:
        raise RecordError(path, where + key, f"integer out of range: {value}")
    return value


def parse_datetime(value: object) -> datetime:
    """A timezone-aware UTC datetime from a YAML timestamp, date or ISO-8601 string.

    >>> parse_datetime("2023-05-07T13:00:00+02:00").isoformat()
    '2023-05-07T11:00:00+00:00'
    >>> parse_datetime("2023-05-07").isoformat()
    '2023-05-07T00:00:00+00:00'
    >>> parse_datetime("2001-12-14 21:59:43.10 -5").isoformat()  # YAML's own timestamp form
    '2001-12-15T02:59:43.100000+00:00'
    >>> parse_datetime("2023-02-30")
    Traceback (most recent call last):
    ...
    ValueError: not a valid date/time: '2023-02-30' (day is out of range for month)
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text.upper().replace(" UTC", "Z"))  # RFC 3339 allows t, z
        except ValueError:
            if not _TIMESTAMPS.timestamp_regexp.match(text):
                raise ValueError(f"not an ISO-8601 date/time: {text[:60]!r}") from None
            try:  # the YAML timestamp forms fromisoformat does not know (``... 21:59:43.10 -5``)
                parsed = _TIMESTAMPS.construct_yaml_timestamp(ScalarNode("tag:yaml.org,2002:timestamp", text))
            except ValueError as exc:
                raise ValueError(f"not a valid date/time: {text[:60]!r} ({exc})") from None
            return parse_datetime(parsed)
    else:
        raise ValueError(f"expected a date/time, got {_type_name(value)}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last representable instant
        raise ValueError(f"year {moment.year} is out of range {YEAR_RANGE[0]}..{YEAR_RANGE[1]}") from None
    if not YEAR_RANGE[0] <= moment.year <= YEAR_RANGE[1]:
        raise ValueError(f"year {moment.year} is out of range {YEAR_RANGE[0]}..{YEAR_RANGE[1]}")
    return moment


def _listing(data: object, path: str, where: str, *, primary: bool) -> tuple[Listing, list[RecordError]]:
    """Validate and normalize one article mapping (``where`` prefixes field names)."""
    if not isinstance(data, dict):
        raise RecordError(path, where.rstrip(".") or "-", f"expected a mapping, got {_type_name(data)}")
    title = _string(data, "title", path, where, required=True)
    assert title is not None
    raw_urls: list[str] = []
    urls: list[str] = []
    for key in URL_FIELDS:
        raw = data.get(key)
        if raw is None or raw == "":
            continue
        if not isinstance(raw, str):
            raise RecordError(path, where + key, f"expected a URL string, got {_type_name(raw)}")
        try:
            canonical = _canonical_url(raw)
        except URLError as exc:
            raise RecordError(path, where + key, str(exc)) from None
        raw = raw.strip()
        if raw == canonical:
            raw = canonical  # one object: pickled once when records cross to the parent
        if raw not in raw_urls:
            raw_urls.append(raw)
        if canonical not in urls:
            urls.append(canonical)
    if "publishedDateTime" not in data or data["publishedDateTime"] is None:
        raise RecordError(path, where + "publishedDateTime", "missing (required)")
    try:
        published = parse_datetime(data["publishedDateTime"])
    except ValueError as exc:
        raise RecordError(path, where + "publishedDateTime", str(exc)) from None
    provider = data.get("provider")
    if provider is None:
        provider = {}
    if not isinstance(provider, dict):
        raise RecordError(path, where + "provider", f"expected a mapping, got {_type_name(provider)}")
    provider_name = _string(provider, "name", path, where + "provider.")
    domain_text = _string(provider, "domain", path, where + "provider.")
    domain = _canonical_domain(domain_text) if domain_text else ""
    if not domain and urls:
        domain = _canonical_domain(urls[0])
    if not domain:
        raise RecordError(path, where + "provider.domain", "missing, and no URL to take it from")
    if _WHITE_SPACE.search(domain):
        raise RecordError(path, where + "provider.domain", f"not a domain name: {domain[:80]!r}")
    topics_raw = data.get("topics") or []
    if not isinstance(topics_raw, list):
        raise RecordError(path, where + "topics", f"expected a list, got {_type_name(topics_raw)}")
    topics: list[str] = []
    for index, topic in enumerate(topics_raw):
        if isinstance(topic, bool) or not isinstance(topic, (str, int)):
            raise RecordError(path, f"{where}topics[{index}]", f"expected a string, got {_type_name(topic)}")
        name = clean_text(str(topic))
        if name and name not in topics:
            topics.append(name)
    problems: list[RecordError] = []
    images: list[Image] = []
    images_raw = data.get("images") or []
    if not isinstance(images_raw, list):
        raise RecordError(path, where + "images", f"expected a list, got {_type_name(images_raw)}")
    for index, image in enumerate(images_raw):
        try:
            images.append(_image(image, path, f"{where}images[{index}]."))
        except RecordError as exc:
            problems.append(exc)
    kind = _string(data, "type", path, where)
    # Names repeated on thousands of records are interned: one object each, so a chunk of
    # parsed records pickles (and the parent unpickles) each of them once.
    listing = Listing(
        urls=tuple(urls),
        raw_urls=tuple(raw_urls),
        title=title,
        excerpt=_string(data, "excerpt", path, where),
        published=published,
        type=None if kind is None else sys.intern(kind),
        quality=_integer(data, "quality", path, where),
        heat=_integer(data, "heat", path, where),
        provider_domain=sys.intern(domain),
        provider_name=None if provider_name is None else sys.intern(provider_name),
        topics=tuple(map(sys.intern, topics)),
        images=tuple(images),
    )
    return listing, problems


def _image(data: object, path: str, where: str) -> Image:
    if not isinstance(data, dict):
        raise RecordError(path, where.rstrip("."), f"expected a mapping, got {_type_name(data)}")
    url = data.get("url")
    if not isinstance(url, str) or not url.strip():
        raise RecordError(path, where + "url", "missing or not a string")
    return Image(url.strip(), _integer(data, "width", path, where), _integer(data, "height", path, where))


def record_from_data(data: object, path: str) -> Record:
    """Validate a parsed front-matter mapping into a :class:`Record`."""
    if not isinstance(data, dict):
        raise RecordError(path, "-", f"front matter must be a mapping, got {_type_name(data)}")
    article, problems = _listing(data, path, "", primary=True)
    related_raw = data.get("related") or []
    if not isinstance(related_raw, list):
        raise RecordError(path, "related", f"expected a list, got {_type_name(related_raw)}")
    related: list[Listing] = []
    for index, item in enumerate(related_raw):
        try:
            listing, item_problems = _listing(item, path, f"related[{index}].", primary=False)
        except RecordError as exc:
            problems.append(exc)
            continue
        related.append(listing)
        problems.extend(item_problems)
    return Record(path=path, article=article, related=tuple(related), warnings=tuple(problems))


def file_digest(data: bytes) -> str:
    """The content key of a record file's bytes (BLAKE2b, 128 bits, hex).

    >>> file_digest(b"---\\ntitle: x\\n---\\n") == file_digest(b"---\\ntitle: x\\n---\\n")
    True
    """
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_file_bytes(file: Path, display: str, max_bytes: int = MAX_FILE_BYTES) -> tuple[str | None, bytes | RecordError]:
    """The content key and bytes of a record file, or the reason it cannot be read.

    The key is ``None`` when the result depends on more than the bytes (an unreadable
    file, a FIFO); an oversized file is keyed by its size alone (its bytes do not matter).
    """
    try:
        status = file.stat()
        if not stat.S_ISREG(status.st_mode):  # a FIFO or device would block or never end
            return None, RecordError(display, "-", "not a regular file")
        size = status.st_size
        if size > max_bytes:
            return f"size:{size}", RecordError(display, "-", f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        with file.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, RecordError(display, "-", f"cannot read: {exc.strerror or exc}")
    if len(raw) > max_bytes:
        return f"size:{len(raw)}", RecordError(display, "-", f"file is over the {max_bytes:,}-byte limit")
    return file_digest(raw), raw


def parse_bytes(raw: bytes, display: str, suffix: str = ".md") -> Record | RecordError:
    """Validate one record file's bytes (``suffix``: the file name's ending); never raises for bad content."""
    try:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RecordError(display, "-", f"not valid UTF-8 (byte {exc.start})")
        text = text.lstrip("\ufeff")
        if not text.strip():
            return RecordError(display, "-", "empty file")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\x00" in text:
            return RecordError(display, "-", "contains NUL characters (binary file?)")
        require_fence = suffix.lower() not in (".yaml", ".yml")
        front = split_front_matter(text, display, require_fence)
        data = parse_yaml(front, display, first_line=1 if front is text else 2)
        return record_from_data(data, display)
    except RecordError as exc:
        return exc
    except RecursionError:
        return RecordError(display, "-", "nested too deeply")


def parse_file_keyed(file: Path, display: str, max_bytes: int = MAX_FILE_BYTES) -> tuple[str | None, Record | RecordError]:
    """:func:`parse_file` with the content key of the bytes it parsed (see :func:`read_file_bytes`)."""
    key, raw = read_file_bytes(file, display, max_bytes)
    if isinstance(raw, RecordError):
        return key, raw
    return key, parse_bytes(raw, display, file.suffix)


def parse_file(file: Path, display: str, max_bytes: int = MAX_FILE_BYTES) -> Record | RecordError:
    """Read and validate one record file; never raises for bad content.

    ``display`` is the path used in the record's provenance and in error messages.
    """
    return parse_file_keyed(file, display, max_bytes)[1]


# ------------------------------------------------------------------ whole folders


def find_record_files(root: Path) -> list[Path]:
    """Record files below ``root`` (or ``root`` itself), sorted, hidden folders skipped."""
    return [Path(file) for file, _ in record_items(root)]


def record_items(root: Path) -> list[tuple[str, str]]:
    """(file path, display path) of every record file below ``root``, sorted by path parts.

    Works on strings (``os.walk``), not :class:`~pathlib.Path` objects: on a folder of
    100,000 records, building and sorting paths cost more than a warm start's other work.
    """
    if root.is_file():
        return [(str(root), root.name)]
    if not root.is_dir():
        raise NewsgraphError(f"{root}: no such file or folder")
    top = str(root)
    skip = len(top) + (0 if top.endswith(os.sep) else 1)
    found: list[tuple[str, str]] = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")) and d != "node_modules")
        for name in files:
            if name.lower().endswith(RECORD_SUFFIXES) and not name.startswith("."):
                file = os.path.join(folder, name)
                display = file[skip:]
                if os.sep != "/":  # pragma: no cover - Windows
                    display = display.replace(os.sep, "/")
                found.append((file, display))
    found.sort(key=lambda item: item[1].split("/"))  # the order Path objects sort in
    return found


@dataclass
class LoadReport:
    """What a load read, kept and refused."""

    root: str
    files: int = 0
    records: int = 0
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[RecordError] = field(default_factory=list)
    seconds: float = 0.0
    parser: str = PARSER
    cache: Any = None
    """What the warm-start cache did (:class:`graph.cache.CacheInfo`), ``None`` without one."""

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "files": self.files,
            "records": self.records,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
            "seconds": round(self.seconds, 3),
            "parser": self.parser,
        }


Keyed = tuple[str | None, Record | RecordError]
"""A file's content key (``None``: not cacheable) and what parsing it gave."""


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (restored on the way out).

    Parsing allocates millions of short-lived containers (YAML nodes, dicts) and keeps
    the records: every few hundred allocations the collector would walk the ever larger
    heap of kept records, ~20% of the parse, for nothing: parsing makes no reference
    cycles (reference counting frees everything it drops). Building the graph from the
    records gains the same way (about half of :func:`graph.model.build_graph`'s time).

    >>> import gc
    >>> with paused_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_chunk(items: list[tuple[str, str]]) -> list[Keyed]:
    with paused_gc():
        return [parse_file_keyed(Path(file), display) for file, display in items]


def _chunks(items: list[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _guided_chunks(items: list[tuple[str, str]], workers: int) -> Iterator[list[tuple[str, str]]]:
    """Chunks for ``workers`` processes: large while much is left, smaller towards the end.

    Large chunks keep the per-chunk overhead low; shrinking ones (a quarter of each
    worker's share of what is left, at least 16) let the workers finish together instead
    of one waiting for the other's last big chunk.

    >>> [len(c) for c in _guided_chunks([("f", "f")] * 100, 2)]
    [16, 16, 16, 16, 16, 16, 4]
    >>> sum(len(c) for c in _guided_chunks([("f", "f")] * 5000, 2)), len(list(_guided_chunks([("f", "f")] * 5000, 2)))
    (5000, 41)
    """
    start = 0
    while start < len(items):
        size = max(16, min(256, (len(items) - start) // (workers * 4)))
        yield items[start : start + size]
        start += size


def parse_items(
    items: list[tuple[str, str]],
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Keyed]:
    """Parse (file, display) items, in their order, in ``workers`` processes; never raises for bad content.

    ``workers``: default all cores for 400 files or more, else 1.
    """
    if workers is None:
        workers = (os.cpu_count() or 1) if len(items) >= 400 else 1
    with paused_gc():
        return _parse_items(items, workers, progress)


def _parse_items(items: list[tuple[str, str]], workers: int, progress: Callable[[int], None] | None) -> list[Keyed]:
    chunk = 64
    if workers > 1 and len(items) > chunk:
        pool = ProcessPoolExecutor(max_workers=workers)
        try:
            batches = list(_consume(pool.map(_parse_chunk, _guided_chunks(items, workers)), progress))
        finally:
            pool.shutdown()
    else:
        batches = list(_consume(map(_parse_chunk, _chunks(items, chunk)), progress))
    return [result for batch in batches for result in batch]


def collect(results: Iterable[Record | RecordError], report: LoadReport) -> list[Record]:
    """The records among ``results``; errors and warnings go to ``report``."""
    records: list[Record] = []
    for result in results:
        if isinstance(result, RecordError):
            report.errors.append(result)
        else:
            records.append(result)
            report.warnings.extend(result.warnings)
    report.records = len(records)
    return records


def read_records(
    root: Path,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Record], LoadReport]:
    """Parse every record file below ``root``; bad files go to the report, never raise.

    ``workers``: processes to parse with (default: all cores for large folders, 1 for
    small ones). ``progress`` is called with the number of files just finished.
    """
    items = record_items(root)
    report = LoadReport(root=str(root), files=len(items))
    results = parse_items(items, workers=workers, progress=progress)
    return collect((result for _, result in results), report), report


def _consume(batches: Iterable[list[Keyed]], progress: Callable[[int], None] | None) -> Iterator[list[Keyed]]:
    for batch in batches:
        if progress is not None:
            progress(len(batch))
        yield batch
