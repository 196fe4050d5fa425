"""One object built from another field by field, by name: a service's view from a store row, a
strawberry type from a service's view or row, or a domain spec from a strawberry input.

`mirror(Target, Source, **fields)` is built once, at import, and checks the pair there: every
field of `Target` not named in `fields` is copied from the field (or property) of `Source` with
the same name, which must exist and have the same type hint. A renamed or retyped column thus
fails when the module is imported (by every test run and process, not only under mypy), with a
message naming both types and the field. Where the two differ only in how GraphQL spells a
value, the copy converts it, and nothing else:

- `strawberry.ID` from `int` (and back, `int` from an ID, is left to `parse_id`: it refuses);
- an enum from its value (`Rating` from `int`, `UnitKind` from `str`) and a value from its enum;
- `list[X]` from `tuple[X, ...]` and `tuple[X, ...]` from `list[X]`;

each also between the optional forms (`X | None`), None staying None. `fields` names the rest:

- a string: copy from the source's field of that name (checked as above);
- a mirror: build the field from the source's field of the same name with it (each item of a
  list or tuple, None staying None), checked as above against the mirror's two types;
- a callable: compute the value from the source (mypy checks what it reads of the source);
- `GIVEN`: the caller gives it at each call (`to_type(row, label=...)`), for values that need
  more than the source (the reader's language); a call that gives more or fewer is refused.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeVar

if TYPE_CHECKING:
    import strawberry

S = TypeVar("S")
T = TypeVar("T")


class _Given:
    def __repr__(self) -> str:
        return "GIVEN"


GIVEN: Final = _Given()

Fill = Callable[[Any], object]


class MirrorError(TypeError):
    """A field of the target has no counterpart on the source: a programming error."""


def _optional(hint: object) -> object | None:
    """X of `X | None`, else None."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == len(typing.get_args(hint)) - 1 and len(args) == 1:
            inner: object = args[0]
            return inner
    return None


def _enum_value_type(hint: object) -> type | None:
    """The plain type of an enum's values (`int` for `Rating`), if hint is an enum of one."""
    if isinstance(hint, type) and issubclass(hint, Enum):
        kinds = {type(m.value) for m in hint}
        if len(kinds) == 1:
            return kinds.pop()
    return None


def _convert(target: object, source: object) -> tuple[Fill | None, bool] | None:
    """How a value of hint `source` becomes one of hint `target`: (None: as it is, or the
    function to apply; whether None passes through untouched), None if it cannot."""
    if target == source:
        return None, False
    if source is int and _is_graphql_id(target):
        return _id, False
    if isinstance(target, type) and issubclass(target, Enum):
        return (target, False) if _enum_value_type(target) is source else None
    if isinstance(source, type) and issubclass(source, Enum):
        return (_enum_value, False) if _enum_value_type(source) is target else None
    target_item, source_item = typing.get_args(target), typing.get_args(source)
    if typing.get_origin(target) is list and typing.get_origin(source) is tuple:
        return (list, False) if source_item == (*target_item, Ellipsis) else None
    if typing.get_origin(target) is tuple and typing.get_origin(source) is list:
        return (tuple, False) if target_item == (*source_item, Ellipsis) else None
    inner_target, inner_source = _optional(target), _optional(source)
    if inner_target is None:
        return None
    inner = _convert(inner_target, inner_source if inner_source is not None else source)
    if inner is None or inner[0] is None:
        return inner
    return inner[0], inner_source is not None


def _is_graphql_id(hint: object) -> bool:
    """Whether hint is `strawberry.ID`, asked without importing strawberry (the services build
    views with this module in processes that serve no GraphQL): unloaded, it is not the hint."""
    loaded = sys.modules.get("strawberry")
    return loaded is not None and hint is getattr(loaded, "ID", None)


def _id(value: int) -> strawberry.ID:
    # strawberry.ID is a NewType of str: the string is the ID
    return typing.cast("strawberry.ID", str(value))


def _enum_value(value: Enum) -> object:
    return value.value


def _readable(source: type) -> dict[str, object]:
    """The source's fields and properties with their type hints."""
    hints = {
        name: hint
        for name, hint in typing.get_type_hints(source).items()
        if typing.get_origin(hint) is not ClassVar
    }
    for name, value in inspect.getmembers(source, lambda v: isinstance(v, property)):
        if name not in hints and value.fget is not None:
            hints[name] = typing.get_type_hints(value.fget).get("return")
    return hints


def _name(hint: object) -> str:
    """A hint as the message shows it: a class with its module (two enums may share a name)."""
    if isinstance(hint, type):
        return (
            hint.__name__
            if hint.__module__ == "builtins"
            else f"{hint.__module__}.{hint.__qualname__}"
        )
    return str(hint).replace("typing.", "")


