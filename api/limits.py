"""Query cost estimation: refuse a query before it runs when it could return too much.

The estimate counts the objects a query may return: each field counts once per parent
object; a connection field (a paginated list) multiplies what is below it by its
``first`` argument (a literal, or ``max_page_size`` when it comes from a variable, or
``default_page_size`` when it is left out). Named fragments are expanded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
    visit,
    Visitor,
)
from graphql.type.definition import GraphQLInterfaceType

from .settings import Settings


def estimate_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    settings: Settings,
) -> int:
    """The estimated number of objects ``operation`` may return.

    Linear in the size of the document: a named fragment's cost per parent object is
    computed once (cost is proportional to the multiplier above it), so fragments that
    spread other fragments many times over ("fragment bombs") cannot make it slow.
    """
    root = schema.query_type
    if root is None:
        return 0
    memo: dict[str, int] = {}

    def fragment_cost(name: str, active: frozenset[str]) -> int:
        if name in memo:
            return memo[name]
        fragment = fragments.get(name)
        if fragment is None or name in active:  # unknown or cyclic: validation reports it
            return 0
        target = schema.get_type(fragment.type_condition.name.value)
        cost = walk(fragment.selection_set, target, active | {name})
        memo[name] = cost
        return cost

    def walk(selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, active: frozenset[str]) -> int:
        """Cost of ``selection_set`` per parent object."""
        if selection_set is None:
            return 0
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field_type: GraphQLNamedType | None = None
                if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
                    definition = parent.fields.get(selection.name.value)
                    if definition is not None:
                        field_type = get_named_type(definition.type)
                factor = 1
                if field_type is not None and field_type.name.endswith("Connection"):
                    factor = _first(selection, settings)
                cost += 1 + factor * walk(selection.selection_set, field_type, active)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = schema.get_type(selection.type_condition.name.value)
                cost += walk(selection.selection_set, target, active)
            elif isinstance(selection, FragmentSpreadNode):
                cost += fragment_cost(selection.name.value, active)
        return cost

    return walk(operation.selection_set, root, frozenset())


def _first(field: FieldNode, settings: Settings) -> int:
    for argument in field.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(int(argument.value.value), 0)
            return settings.max_page_size
    return settings.default_page_size


def cost_rule(settings: Settings) -> type[ValidationRule]:
    """A validation rule refusing operations whose estimated cost exceeds ``max_cost``."""

    class MaxCost(ValidationRule):
        def enter_document(self, node: Any, *_: Any) -> None:
            fragments = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}
            for definition in node.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    cost = estimate_cost(self.context.schema, definition, fragments, settings)
                    if cost > settings.max_cost:
                        name = definition.name.value if definition.name else "anonymous"
                        self.report_error(GraphQLError(
                            f"query {name!r} could return about {cost:,} objects, over the limit of "
                            f"{settings.max_cost:,} (max_cost): ask for smaller pages",
                            definition,
                        ))

    return MaxCost


# ------------------------------------------------------------------ document shape


class LimitExceeded(Exception):
    """A request over one of the limits; ``message`` names the setting and its value."""

    def __init__(self, message: str, setting: str, limit: int | float) -> None:
        super().__init__(message)
        self.message = message
        self.setting = setting
        self.limit = limit


@dataclass(frozen=True)
class Shape:
    """What the limits look at in a document, with named fragments expanded."""

    depth: int
    """Deepest field nesting of any operation (top-level fields are at 0; introspection
    fields are not followed), as Strawberry's ``QueryDepthLimiter`` counts it."""
    aliases: int
    """Aliased fields over all operations, each fragment counted once per spread."""
    directives: int
    """Directives written in the document."""
    fields: int
    """Field selections over all operations once fragments are expanded."""
    unknown_fragments: tuple[str, ...]
    """Fragment spreads naming no fragment of the document."""


