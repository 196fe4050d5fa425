"""The prepared argument conversion gives what strawberry's own gives, for every argument of
every field of the schema: all input fields given, and only the required ones."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    coerce_input_value,
)
from strawberry.types.arguments import convert_arguments

from doorstep.graphql.input_conversion import compile_arguments
from doorstep.graphql.schema import build_schema

SCHEMA = build_schema(introspection=True)
SAMPLES = {
    "String": "某某",
    "ID": "42",
    "Int": 7,
    "Float": 0.5,
    "Boolean": True,
    "Date": "2026-03-01",
    "DateTime": "2026-03-01T08:00:00+08:00",
    "JSON": {"babyName": "小明", "n": [1, 2]},
}


def _sample(type_: GraphQLInputType, *, every: bool, depth: int = 0) -> Any:
    """A value of `type_` as a client sends it: every input field, or only the required."""
    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type, every=every, depth=depth)
    if isinstance(type_, GraphQLList):
        return [_sample(type_.of_type, every=every, depth=depth)]
    if isinstance(type_, GraphQLScalarType):
        return SAMPLES[type_.name]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLInputObjectType)
    return {
        name: _sample(field.type, every=every, depth=depth + 1)
        for name, field in type_.fields.items()
        if (every and depth < 4) or isinstance(field.type, GraphQLNonNull)
    }


def _fields_with_arguments() -> list[tuple[str, str]]:
    found = []
    for root in (SCHEMA._schema.query_type, SCHEMA._schema.mutation_type):
        assert root is not None
        found += [(root.name, name) for name, field in root.fields.items() if field.args]
    return found


FIELDS = _fields_with_arguments()


@pytest.mark.parametrize(("root", "name"), FIELDS, ids=[f"{r}.{n}" for r, n in FIELDS])
@pytest.mark.parametrize("every", [True, False], ids=["every field", "required only"])
def test_the_same_as_strawberry(root: str, name: str, every: bool) -> None:
    root_type = SCHEMA._schema.get_type(root)
    field = root_type.fields[name]  # type: ignore[union-attr]
    definition = field.extensions["strawberry-definition"]
    registry = SCHEMA.schema_converter.scalar_registry
    convert = compile_arguments(definition.arguments, registry, SCHEMA.config)
    assert convert is not None, f"{root}.{name} left to strawberry"
    given = {
        arg: coerce_input_value(_sample(a.type, every=every), a.type)
        for arg, a in field.args.items()
        if every or isinstance(a.type, GraphQLNonNull)
    }
    expected = convert_arguments(given, definition.arguments, registry, SCHEMA.config)
    assert convert(given) == expected
    assert repr(convert(given)) == repr(expected)  # the same classes all the way down


def test_every_field_was_compared() -> None:
    assert ("Mutation", "submitApplication") in FIELDS and len(FIELDS) > 50


def test_a_submission_with_documents_and_nulls() -> None:
    field = SCHEMA._schema.mutation_type.fields["submitApplication"]  # type: ignore[union-attr]
    definition = field.extensions["strawberry-definition"]
    registry = SCHEMA.schema_converter.scalar_registry
    convert = compile_arguments(definition.arguments, registry, SCHEMA.config)
    assert convert is not None
    sent_forms: tuple[dict[str, Any], ...] = (
        {"bundleCode": "newborn"},
        {"bundleCode": "newborn", "materials": [], "form": None, "documents": None},
        {"bundleCode": "newborn", "form": [1, "两"], "applicantName": None},
        {"bundleCode": "x", "documents": [{"type": "birth_certificate", "validUntil": None}]},
    )
    for sent in sent_forms:
        given = {"input": coerce_input_value(sent, field.args["input"].type)}
        expected = convert_arguments(given, definition.arguments, registry, SCHEMA.config)
        assert convert(given) == expected
        assert repr(convert(given)) == repr(expected)
    # graphql-core's default list is copied, never shared between requests
    first = convert({"input": coerce_input_value({"bundleCode": "a"}, field.args["input"].type)})
    second = convert({"input": coerce_input_value({"bundleCode": "a"}, field.args["input"].type)})
    assert first["input"].materials is not second["input"].materials
