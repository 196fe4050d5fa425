"""Staff reading a citizen's application is recorded (who, what, why); the citizen's own is not.

Deadlines on a new application are counted in working days from today on the calendar.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.calendar import DEFAULT_CALENDAR, local_date
from doorstep.store.db import Pool
from tests.integration.helpers import gql

SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"})
  { number tasks { itemCode workingDays dueOn } } }"""
READ = "query($n: String!) { application(number: $n) { number } }"


async def test_staff_reads_are_recorded(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    app = (await gql(client, SUBMIT, token=tokens["citizen"]))["data"]["submitApplication"]
    citizen_id = await pool.fetchval(
        "select citizen_id from applications where number = $1", app["number"]
    )
    before = await pool.fetchval(
        "select count(*) from personal_data_reads where citizen_id = $1", citizen_id
    )

    await gql(client, READ, {"n": app["number"]}, token=tokens["citizen"])
    assert (
        await pool.fetchval(
            "select count(*) from personal_data_reads where citizen_id = $1", citizen_id
        )
        == before
    )

    body = await gql(client, READ, {"n": app["number"]}, token=tokens["staff"])
    assert "errors" not in body
    row = await pool.fetchrow(
        "select reader_kind, reader_id, what, purpose from personal_data_reads "
        "where citizen_id = $1 order by id desc limit 1",
        citizen_id,
    )
    assert row is not None
    staff_id = await pool.fetchval(
        "select s.id from staff_members s join units u on u.id = s.unit_id "
        "where u.code = 'cy-psb' and s.role = 'staff'"
    )
    assert row["reader_kind"] == "staff" and row["reader_id"] == staff_id
    assert row["what"] == "application" and row["purpose"]

    # a refused read leaves no trace of having read anything
    count = await pool.fetchval("select count(*) from personal_data_reads")
    body = await gql(client, READ, {"n": app["number"]}, token=tokens["other_staff"])
    assert body["errors"][0]["extensions"]["code"] == "application.not_found"
    assert await pool.fetchval("select count(*) from personal_data_reads") == count


async def test_deadlines_count_working_days_from_today(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    app = (await gql(client, SUBMIT, token=tokens["citizen"]))["data"]["submitApplication"]
    today = local_date(datetime.now().astimezone())
    for task in app["tasks"]:
        expected = DEFAULT_CALENDAR.add_working_days(today, task["workingDays"])
        assert task["dueOn"] == expected.isoformat()
