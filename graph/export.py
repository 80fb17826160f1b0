"""Export the coverage graph (or part of it) to GraphML, GEXF, node-link JSON and CSV.

Exports are *streamed*: one pass over the attributes in use declares the typed keys
(every format needs them up front), a second pass writes node after node and edge
after edge. No second copy of the graph is built (no ``subgraph().copy()``, no
ElementTree, no converted graph for ``nx.write_graphml``), so the memory an export
needs does not grow with the graph (see ``tests/bench/bench_export.py``).

Formats (:data:`FORMATS`)
-------------------------
=========  ===============================  ================================================
format     file                             read back with
=========  ===============================  ================================================
graphml    GraphML 1.0, UTF-8               ``nx.read_graphml(f, force_multigraph=True)``,
                                            ``igraph.Graph.Read_GraphML``, Gephi, Cytoscape, yEd
gexf       GEXF 1.2draft, UTF-8             ``nx.read_gexf``, Gephi
json       NetworkX node-link JSON, UTF-8   ``nx.node_link_graph(json.load(f), edges="edges")``
csv        zip of ``nodes.csv`` and         ``neo4j-admin database import full
           ``edges.csv`` (Neo4j headers)    --nodes=nodes.csv --relationships=edges.csv
                                            --multiline-fields=true``; any CSV reader
=========  ===============================  ================================================

Attribute mapping (the same in every format)
--------------------------------------------
Every node keeps ``kind`` (article, provider, topic, story) and every edge ``kind``
(published_by, tagged, related, echoes, in_story) plus all their attributes:

=======================================  ==========================================================
Python value                             exported as
=======================================  ==========================================================
``bool``                                 boolean (GraphML/GEXF ``boolean``, Neo4j ``:boolean``)
``int``                                  integer (``long``, Neo4j ``:long``)
``float``                                double (``double``, Neo4j ``:double``)
``datetime``                             ISO-8601 string in UTC: ``2023-05-07T13:00:00Z``
                                         (naive datetimes are taken as UTC; Neo4j ``:datetime``)
``list``/``tuple``/``set``, dataclass    JSON text (``["a","b"]``; sets sorted; an
(``Image``), ``dict``                    ``Image`` is ``{"url":…,"width":…,"height":…}``)
``str`` and anything else                string (``str(value)``)
``None``                                 omitted (no ``<data>``, no JSON member, empty CSV field)
=======================================  ==========================================================

JSON-text attributes of the coverage graph: article ``urls`` (every alias URL),
``images``, ``sources`` (record files); provider and topic ``names`` (every
spelling seen); edge ``sources`` (``related``) and ``evidence`` (``echoes``). Read them
with ``json.loads``.

**One type per key.** A key (attribute name, separately for nodes and edges) gets a
single type over the whole export: ints mixed with floats become doubles; a key
holding an integer beyond 64 bits (or ints beyond 2**53 mixed with floats) becomes
a string key whose every value is the exact decimal text (``int(text)`` restores it);
any other mix becomes a string key (booleans as ``true``/``false``, datetimes as
ISO-8601, lists as JSON).

**Floats.** NaN and infinities are kept: GraphML/GEXF write ``NaN``, ``INF``, ``-INF``
(XML Schema spelling, read by NetworkX and igraph); JSON, which has no NaN, writes the
strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``; CSV writes ``NaN``, ``Infinity``,
``-Infinity`` (Java/Neo4j spelling). ``float(text)`` reads all of them.

**Strings** (values, node ids, names) are made XML-safe in every format, so all
formats carry the same text: C0 control characters other than tab, LF and CR, DEL,
C1 controls (U+0080-U+009F), lone surrogates (a surrogate *pair* becomes its
character) and U+FFFE/U+FFFF are removed. Everything else is kept, accents, CJK,
emoji and curly quotes included; CR survives XML as ``&#13;``.

**Edges.** MultiDiGraph edge keys are kept: the GraphML edge ``id`` is the key (the
NetworkX convention, so ``read_graphml`` restores it; ids repeat across the file),
GEXF edges carry it in a ``networkx_key`` attribute (their ``id`` is a running
number), JSON in ``key``, CSV in a ``key`` column. In the coverage graph the key is
the edge kind.

**Reading back.** NetworkX before 3.4 spells the JSON call
``node_link_graph(data, link="edges")``; its GEXF reader returns a plain ``DiGraph``
(keys dropped) when no two edges share their ends. igraph (``Graph.Read_GraphML``)
keeps every value with its own limits: numbers become doubles (exact up to 2**53),
an absent value reads as ``""``, NaN or ``False``, and igraph 1.0 returns ``&`` inside
node ids as ``&#38;``. Python's :mod:`csv` needs ``csv.field_size_limit`` raised for
values over 128 KB.

**Structural extras** a reader adds: GEXF ``label`` (nodes: title or name; edges:
none) and the GEXF edge ``id``; CSV ``id:ID``, ``:LABEL`` (``Article``…),
``:START_ID``, ``:END_ID``, ``:TYPE`` (``PUBLISHED_BY``…). CSV strings are always
quoted and an absent value is an empty *unquoted* field, so Neo4j tells ``""`` from
no value.

>>> import io, graph, networkx as nx
>>> g, _ = graph.load("seeds", stories=False)
>>> out = io.BytesIO()
>>> write(g, "graphml", out)
>>> back = nx.read_graphml(io.BytesIO(out.getvalue()), force_multigraph=True)
>>> back.number_of_nodes(), back.number_of_edges()
(19, 19)
>>> node = back.nodes["article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"]
>>> node["quality"], node["primary"], node["published"], node["urls"]
(54, True, '2023-05-07T17:18:00Z', '["https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"]')
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import IO, Any, cast

from .errors import NewsgraphError, NotFound
from .model import CoverageGraph

__all__ = [
    "FORMATS",
    "Format",
    "iter_bytes",
    "write",
    "write_csv",
    "xml_safe",
]


@dataclass(frozen=True, slots=True)
class Format:
    """An export format: its name, HTTP content type and file name extension."""

    name: str
    content_type: str
    extension: str
    description: str

    def filename(self, stem: str = "newsgraph") -> str:
        """A download file name.

        >>> FORMATS["csv"].filename("story")
        'story.csv.zip'
        """
        return f"{stem}.{self.extension}"


#: The export formats by name.
FORMATS: dict[str, Format] = {
    "graphml": Format("graphml", "application/graphml+xml; charset=utf-8", "graphml", "GraphML 1.0"),
    "gexf": Format("gexf", "application/gexf+xml; charset=utf-8", "gexf", "GEXF 1.2draft (Gephi)"),
    "json": Format("json", "application/json", "json", "NetworkX node-link JSON"),
    "csv": Format("csv", "application/zip", "csv.zip", "nodes.csv + edges.csv with Neo4j import headers, zipped"),
}

# ------------------------------------------------------------------ strings

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (and other control characters).

    Surrogate pairs are joined into their character; lone surrogates, C0/C1 control
    characters (except tab, LF, CR), DEL and U+FFFE/U+FFFF are removed.

    >>> xml_safe("caf\\u00e9\\x00 \\u6f22\\ud800 \\ud83d\\ude00\\ufffe \\u2018ok\\u2019\\r\\n")
    'café 漢 😀 ‘ok’\\r\\n'
    """
    if _UNSAFE.search(text) is None:
        return text
    if _SURROGATE.search(text) is not None:
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return _UNSAFE.sub("", text)


