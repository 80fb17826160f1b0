"""Query cost estimation: refuse a query before it runs when it could return too much.

The estimate counts the objects a query may return: each field counts once per parent
object; a connection field (a paginated list) multiplies what is below it by its
``first`` argument (a literal, or ``max_page_size`` when it comes from a variable, or
``default_page_size`` when it is left out). Named fragments are expanded.
"""

from __future__ import annotations

from typing import Any

from graphql import (
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
)
from graphql.type.definition import GraphQLInterfaceType

from .settings import Settings


def estimate_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    settings: Settings,
) -> int:
    """The estimated number of objects ``operation`` may return."""
    root = schema.query_type
    if root is None:
        return 0
    budget = settings.max_cost * 10 + 1  # stop walking absurd queries early

    def walk(selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, multiplier: int,
             seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        cost = 0
        for selection in selection_set.selections:
            if cost > budget:
                break
            if isinstance(selection, FieldNode):
                field_type: GraphQLNamedType | None = None
                if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
                    definition = parent.fields.get(selection.name.value)
                    if definition is not None:
                        field_type = get_named_type(definition.type)
                factor = 1
                if field_type is not None and field_type.name.endswith("Connection"):
                    factor = _first(selection, settings)
                cost += multiplier
                cost += walk(selection.selection_set, field_type, multiplier * factor, seen)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = schema.get_type(selection.type_condition.name.value)
                cost += walk(selection.selection_set, target, multiplier, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = schema.get_type(fragment.type_condition.name.value)
                cost += walk(fragment.selection_set, target, multiplier, seen | {name})
        return cost

    return walk(operation.selection_set, root, 1, frozenset())


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
