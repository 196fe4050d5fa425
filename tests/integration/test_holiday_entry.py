"""An admin enters a year's official schedule (GraphQL, CLI): versioned, checked, and the
deadlines every process counts follow it."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from doorstep.cli import main
from doorstep.config import Settings
from doorstep.domain.calendar import local_date
from doorstep.domain.statutory_holidays import rest_days, statutory_days
from doorstep.services import holidays
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.conftest import ADMIN_PHONE, SUPERVISOR_PHONE
from tests.integration.helpers import error_code, gql, row_counts

ENTER = """mutation($i: HolidayScheduleInput!) { enterHolidaySchedule(input: $i) {
  year version holidays workdays source enteredVia enteredBy } }"""
CALENDAR = """query($f: Int!, $l: Int!) { workingCalendar(first: $f, last: $l) {
  year basis warning inForce { version } versions { version enteredBy note }
  weekdayRestDays } }"""
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"}) {
  tasks { itemCode dueOn } } }"""


def _schedule_2027(**extra: Any) -> dict[str, Any]:
    """A made-up 2027 notice: the statutory days with a week at 春节 and 国庆, and two
    adjusted working Saturdays."""
    off = {d.day for d in rest_days(2027)}
    off |= {date(2027, 2, 11), date(2027, 2, 12), date(2027, 10, 6), date(2027, 10, 7)}
    return {
        "year": 2027,
        "holidays": sorted(d.isoformat() for d in off),
        "workdays": ["2027-02-20", "2027-10-09"],
        "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
        **extra,
    }


def leaves_2027_as_found(
    test: Callable[..., Awaitable[None]],
) -> Callable[..., Awaitable[None]]:
    """The session's database and app are shared: the entries a test made are removed after it
    (other tests count 2027 with the statutory fallback)."""

    @functools.wraps(test)
    async def run(*args: Any, **kwargs: Any) -> None:
        try:
            await test(*args, **kwargs)
        finally:
            pool, client = kwargs["pool"], kwargs["client"]
            await pool.execute("delete from holiday_schedules where year in (2027, 2199)")
            await in_app(client, holidays.refresh, client.app.state.deps)

    return run


async def in_app(
    client: AsyncTestClient[Any], fn: Callable[..., Awaitable[Any]], *args: Any
) -> Any:
    """Run `fn` on the app's own event loop (the test client serves it from another thread)."""
    return await asyncio.to_thread(client.blocking_portal.call, fn, *args)