def _xml_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:  # a literal CR would be read back as LF
        text = text.replace("\r", "&#13;")
    return text


def _xml_attr(text: str) -> str:
    text = _xml_text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\n" in text:  # attribute-value normalization would turn these into spaces
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#9;")
    return text


# ------------------------------------------------------------------ values

_BOOL, _INT, _WIDE, _BIG, _FLOAT, _STR, _TIME, _JSON = (1 << i for i in range(8))
_INT64 = (-(2**63), 2**63 - 1)
_EXACT_IN_DOUBLE = 2**53

#: Column types (GraphML ``attr.type``; "datetime" and "json" are strings in XML and JSON).
BOOLEAN, LONG, DOUBLE, STRING, DATETIME, JSONTEXT = "boolean", "long", "double", "string", "datetime", "json"

Scalar = bool | int | float | str


def _flag(value: Any) -> int:
    if isinstance(value, str):
        return _STR
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, int):
        flag = _INT
        if not -_EXACT_IN_DOUBLE <= value <= _EXACT_IN_DOUBLE:
            flag |= _WIDE
        if not _INT64[0] <= value <= _INT64[1]:
            flag |= _BIG
        return flag
    if isinstance(value, float):
        return _FLOAT
    if isinstance(value, datetime):
        return _TIME
    if isinstance(value, (list, tuple, set, frozenset, Mapping)) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    ):
        return _JSON
    return _STR


