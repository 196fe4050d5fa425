"""Arguments turned into input objects by a function built once per field, not per request.

strawberry's `convert_arguments` walks the argument's type on every call, resolving each input
field's type and GraphQL name as it goes: ~110-140 µs for `submitApplication`'s input, a
twentieth of a submission's server CPU. `compile_arguments` does that walk once and
keeps, per input type, (GraphQL name, Python name, converter) for each field; a call then only
builds the objects. It follows `strawberry.types.arguments.convert_argument` step for step for
the types it accepts (optional, list, scalar, enum, plain input object), and refuses any other
(`Maybe`, lazy types, `GlobalID`, inputs with their own `from_input`) with None: those fields
keep strawberry's own conversion. `tests/unit/test_input_conversion.py` holds both to the same
answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType

Convert = Callable[[Any], Any]
ArgumentsConverter = Callable[[dict[str, Any]], dict[str, Any]]
Registry = Mapping[object, Any]


class NotCompiled(Exception):
    """A type this module leaves to strawberry."""


def _leaf(type_: StrawberryType | type, registry: Registry) -> bool:
    if type_ is GlobalID or isinstance(type_, LazyType):
        raise NotCompiled(type_)
    return is_scalar(type_, registry) or isinstance(type_, StrawberryEnumDefinition)


def _same(value: Any) -> Any:
    return value


def _converter(
    type_: StrawberryType | type, registry: Registry, config: StrawberryConfig
) -> Convert:
    if isinstance(type_, StrawberryMaybe):
        raise NotCompiled(type_)
    if isinstance(type_, StrawberryOptional):
        return _converter(type_.of_type, registry, config)
    if isinstance(type_, StrawberryList):
        item_type = type_.of_type
        if _leaf(item_type, registry) or (
            isinstance(item_type, StrawberryOptional) and _leaf(item_type.of_type, registry)
        ):
            # copied: graphql-core hands every request that omits it the same default list
            return lambda value: None if value is None else list(value)
        item = _converter(item_type, registry, config)
        return lambda value: None if value is None else [item(x) for x in value]
    if _leaf(type_, registry) or has_enum_definition(type_):
        return _same
    if has_object_definition(type_):
        return _input_object(type_, registry, config)
    raise NotCompiled(type_)


def _input_object(cls: type, registry: Registry, config: StrawberryConfig) -> Convert:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    if definition.from_input is not None or not definition.is_input:
        raise NotCompiled(cls)
    # nullable fields without a default of their own are None unless given
    implicit = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }
    fields = [
        (
            config.name_converter.from_field(field),
            field.python_name,
            _converter(field.resolve_type(type_definition=definition), registry, config),
        )
        for field in definition.fields
    ]

    def convert(value: Any) -> Any:
        if value is None:
            return None
        kwargs = dict(implicit)
        for graphql_name, python_name, inner in fields:
            if graphql_name in value:
                kwargs[python_name] = inner(value[graphql_name])
        return cls(**kwargs)

    return convert


def compile_arguments(
    arguments: list[StrawberryArgument], registry: Registry, config: StrawberryConfig
) -> ArgumentsConverter | None:
    """`convert_arguments` for these arguments as one prepared function; None when any of
    them has a type left to strawberry."""
    try:
        steps = [
            (
                config.name_converter.from_argument(argument),
                argument.python_name,
                _converter(argument.type, registry, config),
            )
            for argument in arguments
        ]
    except NotCompiled:
        return None

    def convert(value: dict[str, Any]) -> dict[str, Any]:
        return {
            python_name: inner(value[name]) for name, python_name, inner in steps if name in value
        }

    return convert