class Mirror(Generic[S, T]):
    """Builds a `T` from an `S`: see the module's opening comment."""

    _build: Callable[..., T]
    _pair: str
    _types: tuple[type, type]
    _given: frozenset[str]

    def __init__(
        self,
        target: type[T],
        source: type[S],
        fields: dict[str, str | Mirror[Any, Any] | Fill | _Given],
    ) -> None:
        pair = f"{target.__name__} from {source.__name__}"
        if not dataclasses.is_dataclass(target):
            raise MirrorError(f"{pair}: {target.__name__} is not a dataclass")
        wanted = [f.name for f in dataclasses.fields(target) if f.init]
        if any(name.startswith("_") for name in wanted):
            raise MirrorError(f"{pair}: a field whose name begins with _ is not mirrored")
        unknown = sorted(set(fields) - set(wanted))
        if unknown:
            raise MirrorError(f"{pair}: {target.__name__} has no field {', '.join(unknown)}")
        target_hints = typing.get_type_hints(target)
        source_hints = _readable(source)
        # the constructor call as one would write it, compiled once: as fast as the call it
        # replaces (a loop over the fields per object would double the cost of a list)
        functions: dict[str, object] = {"_target": target}
        arguments = []
        for name in wanted:
            how = fields.get(name, name)
            if isinstance(how, _Given):
                continue
            if isinstance(how, Mirror) and name in source_hints:
                nested = how._through(target_hints[name], source_hints[name])
                if nested is None:
                    raise MirrorError(
                        f"{pair}: {target.__name__}.{name} is {_name(target_hints[name])} but "
                        f"{source.__name__}.{name} is {_name(source_hints[name])}: "
                        f"not what {how._pair} builds"
                    )
                functions[f"_nested_{name}"] = how._build  # a frame less than calling `how`
                arguments.append(f"{name}=" + nested.format(f"_nested_{name}", f"_source.{name}"))
                continue
            if isinstance(how, Mirror):
                how = name  # no such field: said below
            if not isinstance(how, str):
                functions[f"_compute_{name}"] = how
                arguments.append(f"{name}=_compute_{name}(_source)")
                continue
            if how not in source_hints:
                raise MirrorError(
                    f"{pair}: {target.__name__}.{name} has no field {how} "
                    f"on {source.__name__} to copy"
                )
            conversion = _convert(target_hints[name], source_hints[how])
            if conversion is None:
                raise MirrorError(
                    f"{pair}: {target.__name__}.{name} is {_name(target_hints[name])} but "
                    f"{source.__name__}.{how} is {_name(source_hints[how])}"
                )
            convert, nullable = conversion
            value = f"_source.{how}"
            if convert is not None:
                functions[f"_convert_{name}"] = convert
                value = (
                    f"(None if (_value := {value}) is None else _convert_{name}(_value))"
                    if nullable
                    else f"_convert_{name}({value})"
                )
            arguments.append(f"{name}={value}")
        given = sorted(n for n, how in fields.items() if isinstance(how, _Given))
        # the given fields are keyword-only parameters: a call missing one, or giving another,
        # is refused as any call is
        parameters = ", ".join(["_source", "/", *(["*", *given] if given else [])])
        arguments += [f"{name}={name}" for name in given]
        # named for the pair, as a refused call or a traceback shows it
        function = f"{target.__name__}_from_{source.__name__}"
        code = f"def {function}({parameters}):\n    return _target({', '.join(arguments)})\n"
        # the text holds only field names of the two classes (identifiers) and fixed words, its
        # own names begin with _ (no field's does: see above)
        exec(compile(code, f"<mirror {pair}>", "exec"), functions)  # noqa: S102
        self._build = typing.cast(Callable[..., T], functions[function])
        self._given = frozenset(given)
        self._pair = pair
        self._types = (target, source)

    def _through(self, target: object, source: object) -> str | None:
        """How a field of hint `source` becomes one of hint `target` by this mirror, as code
        to format with the mirror's name and the value: None if this mirror cannot."""
        own_target, own_source = self._types
        if self._given:
            return None  # it needs values from its caller
        if target is own_target and source is own_source:
            return "{0}({1})"
        if _optional(target) is own_target and _optional(source) is own_source:
            return "(None if (_value := {1}) is None else {0}(_value))"
        items = typing.get_args(source)
        if (
            typing.get_origin(target) is list
            and typing.get_args(target) == (own_target,)
            and typing.get_origin(source) in (list, tuple)
            and items in ((own_source,), (own_source, Ellipsis))
        ):
            return "[{0}(item) for item in {1}]"
        return None

    def __call__(self, source: S, /, **given: object) -> T:
        return self._build(source, **given)


def mirror(
    target: type[T],
    source: type[S],
    /,
    **fields: str | Mirror[Any, Any] | Callable[[S], object] | _Given,
) -> Mirror[S, T]:
    """A `T` from an `S` by field name, checked now: see the module's opening comment."""
    return Mirror(target, source, dict(fields))