def _column_type(flags: int) -> str:
    if flags == _BOOL:
        return BOOLEAN
    if flags & ~(_INT | _WIDE) == 0:
        return LONG
    if flags & ~(_INT | _FLOAT) == 0:  # floats, maybe with ints exact in a double
        return DOUBLE
    if flags == _TIME:
        return DATETIME
    if flags == _JSON:
        return JSONTEXT
    return STRING


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat() + "Z"


def _float_text(number: float) -> str:
    """Float as text for string columns, JSON and CSV: ``NaN``, ``Infinity``, ``-Infinity``."""
    if math.isfinite(number):
        return repr(number)
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"


def _plain(value: Any) -> Any:
    """A JSON-ready copy of one (small) attribute value."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else _float_text(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
        return {xml_safe(name): _plain(item) for name, item in fields if item is not None}
    if isinstance(value, Mapping):
        return {xml_safe(str(key)): _plain(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        items = [_plain(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return xml_safe(str(value))


def _json_text(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _text(value: Any) -> str:
    """Any value as the text of a string column."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        return _iso(value)
    if _flag(value) == _JSON:
        return _json_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return xml_safe(str(value))


def _cell(value: Any, column_type: str) -> Scalar:
    """The exported scalar of ``value`` in a column of ``column_type``."""
    if column_type == BOOLEAN:
        return bool(value)
    if column_type == LONG:
        return int(value)
    if column_type == DOUBLE:
        return float(value)
    if column_type == DATETIME:
        return _iso(value)
    if column_type == JSONTEXT:
        return _json_text(value)
    return _text(value)


# ------------------------------------------------------------------ the two passes


@dataclass(slots=True)
class _Column:
    name: str
    """The attribute name as written (XML-safe)."""
    index: int
    flags: int = 0
    type: str = STRING


class _Schema:
    """The typed columns of the nodes and edges an export covers (one pass, no copies)."""

    def __init__(self) -> None:
        self.node: dict[Any, _Column] = {}
        self.edge: dict[Any, _Column] = {}

    @staticmethod
    def _see(columns: dict[Any, _Column], data: Mapping[Any, Any]) -> None:
        for key, value in data.items():
            if value is None:
                continue
            column = columns.get(key)
            if column is None:
                column = columns[key] = _Column(xml_safe(str(key)), len(columns))
            column.flags |= _flag(value)

    @classmethod
    def scan(cls, view: _View) -> _Schema:
        schema = cls()
        for _, data in view.nodes():
            cls._see(schema.node, data)
        for _, _, _, data in view.edges():
            cls._see(schema.edge, data)
        for column in (*schema.node.values(), *schema.edge.values()):
            column.type = _column_type(column.flags)
        return schema


def _cells(columns: dict[Any, _Column], data: Mapping[Any, Any]) -> Iterator[tuple[_Column, Scalar]]:
    for key, value in data.items():
        if value is not None:
            column = columns[key]
            yield column, _cell(value, column.type)


