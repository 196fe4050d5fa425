"""Typed rows: columns read as attributes, rows are read-only, and a query whose columns drift
from its row type fails on first use instead of handing a service a missing column."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.store.db import Pool
from doorstep.store.rows import Row, RowShapeError, fetch, fetchrow, fetchrow_one


class _Unit(Row):
    id: int
    code: str


class _UnitWithDay(_Unit):
    day: date


async def test_columns_are_attributes_and_inherited(pool: Pool) -> None:
    rows = await fetch(
        pool,
        _UnitWithDay,
        "select 7::bigint as id, 'u7' as code, date '2026-01-02' as day "
        "union all select 8, 'u8', date '2026-01-03' order by id",
    )
    assert [(r.id, r.code, r.day) for r in rows] == [
        (7, "u7", date(2026, 1, 2)),
        (8, "u8", date(2026, 1, 3)),
    ]
    assert isinstance(rows[0], _UnitWithDay)


async def test_rows_are_read_only(pool: Pool) -> None:
    row = await fetchrow_one(pool, _Unit, "select 1::bigint as id, 'a' as code")
    with pytest.raises(AttributeError):
        row.code = "b"
    assert row.code == "a"


async def test_no_row_is_none(pool: Pool) -> None:
    assert await fetchrow(pool, _Unit, "select 1::bigint as id, 'a' as code where false") is None
    assert await fetch(pool, _Unit, "select 1::bigint as id, 'a' as code where false") == []


@pytest.mark.parametrize(
    "query",
    [
        "select 1::bigint as id",  # a declared column missing
        "select 1::bigint as id, 'a' as code, 2 as extra",  # a column nobody declared
        "select 1::bigint as id, 'a' as kode",  # a renamed column
    ],
)
async def test_drifted_columns_are_refused(pool: Pool, query: str) -> None:
    with pytest.raises(RowShapeError, match="_Unit"):
        await fetch(pool, _Unit, query)
    with pytest.raises(RowShapeError, match="_Unit"):
        await fetchrow(pool, _Unit, query)


def test_a_column_may_not_hide_a_record_method() -> None:
    with pytest.raises(TypeError, match="alias the column"):

        class _Uses(Row):
            id: int
            items: list[str]  # type: ignore[assignment]  # the mistake refused here