@leaves_2027_as_found
async def test_an_entered_schedule_is_versioned_and_counted_at_once(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    deps: Deps = client.app.state.deps
    assert not deps.calendar.is_working_day(date(2027, 2, 9))  # statutory 补假 meanwhile
    assert not deps.calendar.is_working_day(date(2027, 2, 20))  # a Saturday

    body = await gql(client, ENTER, {"i": _schedule_2027()}, token=tokens["admin"])
    assert "errors" not in body, body
    v1 = body["data"]["enterHolidaySchedule"]
    assert (v1["version"], v1["enteredVia"], v1["enteredBy"]) == (1, "graphql", "周建华")
    # in force at once: the bridge days rest, the adjusted Saturday works
    assert not deps.calendar.is_working_day(date(2027, 2, 12))
    assert deps.calendar.is_working_day(date(2027, 2, 20))
    assert deps.calendar.covers(2027)

    # a correction is a new version; the first stays readable
    fixed = _schedule_2027(workdays=["2027-02-20"], note="10-09 was a typo")
    body = await gql(client, ENTER, {"i": fixed}, token=tokens["admin"])
    assert body["data"]["enterHolidaySchedule"]["version"] == 2, body
    assert not deps.calendar.is_working_day(date(2027, 10, 9))
    body = await gql(client, CALENDAR, {"f": 2026, "l": 2028}, token=tokens["supervisor"])
    years = {y["year"]: y for y in body["data"]["workingCalendar"]}
    assert years[2026]["basis"] == "LIBRARY" and not years[2026]["warning"]
    assert years[2027]["basis"] == "ENTERED" and years[2027]["inForce"]["version"] == 2
    assert [v["version"] for v in years[2027]["versions"]] == [1, 2]
    assert years[2027]["versions"][1]["note"] == "10-09 was a typo"
    assert years[2028]["basis"] == "STATUTORY" and years[2028]["warning"]
    assert "2028-01-25" in years[2028]["weekdayRestDays"]  # 除夕 2028, by the fallback
    events = await pool.fetchval("select count(*) from events where kind = 'holidays.entered'")
    assert events >= 2


@leaves_2027_as_found
async def test_deadlines_of_new_applications_count_with_the_entered_year(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    """Every weekday from today to mid-2027 made a rest day: a new task's deadline moves past
    them once the schedule is entered, without a restart."""
    today = local_date(datetime.now(UTC))
    if today.year != 2026:
        pytest.skip("the made-up closure is a 2027 schedule: meaningful while 2027 is next")
    deps: Deps = client.app.state.deps
    before = await gql(client, SUBMIT, token=tokens["citizen"])
    due_before = [
        date.fromisoformat(t["dueOn"]) for t in before["data"]["submitApplication"]["tasks"]
    ]
    closed = [
        date(2027, 1, 1) + timedelta(days=i)
        for i in range(60)
        if (date(2027, 1, 1) + timedelta(days=i)).weekday() < 5
    ]
    body = await gql(
        client,
        ENTER,
        {"i": _schedule_2027(holidays=sorted({*_schedule_2027()["holidays"], *map(str, closed)}))},
        token=tokens["admin"],
    )
    assert "errors" not in body, body
    after = await gql(client, SUBMIT, token=tokens["citizen"])
    due_after = [
        date.fromisoformat(t["dueOn"]) for t in after["data"]["submitApplication"]["tasks"]
    ]
    for b, a in zip(due_before, due_after, strict=True):
        if b.year == 2027:
            assert a > closed[-1] and deps.calendar.is_working_day(a)
        else:
            assert a == b


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"year": 1999}, "holidays.year_invalid"),
        ({"source": "  "}, "holidays.source_missing"),
        ({"holidays": ["2027-01-01", "2028-01-03"]}, "holidays.date_outside_year"),
        ({"workdays": ["2027-02-06"]}, "holidays.both"),  # a Saturday of 春节, listed off
        ({"workdays": ["2027-02-17"]}, "holidays.workday_not_weekend"),  # a Wednesday
        ({"holidays": ["2027-01-01"]}, "holidays.statutory_day_missing"),
    ],
)
async def test_a_wrong_schedule_is_refused_and_nothing_written(
    client: AsyncTestClient[Any],
    pool: Pool,
    tokens: dict[str, str],
    change: dict[str, Any],
    code: str,
) -> None:
    before = await row_counts(pool, "holiday_schedules")
    body = await gql(client, ENTER, {"i": _schedule_2027(**change)}, token=tokens["admin"])
    assert error_code(body) == code, body
    assert await row_counts(pool, "holiday_schedules") == before
    message = body["errors"][0]["message"]
    assert message and code not in message  # a sentence, not the code


@leaves_2027_as_found
async def test_another_process_picks_the_entry_up_on_its_next_poll(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings, tokens: dict[str, str]
) -> None:
    other = Deps(pool=pool, settings=settings)
    await holidays.refresh(other)
    assert not other.calendar.covers(2199)
    off = [s.day.isoformat() for s in statutory_days(2199) if s.day.weekday() < 5]
    schedule = {"year": 2199, "holidays": off, "source": "test"}
    body = await gql(client, ENTER, {"i": schedule}, token=tokens["admin"])
    assert "errors" not in body, body
    assert await holidays.refresh(other)
    assert other.calendar.covers(2199)
    assert not await holidays.refresh(other)  # nothing new: nothing re-read


@leaves_2027_as_found
async def test_the_cli_enters_a_file_as_a_named_admin(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings, tmp_path: Any
) -> None:
    import json

    path = tmp_path / "2027.json"
    entry = _schedule_2027()
    path.write_text(json.dumps({"years": [entry]}, ensure_ascii=False), encoding="utf-8")
    env = {"DATABASE_URL": settings.database_url, "DOORSTEP_DEV": "1"}
    refused = await asyncio.to_thread(
        CliRunner().invoke, main, ["enter-holidays", str(path), "--by", SUPERVISOR_PHONE], env=env
    )
    assert refused.exit_code != 0 and "admin.not_an_admin" in refused.output
    done = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["enter-holidays", str(path), "--by", ADMIN_PHONE, "--note", "from the notice"],
        env=env,
    )
    assert done.exit_code == 0, done.output
    row = await pool.fetchrow(
        "select h.version, h.entered_via, s.phone from holiday_schedules h "
        "join staff_members s on s.id = h.entered_by_staff_id where year = 2027 "
        "order by version desc limit 1"
    )
    assert row is not None and (row["entered_via"], row["phone"]) == ("cli", ADMIN_PHONE)
    # `doorstep check` reads the entered versions too: 2027 is no longer a gap
    checked = await asyncio.to_thread(CliRunner().invoke, main, ["check"], env=env)
    assert "holiday schedule 2027" not in checked.output and "not read" not in checked.output
    assert await in_app(client, holidays.refresh, client.app.state.deps)
    assert client.app.state.deps.calendar.is_working_day(date(2027, 2, 20))