class _View:
    """The nodes and edges to export, iterated in a stable order without copying the graph."""

    def __init__(self, graph: Any, nodes: Iterable[Any] | None) -> None:
        self.graph = graph
        self.multigraph: bool = graph.is_multigraph()
        self.directed: bool = graph.is_directed()
        self.selected: set[Any] | frozenset[Any] | None = None
        self.order: list[Any] | None = None
        if nodes is not None:
            self.selected = nodes if isinstance(nodes, (set, frozenset)) else set(nodes)
            missing = [node for node in self.selected if node not in graph]
            if missing:
                raise NotFound("node", str(sorted(missing, key=str)[0]))
            self.order = sorted(self.selected, key=str)

    def nodes(self) -> Iterator[tuple[Any, Mapping[Any, Any]]]:
        if self.order is None:
            yield from self.graph.nodes(data=True)
        else:
            data = self.graph.nodes
            for node in self.order:
                yield node, data[node]

    def edges(self) -> Iterator[tuple[Any, Any, Any, Mapping[Any, Any]]]:
        graph = self.graph
        if self.order is None:
            if self.multigraph:
                yield from graph.edges(keys=True, data=True)
            else:
                for u, v, data in graph.edges(data=True):
                    yield u, v, None, data
            return
        selected = self.selected
        assert selected is not None
        if not self.directed:  # a lazy view (no copy) takes care of each edge once
            view = graph.subgraph(selected)
            if self.multigraph:
                yield from view.edges(keys=True, data=True)
            else:
                for u, v, data in view.edges(data=True):
                    yield u, v, None, data
            return
        for u in self.order:
            if self.multigraph:
                for _, v, key, data in graph.out_edges(u, keys=True, data=True):
                    if v in selected:
                        yield u, v, key, data
            else:
                for _, v, data in graph.out_edges(u, data=True):
                    if v in selected:
                        yield u, v, None, data


def _nx(g: CoverageGraph | Any) -> Any:
    return g.nx if isinstance(g, CoverageGraph) else g


# ------------------------------------------------------------------ GraphML


