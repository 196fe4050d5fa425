"""The boundary between SQL and Python: no public function of `doorstep.store` returns a bare
`asyncpg.Record` or `Any`, so every column a service reads is a declared attribute of a row type
(`store.rows.Row`) that mypy checks.

mypy enforces half of it (pyproject.toml: no explicit `Any` in `doorstep.store.*`); a bare
record is no `Any` to mypy, so the return annotations are read here."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import types
from collections.abc import Iterator
from pathlib import Path

import doorstep.store

# a connection or pool is generic in its record class: asyncpg.Connection[asyncpg.Record] is a
# connection, not a returned record
GENERIC_IN_RECORD = {"Connection", "Pool", "PoolConnectionProxy"}


def _store_modules() -> Iterator[types.ModuleType]:
    yield doorstep.store
    for info in pkgutil.walk_packages(doorstep.store.__path__, "doorstep.store."):
        if ".migrations" in info.name:
            continue
        yield importlib.import_module(info.name)


def _public_functions() -> Iterator[tuple[str, types.FunctionType]]:
    for module in _store_modules():
        for name, value in vars(module).items():
            if (
                not name.startswith("_")
                and inspect.isfunction(value)
                and value.__module__ == module.__name__
            ):
                yield f"{module.__name__}.{name}", value


def _offending(annotation: str) -> list[str]:
    """`Any` or a bare record anywhere in a return annotation (list[X], X | None, dict[K, V]...)."""
    tree = ast.parse(annotation, mode="eval")
    allowed: set[int] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _name(node.value) in GENERIC_IN_RECORD:
            allowed.update(id(n) for n in ast.walk(node.slice))
        name = _name(node)
        if name == "Any" or (name == "Record" and id(node) not in allowed):
            found.append(ast.unparse(node))
    return found


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _returned(qualname: str, function: types.FunctionType) -> str:
    annotation = function.__annotations__.get("return", inspect.Signature.empty)
    assert annotation is not inspect.Signature.empty, f"{qualname}: no return annotation"
    # every store module has `from __future__ import annotations`: the annotation as written
    assert isinstance(annotation, str), f"{qualname}: {annotation!r}"
    return annotation


def test_no_store_function_returns_a_bare_record_or_any() -> None:
    functions = dict(_public_functions())
    # the walk found the store: a broken walk must not pass by checking nothing
    assert len(functions) > 200, sorted(functions)
    assert "doorstep.store.tickets.reading.by_number" in functions
    offenders = {
        qualname: part
        for qualname, function in functions.items()
        for part in _offending(_returned(qualname, function))
    }
    assert not offenders, (
        "return a row type (doorstep.store.rows.Row, one per query shape) or a precise type: "
        f"{offenders}"
    )


def test_the_check_sees_a_record_or_any_inside_a_container() -> None:
    assert _offending("dict[int, list[asyncpg.Record | None]]") == ["asyncpg.Record"]
    assert _offending("tuple[Record, typing.Any]") == ["Record", "typing.Any"]
    assert _offending("list[TicketRow] | None") == []
    assert _offending("asyncpg.Connection[asyncpg.Record]") == []


def test_a_read_of_personal_data_is_recorded_by_one_statement() -> None:
    """Who looked at a citizen's data is written in one place (store.delegation), so a reader
    of any kind gets the same columns (the delegation, a refusal, the subjects); only a staff
    member's list of several citizens is its own `insert ... select`."""
    root = Path(doorstep.store.__file__).parent
    writes = [
        f"{path.relative_to(root)}"
        for path in sorted(root.rglob("*.py"))
        for _ in re.finditer(
            r"insert into personal_data_reads \([^)]*\)\s*values", path.read_text()
        )
    ]
    assert writes == ["delegation.py"]
