"""One value from SQL (store.typed): the value has the type the caller names, or the query fails
on first use, as a row type's does, instead of handing a service a Decimal or a None it
declared an int."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.store.db import Pool
from doorstep.store.rows import RowShapeError
from doorstep.store.typed import (
    fetch_bool,
    fetch_column,
    fetch_int,
    fetch_optional,
    fetch_value,
    gives_row,
    ids_by_code,
)


async def test_values_of_the_named_type(pool: Pool) -> None:
    assert await fetch_int(pool, "select $1::bigint + 1", 41) == 42
    assert await fetch_bool(pool, "select exists (select 1)") is True
    assert await fetch_value(pool, date, "select date '2026-01-02'") == date(2026, 1, 2)
    assert await fetch_optional(pool, str, "select 'a'") == "a"


async def test_null_or_no_row_is_none_only_when_optional(pool: Pool) -> None:
    assert await fetch_optional(pool, int, "select null::bigint") is None
    assert await fetch_optional(pool, int, "select 1::bigint where false") is None
    with pytest.raises(RowShapeError, match="NoneType, not int"):
        await fetch_int(pool, "select null::bigint")
    with pytest.raises(RowShapeError, match="NoneType, not int"):
        await fetch_int(pool, "select 1::bigint where false")


@pytest.mark.parametrize(
    "query",
    [
        "select sum(x) from (values (1::bigint), (2)) v(x)",  # numeric: a Decimal, not an int
        "select '1'",
        "select 1.5::float8",
    ],
)
async def test_a_drifted_value_is_refused(pool: Pool, query: str) -> None:
    with pytest.raises(RowShapeError, match="not int"):
        await fetch_int(pool, query)
    with pytest.raises(RowShapeError, match="not int"):
        await fetch_optional(pool, int, query)


async def test_columns_and_rows_found(pool: Pool) -> None:
    assert await fetch_column(pool, int, "select x from generate_series(1, 3) x") == [1, 2, 3]
    with pytest.raises(RowShapeError, match="NoneType, not str"):
        await fetch_column(pool, str, "select x from (values ('a'), (null)) v(x)")
    assert await ids_by_code(pool, "select 'a' as code, 7::bigint as id") == {"a": 7}
    assert await gives_row(pool, "select 1 where $1", True)
    assert not await gives_row(pool, "select 1 where $1", False)