def _xml_scalar(value: Scalar) -> str:
    """The XML Schema lexical form of a value (not escaped)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("INF" if value > 0 else "-INF")
    return repr(value)


def _xml_type(column_type: str) -> str:
    return column_type if column_type in (BOOLEAN, LONG, DOUBLE) else STRING


def _graphml(view: _View) -> Iterator[str]:
    schema = _Schema.scan(view)
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
        ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for prefix, domain, columns in (("n", "node", schema.node), ("e", "edge", schema.edge)):
        for column in columns.values():
            yield (
                f'<key id="{prefix}{column.index}" for="{domain}" attr.name="{_xml_attr(column.name)}"'
                f' attr.type="{_xml_type(column.type)}"/>\n'
            )
    edgedefault = "directed" if view.directed else "undirected"
    yield f'<graph id="G" edgedefault="{edgedefault}">\n'
    for node, data in view.nodes():
        parts = [f'<node id="{_xml_attr(xml_safe(str(node)))}">']
        for column, value in _cells(schema.node, data):
            parts.append(f'<data key="n{column.index}">{_xml_text(_xml_scalar(value))}</data>')
        parts.append("</node>\n")
        yield "".join(parts)
    for u, v, key, data in view.edges():
        ident = "" if key is None else f' id="{_xml_attr(xml_safe(str(key)))}"'
        parts = [f'<edge{ident} source="{_xml_attr(xml_safe(str(u)))}" target="{_xml_attr(xml_safe(str(v)))}">']
        for column, value in _cells(schema.edge, data):
            parts.append(f'<data key="e{column.index}">{_xml_text(_xml_scalar(value))}</data>')
        parts.append("</edge>\n")
        yield "".join(parts)
    yield "</graph>\n</graphml>\n"


# ------------------------------------------------------------------ GEXF

_GEXF_KEY = "networkx_key"


def _label(node: Any, data: Mapping[Any, Any]) -> str:
    for name in ("title", "name"):
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    return str(node)


def _gexf_values(columns: dict[Any, _Column], cells: Iterable[tuple[_Column, Scalar]]) -> str:
    values = [f'<attvalue for="{column.index}" value="{_xml_attr(_xml_scalar(value))}"/>' for column, value in cells]
    return f"<attvalues>{''.join(values)}</attvalues>" if values else ""


def _gexf(view: _View) -> Iterator[str]:
    schema = _Schema.scan(view)
    key_column: _Column | None = None
    if view.multigraph:
        # Where NetworkX keeps multigraph keys in GEXF; a real attribute of that name wins.
        key_column = schema.edge.get(_GEXF_KEY) or _Column(_GEXF_KEY, len(schema.edge), _STR, STRING)
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
        "<meta><creator>newsgraph</creator></meta>\n"
    )
    edgetype = "directed" if view.directed else "undirected"
    yield f'<graph defaultedgetype="{edgetype}" mode="static">\n'
    edge_columns = list(schema.edge.values())
    if key_column is not None and _GEXF_KEY not in schema.edge:
        edge_columns.append(key_column)
    for domain, columns in (("node", list(schema.node.values())), ("edge", edge_columns)):
        yield f'<attributes class="{domain}" mode="static">\n'
        for column in columns:
            yield (
                f'<attribute id="{column.index}" title="{_xml_attr(column.name)}"'
                f' type="{_xml_type(column.type)}"/>\n'
            )
        yield "</attributes>\n"
    yield "<nodes>\n"
    for node, data in view.nodes():
        label = _xml_attr(xml_safe(_label(node, data)))
        values = _gexf_values(schema.node, _cells(schema.node, data))
        yield f'<node id="{_xml_attr(xml_safe(str(node)))}" label="{label}">{values}</node>\n'
    yield "</nodes>\n<edges>\n"
    for number, (u, v, key, data) in enumerate(view.edges()):
        cells = list(_cells(schema.edge, data))
        if key_column is not None and key is not None and _GEXF_KEY not in data:
            cells.append((key_column, xml_safe(str(key))))
        values = _gexf_values(schema.edge, cells)
        yield (
            f'<edge id="{number}" source="{_xml_attr(xml_safe(str(u)))}"'
            f' target="{_xml_attr(xml_safe(str(v)))}">{values}</edge>\n'
        )
    yield "</edges>\n</graph>\n</gexf>\n"


# ------------------------------------------------------------------ node-link JSON


def _json_scalar(value: Scalar) -> Scalar:
    if isinstance(value, float) and not math.isfinite(value):
        return _float_text(value)
    return value


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def _node_link(view: _View) -> Iterator[str]:
    schema = _Schema.scan(view)
    header = {"directed": view.directed, "multigraph": view.multigraph, "graph": {}}
    yield _dumps(header)[:-1] + ', "nodes": ['
    first = True
    for node, data in view.nodes():
        item: dict[str, Scalar] = {"id": xml_safe(str(node))}
        for column, value in _cells(schema.node, data):
            item[column.name] = _json_scalar(value)
        yield ("\n" if first else ",\n") + _dumps(item)
        first = False
    yield '\n], "edges": ['
    first = True
    for u, v, key, data in view.edges():
        edge: dict[str, Scalar] = {"source": xml_safe(str(u)), "target": xml_safe(str(v))}
        if key is not None:
            edge["key"] = xml_safe(str(key))
        for column, value in _cells(schema.edge, data):
            edge[column.name] = _json_scalar(value)
        yield ("\n" if first else ",\n") + _dumps(edge)
        first = False
    yield "\n]}\n"


# ------------------------------------------------------------------ CSV (Neo4j bulk import)

_NEO4J_TYPE = {BOOLEAN: ":boolean", LONG: ":long", DOUBLE: ":double", DATETIME: ":datetime"}


def _csv_field(value: Scalar | None) -> str:
    if value is None:
        return ""  # no value (Neo4j: no property); "" would be an empty string
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    return str(value)


_NEEDS_QUOTES = re.compile(r'[",\r\n]|^\s|\s$')


def _csv_header(columns: dict[Any, _Column], fixed: list[str]) -> str:
    names = [f"{column.name}{_NEO4J_TYPE.get(column.type, '')}" for column in columns.values()]
    return ",".join(_csv_field(name) if _NEEDS_QUOTES.search(name) else name for name in fixed + names) + "\n"


def _csv_row(columns: dict[Any, _Column], fixed: list[str], data: Mapping[Any, Any]) -> str:
    row: list[Scalar | None] = [None] * len(columns)
    for column, value in _cells(columns, data):
        row[column.index] = value
    return ",".join([*fixed, *map(_csv_field, row)]) + "\n"


def _csv_nodes(view: _View, schema: _Schema) -> Iterator[str]:
    yield _csv_header(schema.node, ["id:ID", ":LABEL"])
    for node, data in view.nodes():
        kind = xml_safe(str(data.get("kind") or "node"))
        label = kind[:1].upper() + kind[1:]
        yield _csv_row(schema.node, [_csv_field(xml_safe(str(node))), _csv_field(label)], data)


def _csv_edges(view: _View, schema: _Schema) -> Iterator[str]:
    fixed = [":START_ID", ":END_ID", ":TYPE"] + (["key"] if view.multigraph else [])
    yield _csv_header(schema.edge, fixed)
    for u, v, key, data in view.edges():
        kind = data.get("kind") or key or "edge"
        cells = [_csv_field(xml_safe(str(u))), _csv_field(xml_safe(str(v))), _csv_field(xml_safe(str(kind)).upper())]
        if view.multigraph:
            cells.append(_csv_field(None if key is None else xml_safe(str(key))))
        yield _csv_row(schema.edge, cells, data)


# ------------------------------------------------------------------ output


def _chunks(pieces: Iterable[str], chunk_size: int) -> Iterator[str]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= chunk_size:
            yield "".join(buffer)
            buffer.clear()
            size = 0
    if buffer:
        yield "".join(buffer)


class _Sink:
    """A write-only, unseekable byte sink for :mod:`zipfile`; drained after every write."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        parts, self.parts = self.parts, []
        yield from parts


