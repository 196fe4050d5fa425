"""Typed rows: every query shape in `store/` has a row type, so mypy checks each column a service
reads, and a query whose columns drift from its row type fails on first use.

A row type is an asyncpg `record_class`: a `Row` subclass that declares its columns as
annotations, each of which becomes a read-only property over the record. asyncpg builds it
directly, so a typed row costs what a plain record costs (bench/rows_bench.py: a frozen dataclass
per row added a quarter to myApplications' server time). Rows are immutable like any record;
reading one by string key is a type error, so every read goes through a declared column.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from operator import itemgetter
from typing import TYPE_CHECKING, ClassVar, Never, TypeVar

import asyncpg

if TYPE_CHECKING:
    from doorstep.store.db import Connection, Queryable


# a jsonb column's value as the connection's codec decodes it
Json = dict[str, "Json"] | list["Json"] | str | int | float | bool | None


class RowShapeError(TypeError):
    """A query's columns and its row type disagree: a programming error, caught by any test."""


class Row(asyncpg.Record):
    """Base of the row types: subclass it and annotate one attribute per selected column."""

    _columns: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        columns: set[str] = set(cls._columns)
        for name in inspect.get_annotations(cls):
            if hasattr(asyncpg.Record, name):
                # a column named like a record method (keys, items, get...) would hide it
                raise TypeError(f"{cls.__name__}.{name}: alias the column in the query")
            columns.add(name)
            setattr(cls, name, property(itemgetter(name)))
        cls._columns = frozenset(columns)

    if TYPE_CHECKING:
        # columns are read as attributes; a string key would pass mypy unchecked
        def __getitem__(self, index: Never) -> Never: ...  # type: ignore[override]
        def get(self, key: Never) -> Never: ...  # type: ignore[override]


R = TypeVar("R", bound=Row)


def _check(cls: type[Row], record: asyncpg.Record) -> None:
    got = frozenset(record.keys())
    if got != cls._columns:
        raise RowShapeError(
            f"{cls.__name__}: query gives {sorted(got)}, the row type declares "
            f"{sorted(cls._columns)}"
        )


async def fetch(db: Queryable, cls: type[R], query: str, *args: object) -> list[R]:
    records = await db.fetch(query, *args, record_class=cls)
    if records:
        _check(cls, records[0])
    return records


async def fetchrow(db: Queryable, cls: type[R], query: str, *args: object) -> R | None:
    record = await db.fetchrow(query, *args, record_class=cls)
    if record is not None:
        _check(cls, record)
    return record


async def fetchrow_by(
    db: Queryable,
    cls: type[R],
    select: str,
    column: str,
    key: object,
    *,
    lock: bool = False,
    lock_of: str | None = None,
) -> R | None:
    """The row of `select` (a query up to its where) whose `column` is `key`; with `lock`, held
    for update until the transaction ends (only the rows of the aliases `lock_of` names, as
    "w, p": a select that joins others leaves those unlocked)."""
    if not lock:
        lock_clause = ""
    elif lock_of is None:
        lock_clause = " for update"
    else:
        lock_clause = f" for update of {lock_of}"
    return await fetchrow(db, cls, f"{select} where {column} = $1{lock_clause}", key)


async def chunks(
    conn: Connection, cls: type[R], size: int, query: str, *args: object
) -> AsyncIterator[list[R]]:
    """The query's rows `size` at a time through a cursor (inside the caller's transaction), so
    a long result is never all in memory."""
    cursor = await conn.cursor(query, *args, record_class=cls)
    while rows := await cursor.fetch(size):
        _check(cls, rows[0])
        yield rows


async def fetchrow_one(db: Queryable, cls: type[R], query: str, *args: object) -> R:
    """For an insert ... returning or any query that always gives one row."""
    record = await fetchrow(db, cls, query, *args)
    assert record is not None
    return record