def measure(document: DocumentNode) -> Shape:
    """The :class:`Shape` of ``document``, in time linear in its size.

    Each named fragment is measured once and reused wherever it is spread (cycles count
    as empty: validation reports them), so a document whose fragments spread each other
    many times over costs no more to measure than to parse.

    >>> from graphql import parse
    >>> measure(parse("{ a: stats { articles } ...F } fragment F on Query { b: stats { topics } }"))
    Shape(depth=1, aliases=2, directives=0, fields=4, unknown_fragments=())
    >>> bomb = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(60))
    >>> measure(parse("{ ...F0 } " + bomb + " fragment F60 on Query { x: stats { articles } }")).aliases
    1152921504606846976
    """
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    # per fragment: (relative depth or -1 when it has no field, aliases, fields)
    memo: dict[str, tuple[int, int, int]] = {}
    unknown: set[str] = set()

    def fragment(name: str, active: frozenset[str]) -> tuple[int, int, int]:
        if name in memo:
            return memo[name]
        definition = fragments.get(name)
        if definition is None:
            unknown.add(name)
            return (-1, 0, 0)
        if name in active:
            return (-1, 0, 0)
        result = selections(definition.selection_set.selections, active | {name})
        memo[name] = result
        return result

    def selections(nodes: Iterable[Any], active: frozenset[str]) -> tuple[int, int, int]:
        """(deepest field level relative to these selections, aliases, fields)."""
        depth, aliases, count = -1, 0, 0
        for node in nodes:
            if isinstance(node, FieldNode):
                count += 1
                aliases += 1 if node.alias is not None else 0
                depth = max(depth, 0)
                if node.selection_set is not None:
                    below = selections(node.selection_set.selections, active)
                    if not node.name.value.startswith("__"):
                        depth = max(depth, below[0] + 1)
                    aliases += below[1]
                    count += below[2]
            elif isinstance(node, InlineFragmentNode):
                below = selections(node.selection_set.selections, active)
                depth, aliases, count = max(depth, below[0]), aliases + below[1], count + below[2]
            elif isinstance(node, FragmentSpreadNode):
                below = fragment(node.name.value, active)
                depth, aliases, count = max(depth, below[0]), aliases + below[1], count + below[2]
        return depth, aliases, count

    depth, aliases, count = 0, 0, 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            d, a, c = selections(definition.selection_set.selections, frozenset())
            depth, aliases, count = max(depth, d), aliases + a, count + c

    directives = 0

    class _Directives(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            nonlocal directives
            directives += 1

    visit(document, _Directives())
    return Shape(depth=depth, aliases=aliases, directives=directives, fields=count,
                 unknown_fragments=tuple(sorted(unknown)))


def check_document(document: DocumentNode, settings: Settings) -> Shape:
    """Refuse ``document`` when it is over a limit, before anything else looks at it.

    Raises :class:`LimitExceeded` naming the limit and its value; fields and aliases are
    counted with fragments expanded (a document that expands to more field selections
    than ``max_cost`` could only ever cost more than that).

    >>> from graphql import parse
    >>> check_document(parse("{ stats { articles } }"), Settings()).fields
    2
    >>> check_document(parse("{ a: stats { articles } b: stats { topics } }"), Settings(max_aliases=1))
    Traceback (most recent call last):
    ...
    api.limits.LimitExceeded: the query uses 2 aliases, over the limit of 1 (max_aliases)
    """
    shape = measure(document)
    if shape.unknown_fragments:
        names = ", ".join(repr(n[:100]) for n in shape.unknown_fragments[:5])
        raise LimitExceeded(f"unknown fragment {names}: define it in the document", "fragments", 0)
    if shape.depth > settings.max_depth:
        raise LimitExceeded(f"the query is nested {shape.depth} levels deep, over the limit of "
                            f"{settings.max_depth} (max_depth)", "max_depth", settings.max_depth)
    if shape.aliases > settings.max_aliases:
        raise LimitExceeded(f"the query uses {shape.aliases:,} aliases, over the limit of "
                            f"{settings.max_aliases} (max_aliases)", "max_aliases", settings.max_aliases)
    if shape.directives > settings.max_directives:
        raise LimitExceeded(f"the query uses {shape.directives:,} directives, over the limit of "
                            f"{settings.max_directives} (max_directives)", "max_directives", settings.max_directives)
    if shape.fields > settings.max_cost:
        raise LimitExceeded(f"the query selects {shape.fields:,} fields once its fragments are expanded, over "
                            f"the limit of {settings.max_cost:,} (max_cost)", "max_cost", settings.max_cost)
    return shape


def check_variables(variables: Any, settings: Settings) -> None:
    """Refuse ``variables`` that hold more values than ``max_tokens`` (a document could
    not spell that many inline), nest deeper than ``max_depth`` or hold lone surrogates.

    Iterative, so deeply nested JSON cannot exhaust the stack.

    >>> check_variables({"a": [1, 2, {"b": "x"}]}, Settings())
    >>> check_variables({"a": list(range(50))}, Settings(max_tokens=10))
    Traceback (most recent call last):
    ...
    api.limits.LimitExceeded: `variables` hold more than 10 values, over the limit of 10 (max_tokens)
    """
    stack: list[tuple[Any, int]] = [(variables, 0)]
    count = 0
    while stack:
        value, level = stack.pop()
        count += 1
        if count > settings.max_tokens:
            raise LimitExceeded(f"`variables` hold more than {settings.max_tokens:,} values, over the limit of "
                                f"{settings.max_tokens:,} (max_tokens)", "max_tokens", settings.max_tokens)
        if level > settings.max_depth + 1:
            raise LimitExceeded(f"`variables` are nested more than {settings.max_depth} levels deep, over the "
                                f"limit of {settings.max_depth} (max_depth)", "max_depth", settings.max_depth)
        if isinstance(value, dict):
            for key, item in value.items():
                if _has_surrogate(key):
                    raise LimitExceeded("`variables` hold a lone surrogate in a key", "unicode", 0)
                stack.append((item, level + 1))
        elif isinstance(value, list):
            stack.extend((item, level + 1) for item in value)
        elif isinstance(value, str) and _has_surrogate(value):
            raise LimitExceeded("`variables` hold a string with a lone surrogate (not valid Unicode)", "unicode", 0)


def _has_surrogate(text: str) -> bool:
    """True when ``text`` holds a lone surrogate (JSON ``\\ud800`` escapes decode to them).

    >>> _has_surrogate("ok é"), _has_surrogate("bad \\ud800")
    (False, True)
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def shape_rule(settings: Settings) -> type[ValidationRule]:
    """A validation rule applying :func:`check_document` (depth, aliases, directives, fields)."""

    class Shape(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            try:
                check_document(node, settings)
            except LimitExceeded as exc:
                self.report_error(GraphQLError(exc.message))

    return Shape