def _zip(view: _View, chunk_size: int) -> Iterator[bytes]:
    schema = _Schema.scan(view)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in (("nodes.csv", _csv_nodes(view, schema)), ("edges.csv", _csv_edges(view, schema))):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # same graph, same bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as member:
                for chunk in _chunks(rows, chunk_size):
                    member.write(chunk.encode("utf-8"))
                    yield from sink.drain()
        yield from sink.drain()
    yield from sink.drain()


_RENDERERS: dict[str, Callable[[_View], Iterator[str]]] = {
    "graphml": _graphml,
    "gexf": _gexf,
    "json": _node_link,
}


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NewsgraphError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return fmt


def iter_bytes(
    g: CoverageGraph | Any, fmt: str, nodes: set[str] | None = None, *, chunk_size: int = 1 << 16
) -> Iterator[bytes]:
    """The export as UTF-8 chunks of about ``chunk_size`` characters, produced lazily.

    ``g`` is a :class:`CoverageGraph` (or any NetworkX graph); ``nodes`` limits the
    export to those node ids and the edges between them (see :mod:`graph.subgraphs`),
    ``None`` exports everything. Unknown node ids raise :class:`NotFound`, an unknown
    format :class:`NewsgraphError`, both before the first chunk is produced. For
    ``csv`` the chunks form a zip archive of ``nodes.csv`` and ``edges.csv``. Made for
    streamed HTTP responses; the graph must not change while the chunks are consumed.

    >>> import graph, json
    >>> g, _ = graph.load("seeds", stories=False)
    >>> text = b"".join(iter_bytes(g, "json", {"provider:wsj.com"})).decode()
    >>> json.loads(text)["nodes"]
    [{'id': 'provider:wsj.com', 'kind': 'provider', 'domain': 'wsj.com', 'name': 'Wall Street Journal', 'names': '["Wall Street Journal"]'}]
    """
    view = _View(_nx(g), nodes)
    name = _format(fmt)
    return _iter_bytes(view, name, chunk_size)


