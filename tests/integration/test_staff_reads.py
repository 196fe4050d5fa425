"""Staff reading a citizen's application is recorded (who, what, why); the citizen's own is not.

Deadlines on a new application are counted in working days from today on the calendar.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.calendar import DEFAULT_CALENDAR, local_date
from doorstep.store.db import Pool
from tests.integration.helpers import fresh_phone, gql, login

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


async def test_staff_reads_are_shown_from_coded_purposes_old_english_ones_too(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """A clerk's read of an appeal, a home visit, an accompanied visit or a data correction is
    shown to the citizen from the catalogs, in her language; rows recorded earlier with those
    purposes as English text are shown as the codes they stand for."""
    phone = fresh_phone()
    token = await login(client, pool, phone)
    citizen_id = await pool.fetchval("select id from citizens where phone = $1", phone)
    staff_id = await pool.fetchval("select id from staff_members order by id limit 1")
    recorded = [
        ("offer", "review_appeal"),
        ("welfare_check", "home_visit"),
        ("escort_booking", "accompanied_visit"),
        ("vault_fact", "handle_correction"),
        ("offer", "review offer appeal"),
        ("welfare_check", "home visit"),
        ("escort_booking", "accompanied visit"),
        ("vault_fact", "handle data correction"),
    ]
    for what, purpose in recorded:
        await pool.execute(
            "insert into personal_data_reads (citizen_id, reader_kind, reader_id, what, purpose)"
            " values ($1, 'staff', $2, $3, $4)",
            citizen_id,
            staff_id,
            what,
            purpose,
        )
    log = """{ myDataAccessLog { what whatLabel purpose purposeLabel } }"""
    shown = (await gql(client, log, token=token))["data"]["myDataAccessLog"]
    labels = {
        "review_appeal": ("一项为您找到的服务", "复核您提出的异议"),
        "home_visit": ("上门探访安排", "上门探访您"),
        "accompanied_visit": ("一次陪同办预约", "陪同您办事"),
        "handle_correction": ("证照库中的一项信息", "处理您提出的信息更正"),
    }
    codes = [p for _w, p in recorded[:4]]
    assert [(e["purpose"], e["whatLabel"], e["purposeLabel"]) for e in shown] == [
        (code, *labels[code]) for code in reversed(codes * 2)
    ]
