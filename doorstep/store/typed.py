"""One value from SQL, typed: asyncpg's `fetchval` returns `Any`, which mypy lets flow anywhere
unchecked (pyproject.toml: `disallow_any_expr` in `doorstep.store.*`). These give the value the
type the caller names and check it, so a query whose value drifts (a `sum` that turns numeric,
a column that may be null) fails on first use, as a row type does (`store.rows`)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar, cast

from doorstep.store.rows import Row, RowShapeError, fetch

if TYPE_CHECKING:
    from doorstep.store.db import Queryable

T = TypeVar("T")


async def _fetchval(db: Queryable, query: str, args: tuple[object, ...]) -> object:
    return await cast("Awaitable[object]", db.fetchval(query, *args))


def _checked(value: object, kind: type[T], query: str) -> T:
    if not isinstance(value, kind):
        raise RowShapeError(f"{query!r} gives {type(value).__name__}, not {kind.__name__}")
    return value


async def fetch_value(db: Queryable, kind: type[T], query: str, *args: object) -> T:
    """The first column of the first row, which must be a `kind` (not null, a row found)."""
    return _checked(await _fetchval(db, query, args), kind, query)


async def fetch_optional(db: Queryable, kind: type[T], query: str, *args: object) -> T | None:
    """The first column of the first row, a `kind`; None when the value is null or no row."""
    value = await _fetchval(db, query, args)
    return None if value is None else _checked(value, kind, query)


async def fetch_column(db: Queryable, kind: type[T], query: str, *args: object) -> list[T]:
    """The first column of every row, each a `kind` (not null): ids, codes."""
    records = await db.fetch(query, *args)
    return [_checked(cast("object", record[0]), kind, query) for record in records]


async def fetch_int(db: Queryable, query: str, *args: object) -> int:
    """An id returned, a count, a sequence's next value."""
    return await fetch_value(db, int, query, *args)


async def fetch_bool(db: Queryable, query: str, *args: object) -> bool:
    """`select exists (...)` and the like."""
    return await fetch_value(db, bool, query, *args)


async def gives_row(db: Queryable, query: str, *args: object) -> bool:
    """Whether the query gives a row: an update whose condition held, an insert not skipped
    by `on conflict do nothing`, a `select true ... where` that found one."""
    return await _fetchval(db, query, args) is not None


class _CodeIdRow(Row):
    code: str
    id: int


async def ids_by_code(db: Queryable, query: str, *args: object) -> dict[str, int]:
    """code -> id over the rows of a query that selects `code, id`."""
    return {row.code: row.id for row in await fetch(db, _CodeIdRow, query, *args)}


async def next_in_sequence(db: Queryable, sequence: str) -> int:
    """The sequence's next value (a number's serial part)."""
    return await fetch_int(db, f"select nextval('{sequence}')")