def _iter_bytes(view: _View, fmt: str, chunk_size: int) -> Iterator[bytes]:
    if fmt == "csv":
        yield from _zip(view, chunk_size)
        return
    for chunk in _chunks(_RENDERERS[fmt](view), chunk_size):
        yield chunk.encode("utf-8")


def _is_text(out: IO[Any]) -> bool:
    return isinstance(out, io.TextIOBase)


def write(g: CoverageGraph | Any, fmt: str, out: IO[bytes] | IO[str], nodes: set[str] | None = None) -> None:
    """Write the graph (or the ``nodes`` given and the edges between them) to ``out``.

    ``fmt`` is a key of :data:`FORMATS`. ``out`` is a binary stream (preferred: the
    bytes are UTF-8) or a text stream (``io.TextIOBase``; not for ``csv``, which is a
    zip archive). Nothing is written when the format or a node id is unknown.

    >>> import io, graph
    >>> g, _ = graph.load("seeds", stories=False)
    >>> out = io.StringIO()
    >>> write(g, "gexf", out, {"topic:ai"})
    >>> '<node id="topic:ai" label="AI">' in out.getvalue()
    True
    """
    view = _View(_nx(g), nodes)
    name = _format(fmt)
    if _is_text(out):
        if name == "csv":
            raise NewsgraphError("the csv export is a zip archive: write it to a binary stream")
        for text in _chunks(_RENDERERS[name](view), 1 << 16):
            cast("IO[str]", out).write(text)
        return
    for chunk in _iter_bytes(view, name, 1 << 16):
        cast("IO[bytes]", out).write(chunk)


def write_csv(
    g: CoverageGraph | Any, nodes_out: IO[bytes] | IO[str], edges_out: IO[bytes] | IO[str], nodes: set[str] | None = None
) -> None:
    """Write the nodes file and the edges file of the CSV export to two streams.

    Headers follow ``neo4j-admin database import``: ``id:ID``, ``:LABEL``, then one
    column per node attribute (``quality:long``, ``primary:boolean``,
    ``published:datetime``, plain names for strings); ``:START_ID``, ``:END_ID``,
    ``:TYPE``, ``key``, then the edge attributes. Streams may be binary (UTF-8) or text
    (open files with ``newline=""``: quoted values may hold line breaks).

    >>> import io, graph
    >>> g, _ = graph.load("seeds", stories=False)
    >>> nodes, edges = io.StringIO(), io.StringIO()
    >>> write_csv(g, nodes, edges, {"provider:wsj.com", "topic:ai"})
    >>> print(nodes.getvalue(), end="")
    id:ID,:LABEL,kind,domain,name,names
    "provider:wsj.com","Provider","provider","wsj.com","Wall Street Journal","[""Wall Street Journal""]"
    "topic:ai","Topic","topic",,"AI","[""AI""]"
    >>> edges.getvalue()
    ':START_ID,:END_ID,:TYPE,key\\n'
    """
    view = _View(_nx(g), nodes)
    schema = _Schema.scan(view)
    for out, rows in ((nodes_out, _csv_nodes(view, schema)), (edges_out, _csv_edges(view, schema))):
        text = _is_text(out)
        for chunk in _chunks(rows, 1 << 16):
            if text:
                cast("IO[str]", out).write(chunk)
            else:
                cast("IO[bytes]", out).write(chunk.encode("utf-8"))
