"""GraphQL's CollectFields for the compiled list (graphql/application_fields.py, which the
precompiled path and the executor share), kept to what it serves: fields, named fragments and
inline fragments on the selection's own type, and `@include`/`@skip`. Anything else raises
ValueError: the list goes the strawberry way.

`values` are the coerced variables of one request, or None to collect every field whatever
the conditions say (to check once that each field a request could select is one we serve)."""

from __future__ import annotations

from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    NamedTypeNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
)

Values = dict[str, Any] | None
Fragments = dict[str, FragmentDefinitionNode]


def included(directives: tuple[DirectiveNode, ...], values: Values) -> bool:
    """Whether `@skip`/`@include` keep a selection (ValueError: another directive, or a null
    `if`, which GraphQL refuses in its own words)."""
    for directive in directives:
        name = directive.name.value
        arguments = directive.arguments or ()
        if name not in ("skip", "include") or len(arguments) != 1:
            raise ValueError(name)
        condition = arguments[0].value
        if isinstance(condition, BooleanValueNode):
            value: Any = condition.value
        elif isinstance(condition, VariableNode):
            if values is None:
                continue
            value = values.get(condition.name.value)
        else:
            raise ValueError(name)
        if not isinstance(value, bool):
            raise ValueError(name)
        if values is not None and value == (name == "skip"):
            return False
    return True


def applies(condition: NamedTypeNode | None, parent: GraphQLObjectType) -> None:
    if condition is not None and condition.name.value != parent.name:
        raise ValueError("a fragment on another type")


def collect_fields(
    selection_sets: tuple[SelectionSetNode | None, ...],
    parent: GraphQLObjectType,
    fragments: Fragments,
    values: Values,
) -> dict[str, list[FieldNode]]:
    """GraphQL's CollectFields over the selection sets of one response key's field nodes: the
    field nodes by response key, in the order they first appear, each fragment visited once."""
    grouped: dict[str, list[FieldNode]] = {}
    visited: set[str] = set()

    def walk(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            raise ValueError("no selection")
        for node in selection_set.selections:
            if not included(node.directives or (), values):
                continue
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                grouped.setdefault(key, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                applies(node.type_condition, parent)
                walk(node.selection_set)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                if name in visited:
                    continue
                if getattr(node, "arguments", None):
                    raise ValueError("a fragment with arguments")
                visited.add(name)
                fragment = fragments[name]
                if fragment.directives or fragment.variable_definitions:
                    raise ValueError(name)
                applies(fragment.type_condition, parent)
                walk(fragment.selection_set)

    for selection_set in selection_sets:
        walk(selection_set)
    return grouped


class ConditionVariables(Visitor):
    """The variables the directives of a document name."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        for argument in node.arguments or ():
            if isinstance(argument.value, VariableNode):
                self.names.add(argument.value.name.value)
